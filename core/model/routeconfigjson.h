#pragma once

#include "model/routeconfig.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace cachescope::model {

// One problem in a route configuration, named by the field it is in (`routes[2].ttl`).
struct ConfigError
{
    QString field;
    QString message;

    QString toString() const;
    friend bool operator==(const ConfigError&, const ConfigError&) = default;
};

// Every problem in the configuration (not only the first), so an editor can mark them all at once.
QList<ConfigError> validateRouteConfig(const RouteConfig& config);

struct RouteConfigParseResult
{
    std::optional<RouteConfig> config; // set only when errors is empty
    QList<ConfigError> errors;
};

// Strict: unknown fields, wrong types and invalid values are errors; nothing is silently dropped.
RouteConfigParseResult parseRouteConfigJson(const QByteArray& json);

// Indented JSON with a stable field order, so saved files diff cleanly.
QByteArray routeConfigToJson(const RouteConfig& config);

} // namespace cachescope::model
