#include "cache/statsreader.h"
#include "model/optionaljson.h"

#include "redis/client.h"
#include "redis/gather.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QTimer>

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
    return text;
}

std::optional<double> hitRate(const StatsCounters& counters)
{
    const qint64 hits = counters[StatsEvent::Hit] + counters[StatsEvent::NegativeHit];
    const qint64 lookups = hits + counters[StatsEvent::Miss];
    if (lookups <= 0)
        return std::nullopt;
    return double(hits) / double(lookups);
}

namespace {
std::optional<StatsEvent> eventFromName(const QByteArray& name)
{
    for (int e = 0; e < int(StatsEvent::Count_); ++e) {
        if (statsEventName(StatsEvent(e)) == name)
            return StatsEvent(e);
    }
    return std::nullopt;
}

void addBucket(StatsWindow& window, qint64 start, const redis::Reply& reply)
{
    QHash<QByteArray, StatsCounters> inBucket = parseStatsBucket(reply, &window.cutLabels);
    for (auto it = inBucket.cbegin(); it != inBucket.cend(); ++it)
        window.byLabel[it.key()] += it.value();
    window.buckets.append(StatsWindow::Bucket {start, std::move(inBucket)});
}
} // namespace

QHash<QByteArray, StatsCounters> parseStatsBucket(const redis::Reply& hash, qint64* cutLabels)
{
    QHash<QByteArray, StatsCounters> byLabel;
    const auto& fields = hash.elements();
    for (std::size_t i = 0; hash.isArray() && i + 1 < fields.size(); i += 2) {
        const QByteArray& field = fields[i].bytes();
        const qsizetype bar = field.lastIndexOf('|');
        if (bar <= 0)
            continue;
        const QByteArray label = field.first(bar);
        const QByteArray counter = field.sliced(bar + 1);
        const qint64 value = fields[i + 1].bytes().toLongLong();
        if (label == otherLabel && counter == "labels") {
            if (cutLabels)
                *cutLabels += value;
            continue;
        }
        if (counter == "loadms")
            byLabel[label].loadMsTotal += value;
        else if (const auto event = eventFromName(counter))
            byLabel[label].events[std::size_t(*event)] += value;
    }
    return byLabel;
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
    connection.command({"ZRANGEBYSCORE", tier.indexKey(), QByteArray::number(first), QByteArray::number(last)}, context,
        [&connection, tier, dimension, window, context, callback](const redis::Reply& index) {
            if (index.isError()) {
                callback(std::nullopt, index.errorMessage());
                return;
            }
            const auto& buckets = index.elements();
            if (buckets.empty()) {
                callback(*window, QString());
                return;
            }
            window->bucketsRead = int(buckets.size());
            QList<redis::AddressedCommand> reads;
            QList<qint64> starts;
            for (const redis::Reply& bucket : buckets) {
                reads.append({&connection, {"HGETALL", tier.bucketKey(bucket.bytes().toLongLong(), dimension)}});
                starts.append(bucket.bytes().toLongLong() * tier.bucket.count());
            }
            redis::gatherReplies(reads, context, [window, callback, starts](const std::vector<redis::Reply>& replies) {
                if (const redis::Reply* error = redis::firstError(replies)) {
                    callback(std::nullopt, error->errorMessage());
                    return;
                }
                for (std::size_t i = 0; i < replies.size(); ++i)
                    addBucket(*window, starts.at(qsizetype(i)), replies[i]);
                callback(*window, QString());
            });
        });
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
        {u"from"_s, iso(window.from)}, {u"to"_s, iso(window.to)}, {u"cutLabels"_s, window.cutLabels}};
}

} // namespace cachescope::cache
