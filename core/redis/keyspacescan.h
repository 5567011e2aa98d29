#pragma once

#include "redis/scaniterator.h"

#include <QPointer>

#include <memory>

namespace cachescope::redis {

class Client;

// SCAN over the whole keyspace of a client: its one server, or every master of a cluster one after another,
// with ScanIterator's signals; nodeStarted() says which node is being walked, for per-node progress.
class KeyspaceScan : public QObject
{
    Q_OBJECT
public:
    KeyspaceScan(Client* client, ScanOptions options, QObject* parent = nullptr);
    ~KeyspaceScan() override;

    // Waits for the client to be ready if it is not yet (a cluster learns its nodes then).
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
    int nodeIndex() const
    {
        return m_node;
    }
    int nodeCount() const
    {
        return int(m_nodes.size());
    }

Q_SIGNALS:
    void nodeStarted(int index, int count, const QString& description);
    void page(const QList<QByteArray>& keys);
    void finished();
    void failed(const cachescope::redis::Reply& error);

private:
    void scanNode(int index);

    QPointer<Client> m_client;
    ScanOptions m_options;
    QList<QPointer<Connection>> m_nodes; // fixed at the start: a scan does not follow a resharding
    std::unique_ptr<ScanIterator> m_scan;
    bool m_running = false;
    int m_node = -1;
    qint64 m_pages = 0;
    qint64 m_keys = 0;
};

} // namespace cachescope::redis
