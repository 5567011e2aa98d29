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
    // A fresh hit by how long its entry had left to live (logical expiry − now) in doubling bins: under 1 s, 1–2 s,
    // 2–4 s … 65,536–131,072 s (36 h); longer, and values without an expiry (foreign), are the rest of Hit. With the
    // TTL the entry was written with, this is its age at the hit: what lowering the TTL would turn into misses
    // (analysis::ttlWhatIf), which keyspace notifications cannot see.
    HitLeftUnder1s,
    HitLeftLast_ = HitLeftUnder1s + 17,
    // The same requests against a cache of half the TTL, simulated per key (CacheManager::halfTtlShadow): a sample of
    // getOrSet's requests, and those of them that would have missed. What lowering the TTL to ½× does, whatever mix
    // of hot and cold keys the route has.
    HalfTtlLookup,
    HalfTtlMiss,
    Count_
};
inline constexpr int hitLeftBinCount = int(StatsEvent::HitLeftLast_) - int(StatsEvent::HitLeftUnder1s) + 1;

// Events counted in the route dimension only: the TTL what-if reads them per route, and twenty more fields per
// tenant and venue label would double the stats' size in Redis for nothing.
inline constexpr bool isRouteOnlyEvent(StatsEvent event)
{
    return event >= StatsEvent::HitLeftUnder1s && event <= StatsEvent::HalfTtlMiss;
}

// The upper edge of a remaining-life bin, in ms: bin 0 holds [0, 1 s), bin i [2^(i-1) s, 2^i s).
inline constexpr qint64 hitLeftBinEdgeMs(int bin)
{
    return (qint64(1) << bin) * 1000;
}

// The bin of a fresh hit on an entry with `leftMs` to live, if it has one (Count_ past the last, or when negative).
inline constexpr StatsEvent hitLeftBin(qint64 leftMs)
{
    if (leftMs < 0)
        return StatsEvent::Count_;
    for (int bin = 0; bin < hitLeftBinCount; ++bin) {
        if (leftMs < hitLeftBinEdgeMs(bin))
            return StatsEvent(int(StatsEvent::HitLeftUnder1s) + bin);
    }
    return StatsEvent::Count_;
}

// The bin of a load that took `loadMs`, if it has one.
inline constexpr StatsEvent loadDurationBin(qint64 loadMs)
{
    return loadMs <= 10  ? StatsEvent::LoadWithin10ms
        : loadMs <= 100  ? StatsEvent::LoadWithin100ms
        : loadMs <= 1000 ? StatsEvent::LoadWithin1s
                         : StatsEvent::Count_;
}

} // namespace cachescope::cache
