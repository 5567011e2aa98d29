#include "taginvalidatecommand.h"

#include "cliresult.h"

#include "model/displaybytes.h"
#include "model/reservedkeys.h"
#include "ops/audit.h"
#include "ops/auditwriter.h"
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
    , m_audit(connection)
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
                QJsonObject {{u"tag"_s, model::displayBytes(m_options.tags.at(i))}, {u"matched"_s, counts->at(i)}});
            if (!m_options.json)
                m_out << "tag " << model::displayBytes(m_options.tags.at(i)) << ": " << counts->at(i)
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
    m_manager.invalidateTagsExactly(
        m_options.tags, this, [this](const cache::CacheManager::TagInvalidationResult& result) {
            const bool failed = !result.error.isEmpty();
            auto record = ops::AuditRecord::of(ops::AuditAction::InvalidateTags,
                failed ? ops::AuditOutcome::Failed : ops::AuditOutcome::Completed, m_options.actor,
                model::describeTags(m_options.tags), result.deleted);
            QStringList detail;
            if (result.unconfirmed > 0)
                detail.append(u"unconfirmed %1"_s.arg(result.unconfirmed));
            if (failed)
                detail.append(result.error.left(500));
            record.detail = detail.join(u"; "_s);
            // Written (retried while the server comes back) before the report, so the exit code covers it.
            connect(&m_audit, &ops::AuditWriter::idle, this, [this, result, failed] {
                QJsonObject report {{u"success"_s, !failed && m_audit.errors().isEmpty()}, {u"dryRun"_s, false},
                    {u"invalidated"_s, result.deleted}, {u"unconfirmed"_s, result.unconfirmed}};
                if (failed)
                    report.insert(u"error"_s, result.error);
                if (m_options.json)
                    m_out << QJsonDocument(report).toJson(QJsonDocument::Indented);
                else
                    m_out << result.deleted << " deleted (by the tag index)"
                          << (result.unconfirmed > 0
                                     ? u"; up to %1 more may be gone (no reply)"_s.arg(result.unconfirmed)
                                     : QString())
                          << '\n';
                if (failed)
                    m_err << "cachectl invalidate --tag: failed: " << result.error << '\n';
                for (const QString& error : m_audit.errors())
                    m_err << "cachectl invalidate --tag: the audit record could not be written: " << error << '\n';
                Q_EMIT finished(failed || !m_audit.errors().isEmpty() ? ExitFailure : ExitOk);
            });
            m_audit.write(record);
        });
}

} // namespace cachescope::cli
