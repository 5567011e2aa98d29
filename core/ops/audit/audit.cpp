#include "ops/audit/audit.h"

#include "redis/client.h"

#include <QHostInfo>

#include <pwd.h>
#include <unistd.h>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

QString auditActionName(AuditAction action)
{
    switch (action) {
    case AuditAction::Invalidate:
        return u"invalidate"_s;
    case AuditAction::Expire:
        return u"expire"_s;
    case AuditAction::InvalidateTags:
        return u"invalidate tags"_s;
    case AuditAction::Refused:
        return u"refused"_s;
    case AuditAction::RouteSave:
        return u"routes.save"_s;
    case AuditAction::KeyspaceEvents:
        return u"config.keyspace-events"_s;
    }
    return {};
}

QString auditOutcomeName(AuditOutcome outcome)
{
    switch (outcome) {
    case AuditOutcome::Completed:
        return u"completed"_s;
    case AuditOutcome::Cancelled:
        return u"cancelled"_s;
    case AuditOutcome::Failed:
        return u"failed"_s;
    case AuditOutcome::Refused:
        return u"refused"_s;
    }
    return {};
}

AuditRecord AuditRecord::of(AuditAction action, AuditOutcome outcome, QString actor, QString target, qint64 count)
{
    AuditRecord record;
    record.actor = std::move(actor);
    record.action = auditActionName(action);
    record.target = std::move(target);
    record.count = count;
    record.outcome = auditOutcomeName(outcome);
    return record;
}

QString AuditRecord::summary() const
{
    QString text = action;
    if (dryRun)
        text += u" (dry run)"_s;
    if (!detail.isEmpty())
        text += u' ' + detail;
    if (!outcome.isEmpty() && outcome != auditOutcomeName(AuditOutcome::Completed))
        text += u" — "_s + outcome;
    return text;
}

QList<QByteArray> auditFields(const AuditRecord& record)
{
    const QDateTime at = record.at.isValid() ? record.at : QDateTime::currentDateTimeUtc();
    QList<QByteArray> fields {"at", at.toUTC().toString(Qt::ISODateWithMs).toUtf8(), "actor", record.actor.toUtf8(),
        "action", record.action.toUtf8(), "target", record.target.toUtf8()};
    if (record.count >= 0)
        fields << "count" << QByteArray::number(record.count);
    if (!record.before.isNull())
        fields << "before" << record.before;
    if (!record.after.isNull())
        fields << "after" << record.after;
    if (record.dryRun)
        fields << "dryRun"
               << "1";
    if (!record.outcome.isEmpty())
        fields << "outcome" << record.outcome.toUtf8();
    if (!record.detail.isEmpty())
        fields << "detail" << record.detail.toUtf8();
    if (record.startedAt.isValid())
        fields << "started" << record.startedAt.toUTC().toString(Qt::ISODateWithMs).toUtf8();
    if (!record.pattern.isEmpty())
        fields << "pattern" << record.pattern;
    if (!record.tag.isEmpty())
        fields << "tag" << record.tag;
    return fields;
}

QList<QByteArray> auditAppendCommand(const AuditRecord& record)
{
    QList<QByteArray> command {"XADD", auditStreamKey, "MAXLEN", "~", QByteArray::number(auditStreamMaxLength), "*"};
    command += auditFields(record);
    return command;
}

void appendAudit(redis::Client& connection, const AuditRecord& record, const QObject* context,
    std::function<void(std::optional<QByteArray>, QString)> callback)
{
    connection.command(
        auditAppendCommand(record), context, [callback = std::move(callback)](const redis::Reply& reply) {
            if (!callback)
                return;
            if (reply.isString())
                callback(reply.bytes(), QString());
            else
                callback(std::nullopt, reply.isError() ? reply.errorMessage() : u"unexpected XADD reply"_s);
        });
}

bool streamIdBefore(const QByteArray& a, const QByteArray& b)
{
    const auto parts = [](const QByteArray& id) {
        const qsizetype dash = id.indexOf('-');
        bool msOk = false;
        bool seqOk = false;
        const quint64 ms = (dash < 0 ? id : id.left(dash)).toULongLong(&msOk); // left(-1) is empty in Qt 6
        const quint64 seq = dash < 0 ? 0 : id.mid(dash + 1).toULongLong(&seqOk);
        return msOk && (dash < 0 || seqOk) ? std::pair(ms, seq) : std::pair(quint64(0), quint64(0));
    };
    return parts(a) < parts(b);
}

QList<AuditRecord> auditRecordsIn(const redis::Reply& entries)
{
    QList<AuditRecord> records;
    for (const redis::Reply& entry : entries.elements()) {
        if (!entry.isArray() || entry.elements().size() != 2)
            continue;
        AuditRecord record;
        record.id = entry.elements()[0].bytes();
        const auto& fields = entry.elements()[1].elements();
        for (std::size_t i = 0; i + 1 < fields.size(); i += 2) {
            const QByteArray& name = fields[i].bytes();
            const QByteArray& value = fields[i + 1].bytes();
            if (name == "at")
                record.at = QDateTime::fromString(QString::fromUtf8(value), Qt::ISODateWithMs);
            else if (name == "actor")
                record.actor = QString::fromUtf8(value);
            else if (name == "action")
                record.action = QString::fromUtf8(value);
            else if (name == "target")
                record.target = QString::fromUtf8(value);
            else if (name == "count")
                record.count = value.toLongLong();
            else if (name == "before")
                record.before = value;
            else if (name == "after")
                record.after = value;
            else if (name == "dryRun")
                record.dryRun = value == "1";
            else if (name == "outcome")
                record.outcome = QString::fromUtf8(value);
            else if (name == "detail")
                record.detail = QString::fromUtf8(value);
            else if (name == "started")
                record.startedAt = QDateTime::fromString(QString::fromUtf8(value), Qt::ISODateWithMs);
            else if (name == "pattern")
                record.pattern = value.left(4096);
            else if (name == "tag")
                record.tag = value.left(4096);
        }
        records.append(std::move(record));
    }
    return records;
}

void readAudit(redis::Client& connection, int count, const QObject* context,
    std::function<void(std::optional<QList<AuditRecord>>, QString)> callback)
{
    connection.command({"XREVRANGE", auditStreamKey, "+", "-", "COUNT", QByteArray::number(count)}, context,
        [callback = std::move(callback)](const redis::Reply& reply) {
            if (!reply.isArray()) {
                callback(std::nullopt, reply.isError() ? reply.errorMessage() : u"unexpected XREVRANGE reply"_s);
                return;
            }
            callback(auditRecordsIn(reply), QString());
        });
}

QString defaultActor()
{
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty()) {
        const passwd* entry = getpwuid(getuid()); // USER is often unset in services and containers
        user = entry ? QString::fromLocal8Bit(entry->pw_name) : u"uid-%1"_s.arg(getuid());
    }
    return user + u'@' + QHostInfo::localHostName();
}

} // namespace cachescope::ops
