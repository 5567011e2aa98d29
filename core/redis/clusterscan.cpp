#include "redis/clusterscan.h"

namespace cachescope::redis {

ClusterScan::ClusterScan(ConnectionOptions seed, ScanOptions options, QObject* parent)
    : QObject(parent)
    , m_cluster(std::move(seed))
    , m_options(std::move(options))
{
}

ClusterScan::~ClusterScan() = default;

void ClusterScan::start()
{
    m_running = true;
    m_cluster.open([this](const QString& error) {
        if (!m_running)
            return;
        if (!error.isEmpty()) {
            m_running = false;
            Q_EMIT failed(Reply::clientError(ErrorKind::NotConnected, error));
            return;
        }
        scanNode(0);
    });
}

void ClusterScan::cancel()
{
    m_running = false;
    if (m_scan)
        m_scan->cancel();
}

void ClusterScan::scanNode(int index)
{
    if (!m_running)
        return;
    if (index >= m_cluster.size()) {
        m_running = false;
        Q_EMIT finished();
        return;
    }
    Q_EMIT nodeStarted(index, m_cluster.size(), m_cluster.topology().describe(index));
    m_scan = std::make_unique<ScanIterator>(m_cluster.master(index), m_options);
    connect(m_scan.get(), &ScanIterator::page, this, [this](const QList<QByteArray>& keys) {
        ++m_pages;
        m_keys += keys.size();
        Q_EMIT page(keys);
    });
    connect(m_scan.get(), &ScanIterator::finished, this, [this, index] {
        // Not from inside the iterator's own signal: it is about to be replaced.
        QMetaObject::invokeMethod(
            this, [this, index] { scanNode(index + 1); }, Qt::QueuedConnection);
    });
    connect(m_scan.get(), &ScanIterator::failed, this, [this](const Reply& error) {
        m_running = false;
        Q_EMIT failed(error);
    });
    m_scan->start();
}

} // namespace cachescope::redis
