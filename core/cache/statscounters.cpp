#include "cache/statscounters.h"

#include <algorithm>
#include <limits>

namespace cachescope::cache {

bool StatsCounters::isEmpty() const
{
    return std::all_of(events.cbegin(), events.cend(), [](qint64 n) { return n == 0; }) && loadMsTotal == 0;
}

qint64 saturatingAdd(qint64 a, qint64 b)
{
    qint64 sum = 0;
    if (!__builtin_add_overflow(a, b, &sum))
        return sum;
    return b > 0 ? std::numeric_limits<qint64>::max() : std::numeric_limits<qint64>::min();
}

qint64 StatsCounters::lookups() const
{
    return saturatingAdd(
        saturatingAdd((*this)[StatsEvent::Hit], (*this)[StatsEvent::NegativeHit]), (*this)[StatsEvent::Miss]);
}

qint64 StatsCounters::requests() const
{
    return saturatingAdd(lookups(), (*this)[StatsEvent::Bypass]);
}

StatsCounters& StatsCounters::operator+=(const StatsCounters& other)
{
    for (std::size_t i = 0; i < events.size(); ++i)
        events[i] = saturatingAdd(events[i], other.events[i]);
    loadMsTotal = saturatingAdd(loadMsTotal, other.loadMsTotal);
    return *this;
}

StatsCounters& StatsCounters::operator-=(const StatsCounters& other)
{
    // Counters are never negative (parseStatsFields), so negating one cannot overflow.
    for (std::size_t i = 0; i < events.size(); ++i)
        events[i] = saturatingAdd(events[i], -other.events[i]);
    loadMsTotal = saturatingAdd(loadMsTotal, -other.loadMsTotal);
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
    case StatsEvent::Bypass:
        return "bypass";
    case StatsEvent::LoadWithin10ms:
        return "load10ms";
    case StatsEvent::LoadWithin100ms:
        return "load100ms";
    case StatsEvent::LoadWithin1s:
        return "load1s";
    case StatsEvent::HalfTtlLookup:
        return "halfttllookup";
    case StatsEvent::HalfTtlMiss:
        return "halfttlmiss";
    case StatsEvent::Count_:
        break;
    default:
        if (event >= StatsEvent::HitLeftUnder1s
            && event <= StatsEvent::HitLeftLast_) // "left1s", "left2s" … "left131072s"
            return QByteArrayLiteral("left")
                .append(QByteArray::number(hitLeftBinEdgeMs(int(event) - int(StatsEvent::HitLeftUnder1s)) / 1000))
                .append('s');
        break;
    }
    return "?";
}

} // namespace cachescope::cache
