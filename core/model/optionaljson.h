#pragma once

#include <QJsonValue>

#include <optional>

namespace cachescope::model {

// A figure that may be unknown (a hit rate without lookups, a percentile not measured) as JSON: the number, or
// null — never 0, which would read as a measurement.
template<typename Number>
QJsonValue optionalNumber(const std::optional<Number>& value)
{
    return value ? QJsonValue(*value) : QJsonValue();
}

} // namespace cachescope::model
