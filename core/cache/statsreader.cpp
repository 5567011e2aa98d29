#include "cache/statsreader.h"

#include "redis/client.h"

#include <QDateTime>

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
} // namespace

void readStatsWindow(redis::Client& connection, StatsDimension dimension, qint64 seconds, const QObject* context,
    std::function<void(std::optional<StatsWindow>, QString)> callback)
{
    auto window = std::make_shared<StatsWindow>();
    window->seconds = std::max<qint64>(1, seconds);
    window->perMinute = dimension == StatsDimension::Venue || window->seconds > 900;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    QList<QByteArray> buckets;
    if (window->perMinute) {
        const qint64 minutes = (window->seconds + 59) / 60;
        for (qint64 m = now / 60 - minutes + 1; m <= now / 60; ++m)
            buckets.append(StatsRecorder::minuteBucketKey(m));
    } else {
        // The current second is still being written to: the window ends at the last complete second.
        for (qint64 s = now - window->seconds; s < now; ++s)
            buckets.append(StatsRecorder::secondBucketKey(s));
    }
    const QByteArray prefix = statsDimensionName(dimension) + '|';
    auto remaining = std::make_shared<qsizetype>(buckets.size());
    auto error = std::make_shared<QString>();
    for (const QByteArray& bucket : buckets) {
        connection.command({"HGETALL", bucket}, context, [=](const redis::Reply& reply) {
            if (reply.isError())
                *error = reply.errorMessage();
            const auto& fields = reply.elements();
            for (std::size_t i = 0; reply.isArray() && i + 1 < fields.size(); i += 2) {
                const QByteArray& field = fields[i].bytes();
                if (!field.startsWith(prefix))
                    continue;
                const qsizetype bar = field.lastIndexOf('|');
                if (bar <= prefix.size())
                    continue;
                const QByteArray label = field.sliced(prefix.size(), bar - prefix.size());
                const QByteArray counter = field.sliced(bar + 1);
                const qint64 value = fields[i + 1].bytes().toLongLong();
                StatsCounters& counters = window->byLabel[label];
                if (counter == "loadms")
                    counters.loadMsTotal += value;
                else if (const auto event = eventFromName(counter))
                    counters.events[std::size_t(*event)] += value;
            }
            if (--*remaining == 0) {
                if (error->isEmpty())
                    callback(*window, QString());
                else
                    callback(std::nullopt, *error);
            }
        });
    }
}

QJsonObject statsCountersToJson(const StatsCounters& counters)
{
    using namespace Qt::StringLiterals;
    const auto rate = hitRate(counters);
    return {{u"hits"_s, counters[StatsEvent::Hit] + counters[StatsEvent::NegativeHit]},
        {u"misses"_s, counters[StatsEvent::Miss]}, {u"loads"_s, counters[StatsEvent::Load]},
        {u"loadFailures"_s, counters[StatsEvent::LoadFailure]}, {u"staleServed"_s, counters[StatsEvent::StaleServed]},
        {u"hitRate"_s, rate ? QJsonValue(*rate) : QJsonValue()}};
}

} // namespace cachescope::cache
