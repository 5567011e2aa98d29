#pragma once

#include "model/routeconfig.h"

#include <QHash>
#include <QString>
#include <QStringList>

namespace cachescope::model {

// "ttl 600 s, vary by q,category, private".
QString describeRouteRule(const RouteRule& rule);

// What changed between two configurations, one line per rule: "+ /api/x: ttl 60 s",
// "~ /api/events: ttl 600 s → ttl 300 s", "- /api/old: …"; empty when nothing did.
QStringList describeRouteChanges(const RouteConfig& before, const RouteConfig& after);

// The rules in both configurations whose TTL differs: path → the TTL before (rules added or removed are not in it).
QHash<QString, int> changedTtls(const RouteConfig& before, const RouteConfig& after);

} // namespace cachescope::model
