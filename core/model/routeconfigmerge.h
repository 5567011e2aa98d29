#pragma once

#include "model/routeconfig.h"

#include <QStringList>

namespace cachescope::model {

struct RouteConfigMerge
{
    RouteConfig config;
    QStringList conflicts; // rule paths (and "namespace NAME") changed on both sides, differently: mine was kept
};

// A three-way merge of route rules (by path) and namespace TTLs (by name): `base` is what `mine` was edited from,
// `theirs` what someone saved meanwhile. A rule only one side changed (added, edited, removed) takes that side's
// version; a rule both changed the same way is kept once; one both changed differently keeps mine and is named in
// conflicts. In my order (the table as the user sees it), then the rules only theirs has, in their order.
RouteConfigMerge mergeRouteConfigs(const RouteConfig& base, const RouteConfig& mine, const RouteConfig& theirs);

} // namespace cachescope::model
