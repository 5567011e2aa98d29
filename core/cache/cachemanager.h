#pragma once

#include "cache/cacheenvelope.h"
#include "cache/statsevent.h"

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>

#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <random>
#include <vector>

namespace cachescope::redis {
class Client;
class Reply;
}

namespace cachescope::cache {

class StatsRecorder;

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
        quint64 randomSeed = 0; // 0: random; fixed in tests
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
    const StatsLabels& statsLabelsFor(const QByteArray& key, const StatsLabels& given) const;

    // Loader calls so far, and how many of them were early (XFetch) refreshes: for tests and stats.
    qint64 loaderCalls() const
    {
        return m_loaderCalls;
    }
    qint64 earlyRefreshes() const
    {
        return m_earlyRefreshes;
    }

private:
    struct Waiter
    {
        QPointer<const QObject> context;
        bool guarded = false;
        ResultCallback callback;
    };
    struct Flight
    {
        std::vector<Waiter> waiters;
        Loader loader;
        SetOptions options;
    };

    struct GuardedCountCallback
    {
        QPointer<const QObject> context;
        bool guarded = false;
        CountCallback callback;
    };

    void onFlightRead(const QByteArray& key, const redis::Reply& reply);
    void invalidateTagsFrom(
        const QList<QByteArray>& tags, qsizetype index, qint64 deletedSoFar, GuardedCountCallback done);
    void load(const QByteArray& key, const Loader& loader, const SetOptions& options,
        const std::optional<CacheEnvelope>& stale, bool earlyRefresh);
    void onLoaded(const QByteArray& key, const SetOptions& options, const std::optional<CacheEnvelope>& stale,
        bool earlyRefresh, qint64 loadMs, LoadResult loaded);
    void finishFlight(const QByteArray& key, const CacheResult& result);
    void deliver(const std::vector<Waiter>& waiters, const CacheResult& result, const StatsLabels& labels);
    void store(const QByteArray& key, const CacheEnvelope& envelope, const SetOptions& options, const QObject* context,
        std::function<void(QString)> callback);
    bool shouldRefreshEarly(const CacheEnvelope& envelope, qint64 nowMs);
    void record(const StatsLabels& labels, StatsEvent event, qint64 loadMs = -1);

    QPointer<redis::Client> m_connection;
    Options m_options;
    StatsRecorder* m_stats = nullptr;
    QHash<QByteArray, Flight> m_flights; // getOrSet in progress per key
    // Early refreshes in progress, with the callers that found the value expired before the refresh ended.
    QHash<QByteArray, std::vector<Waiter>> m_refreshing;
    // The expiry each recent refresh wrote: a read sent before the refresh landed shows the old value and
    // must not start yet another refresh.
    QHash<QByteArray, qint64> m_refreshedExpiry;
    std::mt19937_64 m_random;
    mutable std::deque<StatsLabels> m_namespaceLabels; // stable addresses: returned by reference
    qint64 m_loaderCalls = 0;
    qint64 m_earlyRefreshes = 0;
};

} // namespace cachescope::cache
