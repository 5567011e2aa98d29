#pragma once

// What the keyspace benchmarks share: the design-shaped keyspace, loading it with `redis-cli --pipe` on one server or
// a cluster's masters, timing, and the PING probe that shows what another client sees meanwhile.

#include "redisserver.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QString>
#include <QStringList>
#include <QThread>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

namespace cachescope::redis {
class Client;
}

namespace cachescope::bench {

inline constexpr int venues = 500;
// Keys of each of the two small tenants ("ta", "tb", 50 venues of their own each) populate() adds to the keyspace.
inline constexpr int smallTenantKeys = 1400;

// The RESP encoding of a command, for redis-cli --pipe.
QByteArray resp(const QList<QByteArray>& arguments);

// Gateway key number i: 4 routes (search varying by q and category), 5 tenants, 500 venues; every i gives a
// different key (i = 2000·page + 4·venue + route), so N keys are N keys at any N.
QByteArray gatewayKey(qint64 i);

// Where a round of benchmarks runs: one server, or the masters of a cluster.
struct Target
{
    QString title;
    std::vector<const testing::RedisServer*> masters;
    redis::Client* client = nullptr;

    bool isCluster() const
    {
        return masters.size() > 1;
    }
    std::size_t ownerOf(const QByteArray& key) const; // the master that serves a key, as the slot map says
    qint64 dbsize() const;
};

// Streams SETs (70 % gateway responses with a 1 h TTL and their venue tag index entries, 30 % service keys without
// one; 300-byte values) into one `redis-cli --pipe` per master. `only` restricts to keys whose number satisfies it.
bool populate(const Target& target, qint64 keys, const std::function<bool(qint64)>& only = {});

// The keyspace size a benchmark was asked for: --keys N, 20,000 with --smoke, else 1,000,000.
qint64 keyCountArgument(const QStringList& arguments);
// A server for benchmarks: no snapshots, no AOF (loading millions of keys must not fork a save).
testing::RedisServer::Config benchServerConfig();

double seconds(const QElapsedTimer& clock);
double timeProcess(const QString& program, const QStringList& arguments);
qint64 heapInUse();
qint64 residentBytes(); // this process's RSS, from /proc/self/statm

// PING round trips another client saw: the worst, and the 99th percentile (on a shared 2-core VM a single
// scheduling hiccup of the probe thread itself can make the worst; the percentile shows whether it was one).
struct Latency
{
    double worstMs = 0;
    double p99Ms = 0;
    QString text() const;
};

// Pings a server from its own thread and connection, keeping every round trip.
class LatencyProbe
{
public:
    explicit LatencyProbe(quint16 port);
    std::vector<qint64> stop();

private:
    QThread* m_thread = nullptr;
    std::atomic<bool> m_stop {false};
    std::vector<qint64> m_samplesNs;
};

// One probe per master; the figures over all of them.
class LatencyProbes
{
public:
    explicit LatencyProbes(const Target& target);
    Latency stop();

private:
    std::vector<std::unique_ptr<LatencyProbe>> m_probes;
};

// The longest time the event loop of the calling thread was busy, from a 5 ms timer's gaps.
class StallProbe
{
public:
    StallProbe();
    ~StallProbe();
    double worstMs() const;

private:
    struct Private;
    std::unique_ptr<Private> d;
};

} // namespace cachescope::bench
