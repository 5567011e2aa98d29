// Any bytes as a route configuration file: refused with errors, or accepted; an accepted configuration
// saves and loads back unchanged.
#include "model/routeconfigjson.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray json(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto parsed = cachescope::model::parseRouteConfigJson(json);
    if (parsed.config.has_value() == !parsed.errors.isEmpty())
        std::abort(); // exactly one of a configuration and its errors
    if (parsed.config) {
        const auto again =
            cachescope::model::parseRouteConfigJson(cachescope::model::routeConfigToJson(*parsed.config));
        if (!again.config || !(*again.config == *parsed.config))
            std::abort();
    }
    return 0;
}
