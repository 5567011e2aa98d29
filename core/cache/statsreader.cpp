#include "cache/statsreader.h"
#include "model/optionaljson.h"

#include "redis/client.h"
#include "redis/gather.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QPointer>
#include <QTimer>

#include <algorithm>
#include <memory>

namespace cachescope::cache {

using namespace Qt::StringLiterals;

StatsCounters StatsWindow::total() const
{
    StatsCounters sum;
    for (const StatsCounters& counters : byLabel)
        sum += counters;
    return sum;
}

QString StatsWindow::describe() const
{
    const QString size = bucketSeconds % 86400 == 0 ? QString::number(bucketSeconds / 86400) + u" d"_s
        : bucketSeconds % 3600 == 0                 ? QString::number(bucketSeconds / 3600) + u" h"_s
        : bucketSeconds % 60 == 0                   ? QString::number(bucketSeconds / 60) + u" min"_s
                                                    : QString::number(bucketSeconds) + u" s"_s;
    QString text = size + u" buckets from "_s
        + QDateTime::fromSecsSinceEpoch(from).toString(bucketSeconds >= 3600 ? u"yyyy-MM-dd HH:mm"_s : u"HH:mm:ss"_s);
    if (cutLabels > 0)
        text += u", less busy labels summed in (other)"_s;
    if (unreadFields > 0)
        text += u"; %1 of %2 buckets too large to read whole: %3 fields not read, their counts missing"_s.arg(
            QString::number(truncatedBuckets), QString::number(bucketsRead), QString::number(unreadFields));
    if (rejectedValues > 0)
        text += u"; %1 stored values were no count (negative or not a number: left out; too large: held)"_s.arg(
            rejectedValues);
    return text;
}

std::optional<qint64> statsLostBetween(const StatsWindow& earlier, const StatsWindow& later)
{
    // A fat bucket read in part may read differently each time: no loss is told from it.
    if (earlier.tier != later.tier || earlier.bucketSeconds != later.bucketSeconds || earlier.truncatedBuckets > 0
        || later.truncatedBuckets > 0)
        return std::nullopt;
    const auto requestsOf = [](const StatsWindow::Bucket& bucket) {
        qint64 sum = 0;
        for (const StatsCounters& counters : bucket.byLabel)
            sum = saturatingAdd(sum, counters.requests());
        return sum;
    };
    QHash<qint64, qint64> now;
    for (const StatsWindow::Bucket& bucket : later.buckets)
        now.insert(bucket.start, requestsOf(bucket));
    std::optional<qint64> lostUpTo;
    for (const StatsWindow::Bucket& bucket : earlier.buckets) {
        if (bucket.start < later.from)
            continue; // out of the later window: gone by design
        const auto kept = now.constFind(bucket.start);
        if (kept == now.cend() || *kept < requestsOf(bucket))
            lostUpTo = std::max(lostUpTo.value_or(0), bucket.start + earlier.bucketSeconds);
    }
    return lostUpTo;
}

std::optional<double> hitRate(const StatsCounters& counters)
{
    const qint64 hits = counters[StatsEvent::Hit] + counters[StatsEvent::NegativeHit];
    const qint64 lookups = hits + counters[StatsEvent::Miss];
    if (lookups <= 0)
        return std::nullopt;
    return double(hits) / double(lookups);
}

std::optional<qint64> averageLoadMs(const StatsCounters& counters)
{
    const qint64 loads = counters[StatsEvent::Load] + counters[StatsEvent::LoadFailure];
    if (loads <= 0)
        return std::nullopt;
    return counters.loadMsTotal / loads;
}

namespace {
std::optional<StatsEvent> eventFromName(const QByteArray& name)
{
    // Built once: a bucket of other writers' labels may hold millions of fields.
    static const QHash<QByteArray, StatsEvent> events = [] {
        QHash<QByteArray, StatsEvent> byName;
        for (int e = 0; e < int(StatsEvent::Count_); ++e)
            byName.insert(statsEventName(StatsEvent(e)), StatsEvent(e));
        return byName;
    }();
    const auto found = events.constFind(name);
    return found == events.cend() ? std::nullopt : std::optional(*found);
}

void addBucket(StatsWindow& window, qint64 start, StatsBucketRead read)
{
    window.cutLabels = saturatingAdd(window.cutLabels, read.cutLabels);
    window.rejectedValues += read.rejectedValues;
    window.unreadFields += read.unreadFields;
    window.truncatedBuckets += read.unreadFields > 0 ? 1 : 0;
    for (auto it = read.byLabel.cbegin(); it != read.byLabel.cend(); ++it)
        window.byLabel[it.key()] += it.value();
    window.buckets.append(StatsWindow::Bucket {start, std::move(read.byLabel)});
}

// A count as other writers stored it: a decimal integer, 0 up to maxStatsCount (larger ones held at it).
std::optional<qint64> countFrom(const QByteArray& stored, bool* held)
{
    bool ok = false;
    const qint64 value = stored.toLongLong(&ok);
    if (!ok) {
        const quint64 huge = stored.toULongLong(&ok); // past qint64: still a count, held
        if (!ok || huge == 0)
            return std::nullopt;
        *held = true;
        return maxStatsCount;
    }
    if (value < 0)
        return std::nullopt;
    *held = value > maxStatsCount;
    return std::min(value, maxStatsCount);
}
} // namespace

StatsBucketRead parseStatsFields(const QHash<QByteArray, QByteArray>& fields)
{
    StatsBucketRead read;
    read.fieldsRead = fields.size();
    for (auto it = fields.cbegin(); it != fields.cend(); ++it) {
        const QByteArray& field = it.key();
        const qsizetype bar = field.lastIndexOf('|');
        if (bar <= 0)
            continue;
        const QByteArray label = field.first(bar);
        const QByteArray counter = field.sliced(bar + 1);
        const std::optional<StatsEvent> event = eventFromName(counter);
        const bool cutCount = label == otherLabel && counter == "labels";
        if (!event && counter != "loadms" && !cutCount)
            continue;
        bool held = false;
        const std::optional<qint64> value = countFrom(it.value(), &held);
        read.rejectedValues += !value || held ? 1 : 0;
        if (!value)
            continue;
        if (cutCount)
            read.cutLabels = *value;
        else if (event)
            read.byLabel[label].events[std::size_t(*event)] = *value;
        else
            read.byLabel[label].loadMsTotal = *value;
    }
    return read;
}

namespace {
// One HSCAN walk over a bucket's hash; it keeps itself alive through the command in flight.
struct BucketWalk : std::enable_shared_from_this<BucketWalk>
{
    redis::Client* connection = nullptr;
    QByteArray key;
    qint64 fieldLimit = 0;
    QPointer<const QObject> context;
    std::function<void(StatsBucketRead)> callback;
    QHash<QByteArray, QByteArray> fields; // by name: HSCAN may return a field twice while the hash grows

    void next(const QByteArray& cursor)
    {
        connection->command({"HSCAN", key, cursor, "COUNT", "1000"}, context,
            [self = shared_from_this()](const redis::Reply& reply) { self->page(reply); });
    }

    void page(const redis::Reply& reply)
    {
        const auto& parts = reply.elements();
        if (!reply.isArray() || parts.size() != 2 || !parts[1].isArray()) {
            StatsBucketRead failed;
            failed.error = reply.isError() ? reply.errorMessage() : u"unexpected HSCAN reply"_s;
            callback(std::move(failed));
            return;
        }
        const auto& found = parts[1].elements();
        for (std::size_t i = 0; i + 1 < found.size() && fields.size() < fieldLimit; i += 2)
            fields.insert(found[i].bytes(), found[i + 1].bytes());
        const QByteArray cursor = parts[0].bytes();
        if (cursor == "0") {
            callback(parseStatsFields(fields));
            return;
        }
        if (fields.size() < fieldLimit) {
            next(cursor);
            return;
        }
        // Cut at the limit: HLEN says how much was left unread.
        connection->command({"HLEN", key}, context, [self = shared_from_this()](const redis::Reply& length) {
            StatsBucketRead read = parseStatsFields(self->fields);
            read.unreadFields = std::max<qint64>(1, (length.isInteger() ? length.integer() : 0) - read.fieldsRead);
            self->callback(std::move(read));
        });
    }
};
} // namespace

void readStatsBucket(redis::Client& connection, const QByteArray& key, qint64 fieldLimit, const QObject* context,
    std::function<void(StatsBucketRead)> callback)
{
    auto walk = std::make_shared<BucketWalk>();
    walk->connection = &connection;
    walk->key = key;
    walk->fieldLimit = std::max<qint64>(1, fieldLimit);
    walk->context = context;
    walk->callback = std::move(callback);
    walk->next("0");
}

void readStatsWindow(redis::Client& connection, StatsDimension dimension, qint64 seconds, const QObject* context,
    std::function<void(std::optional<StatsWindow>, QString)> callback, const QList<StatsTier>& tiers)
{
    const StatsTier* found = tierForWindow(tiers, dimension, std::max<qint64>(1, seconds));
    if (!found) {
        QTimer::singleShot(0, context ? context : QCoreApplication::instance(), [callback, dimension] {
            callback(std::nullopt,
                u"no stats tier keeps %1 figures"_s.arg(QString::fromUtf8(statsDimensionName(dimension))));
        });
        return;
    }
    const StatsTier tier = *found;
    auto window = std::make_shared<StatsWindow>();
    window->seconds = std::max<qint64>(1, seconds);
    window->tier = tier.name;
    window->bucketSeconds = tier.bucket.count();
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    // The current second is still being written to: a 1 s window ends at the last complete second. Coarser
    // buckets are read up to now, the current one partly filled.
    const qint64 last = tier.bucket.count() == 1 ? now - 1 : tier.bucketOf(now);
    const qint64 first = tier.bucket.count() == 1 ? now - window->seconds : tier.bucketOf(now - window->seconds);
    window->from = first * tier.bucket.count();
    window->to = now;
    // The newest buckets up to `last`, not the range [first, last]: an index that exists answers with at least one
    // bucket, so an empty reply means no index. The server counts a lookup of an existing key as a hit even when the
    // range is empty, and we would count that empty reply as a miss: every poll of a quiet window would chart one
    // hit that no gateway made (redis/ownlookups.h). Bucket numbers are the members, one each, so the window holds
    // at most last - first + 1 of them.
    connection.command({"ZREVRANGEBYSCORE", tier.indexKey(), QByteArray::number(last), "-inf", "LIMIT", "0",
                           QByteArray::number(last - first + 1)},
        context, [&connection, tier, dimension, window, context, callback, first](const redis::Reply& index) {
            if (index.isError()) {
                callback(std::nullopt, index.errorMessage());
                return;
            }
            std::vector<redis::Reply> buckets; // oldest first, as the window adds them
            for (auto bucket = index.elements().crbegin(); bucket != index.elements().crend(); ++bucket) {
                if (bucket->bytes().toLongLong() >= first)
                    buckets.push_back(*bucket);
            }
            if (buckets.empty()) {
                callback(*window, QString());
                return;
            }
            window->bucketsRead = int(buckets.size());
            const qint64 perBucket =
                std::clamp<qint64>(statsWindowFieldBudget / qint64(buckets.size()), 4096, statsBucketFieldLimit);
            struct Gathered
            {
                std::vector<qint64> starts;
                std::vector<StatsBucketRead> reads;
                std::size_t pending = 0;
                QString error;
            };
            auto gathered = std::make_shared<Gathered>();
            gathered->reads.resize(buckets.size());
            gathered->pending = buckets.size();
            for (std::size_t i = 0; i < buckets.size(); ++i) {
                const qint64 bucket = buckets[i].bytes().toLongLong();
                gathered->starts.push_back(bucket * tier.bucket.count());
                readStatsBucket(connection, tier.bucketKey(bucket, dimension), perBucket, context,
                    [window, callback, gathered, i](StatsBucketRead read) {
                        if (!read.error.isEmpty())
                            gathered->error = read.error;
                        gathered->reads[i] = std::move(read);
                        if (--gathered->pending > 0)
                            return;
                        if (!gathered->error.isEmpty()) {
                            callback(std::nullopt, gathered->error);
                            return;
                        }
                        for (std::size_t b = 0; b < gathered->reads.size(); ++b)
                            addBucket(*window, gathered->starts[b], std::move(gathered->reads[b]));
                        callback(*window, QString());
                    });
            }
        });
}

StatsWindow::Ranked StatsWindow::ranked(qsizetype limit) const
{
    QList<std::pair<QByteArray, StatsCounters>> all;
    all.reserve(byLabel.size());
    for (auto it = byLabel.cbegin(); it != byLabel.cend(); ++it)
        all.append({it.key(), it.value()});
    const auto busier = [](const auto& a, const auto& b) {
        const qint64 aRequests = a.second.requests();
        const qint64 bRequests = b.second.requests();
        return aRequests != bRequests ? aRequests > bRequests : a.first < b.first;
    };
    Ranked ranked;
    const qsizetype kept = std::clamp<qsizetype>(limit, 0, all.size());
    std::partial_sort(all.begin(), all.begin() + kept, all.end(), busier);
    ranked.rows = all.first(kept);
    for (qsizetype i = kept; i < all.size(); ++i) {
        ranked.other += all.at(i).second;
        ++ranked.otherLabels;
    }
    return ranked;
}

QList<std::pair<qint64, StatsCounters>> StatsWindow::trend(const QByteArray& label) const
{
    QList<std::pair<qint64, StatsCounters>> points;
    for (const Bucket& bucket : buckets)
        points.append({bucket.start, bucket.byLabel.value(label)});
    return points;
}

QJsonObject statsCountersToJson(const StatsCounters& counters)
{
    const auto rate = hitRate(counters);
    return {{u"hits"_s, counters[StatsEvent::Hit] + counters[StatsEvent::NegativeHit]},
        {u"misses"_s, counters[StatsEvent::Miss]}, {u"loads"_s, counters[StatsEvent::Load]},
        {u"loadFailures"_s, counters[StatsEvent::LoadFailure]}, {u"staleServed"_s, counters[StatsEvent::StaleServed]},
        {u"hitRate"_s, model::optionalNumber(rate)}};
}

QJsonObject statsWindowSourceToJson(const StatsWindow& window)
{
    auto iso = [](qint64 at) { return QDateTime::fromSecsSinceEpoch(at, Qt::UTC).toString(Qt::ISODate); };
    return {{u"tier"_s, QString::fromLatin1(window.tier)}, {u"bucketSeconds"_s, window.bucketSeconds},
        {u"from"_s, iso(window.from)}, {u"to"_s, iso(window.to)}, {u"cutLabels"_s, window.cutLabels},
        {u"rejectedValues"_s, window.rejectedValues}, {u"unreadFields"_s, window.unreadFields},
        {u"truncatedBuckets"_s, window.truncatedBuckets}};
}

} // namespace cachescope::cache
