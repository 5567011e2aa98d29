#pragma once

#include "redis/client.h"
#include "redis/clustertopology.h"

#include <QHash>
#include <QPointer>
#include <QTimer>

#include <deque>
#include <memory>
#include <vector>

namespace cachescope::redis {

class Connection;

// A Redis Cluster behind the Client interface. From a seed node it reads the slot map (CLUSTER SLOTS) and opens
// one Connection per master; each command goes to the master serving its keys' hash slot.
//
// - MOVED: the slot map entry is corrected at once, the command re-sent there, and the whole map re-read soon
//   after (one MOVED usually means a resharding or failover that moved more). ASK: the command is re-sent once,
//   after ASKING, to the importing node, and the map is left alone. TRYAGAIN is retried after a short wait. At
//   most five redirects per command, so two nodes that disagree cannot bounce a command forever.
// - DEL, UNLINK, EXISTS, TOUCH and MGET whose keys span slots are split per slot and their replies put back
//   together (sums, or MGET's values in the caller's order); other multi-key commands must stay in one slot
//   (hash tags) and get the server's CROSSSLOT otherwise.
// - A command whose keys CacheScope does not know how to find (commandKeys()) is refused, not guessed.
// - A node that drops fails its commands in flight with ConnectionLost (never re-sent: they may have run) and
//   makes the client re-read the map, which is how a failover is found.
//
// Ready once the map is known and every master is ready; WaitingToReconnect while some master is not.
class ClusterClient : public Client
{
    Q_OBJECT
public:
    explicit ClusterClient(ConnectionOptions seed, QObject* parent = nullptr);
    ~ClusterClient() override;

    const ConnectionOptions& options() const override
    {
        return m_seedOptions;
    }
    State state() const override
    {
        return m_state;
    }
    ErrorKind lastErrorKind() const override
    {
        return m_lastErrorKind;
    }
    QString lastError() const override
    {
        return m_lastError;
    }
    qsizetype pendingCount() const override;

    void open() override;
    void close() override;
    void command(const QList<QByteArray>& arguments, const QObject* context, Callback callback) override;

    QList<Connection*> nodes() const override
    {
        return m_masters;
    }
    QString describeNode(int index) const override;
    bool isCluster() const override
    {
        return true;
    }

    const ClusterTopology& topology() const
    {
        return m_topology;
    }
    // The master this client sends a slot's commands to (nullptr before the map is known or for a slot nobody
    // serves).
    Connection* nodeForSlot(int slot) const;
    qint64 redirectsFollowed() const
    {
        return m_redirects;
    }
    qint64 topologyLoads() const
    {
        return m_topologyLoads;
    }
    // Re-reads the slot map now (it is also re-read after a MOVED or a lost node).
    void refreshTopology();

private:
    struct Request;
    using RequestPtr = std::shared_ptr<Request>;

    void route(const RequestPtr& request);
    void sendTo(Connection* node, const RequestPtr& request, bool asking);
    void onReply(const RequestPtr& request, const Reply& reply);
    bool splitAcrossSlots(const RequestPtr& request, const QList<qsizetype>& keyPositions);
    void finish(const RequestPtr& request, const Reply& reply);
    void finishLater(const RequestPtr& request, const Reply& reply);
    void applyTopology(ClusterTopology topology);
    Connection* connectionTo(const QString& host, quint16 port);
    Connection* anyReadyNode() const;
    void closeIfServingNothing(Connection* connection);
    void scheduleRefresh();
    void updateState();
    void fail(ErrorKind kind, const QString& message);

    ConnectionOptions m_seedOptions;
    std::unique_ptr<Connection> m_seed;
    ClusterTopology m_topology;
    bool m_haveTopology = false;
    bool m_refreshing = false;
    bool m_closed = false;
    std::vector<std::unique_ptr<Connection>> m_connections; // every node talked to, masters or not
    QHash<QString, Connection*> m_byAddress; // "host:port"
    QList<Connection*> m_masters; // in the topology's order
    std::vector<Connection*> m_slotOwner; // clusterSlots entries
    std::deque<RequestPtr> m_waiting; // commands issued before the first map arrived
    QTimer m_refreshTimer;

    State m_state = State::Disconnected;
    ErrorKind m_lastErrorKind = ErrorKind::None;
    QString m_lastError;
    qint64 m_redirects = 0;
    qint64 m_topologyLoads = 0;
};

} // namespace cachescope::redis
