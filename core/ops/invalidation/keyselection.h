#pragma once

#include "model/keyparser.h"
#include "model/routeconfig.h"

#include <QByteArray>
#include <QString>

#include <functional>
#include <optional>

namespace cachescope::ops {

// A set of keys named by its parts — one tenant, one venue, one route, one namespace — as the key browser
// shows them. SCAN narrows with a glob; the parsed parts then decide exactly, so a vary value that happens to
// read "venue" can never pull a stranger's key into an invalidation.
struct KeySelection
{
    QString description; // "tenant acme", "venue v2 of tenant acme, route GET /api/events"
    QByteArray scanPattern;
    std::function<bool(const QByteArray& key)> accepts;
};

struct GatewayScope
{
    std::optional<QByteArray> tenant; // nullopt: any tenant; empty optional value…: see noTenant
    bool noTenant = false; // keys without a tenant part
    std::optional<QByteArray> venue;
    bool noVenue = false;
    std::optional<QByteArray> method;
    std::optional<QString> rulePath; // the route rule's path; keys whose path that rule covers
};

KeySelection selectGatewayKeys(const GatewayScope& scope, const model::RouteConfig& routes);
KeySelection selectNamespace(const QByteArray& serviceNamespace);
KeySelection selectKey(const QByteArray& key);
// Every key that starts with these bytes (a browser's ':' prefix node), whatever its shape; with
// onlyUnrecognised, only those the key parser does not recognise (the browser's "Other keys" group), so
// a malformed key's prefix "gateway:response:" never selects the well-formed gateway entries.
KeySelection selectPrefix(const QByteArray& prefix, bool onlyUnrecognised = false);

} // namespace cachescope::ops
