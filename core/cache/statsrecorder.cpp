#include "cache/statsrecorder.h"

#include "redis/client.h"

#include <QDateTime>

namespace cachescope::cache {

using namespace std::chrono;

bool StatsCounters::isEmpty() const
{
    return std::all_of(events.cbegin(), events.cend(), [](qint64 n) { return n == 0; }) && loadMsTotal == 0;
}

StatsCounters& StatsCounters::operator+=(const StatsCounters& other)
{
    for (std::size_t i = 0; i < events.size(); ++i)
        events[i] += other.events[i];
    loadMsTotal += other.loadMsTotal;
    return *this;
}

QByteArray statsDimensionName(StatsDimension dimension)
{
    switch (dimension) {
    case StatsDimension::Total:
        return "total";
    case StatsDimension::Namespace:
        return "ns";
    case StatsDimension::Route:
        return "route";
    case StatsDimension::Tenant:
        return "tenant";
    case StatsDimension::Venue:
        return "venue";
    case StatsDimension::Count_:
        break;
    }
    return "?";
}

QByteArray statsEventName(StatsEvent event)
{
    switch (event) {
    case StatsEvent::Hit:
        return "hit";
    case StatsEvent::Miss:
        return "miss";
    case StatsEvent::Set:
        return "set";
    case StatsEvent::Load:
        return "load";
    case StatsEvent::LoadFailure:
        return "loadfail";
    case StatsEvent::StaleServed:
        return "stale";
    case StatsEvent::NegativeHit:
        return "neghit";
    case StatsEvent::Count_:
        break;
    }
    return "?";
}

StatsRecorder::StatsRecorder(redis::Client* connection, Options options, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_options(options)
{
    m_timer.setInterval(m_options.flushInterval);
    connect(&m_timer, &QTimer::timeout, this, &StatsRecorder::flush);
    m_timer.start();
}

StatsRecorder::~StatsRecorder()
{
    flush(); // the last interval's counts are written while the connection can still take them
}

QByteArray StatsRecorder::secondBucketKey(qint64 unixSecond)
{
    return "cachescope:stats:1s:" + QByteArray::number(unixSecond);
}

QByteArray StatsRecorder::minuteBucketKey(qint64 unixMinute)
{
    return "cachescope:stats:1m:" + QByteArray::number(unixMinute);
}

void StatsRecorder::record(const StatsLabels& labels, StatsEvent event, qint64 loadMs)
{
    StatsCounters& counters = m_pending[labels];
    ++counters.events[std::size_t(event)];
    if (loadMs > 0)
        counters.loadMsTotal += loadMs;
}

void StatsRecorder::flush()
{
    // Spread the label sets over the dimensions: "all", then each label that is set.
    std::array<Table, std::size_t(StatsDimension::Count_)> byDimension;
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
        StatsCounters& counters = it.value();
        if (counters.isEmpty())
            continue;
        const StatsLabels& labels = it.key();
        byDimension[std::size_t(StatsDimension::Total)]["all"] += counters;
        const std::pair<StatsDimension, const QByteArray*> parts[] = {{StatsDimension::Namespace, &labels.ns},
            {StatsDimension::Route, &labels.route}, {StatsDimension::Tenant, &labels.tenant},
            {StatsDimension::Venue, &labels.venue}};
        for (const auto& [dimension, label] : parts) {
            if (!label->isEmpty())
                byDimension[std::size_t(dimension)][*label] += counters;
        }
        counters = StatsCounters(); // keep the entry: no allocation next interval
    }
    if (m_pending.size() > 100000)
        m_pending.clear(); // a long tail of one-off label sets must not grow without bound

    const qint64 nowSecond = QDateTime::currentSecsSinceEpoch();
    const QByteArray second = secondBucketKey(nowSecond);
    const QByteArray minute = minuteBucketKey(nowSecond / 60);
    bool anySecond = false;
    bool anyMinute = false;
    // One report per flush, not one per increment: how many were not confirmed and the first reason.
    struct FlushOutcome
    {
        int sent = 0;
        int answered = 0;
        int unconfirmed = 0;
        QString firstError;
        bool allSent = false;
    };
    auto outcome = std::make_shared<FlushOutcome>();
    auto reportIfDone = [this, outcome] {
        if (!outcome->allSent || outcome->answered < outcome->sent || outcome->unconfirmed == 0)
            return;
        Q_EMIT flushFailed(outcome->unconfirmed, outcome->sent, outcome->firstError);
    };
    auto write = [this, outcome, reportIfDone](const QByteArray& bucket, const QByteArray& field, qint64 value) {
        ++outcome->sent;
        m_connection->command({"HINCRBY", bucket, field, QByteArray::number(value)}, this,
            [outcome, reportIfDone](const redis::Reply& reply) {
                ++outcome->answered;
                if (reply.isError()) {
                    ++outcome->unconfirmed;
                    if (outcome->firstError.isEmpty())
                        outcome->firstError = reply.errorMessage();
                }
                reportIfDone();
            });
    };
    for (std::size_t d = 0; d < byDimension.size(); ++d) {
        const auto dimension = StatsDimension(d);
        const bool perSecond = dimension != StatsDimension::Venue;
        for (auto it = byDimension[d].cbegin(); it != byDimension[d].cend(); ++it) {
            const StatsCounters& counters = it.value();
            m_lifetime[d][it.key()] += counters;
            if (!m_connection)
                continue;
            const QByteArray prefix = statsDimensionName(dimension) + '|' + it.key() + '|';
            for (std::size_t e = 0; e < counters.events.size(); ++e) {
                if (counters.events[e] == 0)
                    continue;
                const QByteArray field = prefix + statsEventName(StatsEvent(e));
                if (perSecond)
                    write(second, field, counters.events[e]);
                write(minute, field, counters.events[e]);
            }
            if (counters.loadMsTotal > 0) {
                if (perSecond)
                    write(second, prefix + "loadms", counters.loadMsTotal);
                write(minute, prefix + "loadms", counters.loadMsTotal);
            }
            anySecond = anySecond || perSecond;
            anyMinute = true;
        }
    }
    outcome->allSent = true;
    if (!m_connection)
        return;
    if (anySecond)
        m_connection->command(
            {"EXPIRE", second, QByteArray::number(m_options.secondRetention.count())}, nullptr, nullptr);
    if (anyMinute)
        m_connection->command(
            {"EXPIRE", minute, QByteArray::number(m_options.minuteRetention.count() + 60)}, nullptr, nullptr);
}

} // namespace cachescope::cache
