#pragma once

#include "cache/statscounters.h"
#include "cache/statsevent.h"
#include "cache/statstiers.h"

#include <QByteArray>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <array>
#include <chrono>
#include <cstring>
#include <functional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::cache {

// Aggregates cache events in process and writes them to Redis once per interval, into the tiers of StatsTier that
// every CacheScope tool reads. Recording is one hash lookup and an increment: no I/O, no allocation once a label
// set has been seen.
//
// A flush costs two script calls per tier with news (the bucket, its index entry), whatever the number of labels:
// the first applies HINCRBY to each changed field, and a write does not count as a keyspace lookup, so writing
// stats never shows in the hit rate. Within a bucket, this process keeps its busiest K labels of each dimension by
// name and the rest in "(other)"; when the ranking changes, counts move between a label and "(other)" (a
// negative increment on one, a positive on the other), so every bucket's sum stays exact.
class StatsRecorder : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        std::chrono::milliseconds flushInterval {1000};
        QList<StatsTier> tiers = defaultStatsTiers();
        // Labels of one dimension this process ranks within one bucket; more go to "(other)" unranked.
        int maxRankedLabels = 100000;
    };

    // Counts of one flush, for the caller that waits for it (flush(done)).
    struct FlushResult
    {
        int sent = 0; // script calls
        int unconfirmed = 0; // of them, those with an error or no reply
        int refused = 0; // of those, the ones the server answered with an error (OOM, READONLY…): not written
        QString firstError;

        FlushResult& operator+=(const FlushResult& other);
    };

    StatsRecorder(redis::Client* connection, Options options, QObject* parent = nullptr);
    ~StatsRecorder() override;

    // For a caller that records under one label set again and again (the cache manager, under a key's namespace):
    // the counters found the first time, used while this recorder's entries stay where they are. Generations are
    // unique across recorders, so a handle never finds another recorder's counters.
    struct Handle
    {
        quint64 generation = 0;
        StatsCounters* counters = nullptr;
    };

    // Inline, like the one below: every cache operation calls it. `labels` must be the labels `handle` was used
    // with (or a handle not used yet).
    void record(Handle& handle, const StatsLabels& labels, StatsEvent event)
    {
        if (handle.generation != m_generation) {
            RecentLabels& recent = m_recent[(quintptr(&labels) >> 4) % m_recent.size()];
            handle.counters = countersFor(labels, recent);
            handle.generation = m_generation;
        }
        ++handle.counters->events[std::size_t(event)];
    }

    // The counters recorded under `labels` in this interval, for a caller that counts several events at once (valid
    // until the next record or flush).
    StatsCounters& countersOf(const StatsLabels& labels)
    {
        RecentLabels& recent = m_recent[(quintptr(&labels) >> 4) % m_recent.size()];
        return recent.counters && recent.address == &labels && sameLabels(recent.labels, labels)
            ? *recent.counters
            : *countersFor(labels, recent);
    }

    // Inline: every cache operation calls it, and it must stay a small part of a cached getOrSet.
    void record(const StatsLabels& labels, StatsEvent event, qint64 loadMs = -1)
    {
        StatsCounters* counters = &countersOf(labels);
        ++counters->events[std::size_t(event)];
        if (loadMs > 0) {
            counters->loadMsTotal += loadMs;
            if (const StatsEvent bin = loadDurationBin(loadMs); bin != StatsEvent::Count_)
                ++counters->events[std::size_t(bin)];
        }
    }

    // Writes what was recorded since the last flush (also called by the timer); `done`, if given, is called once
    // every write of this flush was answered (on the next turn of the event loop when there was nothing to write).
    void flush(std::function<void(const FlushResult&)> done = {});

    // Totals since this recorder started, per dimension and label: for in-process reporting (cachesim).
    const QHash<QByteArray, StatsCounters>& lifetime(StatsDimension dimension) const
    {
        return m_lifetime[std::size_t(dimension)];
    }
    const Options& options() const
    {
        return m_options;
    }
    // Every flush answered so far, the timer's included: a report at the end of a run says what the whole run lost,
    // not only what its last flush did.
    const FlushResult& flushTotals() const
    {
        return m_flushTotals;
    }

Q_SIGNALS:
    // Once per flush that did not fully land: `unconfirmed` of `sent` script calls got an error or no reply, so the
    // stored figures for that interval may be short by those writes (never counted twice: nothing is retried,
    // since a lost reply may hide a write that did land).
    void flushFailed(int unconfirmed, int sent, const QString& firstError);

private:
    using Table = QHash<QByteArray, StatsCounters>;
    using ByDimension = std::array<Table, std::size_t(StatsDimension::Count_)>;

    // What this process counted in, and wrote into, the current bucket of one tier.
    struct TierState
    {
        qint64 bucket = -1;
        ByDimension counted; // by label, ranked
        std::array<StatsCounters, std::size_t(StatsDimension::Count_)> unranked; // past maxRankedLabels
        ByDimension written; // by stored label (a name or "(other)")
        std::array<qint64, std::size_t(StatsDimension::Count_)> writtenCut {};
    };

    // The fields to add to each dimension's hash so that the bucket holds this process's busiest K labels.
    QList<QList<QByteArray>> reconcile(const StatsTier& tier, TierState& state, const ByDimension& interval);

    QPointer<redis::Client> m_connection;
    Options m_options;
    QTimer m_timer;
    // One lookup per event, keyed by the whole label set; spread over the dimensions once per flush.
    QHash<StatsLabels, StatsCounters> m_pending;
    // The label sets recorded last, by the address they were passed at: a cached getOrSet records under labels
    // that live at a fixed address (the manager's namespace labels), and finding them here costs comparing shared
    // bytes instead of hashing four labels (stats must stay under 2 % of a cached getOrSet). Checked by value, so
    // an address reused for other labels only misses. Emptied whenever m_pending may have moved its entries.
    struct RecentLabels
    {
        const StatsLabels* address = nullptr;
        StatsLabels labels;
        StatsCounters* counters = nullptr;
    };
    std::array<RecentLabels, 8> m_recent;
    quint64 m_generation; // changes whenever m_pending may have moved its entries
    StatsCounters* countersFor(const StatsLabels& labels, RecentLabels& recent); // looked up, and remembered
    void forgetRecent();
    static bool sameBytes(const QByteArray& a, const QByteArray& b)
    {
        // Most labels of a set are empty, and a remembered label shares its bytes with the one it was copied from.
        return a.size() == b.size()
            && (a.isEmpty() || a.constData() == b.constData()
                || memcmp(a.constData(), b.constData(), size_t(a.size())) == 0);
    }
    static bool sameLabels(const StatsLabels& a, const StatsLabels& b)
    {
        return sameBytes(a.ns, b.ns) && sameBytes(a.route, b.route) && sameBytes(a.tenant, b.tenant)
            && sameBytes(a.venue, b.venue);
    }
    QList<TierState> m_tiers;
    ByDimension m_lifetime;
    FlushResult m_flushTotals;
};

} // namespace cachescope::cache
