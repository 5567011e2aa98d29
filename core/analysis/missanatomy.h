#pragma once

#include "analysis/analysisreport.h"
#include "cache/statsevent.h"
#include "model/keygrouping.h"

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QString>

#include <array>
#include <functional>
#include <optional>

namespace cachescope::analysis {

// Why a lookup missed, told from the server's keyspace notifications alone (no keyspace lookup):
enum class MissReason
{
    Expired, // the key existed and its TTL ran out
    Evicted, // removed by maxmemory
    Invalidated, // deleted (DEL, UNLINK, a rename away): by a CacheScope run (its audit record) or another client
    Cold, // not in the server for longer than the key lives, and never written while watched
    Unknown, // cannot be told: the watch is younger than the key's life, a removal fell out of the bounded memory,
             // events were lost, or the key was written and is gone without a removal seen (FLUSHALL)
    Count_
};
inline constexpr int missReasonCount = int(MissReason::Count_);
QString missReasonName(MissReason reason); // "expired", "evicted", "invalidated", "cold", "unknown"

// How late an expired key was asked for after it left: 0–1 s, 1–10 s, 10–60 s, 1–10 min, later.
inline constexpr std::array<qint64, 4> latenessEdgesMs {1'000, 10'000, 60'000, 600'000};
inline constexpr int latenessBucketCount = int(latenessEdgesMs.size()) + 1;
QString latenessBucketName(int bucket); // "0-1s", "1-10s", "10-60s", "1-10min", "later"

struct MissCounts
{
    qint64 misses = 0;
    std::array<qint64, missReasonCount> reasons {};
    std::array<qint64, latenessBucketCount> lateness {}; // of the expired misses
    // Expired misses whose expiry was the notification's time, not the write's time plus the TTL (the write was not
    // seen): their lateness is a lower bound (the server publishes an expiry when it notices it).
    qint64 latenessLowerBounds = 0;
    void add(const MissCounts& other);
};

// What one CacheScope invalidation run is known by, from its audit record.
struct InvalidationRecordRef
{
    QByteArray auditId;
    QString actor;
    QString target;
    qint64 startedMs = 0; // of the run: its deletions fall between startedMs and endedMs
    qint64 endedMs = 0;
    std::function<bool(const QByteArray& key)> matches;
};

// The misses of one watch by reason, per route, tenant, venue and namespace, with the lateness of expired misses and
// a TTL what-if per route. Fed with the keyspace notifications in the order one server published them (keymiss,
// expired, evicted, del/rename_from, set); knows nothing of Redis itself.
//
// Memory is bounded whatever the keyspace: removed keys and writes are remembered by a 64-bit hash for at most
// `horizonMs` and `rememberedKeys` each (the oldest dropped first, a generation at a time); group labels past
// `maxLabels` per dimension are counted under "(other)"; a miss that could only be told with what was dropped is
// counted "unknown", never guessed.
class MissAnatomy
{
public:
    struct Options
    {
        model::RouteConfig routes = model::RouteConfig::defaults();
        qint64 graceMs = 60'000; // the cache manager keeps an entry this long past its TTL (0 for plain writers)
        qint64 horizonMs = 3'600'000;
        int rememberedKeys = 196'608; // removals and writes each: about 10 MiB of fixed tables in all
        int maxLabels = 10'000;
        // A key with no TTL from the rules is called cold only after this long without being seen.
        qint64 coldAfterWithoutTtlMs = 600'000;
    };
    enum class Removal : quint8
    {
        Expired,
        Evicted,
        Deleted,
    };

    explicit MissAnatomy(Options options, qint64 startedMs);
    ~MissAnatomy();

    // Returns the route label the write was counted under ("(other)" past the bound; empty for CacheScope's own).
    QByteArray written(const QByteArray& key, qint64 atMs);
    void removed(const QByteArray& key, Removal removal, qint64 atMs);
    void missed(const QByteArray& key, qint64 atMs);
    // Events may have been lost until `atMs` (a subscription reopened): misses are told only from what came after.
    void lostEventsUntil(qint64 atMs);
    // A CacheScope run's audit record: deletions it covers are attributed to it, also for misses already counted.
    void addInvalidationRecord(InvalidationRecordRef record);

    struct RouteFigures
    {
        QString rulePath; // the rule the route's keys fall under; empty for routes without one
        qint64 ttlMs = -1; // from the rules; -1 unknown
        qint64 graceMs = 0; // kept in the server past the TTL (the cache manager's grace)
        qint64 writes = 0;
        qint64 expired = 0; // removals, requested again or not
        qint64 evicted = 0;
        qint64 deleted = 0;
        // Expired misses by lateness in fine log-spaced buckets (for the what-if), from the write-based expiry.
        QList<qint64> fineLateness;
    };
    struct Attribution
    {
        InvalidationRecordRef record;
        qint64 misses = 0;
        QHash<QByteArray, qint64> missesByRoute; // the same misses by route label
    };
    struct Report
    {
        qint64 startedMs = 0;
        qint64 endedMs = 0;
        MissCounts total;
        qint64 ownKeys = 0; // misses on CacheScope's own keys (its own lookups), left out of everything above
        std::array<QHash<QByteArray, MissCounts>, dimensionCount> groups;
        QHash<QByteArray, RouteFigures> routes;
        QList<Attribution> invalidatedByRuns;
        qint64 invalidatedByOthers = 0; // no CacheScope run's record covers the deletion
        qint64 invalidatedPending = 0; // deleted while a run may still be going: its record may come later
        qint64 droppedRemovals = 0; // removals forgotten (horizon or bound): later misses on them are unknown
        qint64 invalidationRecords = 0; // CacheScope runs' records kept for attribution (at most 1,000)
        qint64 stateBytes = 0;
    };
    // `final`: no record will come any more; pending deletions are then another client's.
    Report report(qint64 nowMs, bool final) const;

    // The fine lateness bucket edges, in ms (bucket i holds [edge(i-1), edge(i))).
    static qint64 fineEdgeMs(int bucket);
    static int fineBucketCount();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

// What a route's TTL at `ttlSeconds` would have done over the watch, from the expired misses' lateness (a key asked
// for again L after it left goes round a cycle of TTL + L per miss; see ttlWhatIf()).
struct TtlWhatIf
{
    qint64 ttlSeconds = 0;
    bool current = false;
    std::optional<double> missesAvoided; // nothing: cannot be told (a lowering without hit ages)
    std::optional<double> hitRate; // nothing: the route's lookups are unknown (no CacheScope stats for it)
    std::optional<double> extraBytes; // more memory held (negative: less); nothing without a size
    QString needs; // what would tell it, when something is missing
};
// A route's fresh hits by how long their entries had left to live (cache::StatsEvent::HitLeftUnder1s…), from the
// stats of gateways using the core cache manager.
using HitLeftCounts = std::array<qint64, std::size_t(cache::hitLeftBinCount)>;

// For the TTLs ½×, 1×, 2×, 4× and 10× the route's. `hits` and `misses` are the route's lookups over the watch where
// known (CacheScope stats); `meanEntryBytes` from MEMORY USAGE samples. A lowering needs what the gateways' cache
// managers recorded: `halfTtl`, their requests (lookups, misses) against a simulated cache of half the TTL, answers ½×
// directly; otherwise `hitsLeft` with the expired misses' lateness models it; without either the row says what it
// needs.
QList<TtlWhatIf> ttlWhatIf(const MissAnatomy::RouteFigures& route, qint64 watchedMs, std::optional<qint64> hits,
    std::optional<qint64> misses, std::optional<double> meanEntryBytes,
    const std::optional<HitLeftCounts>& hitsLeft = std::nullopt,
    std::optional<std::pair<qint64, qint64>> halfTtl = std::nullopt);

QJsonObject missCountsToJson(const MissCounts& counts);

// Groups by misses, most first (then by label): the order the CLI prints and /metrics names them in.
QList<std::pair<QByteArray, MissCounts>> rankedByMisses(const QHash<QByteArray, MissCounts>& groups);

} // namespace cachescope::analysis
