#include "redis/keyspacescan.h"

#include "redis/client.h"
#include "redis/connection.h"

namespace cachescope::redis {

KeyspaceScan::KeyspaceScan(Client* client, ScanOptions options, QObject* parent)
    : KeyspaceWalk(parent)
    , m_client(client)
    , m_options(std::move(options))
{
}

KeyspaceScan::~KeyspaceScan() = default;

void KeyspaceScan::start()
{
    m_running = true;
    m_paused = false;
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
        m_scans.clear();
        m_scans.resize(std::size_t(m_nodes.size()));
        m_nextNode = 0;
        m_active = 0;
        startNextNodes();
    });
}

void KeyspaceScan::cancel()
{
    m_running = false;
    for (const auto& scan : m_scans) {
        if (scan)
            scan->cancel();
    }
}

void KeyspaceScan::pause()
{
    m_paused = true;
    for (const auto& scan : m_scans) {
        if (scan)
            scan->pause();
    }
}

void KeyspaceScan::resume()
{
    m_paused = false;
    for (const auto& scan : m_scans) {
        if (scan)
            scan->resume();
    }
}

double KeyspaceScan::walkedShare() const
{
    if (m_nodes.isEmpty())
        return 0.0;
    double sum = 0;
    for (const auto& scan : m_scans)
        sum += scan ? scan->walkedShare() : 0.0; // one not started yet has walked nothing
    return std::min(1.0, sum / double(m_nodes.size()));
}

void KeyspaceScan::startNextNodes()
{
    const int limit = m_maxParallelNodes > 0 ? m_maxParallelNodes : int(m_nodes.size());
    while (m_running && m_nextNode < m_nodes.size() && m_active < limit)
        startNode(m_nextNode++);
    if (m_running && m_active == 0 && m_nextNode >= m_nodes.size()) {
        m_running = false;
        Q_EMIT finished();
    }
}

void KeyspaceScan::startNode(int index)
{
    ++m_active;
    Q_EMIT nodeStarted(index, int(m_nodes.size()), m_client ? m_client->describeNode(index) : QString());
    auto& scan = m_scans[std::size_t(index)];
    scan = std::make_unique<ScanIterator>(m_nodes.at(index).data(), m_options);
    ScanIterator* iterator = scan.get();
    connect(iterator, &ScanIterator::page, this, [this](const QList<QByteArray>& keys) {
        ++m_pages;
        m_keys += keys.size();
        Q_EMIT page(keys);
    });
    connect(iterator, &ScanIterator::finished, this, [this, index, iterator] {
        --m_active;
        const QPointer<KeyspaceScan> self(this);
        Q_EMIT nodeFinished(index, iterator->keysReceived());
        if (!self)
            return; // its receiver deleted it
        // Not from inside the iterator's own signal: finishing may end the scan and its owner delete us.
        QMetaObject::invokeMethod(this, &KeyspaceScan::startNextNodes, Qt::QueuedConnection);
    });
    connect(iterator, &ScanIterator::failed, this, [this](const Reply& error) {
        cancel();
        Q_EMIT failed(error);
    });
    iterator->start(); // start() clears a pause: its first page is asked for regardless
    if (m_paused)
        iterator->pause();
}

} // namespace cachescope::redis
