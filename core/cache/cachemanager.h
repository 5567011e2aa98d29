#pragma once

#include "cache/cacheenvelope.h"
#include "cache/statsevent.h"
#include "cache/statsrecorder.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

namespace cachescope::redis {
class Client;
class Reply;
}

namespace cachescope::cache {

// What a loader produced: a value, "nothing there" (cached as a negative entry when enabled), or an error.
struct LoadResult
{
    std::optional<QByteArray> value;
    QString error; // non-empty: the load failed

    static LoadResult found(QByteArray value)
    {
        return {std::move(value), {}};
    }
    static LoadResult notFound()
    {
        return {};
    }
    static LoadResult failed(QString error)
    {
        return {std::nullopt, std::move(error)};
    }
};

struct CacheResult
{
    enum class Status
    {
        Hit, // fresh value from the cache
        NegativeHit, // the cache remembers that there is nothing
        Miss, // get(): not in the cache
        Loaded, // getOrSet(): loaded and stored
        LoadedNotFound, // getOrSet(): the loader found nothing
        Stale, // getOrSet(): the reload failed, the stale value is served within the grace period
        Error, // Redis failed (get) or the loader failed with nothing stale to serve
    };
    Status status = Status::Miss;
    std::optional<QByteArray> value;
    QString error;
    qint64 expiresAtMs = 0; // a hit's logical expiry, unix ms (0: unknown, as for values other writers stored)
};

// The shared cache manager (`get`, `set`, `getOrSet`, `invalidate`, tags) on the Qt event loop.
//
// API style: every call takes a context object and a callback that runs later on the same thread, never
// inside the call, and not at all once the context is gone. Callbacks fit Qt's event loop without futures'
// thread hops, and all commands of all callers go through one pipelined connection, so concurrent callers
// share round trips.
//
// Stampede protection: concurrent getOrSet() calls for one key share one GET and at most one loader call
// (single-flight); a fresh value is refreshed early in the background with probability given by XFetch
// (recompute when now - loadTime * beta * ln(rand) >= expiry); a failed reload serves the stale value for
// up to the grace period.
class CacheManager : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        std::chrono::seconds defaultTtl {300};
        std::chrono::seconds grace {60}; // how long past expiry a value is kept to serve if reloads fail
        double xfetchBeta = 1.0; // 0 disables early recomputation
        std::chrono::seconds negativeTtl {0}; // 0: "not found" is not cached
        qsizetype compressionThreshold = 16 * 1024; // bytes; <= 0 disables
        // An entry that inflates to more is a miss (counted in oversizedEntries()), never served nor held in memory
        // whole: another writer's value, or a decompression bomb.
        qsizetype maxPayloadBytes = CacheEnvelope::defaultMaxPayloadBytes;
        quint64 randomSeed = 0; // 0: random; fixed in tests
        // The wall clock logical expiry is written and read against (ms since the epoch); nothing: the system's.
        // Fixed in tests, where "fresh until its expiry, stale at it" is a millisecond no real clock can aim at.
        qint64 (*wallClockMs)() = nullptr;
        // Each getOrSet with route labels is also asked of a simulated cache of half the TTL, for the TTL what-if's
        // ½× row (halfTtlShadow): about 1 MiB and a table lookup per request when stats are recorded.
        bool simulateHalfTtl = true;
        // Namespaces (what precedes a key's first ':', e.g. "events", "gateway") shared with services that read
        // the value as plain text, like the seed's Node services (GET, then JSON.parse): written as the body alone,
        // never compressed, with the Redis TTL the logical TTL (no grace: a plain reader cannot tell stale from
        // fresh, so nothing stale is left for it to serve); a cached "not found" is the JSON literal `null`. Read
        // back as fresh, without XFetch (there is no load time to weigh). docs/wire-format.md.
        QList<QByteArray> plainNamespaces;
    };

    using LoadDone = std::function<void(LoadResult)>;
    using Loader = std::function<void(LoadDone done)>; // call done exactly once, now or later
    using ResultCallback = std::function<void(const CacheResult&)>;
    using CountCallback = std::function<void(std::optional<qint64> count, QString error)>;

    struct SetOptions
    {
        std::optional<std::chrono::seconds> ttl;
        QList<QByteArray> tags;
        StatsLabels labels;
    };

    CacheManager(redis::Client* connection, Options options, QObject* parent = nullptr);
    ~CacheManager() override;

    void setStatsRecorder(StatsRecorder* recorder)
    {
        m_stats = recorder;
    }
    const Options& options() const
    {
        return m_options;
    }

    void get(const QByteArray& key, const QObject* context, ResultCallback callback, const StatsLabels& labels = {});
    void set(const QByteArray& key, const QByteArray& value, const SetOptions& options, const QObject* context,
        std::function<void(QString error)> callback);
    void getOrSet(const QByteArray& key, Loader loader, const SetOptions& options, const QObject* context,
        ResultCallback callback);
    // Deletes the keys of every given tag (and the tag indexes), one tag after another; counts the keys deleted.
    // For a service's own use: unaudited. Operators go through ops::InvalidationRun (tags are targets there too),
    // which adds the safety policy, a dry run, the bounds of a failed run and the audit trail.
    void invalidateTags(const QList<QByteArray>& tags, const QObject* context, CountCallback callback);
    // SCAN + UNLINK of a pattern, protected namespaces skipped; counts the keys deleted.
    void invalidate(const QByteArray& pattern, const QObject* context, CountCallback callback);

    // The labels an operation on `key` is counted under: `given`, or the key's namespace.
    //
    // Inline: this runs on every operation, and with stats on it must stay a small part of a cached getOrSet. The
    // namespace (what precedes the first ':') is found among the label sets made before and returned by reference,
    // so nothing is allocated or copied. The one found last is tried first: most operations in a row share a
    // namespace, and a namespace holds no ':', so a key that starts with it and a ':' has it as its namespace. A
    // namespace of up to 8 bytes is compared as one masked word.
    const StatsLabels& statsLabelsFor(const QByteArray& key, const StatsLabels& given) const
    {
        if (!given.ns.isEmpty() || !given.route.isEmpty())
            return given;
        const LastNamespace& last = m_lastNamespace;
        if (key.size() >= last.wordKeySize) {
            const char* bytes = key.constData();
            quint64 word;
            memcpy(&word, bytes, 8);
            if ((word & last.mask) == last.word && bytes[last.length] == ':')
                return *last.labels;
        }
        return namespaceLabelsFor(key);
    }

    // Counts one answer for `key` in the stats, when they are recorded: what a getOrSet does for each caller it
    // answers (public for bench_cachemanager, which measures it alone).
    // `also`: a second event of the same answer (a hit's remaining-life bin).
    void recordAnswer(
        const QByteArray& key, const StatsLabels& given, StatsEvent event, StatsEvent also = StatsEvent::Count_)
    {
        if (!m_stats)
            return;
        const StatsLabels& labels = statsLabelsFor(key, given);
        if (&labels == m_lastNamespace.labels) {
            m_stats->record(m_lastNamespace.handle, labels, event); // a namespace's labels: no route for `also`
        } else {
            StatsCounters& counters = m_stats->countersOf(labels);
            ++counters.events[std::size_t(event)];
            if (also != StatsEvent::Count_ && !labels.route.isEmpty()) // kept per route only (isRouteOnlyEvent)
                ++counters.events[std::size_t(also)];
        }
    }

    // Counts a request the gateway's policy neither read nor stored (CacheDecision::Action::Bypass) under `labels`,
    // so the stats show bypasses beside hits and misses.
    void recordBypass(const StatsLabels& labels)
    {
        if (m_stats)
            m_stats->record(labels, StatsEvent::Bypass);
    }

    // Loader calls so far, and how many of them were early (XFetch) refreshes: for tests and stats.
    qint64 loaderCalls() const
    {
        return m_loaderCalls;
    }
    // Entries read that inflated past Options::maxPayloadBytes: each was a miss (and is reloaded over).
    qint64 oversizedEntries() const
    {
        return m_oversizedEntries;
    }
    qint64 earlyRefreshes() const
    {
        return m_earlyRefreshes;
    }
    // Entry writes (SET) that failed: the server refused them (OOM under maxmemory with noeviction, READONLY…) or
    // did not answer. The request was still answered from the load; the next one misses again.
    qint64 failedStores() const
    {
        return m_failedStores;
    }
    const QString& firstStoreError() const
    {
        return m_firstStoreError;
    }

private:
    struct Waiter
    {
        QPointer<const QObject> context;
        bool guarded = false;
        ResultCallback callback;
    };
    // A getOrSet in progress for one key. Flights are reused (m_spareFlights), so a cached getOrSet allocates no
    // flight and no waiter list, and the GET's callback captures only two pointers (no allocation either).
    struct Flight
    {
        QByteArray key;
        std::vector<Waiter> waiters; // keeps its capacity from one use to the next
        Loader loader;
        SetOptions options;
    };

    struct GuardedCountCallback
    {
        QPointer<const QObject> context;
        bool guarded = false;
        CountCallback callback;
    };

    Flight* startFlight(const QByteArray& key); // a spare flight if there is one; not in m_flights yet
    void endFlight(Flight* flight);
    // Answers a flight already out of m_flights, then ends it (or frees it, if a callback destroyed the manager).
    void answerFlight(Flight* flight, const CacheResult& result);
    void onFlightRead(Flight* flight, const redis::Reply& reply);
    void invalidateTagsFrom(
        const QList<QByteArray>& tags, qsizetype index, qint64 deletedSoFar, GuardedCountCallback done);
    void load(const QByteArray& key, const Loader& loader, const SetOptions& options,
        const std::optional<CacheEnvelope>& stale, bool earlyRefresh);
    void onLoaded(const QByteArray& key, const SetOptions& options, const std::optional<CacheEnvelope>& stale,
        bool earlyRefresh, qint64 loadMs, LoadResult loaded);
    void finishFlight(const QByteArray& key, const CacheResult& result);
    // Answers the waiters, each counted under the labels of `key` (statsLabelsFor) when stats are recorded. False
    // when a callback destroyed the manager: the caller must then return without touching it.
    bool deliver(
        const std::vector<Waiter>& waiters, const CacheResult& result, const QByteArray& key, const StatsLabels& given);
    void store(const QByteArray& key, const CacheEnvelope& envelope, const SetOptions& options, const QObject* context,
        std::function<void(QString)> callback);
    bool shouldRefreshEarly(const CacheEnvelope& envelope, qint64 nowMs);
    void record(const StatsLabels& labels, StatsEvent event, qint64 loadMs = -1);
    // The remaining-life bin of a fresh hit with a known expiry (Count_ otherwise, or when stats are off).
    StatsEvent hitLeftBinOf(const CacheResult& result) const;
    qint64 nowMs() const;

    QPointer<redis::Client> m_connection;
    Options m_options;
    StatsRecorder* m_stats = nullptr;
    // The flights table's key. Qt 6.4's qHash(QByteArray) took 160-180 ns for keys under 16 bytes on the CI machine
    // (7 ns from 16 bytes on; std::hash: 5-13 ns), a third of a cached getOrSet's time with such keys. std::hash
    // (libstdc++'s MurmurHash) is not keyed, so crafted keys could collide; the table holds only the getOrSet calls
    // in flight, so the worst case is a scan of those (hundreds), never of the cache.
    static size_t keyHash(const QByteArray& key) noexcept
    {
        return std::hash<std::string_view> {}(std::string_view(key.constData(), size_t(key.size())));
    }
    // A key with its hash, computed once per getOrSet (the half-TTL shadow samples by it too).
    struct FlightKey
    {
        FlightKey(const QByteArray& key, size_t hashOfKey)
            : bytes(key)
            , hash(hashOfKey)
        {
        }
        explicit FlightKey(const QByteArray& key)
            : FlightKey(key, keyHash(key))
        {
        }
        QByteArray bytes;
        size_t hash;
        friend bool operator==(const FlightKey& a, const FlightKey& b)
        {
            return a.hash == b.hash && a.bytes == b.bytes;
        }
        friend size_t qHash(const FlightKey& key, size_t seed) noexcept
        {
            return key.hash ^ seed;
        }
    };
    QHash<FlightKey, Flight*> m_flights; // getOrSet in progress per key, owned
    QList<QByteArray> m_getArguments {QByteArrayLiteral("GET"), QByteArray()};
    std::vector<std::unique_ptr<Flight>> m_spareFlights;
    bool* m_destroyed = nullptr; // while delivering: set by the destructor (see deliver)
    // Early refreshes in progress, with the callers that found the value expired before the refresh ended.
    QHash<QByteArray, std::vector<Waiter>> m_refreshing;
    // The half-TTL shadow: for a sample of keys (by hash: all of them until too many crowd the table), when their
    // entry would expire in a cache whose TTLs were half as long. A request finds it expired or absent: a miss there,
    // and the entry is written anew. A fixed table of halfTtlSlots slots of 16 bytes (1 MiB, allocated on first
    // use), each key in one of 8 neighbouring slots; a key that finds them all taken by live entries takes the one
    // that expires first, and when that happens to more than 1 request in 64 the sample is halved (the keys
    // outside it are no longer asked). Per process: gateways that share a key each see part of its requests, so each
    // misses more often than one shared cache would.
    static constexpr std::size_t halfTtlSlots = 65'536;

public:
    // One getOrSet request asked of the half-TTL shadow (public for bench_cachemanager, which measures it alone).
    void halfTtlShadow(size_t hashOfKey, const StatsLabels& labels, std::chrono::seconds ttl);
    // The share of keys the shadow asks about (1 until too many keys crowd its table).
    double halfTtlSampledShare() const
    {
        return std::ldexp(double(m_halfTtlSampleBelow), -64);
    }
    // Live entries pushed out of the shadow's table so far: at most this many of its misses are the table's, not
    // the half TTL's.
    qint64 halfTtlPushedOut() const
    {
        return m_halfTtlPushedOut;
    }

private:
    struct HalfTtlSlot
    {
        quint64 hash = 0; // 0: empty
        qint64 expiryMs = 0;
    };
    std::unique_ptr<HalfTtlSlot[]> m_halfTtl;
    qint64 m_halfTtlAsked = 0; // since the sample last changed
    qint64 m_halfTtlCrowded = 0; // of them, those that pushed out a live entry
    qint64 m_halfTtlPushedOut = 0; // live entries pushed out, ever
    quint64 m_halfTtlSampleBelow = ~quint64(0); // a key is in the sample when its hash is below this
    // The expiry each recent refresh wrote: a read sent before the refresh landed shows the old value and
    // must not start yet another refresh.
    QHash<QByteArray, qint64> m_refreshedExpiry;
    std::mt19937_64 m_random;
    mutable std::deque<StatsLabels> m_namespaceLabels; // stable addresses: returned by reference
    // The namespace labels found last, with their first 8 bytes as a word and a mask (see statsLabelsFor).
    struct LastNamespace
    {
        const StatsLabels* labels = nullptr;
        qsizetype length = 0;
        quint64 word = 0;
        quint64 mask = 0;
        // The shortest key the word comparison applies to (8 bytes to load, and the ':' after the namespace);
        // larger than any key when it does not apply.
        qsizetype wordKeySize = std::numeric_limits<qsizetype>::max();
        StatsRecorder::Handle handle; // where the recorder counts these labels
    };
    mutable LastNamespace m_lastNamespace;
    const StatsLabels& rememberNamespace(const StatsLabels& labels) const;
    const StatsLabels& namespaceLabelsFor(const QByteArray& key) const; // statsLabelsFor, the rest
    qint64 m_loaderCalls = 0;
    qint64 m_earlyRefreshes = 0;
    qint64 m_oversizedEntries = 0;
    // Whether `key` is in one of Options::plainNamespaces; decodes a stored value the way its namespace writes it.
    bool isPlain(const QByteArray& key) const;
    std::optional<CacheEnvelope> decodeStored(const QByteArray& key, const QByteArray& stored, bool* tooLarge) const;
    qint64 m_failedStores = 0;
    QString m_firstStoreError;
};

} // namespace cachescope::cache
