#include "redis/keyspacescan.h"

#include "redis/client.h"
#include "redis/connection.h"

namespace cachescope::redis {

KeyspaceScan::KeyspaceScan(Client* client, ScanOptions options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
{
}

KeyspaceScan::~KeyspaceScan() = default;

void KeyspaceScan::start()
{
    m_running = true;
    whenNodesKnown(m_client, this, [this](const QString& error) {
        if (!m_running)
            return;
        if (!error.isEmpty()) {
            m_running = false;
            Q_EMIT failed(Reply::clientError(ErrorKind::NotConnected, error));
            return;
        }
        m_nodes.clear();
        for (Connection* node : m_client->nodes())
            m_nodes.append(node);
        scanNode(0);
    });
}

void KeyspaceScan::cancel()
{
    m_running = false;
    if (m_scan)
        m_scan->cancel();
}

void KeyspaceScan::scanNode(int index)
{
    if (!m_running)
        return;
    if (index >= m_nodes.size()) {
        m_running = false;
        Q_EMIT finished();
        return;
    }
    m_node = index;
    Q_EMIT nodeStarted(index, int(m_nodes.size()), m_client ? m_client->describeNode(index) : QString());
    m_scan = std::make_unique<ScanIterator>(m_nodes.at(index).data(), m_options);
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
