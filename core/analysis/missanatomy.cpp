#include "analysis/missanatomy.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr qint64 attributionSlackMs = 2'000; // clocks of the watcher and the run's machine differ a little
constexpr int pendingLimit = 16'384;
constexpr qsizetype maxRecords = 1'000; // invalidation records kept for attribution
constexpr qint64 fineFirstEdgeMs = 100;
constexpr double fineRatio = 1.25;
constexpr int fineBuckets = 72; // the last edge is past a week
const QByteArray otherLabel = QByteArrayLiteral("(other)");

quint64 keyHash(const QByteArray& key)
{
    return quint64(qHash(key, size_t(0x9e3779b97f4a7c15ULL)));
}

int latenessBucketOf(qint64 ms)
{
    int bucket = 0;
    while (bucket < int(latenessEdgesMs.size()) && ms >= latenessEdgesMs[std::size_t(bucket)])
        ++bucket;
    return bucket;
}

int fineBucketOf(qint64 ms)
{
    for (int i = 0; i < fineBuckets; ++i) {
        if (ms < MissAnatomy::fineEdgeMs(i))
            return i;
    }
    return fineBuckets; // the open bucket past the last edge
}

// A fixed-size table of 64-bit key hashes (open addressing, linear probing, filled to three quarters at most):
// its memory is allocated once and never grows, whatever the keyspace.
template<typename T>
class FixedHashTable
{
public:
    explicit FixedHashTable(int entries)
    {
        std::size_t slots = 16;
        while (slots * 3 < std::size_t(entries) * 4)
            slots *= 2;
        m_keys.assign(slots, 0);
        m_values.resize(slots);
        m_mask = slots - 1;
    }
    // The caller keeps it under the size it was made for (Generations rotates first).
    void insert(quint64 hash, const T& value)
    {
        hash = hash ? hash : 1; // 0 marks an empty slot
        for (std::size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
            if (m_keys[i] == 0) {
                m_keys[i] = hash;
                m_values[i] = value;
                ++m_size;
                return;
            }
            if (m_keys[i] == hash) {
                m_values[i] = value;
                return;
            }
        }
    }
    const T* find(quint64 hash) const
    {
        hash = hash ? hash : 1;
        for (std::size_t i = hash & m_mask;; i = (i + 1) & m_mask) {
            if (m_keys[i] == 0)
                return nullptr;
            if (m_keys[i] == hash)
                return &m_values[i];
        }
    }
    void clear()
    {
        std::fill(m_keys.begin(), m_keys.end(), 0);
        m_size = 0;
    }
    qint64 size() const
    {
        return m_size;
    }
    qint64 bytes() const
    {
        return qint64(m_keys.size() * (sizeof(quint64) + sizeof(T)));
    }

private:
    std::vector<quint64> m_keys;
    std::vector<T> m_values;
    std::size_t m_mask = 0;
    qint64 m_size = 0;
};

// Keys by hash, forgotten a generation at a time: two fixed tables, the newer shadowing the older; when the newer
// is full, or the older holds nothing younger than the horizon, the older is emptied and the two swap. What went is
// said by dropped().
template<typename T>
class Generations
{
public:
    Generations(int capacity, qint64 horizonMs)
        : m_generationSize(std::max(1, capacity / 2))
        , m_horizonMs(horizonMs)
        , m_current(m_generationSize)
        , m_previous(m_generationSize)
    {
    }
    void insert(quint64 hash, const T& value, qint64 atMs)
    {
        age(atMs);
        m_current.insert(hash, value);
        m_currentNewestMs = std::max(m_currentNewestMs, atMs);
        if (m_current.size() >= m_generationSize)
            rotate();
    }
    const T* find(quint64 hash) const
    {
        if (const T* value = m_current.find(hash))
            return value;
        return m_previous.find(hash);
    }
    void age(qint64 nowMs)
    {
        if (m_previous.size() > 0 && nowMs - m_previousNewestMs > m_horizonMs) {
            m_dropped += m_previous.size();
            m_previous.clear();
        }
    }
    qint64 dropped() const
    {
        return m_dropped;
    }
    qint64 bytes() const
    {
        return m_current.bytes() + m_previous.bytes();
    }

private:
    void rotate()
    {
        m_dropped += m_previous.size();
        m_previous.clear();
        std::swap(m_previous, m_current);
        m_previousNewestMs = m_currentNewestMs;
        m_currentNewestMs = 0;
    }
    int m_generationSize;
    qint64 m_horizonMs;
    FixedHashTable<T> m_current;
    FixedHashTable<T> m_previous;
    qint64 m_currentNewestMs = 0;
    qint64 m_previousNewestMs = 0;
    qint64 m_dropped = 0;
};

// Every key written or removed while watched, as a Bloom filter of fixed size: "never seen" is certain (the miss may
// be called cold), "seen" may be a false positive (the miss is then unknown, never wrongly cold).
class SeenFilter
{
public:
    static constexpr quint64 bits = quint64(1) << 24; // 2 MiB: under 0.3 % false positives at a million keys
    SeenFilter()
        : m_words(bits / 64, 0)
    {
    }
    void add(quint64 hash)
    {
        for (int i = 0; i < 4; ++i) {
            const quint64 bit = probe(hash, i);
            m_words[bit / 64] |= quint64(1) << (bit % 64);
        }
    }
    bool mayContain(quint64 hash) const
    {
        for (int i = 0; i < 4; ++i) {
            const quint64 bit = probe(hash, i);
            if (!(m_words[bit / 64] & (quint64(1) << (bit % 64))))
                return false;
        }
        return true;
    }
    qint64 bytes() const
    {
        return qint64(m_words.size() * sizeof(quint64));
    }

private:
    static quint64 probe(quint64 hash, int i)
    {
        const quint64 second = (hash >> 32) | 1;
        return (hash + quint64(i) * second * 0x9e3779b97f4a7c15ULL) % bits;
    }
    std::vector<quint64> m_words;
};

// 16 bytes: the tables hold hundreds of thousands.
struct RemovedKey
{
    qint64 atMs = 0;
    // Expired: how long before the notification the key left (the write's time plus its TTL, where the write was
    // seen), at most 24 days.
    qint32 leftBeforeMs = 0;
    MissAnatomy::Removal removal = MissAnatomy::Removal::Expired;
    bool expiryFromWrite = false;
    qint64 expiryMs() const
    {
        return atMs - leftBeforeMs;
    }
};
static_assert(sizeof(RemovedKey) == 16);

struct PendingDeletion
{
    QByteArray key;
    QByteArray route;
    qint64 deletedMs = 0;
};
} // namespace

QString missReasonName(MissReason reason)
{
    switch (reason) {
    case MissReason::Expired:
        return u"expired"_s;
    case MissReason::Evicted:
        return u"evicted"_s;
    case MissReason::Invalidated:
        return u"invalidated"_s;
    case MissReason::Cold:
        return u"cold"_s;
    case MissReason::Unknown:
    case MissReason::Count_:
        break;
    }
    return u"unknown"_s;
}

QString latenessBucketName(int bucket)
{
    static const QStringList names {u"0-1s"_s, u"1-10s"_s, u"10-60s"_s, u"1-10min"_s, u"later"_s};
    return names.value(bucket);
}

void MissCounts::add(const MissCounts& other)
{
    misses += other.misses;
    for (int i = 0; i < missReasonCount; ++i)
        reasons[std::size_t(i)] += other.reasons[std::size_t(i)];
    for (int i = 0; i < latenessBucketCount; ++i)
        lateness[std::size_t(i)] += other.lateness[std::size_t(i)];
    latenessLowerBounds += other.latenessLowerBounds;
}

struct MissAnatomy::Impl
{
    Impl(Options o, qint64 started)
        : options(std::move(o))
        , grouping(options.routes, 8'192) // a watch that runs for days keeps its memory (the rules match fast)
        , startedMs(started)
        , knownSinceMs(started)
        , removedKeys(options.rememberedKeys, options.horizonMs)
        , writtenKeys(options.rememberedKeys, options.horizonMs)
    {
        for (const model::RouteRule& rule : options.routes.routes)
            ruleTtlSeconds.insert(rule.path, rule.ttlSeconds);
    }

    // The TTL a key is stored with in the server (the rule's, plus the grace the cache manager keeps), -1 unknown.
    qint64 storedTtlMs(const model::KeyPlace& place)
    {
        // Asked for on every expiry and miss: a rule by its path in a table built once, not a walk of the rules.
        qint64 seconds = -1;
        if (place.kind == model::KeyPlace::Kind::Gateway && place.rulePath)
            seconds = ruleTtlSeconds.value(*place.rulePath, -1);
        else if (place.kind == model::KeyPlace::Kind::Service)
            seconds = options.routes.namespaceTtl(QString::fromUtf8(place.serviceNamespace)).value_or(-1);
        return seconds > 0 ? seconds * 1000 + options.graceMs : -1;
    }

    // The entry of `label`, or of "(other)" once the table holds maxLabels: its key says which.
    template<typename T>
    typename QHash<QByteArray, T>::iterator bounded(QHash<QByteArray, T>& table, QByteArrayView label)
    {
        const QByteArray key = label.toByteArray();
        if (auto it = table.find(key); it != table.end())
            return it;
        const QByteArray& kept = table.size() >= options.maxLabels ? otherLabel : key;
        if (auto it = table.find(kept); it != table.end())
            return it;
        return table.insert(kept, T {});
    }

    QHash<QByteArray, RouteFigures>::iterator routeEntry(const model::KeyPlace& place)
    {
        const auto labels = groupLabelsOf(place);
        const auto entry = bounded(routes, labels[std::size_t(Dimension::Route)]);
        RouteFigures& route = *entry;
        if (route.ttlMs < 0) {
            const qint64 stored = storedTtlMs(place);
            route.ttlMs = stored >= 0 ? stored - options.graceMs : -1;
            route.graceMs = options.graceMs;
            if (place.kind == model::KeyPlace::Kind::Gateway && place.rulePath)
                route.rulePath = *place.rulePath;
        }
        return entry;
    }

    RouteFigures& routeOf(const model::KeyPlace& place)
    {
        return *routeEntry(place);
    }

    void count(const model::KeyPlace& place, MissReason reason, std::optional<qint64> latenessMs, bool lowerBound)
    {
        MissCounts one;
        one.misses = 1;
        one.reasons[std::size_t(reason)] = 1;
        if (latenessMs) {
            one.lateness[std::size_t(latenessBucketOf(*latenessMs))] = 1;
            one.latenessLowerBounds = lowerBound ? 1 : 0;
        }
        total.add(one);
        const auto labels = groupLabelsOf(place);
        for (int dimension = 0; dimension < dimensionCount; ++dimension)
            bounded(groups[std::size_t(dimension)], labels[std::size_t(dimension)])->add(one);
        if (latenessMs) {
            RouteFigures& route = routeOf(place);
            if (route.fineLateness.isEmpty())
                route.fineLateness.resize(fineBuckets + 1);
            route.fineLateness[fineBucketOf(*latenessMs)] += 1;
        }
    }

    bool attribute(const QByteArray& key, const QByteArray& route, qint64 deletedMs)
    {
        for (Attribution& attribution : attributions) {
            const InvalidationRecordRef& record = attribution.record;
            if (deletedMs >= record.startedMs - attributionSlackMs && deletedMs <= record.endedMs + attributionSlackMs
                && record.matches && record.matches(key)) {
                ++attribution.misses;
                ++attribution.missesByRoute[route];
                return true;
            }
        }
        return false;
    }

    Options options;
    QHash<QString, int> ruleTtlSeconds; // rule path → its TTL
    model::KeyGrouping grouping;
    qint64 startedMs;
    qint64 knownSinceMs;
    Generations<RemovedKey> removedKeys;
    Generations<qint64> writtenKeys;
    SeenFilter seen;
    MissCounts total;
    qint64 ownKeys = 0;
    std::array<QHash<QByteArray, MissCounts>, dimensionCount> groups;
    QHash<QByteArray, RouteFigures> routes;
    QList<Attribution> attributions;
    QList<PendingDeletion> pending;
    qint64 pendingOverflow = 0;
};

MissAnatomy::MissAnatomy(Options options, qint64 startedMs)
    : d(std::make_unique<Impl>(std::move(options), startedMs))
{
}

MissAnatomy::~MissAnatomy() = default;

QByteArray MissAnatomy::written(const QByteArray& key, qint64 atMs)
{
    const model::KeyPlace place = d->grouping.place(key);
    if (place.kind == model::KeyPlace::Kind::CacheScope)
        return {};
    const quint64 hash = keyHash(key);
    d->writtenKeys.insert(hash, atMs, atMs);
    d->seen.add(hash);
    const auto route = d->routeEntry(place);
    route->writes += 1;
    return route.key();
}

void MissAnatomy::removed(const QByteArray& key, Removal removal, qint64 atMs)
{
    const model::KeyPlace place = d->grouping.place(key);
    if (place.kind == model::KeyPlace::Kind::CacheScope)
        return;
    const quint64 hash = keyHash(key);
    RemovedKey entry;
    entry.atMs = atMs;
    entry.removal = removal;
    if (removal == Removal::Expired) {
        // The server publishes an expiry when it notices it (its sweep, or the lookup that found it late): the
        // write's time plus the TTL is when the key really left, where the write was seen and it fits.
        const qint64 ttl = d->storedTtlMs(place);
        if (const qint64* writtenAt = d->writtenKeys.find(hash); writtenAt && ttl > 0 && *writtenAt + ttl <= atMs) {
            entry.leftBeforeMs =
                qint32(std::min<qint64>(atMs - (*writtenAt + ttl), std::numeric_limits<qint32>::max()));
            entry.expiryFromWrite = entry.leftBeforeMs == atMs - (*writtenAt + ttl);
        }
    }
    d->removedKeys.insert(hash, entry, atMs);
    d->seen.add(hash);
    RouteFigures& route = d->routeOf(place);
    (removal == Removal::Expired ? route.expired : removal == Removal::Evicted ? route.evicted : route.deleted) += 1;
}

void MissAnatomy::missed(const QByteArray& key, qint64 atMs)
{
    const model::KeyPlace place = d->grouping.place(key);
    if (place.kind == model::KeyPlace::Kind::CacheScope) {
        ++d->ownKeys;
        return;
    }
    d->removedKeys.age(atMs);
    d->writtenKeys.age(atMs);
    const quint64 hash = keyHash(key);
    const RemovedKey* removed = d->removedKeys.find(hash);
    const qint64* writtenAt = d->writtenKeys.find(hash);
    if (removed && (!writtenAt || *writtenAt <= removed->atMs)) {
        switch (removed->removal) {
        case Removal::Expired:
            d->count(
                place, MissReason::Expired, std::max<qint64>(0, atMs - removed->expiryMs()), !removed->expiryFromWrite);
            return;
        case Removal::Evicted:
            d->count(place, MissReason::Evicted, std::nullopt, false);
            return;
        case Removal::Deleted:
            d->count(place, MissReason::Invalidated, std::nullopt, false);
            const QByteArray route = groupLabelsOf(place)[std::size_t(Dimension::Route)].toByteArray();
            if (!d->attribute(key, route, removed->atMs)) {
                if (d->pending.size() < pendingLimit)
                    d->pending.append({key, route, removed->atMs});
                else
                    ++d->pendingOverflow;
            }
            return;
        }
    }
    // Nothing remembered: cold only when the key was certainly neither written nor removed while watched, and the
    // watch has seen it absent for longer than it lives (else it may have left just before the watch began).
    const qint64 ttl = d->storedTtlMs(place);
    const qint64 coldAfter = ttl > 0 ? ttl : d->options.coldAfterWithoutTtlMs;
    const bool cold = !writtenAt && !d->seen.mayContain(hash) && atMs - d->knownSinceMs >= coldAfter;
    d->count(place, cold ? MissReason::Cold : MissReason::Unknown, std::nullopt, false);
}

void MissAnatomy::lostEventsUntil(qint64 atMs)
{
    d->knownSinceMs = std::max(d->knownSinceMs, atMs);
}

void MissAnatomy::addInvalidationRecord(InvalidationRecordRef record)
{
    for (const Attribution& known : d->attributions) {
        if (known.record.auditId == record.auditId)
            return;
    }
    // Other writers decide how many records come: the oldest that cost no miss make room (those that did are in
    // the report).
    if (d->attributions.size() >= maxRecords) {
        const auto unused = std::find_if(d->attributions.begin(), d->attributions.end(),
            [](const Attribution& attribution) { return attribution.misses == 0; });
        if (unused == d->attributions.end())
            return;
        d->attributions.erase(unused);
    }
    d->attributions.append({std::move(record), 0, {}});
    d->pending.removeIf([this](const PendingDeletion& deletion) {
        return d->attribute(deletion.key, deletion.route, deletion.deletedMs);
    });
}

MissAnatomy::Report MissAnatomy::report(qint64 nowMs, bool final) const
{
    Report report;
    report.startedMs = d->startedMs;
    report.endedMs = nowMs;
    report.total = d->total;
    report.ownKeys = d->ownKeys;
    report.groups = d->groups;
    report.routes = d->routes;
    for (const Attribution& attribution : d->attributions) {
        if (attribution.misses > 0)
            report.invalidatedByRuns.append(attribution);
    }
    report.invalidatedPending = d->pendingOverflow + (final ? 0 : d->pending.size());
    const qint64 attributed = [&] {
        qint64 sum = 0;
        for (const Attribution& attribution : d->attributions)
            sum += attribution.misses;
        return sum;
    }();
    report.invalidatedByOthers =
        d->total.reasons[std::size_t(MissReason::Invalidated)] - attributed - report.invalidatedPending;
    report.droppedRemovals = d->removedKeys.dropped();
    report.invalidationRecords = d->attributions.size();
    qint64 labels = 0;
    for (const auto& group : d->groups)
        labels += group.size();
    report.stateBytes = d->removedKeys.bytes() + d->writtenKeys.bytes() + d->seen.bytes()
        + labels * qint64(sizeof(MissCounts) + 64) + d->routes.size() * qint64(sizeof(RouteFigures) + 8 * 73 + 64)
        + d->pending.size() * 160;
    return report;
}

qint64 MissAnatomy::fineEdgeMs(int bucket)
{
    return qint64(double(fineFirstEdgeMs) * std::pow(fineRatio, bucket));
}

int MissAnatomy::fineBucketCount()
{
    return fineBuckets + 1;
}

namespace {
// The share of binned hits whose entries had less than `leftMs` to live (counts spread evenly within a bin); nothing
// without binned hits.
std::optional<double> shareOlderThan(const HitLeftCounts& hitsLeft, double leftMs)
{
    double binned = 0;
    double below = 0;
    for (int bin = 0; bin < cache::hitLeftBinCount; ++bin) {
        const double count = double(std::max<qint64>(0, hitsLeft[std::size_t(bin)]));
        const double low = bin == 0 ? 0.0 : double(cache::hitLeftBinEdgeMs(bin - 1));
        const double high = double(cache::hitLeftBinEdgeMs(bin));
        binned += count;
        if (high <= leftMs)
            below += count;
        else if (low < leftMs)
            below += count * (leftMs - low) / (high - low);
    }
    if (binned <= 0)
        return std::nullopt;
    return below / binned;
}

// Keys are asked for at different rates, and a lowering costs a hot key little (its next request comes soon after
// the shorter expiry and starts a new cycle of hits) and a cold one a miss per hit past the new TTL. One key asked
// for at rate λ turns its hits older than T' into misses at 1 / (1 + λT') of them. The expired misses' lateness
// tells the rates: a key's lateness is exponential with its λ, so the lateness histogram is a mixture of
// exponentials, whose weights over a grid of rates EM fits. A miss is only seen when its write, expiry and lateness
// all fall within the watch (`windowMs` for expiries to happen in), so slow keys are seen less often than they
// occur: the fit is of what was seen, and the weights are divided by each rate's chance to be seen. Returns the
// factor for the route's hits, weighted by hits (cycles × λ); nothing without lateness.
std::optional<double> newMissesPerOldHit(const QList<qint64>& fineLateness, double newTtlMs, double windowMs)
{
    const int buckets = std::min<int>(int(fineLateness.size()), MissAnatomy::fineBucketCount());
    double observed = 0;
    for (int b = 0; b < buckets; ++b)
        observed += double(std::max<qint64>(0, fineLateness.at(b)));
    if (observed <= 0 || windowMs <= 0)
        return std::nullopt;
    constexpr int grid = 60;
    std::array<double, grid> rates {}; // per ms: one request in 10^7 ms to one per ms
    std::array<double, grid> seen {}; // the chance that an expiry of a key of this rate is followed by a miss seen
    std::array<double, grid> weights {};
    // ∫ from a to b of λe^(−λl)·(1 − l/W) dl: late by l, and seen when the expiry came at least l before the end.
    const auto seenWithin = [windowMs](double rate, double a, double b) {
        b = std::min(b, windowMs);
        if (a >= b)
            return 0.0;
        const auto tail = [rate, windowMs](double l) {
            return std::exp(-rate * l) * (1.0 - l / windowMs) - std::exp(-rate * l) / (rate * windowMs);
        };
        return tail(a) - tail(b);
    };
    for (int j = 0; j < grid; ++j) {
        rates[std::size_t(j)] = std::pow(10.0, -7.0 + 7.0 * j / (grid - 1));
        seen[std::size_t(j)] = seenWithin(rates[std::size_t(j)], 0.0, windowMs);
        weights[std::size_t(j)] = 1.0 / grid;
    }
    // The chance that a key of each rate is seen late by a duration in bucket b, given that it is seen.
    std::vector<std::array<double, grid>> chance(static_cast<std::size_t>(buckets));
    for (int b = 0; b < buckets; ++b) {
        const double low = b == 0 ? 0.0 : double(MissAnatomy::fineEdgeMs(b - 1));
        const bool open = b == MissAnatomy::fineBucketCount() - 1;
        const double high = open ? windowMs : double(MissAnatomy::fineEdgeMs(b));
        for (int j = 0; j < grid; ++j) {
            const std::size_t k = std::size_t(j);
            chance[std::size_t(b)][k] = seen[k] > 0 ? seenWithin(rates[k], low, high) / seen[k] : 0.0;
        }
    }
    for (int iteration = 0; iteration < 300; ++iteration) {
        std::array<double, grid> next {};
        for (int b = 0; b < buckets; ++b) {
            const double count = double(std::max<qint64>(0, fineLateness.at(b)));
            double likelihood = 0;
            for (int j = 0; j < grid; ++j)
                likelihood += weights[std::size_t(j)] * chance[std::size_t(b)][std::size_t(j)];
            if (count <= 0 || likelihood <= 0)
                continue;
            for (int j = 0; j < grid; ++j) {
                const std::size_t k = std::size_t(j);
                next[k] += count * weights[k] * chance[std::size_t(b)][k] / likelihood;
            }
        }
        for (int j = 0; j < grid; ++j)
            weights[std::size_t(j)] = next[std::size_t(j)] / observed;
    }
    double hitWeight = 0;
    double turned = 0;
    for (int j = 0; j < grid; ++j) {
        const std::size_t k = std::size_t(j);
        if (seen[k] <= 1e-9)
            continue;
        const double cycles = weights[k] / seen[k]; // all of the rate's cycles, seen or not
        hitWeight += cycles * rates[k];
        turned += cycles * rates[k] / (1.0 + rates[k] * newTtlMs);
    }
    if (hitWeight <= 0)
        return std::nullopt;
    return turned / hitWeight;
}
} // namespace

QList<TtlWhatIf> ttlWhatIf(const MissAnatomy::RouteFigures& route, qint64 watchedMs, std::optional<qint64> hits,
    std::optional<qint64> misses, std::optional<double> meanEntryBytes, const std::optional<HitLeftCounts>& hitsLeft,
    std::optional<std::pair<qint64, qint64>> halfTtl)
{
    QList<TtlWhatIf> rows;
    if (route.ttlMs <= 0 || watchedMs <= 0)
        return rows;
    // Each key that expired and was asked for again L later goes round a cycle: written, held for its stored TTL
    // Tp, gone for L, missed, written again — one miss per Tp + L. Held Δ longer, the cycle takes Tp + Δ + L for
    // the same miss (a request that would have missed is now a hit, and its entry is not written again until it
    // expires later): per such miss Δ / (Tp + Δ + L) misses are avoided and L·Δ / (Tp + Δ + L) more entry-time is
    // held. An entry that expired without being asked for again is held Δ longer. Checked by replay
    // (bench/whatif-replay.sh); the simple "every miss within Δ is saved" overestimates hot keys twice over.
    const double stored = double(route.ttlMs + route.graceMs);
    const qint64 lookups = hits && misses ? *hits + *misses : 0;
    double expiredMisses = 0;
    for (qint64 count : route.fineLateness)
        expiredMisses += double(count);
    const double expiredUnasked = std::max(0.0, double(route.expired) - expiredMisses);
    // Known to be none is not unknown: the stats were read and the route had no traffic.
    const QString lookupsNeeded = hits && misses ? u"lookups on the route (its stats show none over the watch)"_s
                                                 : u"the route's lookups (gateways recording CacheScope stats)"_s;
    for (const double factor : {0.5, 1.0, 2.0, 4.0, 10.0}) {
        TtlWhatIf row;
        row.ttlSeconds = std::max<qint64>(1, qint64(std::llround(double(route.ttlMs) * factor / 1000.0)));
        row.current = factor == 1.0;
        const double delta = double(row.ttlSeconds * 1000 - route.ttlMs);
        if (delta >= 0) {
            double avoided = 0;
            double heldLonger = expiredUnasked * delta; // ms of entry-time over the watch
            for (int b = 0; b < MissAnatomy::fineBucketCount() - 1 && b < route.fineLateness.size(); ++b) {
                const double low = b == 0 ? 0.0 : double(MissAnatomy::fineEdgeMs(b - 1));
                const double high = double(MissAnatomy::fineEdgeMs(b));
                const double lateness = b == 0 ? high / 2 : std::sqrt(low * high);
                const double count = double(route.fineLateness.at(b));
                avoided += count * delta / (stored + delta + lateness);
                heldLonger += count * lateness * delta / (stored + delta + lateness);
            }
            row.missesAvoided = avoided;
            if (lookups > 0)
                row.hitRate = (double(*hits) + avoided) / double(lookups);
            else
                row.needs = lookupsNeeded;
            if (meanEntryBytes)
                row.extraBytes = heldLonger / double(watchedMs) * *meanEntryBytes;
        } else {
            // Shortening turns into misses the hits on entries older than the new TTL T': only their ages tell, and
            // an entry written with the route's TTL T is older than T' when it has less than T − T' left. Past T'
            // the requests of an old cycle form new cycles (a miss, then hits until the entry is gone): a key asked
            // for at rate λ misses once per 1 + λT' of them (newMissesPerOldHit). Checked by replay
            // (bench/whatif-replay.sh BUILD 90 400 0.5).
            const std::optional<double> older = hitsLeft ? shareOlderThan(*hitsLeft, double(-delta)) : std::nullopt;
            const bool half = factor == 0.5 && halfTtl && halfTtl->first > 0;
            if (half && lookups > 0) {
                // Simulated: the share of requests that would have missed applies to the route's lookups. The
                // share comes from the simulation's sample, the current rate from the server's misses against the
                // stats' lookups over the window read; over a short watch they can disagree, and a shorter TTL never
                // hits more often than the current one. A route without lookups has no rate to say.
                const double share = std::clamp(double(halfTtl->second) / double(halfTtl->first), 0.0, 1.0);
                const double current = double(*hits) / double(lookups);
                row.hitRate = std::min(1.0 - share, current);
                row.missesAvoided = double(*misses) - (1.0 - *row.hitRate) * double(lookups);
            } else if (older && hits && misses && *misses > 0) {
                // One rate for the whole route (the hits younger than T' per miss) when no lateness tells them.
                const double newTtlMs = double(row.ttlSeconds) * 1000.0;
                const double perOldHit =
                    newMissesPerOldHit(route.fineLateness, newTtlMs, double(watchedMs - route.ttlMs))
                        .value_or(1.0 / (1.0 + double(*hits) * (1.0 - *older) / double(*misses)));
                const double added = double(*hits) * *older * perOldHit;
                row.missesAvoided = -added;
                row.hitRate = (double(*hits) - added) / double(*hits + *misses);
            } else if (hits && misses && lookups == 0) {
                row.needs = lookupsNeeded;
            } else {
                row.needs = hitsLeft
                    ? u"the route's lookups and hits with an expiry (gateways recording CacheScope stats)"_s
                    : u"hit ages (gateways using the core cache manager)"_s;
            }
            // Every write held |Δ| less, and each miss the lowering adds writes an entry held the new TTL.
            const double addedWrites = row.missesAvoided ? std::max(0.0, -*row.missesAvoided) : 0.0;
            if (meanEntryBytes)
                row.extraBytes = (double(route.writes) * delta
                                     + addedWrites * (double(row.ttlSeconds) * 1000.0 + double(route.graceMs)))
                    / double(watchedMs) * *meanEntryBytes;
        }
        rows.append(row);
    }
    return rows;
}

QList<std::pair<QByteArray, MissCounts>> rankedByMisses(const QHash<QByteArray, MissCounts>& groups)
{
    QList<std::pair<QByteArray, MissCounts>> rows;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it)
        rows.append({it.key(), *it});
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        return a.second.misses != b.second.misses ? a.second.misses > b.second.misses : a.first < b.first;
    });
    return rows;
}

QJsonObject missCountsToJson(const MissCounts& counts)
{
    QJsonObject reasons;
    for (int i = 0; i < missReasonCount; ++i)
        reasons.insert(missReasonName(MissReason(i)), counts.reasons[std::size_t(i)]);
    QJsonObject lateness;
    for (int i = 0; i < latenessBucketCount; ++i)
        lateness.insert(latenessBucketName(i), counts.lateness[std::size_t(i)]);
    return QJsonObject {{u"misses"_s, counts.misses}, {u"reasons"_s, reasons}, {u"lateness"_s, lateness},
        {u"latenessLowerBounds"_s, counts.latenessLowerBounds}};
}

} // namespace cachescope::analysis
