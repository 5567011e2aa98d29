#pragma once

#include "redis/clustertopology.h"
#include "redis/connection.h"

#include <QObject>

#include <functional>
#include <memory>
#include <vector>

namespace cachescope::redis {

// One connection per master of a Redis Cluster, found from a seed: open() connects to the seed, reads CLUSTER
// SLOTS, then connects to every master and reports once all are ready (or the first failure).
class ClusterConnections : public QObject
{
    Q_OBJECT
public:
    explicit ClusterConnections(ConnectionOptions seed, QObject* parent = nullptr);
    ~ClusterConnections() override;

    void open(std::function<void(const QString& error)> ready);

    const ClusterTopology& topology() const
    {
        return m_topology;
    }
    int size() const
    {
        return int(m_masters.size());
    }
    Connection* master(int index) const
    {
        return m_masters.at(std::size_t(index)).get();
    }
    // The master that serves this key's slot (nullptr before open() succeeded, or for an unserved slot).
    Connection* forKey(const QByteArray& key) const;

private:
    ConnectionOptions m_seedOptions;
    std::unique_ptr<Connection> m_seed;
    ClusterTopology m_topology;
    std::vector<std::unique_ptr<Connection>> m_masters;
};

} // namespace cachescope::redis
