#pragma once

#include "model/gatewaykey.h"
#include "model/routeconfig.h"

#include <QByteArray>
#include <QHash>
#include <QString>

#include <optional>

namespace cachescope::model {

// Where a key belongs in the keyspace as ops engineers see it. One answer for the dashboard's key tree and for
// `cachectl keys`: gateway responses by tenant → venue → route rule, service entries by namespace, CacheScope's own
// keys apart (so they never pass for the application's cache), and the rest.
struct KeyPlace
{
    enum class Kind
    {
        Gateway,
        Service,
        CacheScope,
        Other,
    };
    Kind kind = Kind::Other;
    // Gateway: tenant and venue (nothing when the key has none); the route's label — the rule covering the path
    // ("GET /api/events/{id}"), else the method and the path's first two segments; the method; the rule's path.
    std::optional<QByteArray> tenant;
    std::optional<QByteArray> venue;
    QByteArray route;
    QByteArray method;
    std::optional<QString> rulePath;
    // Service: the namespace.
    QByteArray serviceNamespace;
    // Gateway keys without an escaped byte (nearly all): the key's parts as views into it, vary values and user
    // included, so a caller that needs them does not parse the key again.
    std::optional<GatewayScopeView> scope;
};

// Places keys by the route rules it is given (the design's table by default). Built for millions of keys: for the
// common key without an escaped byte nothing is copied (the result's byte arrays share the key's bytes, so keep
// the key alive and unchanged while using them), and each distinct method and path is matched against the rules
// once (up to `memoLimit` of them, 100,000 by default; then the memo starts over).
class KeyGrouping
{
public:
    explicit KeyGrouping(RouteConfig routes = RouteConfig::defaults(), qsizetype memoLimit = 100'000);

    void setRoutes(RouteConfig routes);
    const RouteConfig& routes() const
    {
        return m_routes;
    }

    KeyPlace place(const QByteArray& key);

private:
    struct Route
    {
        QByteArray label;
        std::optional<QString> rulePath;
    };
    const Route& routeOf(QByteArrayView method, QByteArrayView path, QByteArrayView methodAndPath);

    RouteConfig m_routes;
    QHash<QByteArray, Route> m_routeByPath; // "METHOD:path" → its route
    qsizetype m_memoLimit;
};

} // namespace cachescope::model
