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
    // Other writers' data, distrusted: values that were no count (negative, not a number) were left out, values over
    // maxStatsCount held at it; fields past a bucket's read limit were not read (their counts are missing).
    qint64 rejectedValues = 0;
    qint64 unreadFields = 0;
    int truncatedBuckets = 0;
    QHash<QByteArray, StatsCounters> byLabel; // label → counters, for the dimension asked for; "(other)" included
    // The same per bucket, oldest first (only buckets that exist): for a label's trend over the window.
    struct Bucket
    {
        qint64 start = 0; // unix seconds
        QHash<QByteArray, StatsCounters> byLabel;
    };
    QList<Bucket> buckets;

    StatsCounters total() const;
    // The `limit` busiest labels (by requests, then by name), and what the others add up to: an answer whose size
    // does not depend on how many labels other writers made up.
    struct Ranked
    {
        QList<std::pair<QByteArray, StatsCounters>> rows;
        qint64 otherLabels = 0; // labels not in rows ("(other)" itself included when it did not make the cut)
        StatsCounters other; // their counters summed
    };
    Ranked ranked(qsizetype limit) const;
    // One label's counters per bucket that exists, oldest first: (bucket start, counters).
    QList<std::pair<qint64, StatsCounters>> trend(const QByteArray& label) const;
    // "1 s buckets", "1 min buckets from 10:42"…: for the notes under tables.
    QString describe() const;
};

// Stats the server lost between two reads of the same window (a restart without persistence, the keys deleted):
// the end (unix seconds) of the newest bucket that `earlier` held and `later` still covers but no longer has, or
// has with fewer requests (counts only grow). Nothing when nothing was lost, or the reads differ in tier.
std::optional<qint64> statsLostBetween(const StatsWindow& earlier, const StatsWindow& later);

// Hit rate of some counters: hits (negative hits included) over lookups; nothing without lookups.
std::optional<double> hitRate(const StatsCounters& counters);

// Milliseconds a load from the origin took on average, failed loads included (the recorder adds a failure's time to
// the total, as the metrics' histogram counts it); nothing without a load.
std::optional<qint64> averageLoadMs(const StatsCounters& counters);

// {"hits", "misses", "loads", "loadFailures", "staleServed", "hitRate" (null without lookups)}: the shape
// cachectl stats --json and the admin API's stats share. Hits include negative hits, as hitRate() counts them.
QJsonObject statsCountersToJson(const StatsCounters& counters);

// {"tier", "bucketSeconds", "from", "to" (ISO 8601 UTC), "cutLabels", "rejectedValues", "unreadFields",
// "truncatedBuckets"}: where a window's figures come from, and what of them was distrusted or left unread.
QJsonObject statsWindowSourceToJson(const StatsWindow& window);

// The largest count a stats field is taken at (2^40, about 10^12 events in one bucket): larger values are held at it.
inline constexpr qint64 maxStatsCount = qint64(1) << 40;
// A bucket's fields read at most (HSCAN pages of 1,000): a bucket other writers made fat costs the server many
// short commands instead of one long one, and its size is said (StatsWindow::unreadFields) instead of read.
inline constexpr qint64 statsBucketFieldLimit = 32'768;
// All buckets of one window together: a long window of fat buckets reads a share of this per bucket.
inline constexpr qint64 statsWindowFieldBudget = 262'144;

// One bucket read: its counters by stored label ("(other)" included), and what was distrusted or left unread.
struct StatsBucketRead
{
    QHash<QByteArray, StatsCounters> byLabel;
    qint64 cutLabels = 0; // "(other)|labels": labels writers folded into "(other)"
    qint64 rejectedValues = 0; // not a count (negative, not a number), or over maxStatsCount (held at it)
    qint64 fieldsRead = 0;
    qint64 unreadFields = 0; // past the limit (HLEN minus what was read)
    QString error; // the read failed: nothing above counts
};

// The counters in a bucket's fields ("<label>|<counter>" → count). Fields of unknown counters (a later version's)
// are skipped.
StatsBucketRead parseStatsFields(const QHash<QByteArray, QByteArray>& fields);

// Reads one bucket's hash with HSCAN, 1,000 fields a command, at most `fieldLimit` fields (then one HLEN says how
// many were left). Each command holds the server for about a millisecond whatever the bucket's size, and the
// caller's event loop parses a page at a time.
void readStatsBucket(redis::Client& connection, const QByteArray& key, qint64 fieldLimit, const QObject* context,
    std::function<void(StatsBucketRead)> callback);

// Reads the last `seconds` of one dimension from the tier tierForWindow() picks: one index lookup (ZRANGEBYSCORE),
// then each bucket that exists with readStatsBucket(), the first pages pipelined; a window without traffic costs the
// index lookup alone. The buckets share statsWindowFieldBudget (each at most statsBucketFieldLimit).
void readStatsWindow(redis::Client& connection, StatsDimension dimension, qint64 seconds, const QObject* context,
    std::function<void(std::optional<StatsWindow>, QString error)> callback,
    const QList<StatsTier>& tiers = defaultStatsTiers());

} // namespace cachescope::cache
