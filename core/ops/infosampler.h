#pragma once

#include "ops/serverinfo.h"

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
