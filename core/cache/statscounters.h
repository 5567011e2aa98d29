#pragma once

#include "cache/statsevent.h"

#include <QByteArray>

#include <array>

namespace cachescope::cache {

// a + b, held at the type's bounds instead of overflowing (undefined behaviour for qint64): counts from other
// writers may be as large as they like.
qint64 saturatingAdd(qint64 a, qint64 b);

// Counters of one label value (one route, one tenant…) over some time.
struct StatsCounters
{
    std::array<qint64, std::size_t(StatsEvent::Count_)> events {};
    qint64 loadMsTotal = 0;

    bool isEmpty() const;
    // Hits (negative hits included) and misses: what the busiest labels are ranked by.
    qint64 lookups() const;
    // Lookups and bypasses: every request answered under the label (what /metrics ranks labels by).
    qint64 requests() const;
    StatsCounters& operator+=(const StatsCounters& other);
    StatsCounters& operator-=(const StatsCounters& other);
    friend bool operator==(const StatsCounters&, const StatsCounters&) = default;
    qint64 operator[](StatsEvent event) const
    {
        return events[std::size_t(event)];
    }
};

// Which label a counter belongs to.
enum class StatsDimension
{
    Total,
    Namespace,
    Route,
    Tenant,
    Venue,
    Count_
};

QByteArray statsDimensionName(StatsDimension dimension); // "total", "ns", "route", "tenant", "venue"
QByteArray statsEventName(StatsEvent event); // "hit", "miss", …

// The label under which the counts of every label past a tier's busiest K are kept (see StatsTier). Parentheses
// never occur in a tenant, venue, route or namespace name the gateway produces.
inline constexpr char otherLabel[] = "(other)";

} // namespace cachescope::cache
