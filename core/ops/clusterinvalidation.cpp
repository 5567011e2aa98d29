#include "ops/clusterinvalidation.h"

namespace cachescope::ops {

ClusterInvalidation::ClusterInvalidation(
    redis::ConnectionOptions seed, QByteArray pattern, PatternInvalidation::Options options, QObject* parent)
    : QObject(parent)
    , m_cluster(std::move(seed))
    , m_pattern(std::move(pattern))
    , m_options(std::move(options))
{
    m_options.groupBySlot = true;
    m_total.pattern = m_pattern;
    m_total.dryRun = m_options.dryRun;
}

ClusterInvalidation::~ClusterInvalidation() = default;

void ClusterInvalidation::start()
{
    if (const auto why = PatternInvalidation::refusal(m_pattern, m_options.protectedPatterns)) {
        m_total.error = redis::Reply::clientError(redis::ErrorKind::Generic, *why);
        m_total.finished = true;
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT finished(m_total); }, Qt::QueuedConnection);
        return;
    }
    m_cluster.open([this](const QString& error) {
        if (!error.isEmpty() || m_cancelled) {
            m_total.error = redis::Reply::clientError(redis::ErrorKind::NotConnected, error);
            m_total.cancelled = m_cancelled;
            m_total.finished = true;
            Q_EMIT finished(m_total);
            return;
        }
        for (int i = 0; i < m_cluster.size(); ++i) {
            m_jobs.push_back(std::make_unique<PatternInvalidation>(m_cluster.master(i), m_pattern, m_options));
            connect(m_jobs.back().get(), &PatternInvalidation::progressed, this, &ClusterInvalidation::update);
            connect(m_jobs.back().get(), &PatternInvalidation::finished, this, &ClusterInvalidation::update);
        }
        for (const auto& job : m_jobs)
            job->start();
    });
}

void ClusterInvalidation::cancel()
{
    m_cancelled = true;
    for (const auto& job : m_jobs)
        job->cancel();
}

QList<std::pair<QString, InvalidationProgress>> ClusterInvalidation::perNode() const
{
    QList<std::pair<QString, InvalidationProgress>> nodes;
    for (std::size_t i = 0; i < m_jobs.size(); ++i)
        nodes.append({m_cluster.topology().describe(int(i)), m_jobs[i]->progress()});
    return nodes;
}

void ClusterInvalidation::update()
{
    if (m_total.finished)
        return;
    InvalidationProgress total;
    total.pattern = m_pattern;
    total.dryRun = m_options.dryRun;
    bool allFinished = true;
    for (const auto& job : m_jobs) {
        const InvalidationProgress& p = job->progress();
        total.scanned += p.scanned;
        total.matched += p.matched;
        total.deleted += p.deleted;
        total.unconfirmed += p.unconfirmed;
        total.skippedProtected += p.skippedProtected;
        for (const QByteArray& key : p.sample) {
            if (total.sample.size() < m_options.sampleSize)
                total.sample.append(key);
        }
        if (p.error && !total.error)
            total.error = p.error;
        total.cancelled = total.cancelled || p.cancelled;
        allFinished = allFinished && p.finished;
    }
    total.finished = allFinished;
    m_total = total;
    if (allFinished)
        Q_EMIT finished(m_total);
    else
        Q_EMIT progressed(m_total);
}

} // namespace cachescope::ops
