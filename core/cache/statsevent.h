#pragma once

namespace cachescope::cache {

// What the cache manager counts. The order is the storage order of the counters: append only.
enum class StatsEvent
{
    Hit,
    Miss,
    Set,
    Load,
    LoadFailure,
    StaleServed,
    NegativeHit,
    Count_
};

} // namespace cachescope::cache
