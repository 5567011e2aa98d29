#include "invalidatecommand.h"

#include "cliresult.h"

#include "ops/audit.h"
#include "redis/client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

InvalidateCommand::InvalidateCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_connection(connection)
    , m_options(std::move(options))
    , m_out(out)
    , m_err(err)
{
}

void InvalidateCommand::start()
{
    // Refuse before touching anything, so a protected pattern among several deletes nothing at all.
    for (const QByteArray& pattern : m_options.patterns) {
        if (const auto why = ops::PatternInvalidation::refusal(pattern, m_options.protectedPatterns)) {
            m_err << "cachectl " << commandName() << ": refused: " << *why << '\n';
            QMetaObject::invokeMethod(
                this, [this] { Q_EMIT finished(ExitFailure); }, Qt::QueuedConnection);
            return;
        }
    }
    runNext();
}

void InvalidateCommand::cancel()
{
    m_cancelled = true;
    if (m_job)
        m_job->cancel();
}

void InvalidateCommand::runNext()
{
    if (m_next >= m_options.patterns.size() || m_cancelled) {
        report();
        return;
    }
    ops::PatternInvalidation::Options options;
    options.dryRun = !m_options.execute;
    options.protectedPatterns = m_options.protectedPatterns;
    options.sampleSize = 5;
    options.expireSeconds = m_options.expireSeconds;
    options.onlyShorten = m_options.onlyShorten;
    options.maxParallelNodes = m_options.mastersAtOnce;
    const QByteArray pattern = m_options.patterns.at(m_next++);
    m_job = std::make_unique<ops::KeyspaceInvalidation>(m_connection, pattern, options);
    connect(m_job.get(), &ops::KeyspaceInvalidation::progressed, this, [this](const ops::InvalidationProgress& p) {
        if (m_options.execute && !m_options.json) {
            m_err << "\r" << redis::displayBytes(p.pattern) << ": " << p.deleted << ' ' << verb() << ", " << p.matched
                  << " matched so far" << Qt::flush;
        }
    });
    connect(m_job.get(), &ops::KeyspaceInvalidation::finished, this, &InvalidateCommand::onFinished);
    m_job->start();
}

void InvalidateCommand::onFinished(const ops::InvalidationProgress& progress)
{
    if (m_options.execute && !m_options.json)
        m_err << '\n';
    m_results.append(progress);
    if (!m_options.execute) {
        QMetaObject::invokeMethod(this, &InvalidateCommand::runNext, Qt::QueuedConnection);
        return;
    }
    ops::AuditRecord record;
    record.actor = m_options.actor;
    record.action = m_options.expireSeconds
        ? u"expire %1s%2"_s.arg(*m_options.expireSeconds).arg(m_options.onlyShorten ? u" LT"_s : QString())
        : u"invalidate"_s;
    if (progress.cancelled)
        record.action += u" (cancelled)"_s;
    record.target = redis::displayBytes(progress.pattern);
    record.count = progress.deleted;
    ops::appendAudit(*m_connection, record, this, [this](std::optional<QByteArray>, const QString& error) {
        if (!error.isEmpty())
            m_err << "cachectl " << commandName() << ": could not write the audit record: " << error << '\n';
        // Queued: the job that reported is replaced by the next pattern's.
        QMetaObject::invokeMethod(this, &InvalidateCommand::runNext, Qt::QueuedConnection);
    });
}

void InvalidateCommand::report()
{
    bool failed = false;
    QJsonArray results;
    qint64 total = 0;
    for (const ops::InvalidationProgress& p : m_results) {
        failed = failed || p.error.has_value();
        total += m_options.execute ? p.deleted : p.matched;
        if (m_options.json) {
            QJsonArray sample;
            for (const QByteArray& key : p.sample)
                sample.append(redis::displayBytes(key));
            QJsonObject object {{u"pattern"_s, redis::displayBytes(p.pattern)}, {u"matched"_s, p.matched},
                {m_options.expireSeconds ? u"ttlSet"_s : u"deleted"_s, p.deleted},
                {u"skippedProtected"_s, p.skippedProtected}, {u"sample"_s, sample}, {u"cancelled"_s, p.cancelled}};
            if (p.error)
                object.insert(u"error"_s, p.error->errorMessage());
            if (p.unconfirmed > 0)
                object.insert(u"unconfirmed"_s, p.unconfirmed);
            results.append(object);
            continue;
        }
        m_out << redis::displayBytes(p.pattern) << ": ";
        if (m_options.execute)
            m_out << p.deleted << ' ' << verb();
        else
            m_out << p.matched << (m_options.expireSeconds ? " would get the TTL" : " would be deleted");
        if (p.skippedProtected > 0)
            m_out << ", " << p.skippedProtected << " protected keys left alone";
        if (p.cancelled)
            m_out << " (cancelled; resume cursor " << QString::fromUtf8(p.resumeCursor) << ")";
        m_out << '\n';
        if (!m_options.execute) {
            for (const QByteArray& key : p.sample)
                m_out << "  e.g. " << redis::displayBytes(key, 200) << '\n';
        }
        if (p.error) {
            m_out << "  error: " << p.error->errorMessage() << '\n';
            if (p.unconfirmed > 0)
                m_out << "  up to " << p.unconfirmed << " more keys may have been changed (no reply)\n";
        }
    }
    if (m_options.json) {
        m_out << QJsonDocument(
            QJsonObject {{u"success"_s, !failed}, {u"dryRun"_s, !m_options.execute},
                {m_options.execute ? (m_options.expireSeconds ? u"expired"_s : u"invalidated"_s) : u"matched"_s, total},
                {u"patterns"_s, results}})
                     .toJson(QJsonDocument::Indented);
    } else if (!m_options.execute) {
        m_out << "Dry run: nothing was changed. Run again with --yes to "
              << (m_options.expireSeconds ? "set the TTL of" : "delete") << " these " << total << " keys.\n";
    }
    Q_EMIT finished(failed || m_cancelled ? ExitFailure : ExitOk);
}

QString InvalidateCommand::verb() const
{
    return m_options.expireSeconds ? u"TTL set"_s : u"deleted"_s;
}

QString InvalidateCommand::commandName() const
{
    return m_options.expireSeconds ? u"expire"_s : u"invalidate"_s;
}

} // namespace cachescope::cli
