#pragma once

#include "redis/keyspacewalk.h"
#include "redis/scaniterator.h"

#include <QPointer>

#include <memory>
#include <vector>

namespace cachescope::redis {

class Client;
class Connection;

// SCAN over the whole keyspace of a client: its one server, or every master of a cluster, on the caller's thread. A
// cluster's masters are walked side by side (each is its own server, so the scan takes as long as the largest master,
// not the sum); setMaxParallelNodes() limits how many at once. nodeStarted() and nodeFinished() say which nodes are
// being walked, for per-node progress.
class KeyspaceScan : public KeyspaceWalk
{
    Q_OBJECT
public:
    KeyspaceScan(Client* client, ScanOptions options, QObject* parent = nullptr);
    ~KeyspaceScan() override;

    // 0 (the default): every master at once. Takes effect at start().
    void setMaxParallelNodes(int nodes)
    {
        m_maxParallelNodes = std::max(0, nodes);
    }

    // Waits for the client to be ready if it is not yet (a cluster learns its nodes then).
    void start() override;
    // Stops after the pages in flight, whose keys are then not reported.
    void cancel() override;
    // Back-pressure for a slow receiver: no node asks for a new page while paused.
    void pause();
    void resume();
    bool isRunning() const override
    {
        return m_running;
    }
    qint64 pagesReceived() const
    {
        return m_pages;
    }
    double walkedShare() const override;
    qint64 keysReceived() const override
    {
        return m_keys;
    }
    int nodeCount() const
    {
        return int(m_nodes.size());
    }

private:
    void startNextNodes();
    void startNode(int index);

    QPointer<Client> m_client;
    ScanOptions m_options;
    int m_maxParallelNodes = 0;
    QList<QPointer<Connection>> m_nodes; // fixed at the start: a scan does not follow a resharding
    std::vector<std::unique_ptr<ScanIterator>> m_scans; // one per node, created when its turn comes
    int m_nextNode = 0;
    int m_active = 0;
    bool m_running = false;
    bool m_paused = false;
    qint64 m_pages = 0;
    qint64 m_keys = 0;
};

} // namespace cachescope::redis
