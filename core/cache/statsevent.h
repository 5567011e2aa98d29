#pragma once

#include <QByteArray>

namespace cachescope::cache {

// Labels that stats are counted under; the gateway passes route, tenant and venue, a service its namespace.
struct StatsLabels
{
    QByteArray ns;
    QByteArray route;
    QByteArray tenant;
    QByteArray venue;

    friend bool operator==(const StatsLabels&, const StatsLabels&) = default;
};

// FNV-1a over the four labels, inline: recording runs on every cache operation, and QtCore's qHash per
// field costs more than the short labels it hashes. Labels come from our configuration and the
// authenticated context, not from anonymous input, so a non-keyed hash is acceptable here.
inline size_t qHash(const StatsLabels& labels, size_t seed = 0)
{
    constexpr quint64 prime = 1099511628211ULL;
    quint64 hash = quint64(seed) ^ 14695981039346656037ULL;
    for (const QByteArray* field : {&labels.ns, &labels.route, &labels.tenant, &labels.venue}) {
        for (const char c : *field)
            hash = (hash ^ quint8(c)) * prime;
        hash = (hash ^ 0x1f) * prime; // field separator: ("ab","c") and ("a","bc") differ
    }
    return size_t(hash);
}

// What the cache manager counts. The order is the storage order of the counters: append only.
enum class StatsEvent
{
    Hit,
    Miss,
    Set,
    Load,
    LoadFailure,
    StaleServed,
    NegativeHit,
    Bypass, // the gateway's policy neither read nor stored (not a lookup)
    // A load's duration (successful or failed) in bins, for a histogram: at most 10 ms, 100 ms, 1 s; longer loads
    // are the rest of Load + LoadFailure.
    LoadWithin10ms,
    LoadWithin100ms,
    LoadWithin1s,
    Count_
};

// The bin of a load that took `loadMs`, if it has one.
inline constexpr StatsEvent loadDurationBin(qint64 loadMs)
{
    return loadMs <= 10  ? StatsEvent::LoadWithin10ms
        : loadMs <= 100  ? StatsEvent::LoadWithin100ms
        : loadMs <= 1000 ? StatsEvent::LoadWithin1s
                         : StatsEvent::Count_;
}

} // namespace cachescope::cache
