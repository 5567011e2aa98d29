#pragma once

#include "ops/server/serverinfo.h"
#include "redis/ownlookups.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <optional>

namespace cachescope::redis {
class Client;
class Connection;
}

namespace cachescope::ops {

struct NodesInfo;

// What one server did during one sampling interval.
struct NodeFigures
{
    InfoDelta delta;
    qint64 usedMemory = 0;
    qint64 opsPerSecond = 0; // the server's own instantaneous figure
    qint64 keys = 0; // all databases
};

// One point of the live charts: the whole keyspace (summed over a cluster's masters), and each node's own
// figures in the client's node order.
struct InfoSample
{
    QDateTime at;
    InfoDelta delta;
    qint64 usedMemory = 0;
    qint64 opsPerSecond = 0;
    qint64 keys = 0;
    QList<NodeFigures> nodes;
};

// Samples INFO on every node of a client at a fixed interval and reports the change between samples: the rates
// the charts plot. At most one round of INFO is in flight; a sample that comes late is measured over the real
// elapsed time. A round in which some node failed, or a node is new (a failover), is a gap, not a dip.
//
// The hits and misses are the server's without this process's own lookups (key browsing, TTL sampling, stats
// reads): each node's OwnLookupCounter is read when its INFO answers and the change is taken out. A lookup
// answered on another connection just before INFO can land one interval early; what cannot be taken out of an
// interval without going below zero is carried to the next one, so sums over many intervals stay exact.
class InfoSampler : public QObject
{
    Q_OBJECT
public:
    explicit InfoSampler(redis::Client* connection, QObject* parent = nullptr);

    void start(std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
    void stop();
    bool isRunning() const
    {
        return m_timer.isActive();
    }

Q_SIGNALS:
    void sampled(const cachescope::ops::InfoSample& sample);
    void failed(const QString& error);

private:
    void poll();

    struct Previous
    {
        ServerInfo info;
        qint64 atMs = 0;
        redis::LookupCount own; // the node's own-lookup counter at that sample
        redis::LookupCount carried; // own lookups not yet taken out of the server's counters
    };
    void finishRound(const NodesInfo& round, qint64 atMs);

    QPointer<redis::Client> m_connection;
    QTimer m_timer;
    QElapsedTimer m_clock;
    QHash<const redis::Connection*, Previous> m_previous;
    bool m_inFlight = false;
};

} // namespace cachescope::ops

Q_DECLARE_METATYPE(cachescope::ops::InfoSample)
