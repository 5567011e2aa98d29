#pragma once

#include "cache/cachemanager.h"
#include "cache/statsevent.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <array>
#include <chrono>

namespace cachescope::redis {
class Client;
}

namespace cachescope::cache {

// Counters of one label value (one route, one tenant…) over one flush interval.
struct StatsCounters
{
    std::array<qint64, std::size_t(StatsEvent::Count_)> events {};
    qint64 loadMsTotal = 0;

    bool isEmpty() const;
    StatsCounters& operator+=(const StatsCounters& other);
    qint64 operator[](StatsEvent event) const
    {
        return events[std::size_t(event)];
    }
};

// Which label a counter belongs to.
enum class StatsDimension
{
    Total,
    Namespace,
    Route,
    Tenant,
    Venue,
    Count_
};

QByteArray statsDimensionName(StatsDimension dimension); // "total", "ns", "route", "tenant", "venue"
QByteArray statsEventName(StatsEvent event); // "hit", "miss", …

// Aggregates cache events in process and flushes them to Redis once per interval, in time buckets that
// every CacheScope tool can read. Recording is one hash lookup and an increment: no I/O, no allocation
// once a label set has been seen.
//
// Layout (all HASHes, fields "<dimension>|<label>|<counter>", counters hit miss set load loadfail stale
// neghit loadms; HINCRBY, so many processes add into the same buckets):
//   cachescope:stats:1s:<unix second>   total, ns, route and tenant       kept secondRetention (24 h)
//   cachescope:stats:1m:<unix minute>   every dimension, venues included  kept minuteRetention (24 h)
// Per-venue series are per minute only: there can be thousands of venues, and per-second buckets of all
// of them would cost more memory than the cache they describe.
class StatsRecorder : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        std::chrono::milliseconds flushInterval {1000};
        std::chrono::seconds secondRetention {24 * 3600};
        std::chrono::seconds minuteRetention {24 * 3600};
    };

    StatsRecorder(redis::Client* connection, Options options, QObject* parent = nullptr);
    ~StatsRecorder() override;

    void record(const StatsLabels& labels, StatsEvent event, qint64 loadMs = -1);

    // Writes what was recorded since the last flush (also called by the timer).
    void flush();

    // Totals since this recorder started, per dimension and label: for in-process reporting (cachesim).
    const QHash<QByteArray, StatsCounters>& lifetime(StatsDimension dimension) const
    {
        return m_lifetime[std::size_t(dimension)];
    }

    static QByteArray secondBucketKey(qint64 unixSecond);
    static QByteArray minuteBucketKey(qint64 unixMinute);

Q_SIGNALS:
    // Once per flush that did not fully land: `unconfirmed` of `sent` increments got an error or no reply, so the
    // stored figures for that interval may be short by up to those increments (never counted twice: nothing is
    // retried, since a lost reply may hide an increment that did land).
    void flushFailed(int unconfirmed, int sent, const QString& firstError);

private:
    using Table = QHash<QByteArray, StatsCounters>;

    QPointer<redis::Client> m_connection;
    Options m_options;
    QTimer m_timer;
    // One lookup per event, keyed by the whole label set; spread over the dimensions once per flush.
    QHash<StatsLabels, StatsCounters> m_pending;
    std::array<Table, std::size_t(StatsDimension::Count_)> m_lifetime;
};

} // namespace cachescope::cache
