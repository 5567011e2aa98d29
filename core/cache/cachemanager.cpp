#include "cache/cachemanager.h"

#include "cache/statsrecorder.h"
#include "model/keyparser.h"
#include "model/reservedkeys.h"
#include "model/tagindexmember.h"
#include "ops/invalidation/keyspaceinvalidation.h"
#include "redis/client.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <ctime>
#include <memory>
#include <utility>

namespace cachescope::cache {

using namespace Qt::StringLiterals;
using namespace std::chrono;

namespace {
// A coarse monotonic clock (a few ms; a read without a system call): the half-TTL shadow compares it with TTLs of
// seconds, on every request.
qint64 coarseNowMs()
{
#ifdef CLOCK_MONOTONIC_COARSE
    timespec now {};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    return qint64(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
#else
    return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
#endif
}

template<typename Callback, typename... Args>
void callLater(QObject* self, const QObject* context, Callback callback, Args... args)
{
    // Results are delivered from the event loop, never inside the call that asked for them.
    QTimer::singleShot(0, self,
        [guard = QPointer<const QObject>(context), guarded = context != nullptr, callback = std::move(callback),
            args...]() {
            if (!guarded || guard)
                callback(args...);
        });
}
} // namespace

CacheManager::CacheManager(redis::Client* connection, Options options, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_options(options)
    , m_random(options.randomSeed ? options.randomSeed : std::random_device {}())
{
    // Room for 1,024 flights before the table grows: erasing from a fuller table moves (and rehashes) the entries
    // after the erased one, and a service keeps a few hundred in flight. A table that had grown that large was 270
    // instructions a call cheaper than a fresh one (bench_cachemanager, 256 in flight).
    m_flights.reserve(1024);
}

CacheManager::~CacheManager()
{
    if (m_destroyed)
        *m_destroyed = true; // a callback is destroying the manager: the delivery stops (see deliver)
    qDeleteAll(m_flights);
}

CacheManager::Flight* CacheManager::startFlight(const QByteArray& key)
{
    std::unique_ptr<Flight> flight;
    if (m_spareFlights.empty()) {
        flight = std::make_unique<Flight>();
    } else {
        flight = std::move(m_spareFlights.back());
        m_spareFlights.pop_back();
    }
    flight->key = key;
    return flight.release();
}

void CacheManager::endFlight(Flight* flight)
{
    // Out of m_flights already; kept for the next getOrSet (as many as were ever in flight at once, up to a bound).
    // The callbacks and the loader go now, with whatever they hold; the key and options are only bytes, replaced
    // when the flight is used again.
    std::unique_ptr<Flight> owned(flight);
    if (m_spareFlights.size() >= 4096)
        return;
    owned->waiters.clear();
    owned->loader = nullptr;
    m_spareFlights.push_back(std::move(owned));
}

const StatsLabels& CacheManager::namespaceLabelsFor(const QByteArray& key) const
{
    if (m_lastNamespace.labels && key.size() > m_lastNamespace.length && key.constData()[m_lastNamespace.length] == ':'
        && QByteArrayView(key.constData(), m_lastNamespace.length) == m_lastNamespace.labels->ns)
        return *m_lastNamespace.labels; // a namespace longer than 8 bytes, or a key shorter than 8
    const qsizetype colon = key.indexOf(':');
    const QByteArrayView ns = colon > 0 ? QByteArrayView(key.constData(), colon) : QByteArrayView("(none)");
    for (const StatsLabels& known : m_namespaceLabels) {
        if (known.ns == ns)
            return rememberNamespace(known);
    }
    if (m_namespaceLabels.size() >= 256) // keys of unbounded shapes: count the rest together
        return m_namespaceLabels.back();
    m_namespaceLabels.push_back(
        StatsLabels {m_namespaceLabels.size() == 255 ? QByteArray("(other)") : ns.toByteArray(), {}, {}, {}});
    return m_namespaceLabels.size() == 256 ? m_namespaceLabels.back() : rememberNamespace(m_namespaceLabels.back());
}

const StatsLabels& CacheManager::rememberNamespace(const StatsLabels& labels) const
{
    const qsizetype length = labels.ns.size();
    m_lastNamespace.labels = length > 0 ? &labels : nullptr; // "(none)" has no ':' after it: never matched
    m_lastNamespace.length = length;
    m_lastNamespace.word = 0;
    m_lastNamespace.mask = 0;
    m_lastNamespace.handle = {};
    m_lastNamespace.wordKeySize = std::numeric_limits<qsizetype>::max();
    if (length > 0 && length <= 8) {
        memcpy(&m_lastNamespace.word, labels.ns.constData(), size_t(length));
        memset(&m_lastNamespace.mask, 0xff, size_t(length));
        m_lastNamespace.wordKeySize = std::max<qsizetype>(8, length + 1);
    }
    return labels;
}

void CacheManager::halfTtlShadow(size_t hashOfKey, const StatsLabels& given, seconds ttl)
{
    const quint64 hash = quint64(hashOfKey) | 1; // never 0, which marks an empty slot
    if (given.route.isEmpty() || hash >= m_halfTtlSampleBelow)
        return; // counted per route only (isRouteOnlyEvent): a namespace's keys have none
    if (!m_halfTtl)
        m_halfTtl = std::make_unique<HalfTtlSlot[]>(halfTtlSlots);
    const qint64 now = coarseNowMs();
    // Half as many whole seconds, rounded as the what-if rounds its ½× row (a TTL one can set).
    const qint64 halfMs = std::max<qint64>(1, (ttl.count() + 1) / 2) * 1000;
    // The key's slot among its 8, or the one to take: an empty one, else the one that expires first.
    HalfTtlSlot* slot = nullptr;
    HalfTtlSlot* taken = nullptr;
    for (std::size_t probe = 0; probe < 8; ++probe) {
        HalfTtlSlot& candidate = m_halfTtl[(std::size_t(hash >> 16) + probe) & (halfTtlSlots - 1)];
        if (candidate.hash == hash) {
            slot = &candidate;
            break;
        }
        if (!taken || candidate.hash == 0 || (taken->hash != 0 && candidate.expiryMs < taken->expiryMs))
            taken = &candidate;
    }
    const bool miss = !slot || slot->expiryMs <= now;
    if (!slot) {
        const qint64 pushedOut = taken->hash != 0 && taken->expiryMs > now ? 1 : 0;
        m_halfTtlCrowded += pushedOut;
        m_halfTtlPushedOut += pushedOut;
        slot = taken;
        slot->hash = hash;
    }
    if (miss)
        slot->expiryMs = now + halfMs;
    StatsCounters& counters = m_stats->countersOf(given);
    ++counters.events[std::size_t(StatsEvent::HalfTtlLookup)];
    counters.events[std::size_t(StatsEvent::HalfTtlMiss)] += miss ? 1 : 0;
    if (++m_halfTtlAsked >= 4096) {
        // A live entry pushed out makes its key's next request a miss it may not be: past 1 in 64, fewer keys.
        if (m_halfTtlCrowded * 64 > m_halfTtlAsked)
            m_halfTtlSampleBelow /= 2;
        m_halfTtlAsked = 0;
        m_halfTtlCrowded = 0;
    }
}

qint64 CacheManager::nowMs() const
{
    return m_options.wallClockMs ? m_options.wallClockMs() : QDateTime::currentMSecsSinceEpoch();
}

StatsEvent CacheManager::hitLeftBinOf(const CacheResult& result) const
{
    if (result.status != CacheResult::Status::Hit || result.expiresAtMs <= 0 || !m_stats)
        return StatsEvent::Count_;
    return hitLeftBin(result.expiresAtMs - nowMs());
}

void CacheManager::record(const StatsLabels& labels, StatsEvent event, qint64 loadMs)
{
    if (m_stats)
        m_stats->record(labels, event, loadMs);
}

void CacheManager::get(const QByteArray& key, const QObject* context, ResultCallback callback, const StatsLabels& given)
{
    if (!m_connection) {
        callLater(this, context, std::move(callback),
            CacheResult {CacheResult::Status::Error, std::nullopt, u"no connection"_s});
        return;
    }
    m_connection->command({QByteArrayLiteral("GET"), key}, context,
        [this, key, given, callback = std::move(callback)](const redis::Reply& r) {
            CacheResult result;
            if (r.isError()) {
                result.status = CacheResult::Status::Error;
                result.error = r.errorMessage();
            } else if (r.isNil()) {
                result.status = CacheResult::Status::Miss;
            } else {
                bool tooLarge = false;
                const auto envelope = decodeStored(key, r.bytes(), &tooLarge);
                if (tooLarge) {
                    ++m_oversizedEntries;
                    result.error =
                        u"the entry inflates to more than %1 bytes: treated as a miss"_s.arg(m_options.maxPayloadBytes);
                }
                if (!envelope || (!envelope->foreign && envelope->expiresAtMs <= nowMs())) {
                    result.status = CacheResult::Status::Miss; // damaged, or expired and only kept for grace
                } else if (envelope->negative) {
                    result.status = CacheResult::Status::NegativeHit;
                } else {
                    result.status = CacheResult::Status::Hit;
                    result.value = envelope->payload;
                    result.expiresAtMs = envelope->foreign ? 0 : envelope->expiresAtMs;
                }
            }
            recordAnswer(key, given,
                result.status == CacheResult::Status::Hit               ? StatsEvent::Hit
                    : result.status == CacheResult::Status::NegativeHit ? StatsEvent::NegativeHit
                                                                        : StatsEvent::Miss,
                hitLeftBinOf(result));
            callback(result);
        });
}

void CacheManager::set(const QByteArray& key, const QByteArray& value, const SetOptions& options,
    const QObject* context, std::function<void(QString)> callback)
{
    CacheEnvelope envelope;
    envelope.payload = value;
    envelope.expiresAtMs = nowMs() + duration_cast<milliseconds>(options.ttl.value_or(m_options.defaultTtl)).count();
    store(key, envelope, options, context, std::move(callback));
    record(statsLabelsFor(key, options.labels), StatsEvent::Set);
}

void CacheManager::store(const QByteArray& key, const CacheEnvelope& envelope, const SetOptions& options,
    const QObject* context, std::function<void(QString)> callback)
{
    if (!m_connection) {
        if (callback)
            callLater(this, context, std::move(callback), u"no connection"_s);
        return;
    }
    const seconds ttl = envelope.negative ? m_options.negativeTtl : options.ttl.value_or(m_options.defaultTtl);
    const bool plain = isPlain(key);
    const qint64 redisTtlMs = duration_cast<milliseconds>(ttl + (plain ? seconds(0) : m_options.grace)).count();
    const qint64 goneAt = nowMs() + redisTtlMs;
    // Tag indexes are sorted sets scored by expiry, so members that expired can be pruned by score; a member's score
    // only grows (GT), so a reference stays as long as the longest-lived key behind it. An index outlives its
    // longest-lived member by a second: its expiry is set before the member's SET, which would otherwise make it
    // expire a moment before the entry it lists. Members are short (model/tagindexmember.h).
    const QByteArray indexTtlMs = QByteArray::number(redisTtlMs + 1000);
    for (const model::TagIndexWrite& write : model::tagIndexWrites(key, options.tags)) {
        const QByteArray index = model::tagKey(write.tag);
        m_connection->command({"ZADD", index, "GT", QByteArray::number(goneAt), write.member}, nullptr, nullptr);
        m_connection->command({"ZREMRANGEBYSCORE", index, "-inf", QByteArray::number(nowMs())}, nullptr, nullptr);
        m_connection->command({"PEXPIRE", index, indexTtlMs, "GT"}, nullptr, nullptr);
        m_connection->command({"PEXPIRE", index, indexTtlMs, "NX"}, nullptr, nullptr);
    }
    const QByteArray stored = !plain ? envelope.encode(m_options.compressionThreshold)
        : envelope.negative          ? QByteArrayLiteral("null")
                                     : envelope.payload;
    m_connection->command({"SET", key, stored, "PX", QByteArray::number(redisTtlMs)}, context,
        [self = QPointer<CacheManager>(this), callback = std::move(callback)](const redis::Reply& reply) {
            if (reply.isError() && self) {
                ++self->m_failedStores;
                if (self->m_firstStoreError.isEmpty())
                    self->m_firstStoreError = reply.errorMessage();
            }
            if (callback)
                callback(reply.isError() ? reply.errorMessage() : QString());
        });
}

bool CacheManager::isPlain(const QByteArray& key) const
{
    if (m_options.plainNamespaces.isEmpty())
        return false;
    const qsizetype colon = key.indexOf(':');
    if (colon <= 0)
        return false;
    const QByteArrayView ns(key.constData(), colon);
    return std::any_of(m_options.plainNamespaces.cbegin(), m_options.plainNamespaces.cend(),
        [ns](const QByteArray& plainNamespace) { return ns == plainNamespace; });
}

std::optional<CacheEnvelope> CacheManager::decodeStored(
    const QByteArray& key, const QByteArray& stored, bool* tooLarge) const
{
    std::optional<CacheEnvelope> envelope = CacheEnvelope::decode(stored, m_options.maxPayloadBytes, tooLarge);
    // A plain namespace's cached "not found" is the JSON literal null (what a plain reader's JSON.parse gives).
    if (envelope && envelope->foreign && stored == "null" && isPlain(key)) {
        envelope->negative = true;
        envelope->payload.clear();
    }
    return envelope;
}

void CacheManager::getOrSet(
    const QByteArray& key, Loader loader, const SetOptions& options, const QObject* context, ResultCallback callback)
{
    const size_t hash = keyHash(key);
    if (m_stats && m_options.simulateHalfTtl)
        halfTtlShadow(hash, options.labels, options.ttl.value_or(m_options.defaultTtl));
    Flight*& slot = m_flights[FlightKey {key, hash}]; // one lookup to join a flight or to start one
    if (slot) {
        slot->waiters.push_back({context, context != nullptr, std::move(callback)});
        return;
    }
    if (!m_connection) {
        m_flights.remove(FlightKey {key});
        callLater(this, context, std::move(callback),
            CacheResult {CacheResult::Status::Error, std::nullopt, u"no connection"_s});
        return;
    }
    Flight* flight = startFlight(key);
    slot = flight;
    flight->waiters.push_back({context, context != nullptr, std::move(callback)});
    flight->loader = std::move(loader);
    flight->options = options;
    // The flight lives until its GET is answered (it ends in onFlightRead or after the load that follows), and the
    // callback is not called once this manager is gone: the pointer is safe to keep. The arguments' list is reused
    // (command() encodes or copies them before it returns), so the GET allocates no list of its own.
    m_getArguments[1] = key;
    m_connection->command(
        m_getArguments, this, [this, flight](const redis::Reply& reply) { onFlightRead(flight, reply); });
    m_getArguments[1] = QByteArray();
}

bool CacheManager::shouldRefreshEarly(const CacheEnvelope& envelope, qint64 now)
{
    if (m_options.xfetchBeta <= 0 || envelope.foreign || envelope.loadMs == 0)
        return false;
    // The draw below is at least the smallest normal double, so the gap is at most loadMs * beta * 708.4: a value
    // further than that from its expiry cannot be refreshed, and the draw (a log and a random number on every hit)
    // is skipped. The outcome is the same; only fewer random numbers are used.
    static const double largestMinusLog = -std::log(std::numeric_limits<double>::min());
    const double largestGap = double(envelope.loadMs) * m_options.xfetchBeta * largestMinusLog;
    if (double(now) + largestGap < double(envelope.expiresAtMs))
        return false;
    std::uniform_real_distribution<double> uniform(std::numeric_limits<double>::min(), 1.0);
    const double gap = -double(envelope.loadMs) * m_options.xfetchBeta * std::log(uniform(m_random));
    return double(now) + gap >= double(envelope.expiresAtMs);
}

void CacheManager::onFlightRead(Flight* flight, const redis::Reply& reply)
{
    const QByteArray& key = flight->key;
    Q_ASSERT(m_flights.value(FlightKey {key}) == flight);
    if (reply.isError() && reply.errorKind() != redis::ErrorKind::WrongType) {
        // Redis is unreachable: load anyway, so the service keeps answering without its cache.
        load(key, flight->loader, flight->options, std::nullopt, false);
        return;
    }
    const qint64 now = nowMs();
    std::optional<CacheEnvelope> envelope;
    if (reply.isString()) {
        bool tooLarge = false;
        envelope = decodeStored(key, reply.bytes(), &tooLarge);
        m_oversizedEntries += tooLarge ? 1 : 0; // a miss: loaded again, and the load writes over it
    }
    if (envelope && (envelope->foreign || envelope->expiresAtMs > now)) {
        CacheResult result;
        result.status = envelope->negative ? CacheResult::Status::NegativeHit : CacheResult::Status::Hit;
        if (!envelope->negative) {
            result.value = envelope->payload;
            result.expiresAtMs = envelope->foreign ? 0 : envelope->expiresAtMs;
        }
        const bool outdatedRead = envelope->expiresAtMs < m_refreshedExpiry.value(key, 0);
        const bool refresh = !envelope->negative && !outdatedRead && shouldRefreshEarly(*envelope, now);
        m_flights.remove(FlightKey {key});
        if (refresh && !m_refreshing.contains(key)) {
            // Early refresh in the background: callers keep getting the current value meanwhile.
            m_refreshing.insert(key, {});
            ++m_earlyRefreshes;
            load(key, flight->loader, flight->options, std::nullopt, true);
        }
        answerFlight(flight, result);
        return;
    }
    const auto refresh = m_refreshing.find(key);
    if (refresh != m_refreshing.end()) {
        // Expired while its early refresh is still loading: wait for that load instead of starting another.
        m_flights.remove(FlightKey {key});
        for (Waiter& waiter : flight->waiters)
            refresh->push_back(std::move(waiter));
        endFlight(flight);
        return;
    }
    std::optional<CacheEnvelope> stale; // expired but within grace: served if the reload fails
    if (envelope && !envelope->negative)
        stale = envelope;
    load(key, flight->loader, flight->options, stale, false);
}

void CacheManager::load(const QByteArray& key, const Loader& loader, const SetOptions& options,
    const std::optional<CacheEnvelope>& stale, bool earlyRefresh)
{
    ++m_loaderCalls;
    auto timer = std::make_shared<QElapsedTimer>();
    timer->start();
    auto once = std::make_shared<bool>(false);
    QPointer<CacheManager> self(this);
    const Loader call = loader; // a copy: the flight may be gone when the loader returns
    call([self, key, options, stale, earlyRefresh, timer, once](LoadResult loaded) {
        if (*once || !self)
            return; // a loader that calls done twice, or after the manager is gone
        *once = true;
        self->onLoaded(key, options, stale, earlyRefresh, std::max<qint64>(1, timer->elapsed()), std::move(loaded));
    });
}

void CacheManager::onLoaded(const QByteArray& key, const SetOptions& options, const std::optional<CacheEnvelope>& stale,
    bool earlyRefresh, qint64 loadMs, LoadResult loaded)
{
    const StatsLabels& labels = statsLabelsFor(key, options.labels);
    CacheResult result;
    qint64 writtenExpiryMs = 0;
    if (!loaded.error.isEmpty()) {
        record(labels, StatsEvent::LoadFailure, loadMs);
        result.error = loaded.error;
        if (stale) {
            record(labels, StatsEvent::StaleServed);
            result.status = CacheResult::Status::Stale;
            result.value = stale->payload;
        } else {
            result.status = CacheResult::Status::Error;
        }
    } else {
        record(labels, StatsEvent::Load, loadMs);
        CacheEnvelope envelope;
        envelope.loadMs = quint32(loadMs);
        if (loaded.value) {
            envelope.payload = *loaded.value;
            envelope.expiresAtMs =
                nowMs() + duration_cast<milliseconds>(options.ttl.value_or(m_options.defaultTtl)).count();
            store(key, envelope, options, nullptr, nullptr);
            writtenExpiryMs = envelope.expiresAtMs;
            record(labels, StatsEvent::Set);
            result.status = CacheResult::Status::Loaded;
            result.value = std::move(loaded.value);
        } else {
            if (m_options.negativeTtl.count() > 0) {
                envelope.negative = true;
                envelope.expiresAtMs = nowMs() + duration_cast<milliseconds>(m_options.negativeTtl).count();
                store(key, envelope, options, nullptr, nullptr);
            }
            result.status = CacheResult::Status::LoadedNotFound;
        }
    }
    if (earlyRefresh) {
        if (result.status == CacheResult::Status::Loaded) {
            if (m_refreshedExpiry.size() > 4096) // forget refreshes whose values have expired anyway
                m_refreshedExpiry.removeIf([now = nowMs()](const auto& entry) { return entry.value() < now; });
            // The written expiry itself: a read that finds it is of the new value, one that finds less of an older.
            m_refreshedExpiry.insert(key, writtenExpiryMs);
        }
        deliver(m_refreshing.take(key), result, key, options.labels);
    } else {
        finishFlight(key, result);
    }
}

void CacheManager::finishFlight(const QByteArray& key, const CacheResult& result)
{
    if (Flight* flight = m_flights.take(FlightKey {key}))
        answerFlight(flight, result);
}

void CacheManager::answerFlight(Flight* flight, const CacheResult& result)
{
    if (deliver(flight->waiters, result, flight->key, flight->options.labels))
        endFlight(flight);
    else
        delete flight; // out of m_flights, so the manager's destructor did not
}

bool CacheManager::deliver(
    const std::vector<Waiter>& waiters, const CacheResult& result, const QByteArray& key, const StatsLabels& given)
{
    // A callback may destroy the manager (a service shutting down): the destructor sets `destroyed`, and nothing of
    // the manager is touched after that. Deliveries can nest (a loader that answers at once, called from a
    // callback), so the flag of the delivery around this one is kept and told too.
    bool destroyed = false;
    bool* const outer = std::exchange(m_destroyed, &destroyed);
    // One hit or miss per request answered, coalesced ones included: the stored stats count what callers got,
    // and equal what a client that counts its own answers (cachesim) reports.
    const StatsEvent event = result.status == CacheResult::Status::Hit ? StatsEvent::Hit
        : result.status == CacheResult::Status::NegativeHit            ? StatsEvent::NegativeHit
                                                                       : StatsEvent::Miss;
    const StatsEvent left = hitLeftBinOf(result);
    for (const Waiter& waiter : waiters) {
        if (waiter.guarded && !waiter.context)
            continue;
        recordAnswer(key, given, event, left);
        waiter.callback(result);
        if (destroyed) {
            if (outer)
                *outer = true;
            return false;
        }
    }
    m_destroyed = outer;
    return true;
}

void CacheManager::invalidate(const QByteArray& pattern, const QObject* context, CountCallback callback)
{
    if (!m_connection) {
        callLater(this, context, std::move(callback), std::optional<qint64>(), u"no connection"_s);
        return;
    }
    auto* job = new ops::KeyspaceInvalidation(m_connection, pattern, {}, this);
    connect(job, &ops::KeyspaceInvalidation::finished, this,
        [job, guard = QPointer<const QObject>(context), guarded = context != nullptr, callback = std::move(callback)](
            const ops::InvalidationProgress& progress) {
            job->deleteLater();
            if (guarded && !guard)
                return;
            if (progress.error)
                callback(std::nullopt, progress.error->errorMessage());
            else
                callback(progress.deleted, QString());
        });
    job->start();
}

void CacheManager::invalidateTags(const QList<QByteArray>& tags, const QObject* context, CountCallback callback)
{
    if (!m_connection || tags.isEmpty()) {
        callLater(this, context, std::move(callback), tags.isEmpty() ? std::optional<qint64>(0) : std::nullopt,
            tags.isEmpty() ? QString() : u"no connection"_s);
        return;
    }
    invalidateTagsFrom(tags, 0, 0, {context, context != nullptr, std::move(callback)});
}

void CacheManager::invalidateTagsFrom(
    const QList<QByteArray>& tags, qsizetype index, qint64 deletedSoFar, GuardedCountCallback done)
{
    // One tag after another on the paced engine (ops), which skips protected keys and drops each index last.
    ops::PacedInvalidation::Options options;
    options.tag = tags.at(index);
    auto* job = new ops::KeyspaceInvalidation(m_connection, {}, options, this);
    connect(job, &ops::KeyspaceInvalidation::finished, this,
        [this, job, tags, index, deletedSoFar, done](const ops::InvalidationProgress& progress) {
            job->deleteLater();
            if (done.guarded && !done.context)
                return;
            const qint64 deleted = deletedSoFar + progress.deleted;
            if (progress.error)
                done.callback(std::nullopt, progress.error->errorMessage());
            else if (index + 1 < tags.size() && m_connection)
                invalidateTagsFrom(tags, index + 1, deleted, done);
            else
                done.callback(deleted, m_connection ? QString() : u"no connection"_s);
        });
    job->start();
}

} // namespace cachescope::cache
