#include "ops/audit/auditfollower.h"

#include "redis/client.h"

using namespace Qt::StringLiterals;

namespace cachescope::ops {

AuditFollower::AuditFollower(QByteArray after)
{
    setAfter(std::move(after));
}

void AuditFollower::setAfter(QByteArray after, bool namesRecord)
{
    m_after = std::move(after);
    m_namesRecord = namesRecord || m_after == "0-0"; // every record of a stream comes after 0-0
}

void AuditFollower::read(redis::Client& client, int pageSize, const QObject* context, Callback callback)
{
    if (m_namesRecord) {
        readFrom(client, pageSize, context, std::move(callback));
        return;
    }
    readAudit(client, 1, context,
        [this, &client, pageSize, context, callback = std::move(callback)](
            std::optional<QList<AuditRecord>> newest, const QString& error) mutable {
            if (!newest) {
                callback({}, false, error);
                return;
            }
            if (newest->isEmpty()) {
                setAfter("0-0"); // no stream: whatever is written next is new
                callback({}, false, QString());
                return;
            }
            if (!streamIdBefore(m_after, newest->first().id)) {
                setAfter(newest->first().id, true); // nothing new; the newest record is the next read's anchor
                callback({}, false, QString());
                return;
            }
            readFrom(client, pageSize, context, std::move(callback)); // the newest record is in the range
        });
}

void AuditFollower::readFrom(redis::Client& client, int pageSize, const QObject* context, Callback callback)
{
    // One more than a page: the anchor comes back too.
    client.command({"XRANGE", auditStreamKey, m_after, "+", "COUNT", QByteArray::number(qint64(pageSize) + 1)}, context,
        [this, pageSize, callback = std::move(callback)](const redis::Reply& reply) {
            if (!reply.isArray()) {
                callback({}, false, reply.isError() ? reply.errorMessage() : u"unexpected XRANGE reply"_s);
                return;
            }
            QList<AuditRecord> records = auditRecordsIn(reply);
            const bool more = records.size() > pageSize;
            records.removeIf([this](const AuditRecord& record) { return !streamIdBefore(m_after, record.id); });
            if (records.isEmpty() && reply.elements().empty()) {
                m_namesRecord = false; // the anchor is gone (the stream too, or the record was deleted)
            } else if (!records.isEmpty()) {
                setAfter(records.last().id, true);
            }
            callback(records, more, QString());
        });
}

} // namespace cachescope::ops
