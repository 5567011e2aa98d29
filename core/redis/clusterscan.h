#pragma once

#include "redis/clusterconnections.h"
#include "redis/scaniterator.h"

#include <memory>

namespace cachescope::redis {

// SCAN over every master of a cluster, one master after another, with ScanIterator's signals (so the tools
// take either); nodeStarted() says which master is being walked, for per-node progress.
class ClusterScan : public QObject
{
    Q_OBJECT
public:
    ClusterScan(ConnectionOptions seed, ScanOptions options, QObject* parent = nullptr);
    ~ClusterScan() override;

    void start();
    void cancel();
    bool isRunning() const
    {
        return m_running;
    }
    qint64 pagesReceived() const
    {
        return m_pages;
    }
    qint64 keysReceived() const
    {
        return m_keys;
    }
    const ClusterConnections& cluster() const
    {
        return m_cluster;
    }

Q_SIGNALS:
    void nodeStarted(int index, int count, const QString& description);
    void page(const QList<QByteArray>& keys);
    void finished();
    void failed(const cachescope::redis::Reply& error);

private:
    void scanNode(int index);

    ClusterConnections m_cluster;
    ScanOptions m_options;
    std::unique_ptr<ScanIterator> m_scan;
    bool m_running = false;
    qint64 m_pages = 0;
    qint64 m_keys = 0;
};

} // namespace cachescope::redis
