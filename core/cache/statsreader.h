#pragma once

#include "cache/statscounters.h"
#include "cache/statstiers.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>

#include <functional>
#include <optional>

namespace cachescope::redis {
class Client;
class Reply;
}

namespace cachescope::cache {

// Counters summed over a window of the stats buckets every CacheScope process writes (see StatsTier).
struct StatsWindow
{
    qint64 seconds = 0; // asked for
    QByteArray tier; // "1s", "1m"… read from
    qint64 bucketSeconds = 0;
    // What the buckets read cover, unix seconds: whole buckets, so a coarse tier may start before the window asked
    // for; the 1 s tier ends at the last complete second.
    qint64 from = 0;
    qint64 to = 0;
    int bucketsRead = 0; // hashes read, besides the one index lookup
    qint64 cutLabels = 0; // labels folded into "(other)", summed over writing processes and buckets
    QHash<QByteArray, StatsCounters> byLabel; // label → counters, for the dimension asked for; "(other)" included
    // The same per bucket, oldest first (only buckets that exist): for a label's trend over the window.
    struct Bucket
    {
        qint64 start = 0; // unix seconds
        QHash<QByteArray, StatsCounters> byLabel;
    };
    QList<Bucket> buckets;

    StatsCounters total() const;
    // One label's counters per bucket that exists, oldest first: (bucket start, counters).
    QList<std::pair<qint64, StatsCounters>> trend(const QByteArray& label) const;
    // "1 s buckets", "1 min buckets from 10:42"…: for the notes under tables.
    QString describe() const;
};

// Hit rate of some counters: hits (negative hits included) over lookups; nothing without lookups.
std::optional<double> hitRate(const StatsCounters& counters);

// {"hits", "misses", "loads", "loadFailures", "staleServed", "hitRate" (null without lookups)}: the shape
// cachectl stats --json and the admin API's stats share. Hits include negative hits, as hitRate() counts them.
QJsonObject statsCountersToJson(const StatsCounters& counters);

// {"tier", "bucketSeconds", "from", "to" (ISO 8601 UTC), "cutLabels"}: where a window's figures come from.
QJsonObject statsWindowSourceToJson(const StatsWindow& window);

// The counters in one bucket's hash (an HGETALL reply), by stored label ("(other)" included); "(other)|labels" is
// added to `cutLabels`. Fields of unknown counters (a later version's) are skipped.
QHash<QByteArray, StatsCounters> parseStatsBucket(const redis::Reply& hash, qint64* cutLabels = nullptr);

// Reads the last `seconds` of one dimension from the tier tierForWindow() picks: one index lookup (ZRANGEBYSCORE),
// then one HGETALL per bucket that exists, pipelined — at most maxBucketsPerRead + 1, and a window without traffic
// costs the index lookup alone.
void readStatsWindow(redis::Client& connection, StatsDimension dimension, qint64 seconds, const QObject* context,
    std::function<void(std::optional<StatsWindow>, QString error)> callback,
    const QList<StatsTier>& tiers = defaultStatsTiers());

} // namespace cachescope::cache
