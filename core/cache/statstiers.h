#pragma once

#include "cache/statscounters.h"

#include <QByteArray>
#include <QList>

#include <array>
#include <chrono>

namespace cachescope::cache {

// One resolution of the stats every CacheScope process writes into the monitored Redis. A bucket is one HASH per
// dimension, fields "<label>|<counter>" (hit miss set load loadfail stale neghit loadms), plus "(other)|labels":
// how many labels were folded into "(other)" (summed over the processes writing). Keys:
//   cachescope:stats:{<tier>:<bucket number>}:<dimension>   kept `retention` after the bucket ends
//   cachescope:stats:<tier>:index                           ZSET of the bucket numbers written, for readers
// The braces put a bucket's dimensions in one cluster slot, so one script call writes them all.
//
// A bucket holds the busiest topK labels of each dimension by name (per writing process), and the rest summed as
// "(other)", so its size does not grow with the number of tenants or venues: with K ≤ 15 a dimension's hash holds
// at most 12 × 16 + 1 = 193 fields, within Redis's compact listpack encoding (hash-max-listpack-entries, 512 by
// default; labels up to ~50 bytes keep fields within hash-max-listpack-value, 64). Steady-state size, per tier:
//   (retention / bucket) × Σ over kept dimensions of (~90 B + fields × (field length + ~4 B)),
//   fields ≤ 12 × (K + 1) + 1 per dimension and writing process: 12 counters per label (StatsEvent and the load
//   time), a field written only once its counter moves (a cached route writes 6 to 8: hit, miss, set, load, loadms
//   and one or two duration bins). bench/bench_statsfootprint measures it.
struct StatsTier
{
    QByteArray name; // "1s", "1m", "1h", "1d"
    std::chrono::seconds bucket;
    std::chrono::seconds retention;
    // Per dimension, the labels kept by name in one bucket; 0: the dimension is not kept in this tier. Total has
    // one label ("all") and is always kept.
    std::array<int, std::size_t(StatsDimension::Count_)> topK {};

    bool keeps(StatsDimension dimension) const
    {
        return dimension == StatsDimension::Total || topK[std::size_t(dimension)] > 0;
    }
    qint64 bucketOf(qint64 unixSecond) const
    {
        return unixSecond / bucket.count();
    }
    qint64 bucketCount() const
    {
        return retention.count() / bucket.count();
    }
    QByteArray bucketKey(qint64 bucketNumber, StatsDimension dimension) const;
    QByteArray indexKey() const;
};

// 1 s for an hour (routes, namespaces, the busiest 10 tenants), 1 min for a day, 1 h for 30 days and 1 day for
// 30 days (each with the busiest 15 tenants and 15 venues).
QList<StatsTier> defaultStatsTiers();

// A read never touches more buckets than this (plus one for a partly covered first bucket).
inline constexpr qint64 maxBucketsPerRead = 120;

// The tier a window of the last `seconds` is read from: the finest that keeps the dimension, still holds the whole
// window and covers it in at most maxBucketsPerRead buckets; failing that the coarsest that keeps the dimension.
// Nothing when no tier keeps it.
const StatsTier* tierForWindow(const QList<StatsTier>& tiers, StatsDimension dimension, qint64 seconds);

} // namespace cachescope::cache
