#pragma once

#include "ops/patterninvalidation.h"
#include "redis/clusterconnections.h"

#include <memory>
#include <vector>

namespace cachescope::ops {

// Pattern invalidation across a Redis Cluster: one PatternInvalidation per master, all running at once, each
// SCANning its own node and UNLINKing per hash slot (multi-key commands must not cross slots). Progress is the
// sum over the nodes, and per node for a detailed view; the result is exact as on a single server.
class ClusterInvalidation : public QObject
{
    Q_OBJECT
public:
    ClusterInvalidation(redis::ConnectionOptions seed, QByteArray pattern, PatternInvalidation::Options options,
        QObject* parent = nullptr);
    ~ClusterInvalidation() override;

    void start();
    void cancel();

    const InvalidationProgress& progress() const
    {
        return m_total;
    }
    // Each master's description ("127.0.0.1:7000 (slots 0-5460)") and its own progress.
    QList<std::pair<QString, InvalidationProgress>> perNode() const;
    const redis::ClusterConnections& cluster() const
    {
        return m_cluster;
    }

Q_SIGNALS:
    void progressed(const cachescope::ops::InvalidationProgress& total);
    void finished(const cachescope::ops::InvalidationProgress& total);

private:
    void update();

    redis::ClusterConnections m_cluster;
    QByteArray m_pattern;
    PatternInvalidation::Options m_options;
    std::vector<std::unique_ptr<PatternInvalidation>> m_jobs;
    InvalidationProgress m_total;
    bool m_cancelled = false;
};

} // namespace cachescope::ops
