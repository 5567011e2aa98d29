#include "taginvalidatecommand.h"

#include "cliresult.h"

#include "cache/keyspace.h"
#include "ops/audit.h"
#include "redis/client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

TagInvalidateCommand::TagInvalidateCommand(
    redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_connection(connection)
    , m_options(std::move(options))
    , m_out(out)
    , m_err(err)
    , m_manager(connection, {})
{
}

void TagInvalidateCommand::start()
{
    if (m_options.execute)
        execute();
    else
        preview();
}

void TagInvalidateCommand::preview()
{
    m_manager.countTags(m_options.tags, this, [this](std::optional<QList<qint64>> counts, const QString& error) {
        if (!counts) {
            m_err << "cachectl invalidate --tag: " << error << '\n';
            Q_EMIT finished(ExitFailure);
            return;
        }
        qint64 total = 0;
        QJsonArray perTag;
        for (qsizetype i = 0; i < counts->size(); ++i) {
            total += counts->at(i);
            perTag.append(
                QJsonObject {{u"tag"_s, redis::displayBytes(m_options.tags.at(i))}, {u"matched"_s, counts->at(i)}});
            if (!m_options.json)
                m_out << "tag " << redis::displayBytes(m_options.tags.at(i)) << ": " << counts->at(i)
                      << " live entries would be deleted\n";
        }
        if (m_options.json)
            m_out << QJsonDocument(
                QJsonObject {{u"success"_s, true}, {u"dryRun"_s, true}, {u"matched"_s, total}, {u"tags"_s, perTag}})
                         .toJson(QJsonDocument::Indented);
        else
            m_out << "Dry run: nothing was deleted. Run again with --yes to delete these " << total << " keys.\n";
        Q_EMIT finished(ExitOk);
    });
}

void TagInvalidateCommand::execute()
{
    m_manager.invalidateTags(m_options.tags, this, [this](std::optional<qint64> deleted, const QString& error) {
        ops::AuditRecord record;
        record.actor = m_options.actor;
        record.action = u"invalidate tags"_s;
        record.target = cache::describeTags(m_options.tags);
        record.count = deleted.value_or(-1);
        if (!deleted) {
            m_err << "cachectl invalidate --tag: " << error << '\n';
            Q_EMIT finished(ExitFailure);
            return;
        }
        ops::appendAudit(
            *m_connection, record, this, [this, deleted](std::optional<QByteArray>, const QString& auditError) {
                if (!auditError.isEmpty())
                    m_err << "cachectl invalidate --tag: could not write the audit record: " << auditError << '\n';
                if (m_options.json)
                    m_out << QJsonDocument(
                        QJsonObject {{u"success"_s, true}, {u"dryRun"_s, false}, {u"invalidated"_s, *deleted}})
                                 .toJson(QJsonDocument::Indented);
                else
                    m_out << *deleted << " deleted (by the tag index)\n";
                Q_EMIT finished(ExitOk);
            });
    });
}

} // namespace cachescope::cli
