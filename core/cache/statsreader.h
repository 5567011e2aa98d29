#pragma once

#include "cache/statsrecorder.h"

#include <QByteArray>
#include <QHash>
#include <QJsonObject>
#include <QObject>

#include <functional>
#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::cache {

// Counters summed over a window of the stats buckets every CacheScope process writes (see StatsRecorder).
struct StatsWindow
{
    qint64 seconds = 0;
    bool perMinute = false; // read from minute buckets (venues, or windows over 15 minutes)
    QHash<QByteArray, StatsCounters> byLabel; // label → counters, for the dimension asked for

    StatsCounters total() const;
};

// Hit rate of some counters: hits (negative hits included) over lookups; nothing without lookups.
std::optional<double> hitRate(const StatsCounters& counters);

// {"hits", "misses", "loads", "loadFailures", "staleServed", "hitRate" (null without lookups)}: the shape
// cachectl stats --json and the admin API's stats share. Hits include negative hits, as hitRate() counts them.
QJsonObject statsCountersToJson(const StatsCounters& counters);

// Reads the last `seconds` of one dimension: per-second buckets for short windows, per-minute buckets for
// venues and for windows longer than 15 minutes (900 reads at most either way, pipelined).
void readStatsWindow(redis::Client& connection, StatsDimension dimension, qint64 seconds, const QObject* context,
    std::function<void(std::optional<StatsWindow>, QString error)> callback);

} // namespace cachescope::cache
