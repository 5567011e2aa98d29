#include "model/keygrouping.h"

#include "model/gatewaykey.h"
#include "model/keyparser.h"
#include "model/reservedkeys.h"

namespace cachescope::model {

namespace {
QByteArray shared(QByteArrayView bytes)
{
    return QByteArray::fromRawData(bytes.data(), bytes.size());
}

std::optional<QByteArray> shared(std::optional<QByteArrayView> bytes)
{
    return bytes ? std::optional<QByteArray>(shared(*bytes)) : std::nullopt;
}
} // namespace

KeyGrouping::KeyGrouping(RouteConfig routes, qsizetype memoLimit)
    : m_routes(std::move(routes))
    , m_memoLimit(memoLimit)
{
}

void KeyGrouping::setRoutes(RouteConfig routes)
{
    m_routes = std::move(routes);
    m_routeByPath.clear();
}

const KeyGrouping::Route& KeyGrouping::routeOf(QByteArrayView method, QByteArrayView path, QByteArrayView methodAndPath)
{
    // Looked up by the key's own "METHOD:path" bytes when they are that (no allocation per key), else built.
    const QByteArray lookup = methodAndPath.isEmpty()
        ? method.toByteArray() + ':' + path.toByteArray()
        : QByteArray::fromRawData(methodAndPath.data(), methodAndPath.size());
    auto known = m_routeByPath.constFind(lookup);
    if (known != m_routeByPath.cend())
        return *known;
    if (m_routeByPath.size() > m_memoLimit)
        m_routeByPath.clear(); // keys of unbounded path shapes: keep the memory bounded
    // Grouped by the route rule that covers the path, as the gateway does, so /api/events/42 and /api/events/43
    // fall under one route; paths without a rule by their first two segments.
    Route route;
    if (const RouteRule* rule = m_routes.match(QString::fromUtf8(path))) {
        route.label = method.toByteArray() + ' ' + rule->path.toUtf8();
        route.rulePath = rule->path;
    } else {
        const QList<QByteArray> segments = path.toByteArray().split('/');
        QByteArray prefix;
        for (qsizetype i = 1; i < segments.size() && i <= 2; ++i)
            prefix += '/' + segments.at(i);
        route.label = method.toByteArray() + ' ' + (prefix.isEmpty() ? QByteArray("/") : prefix);
    }
    return *m_routeByPath.insert(QByteArray(lookup.constData(), lookup.size()), route); // a deep copy: kept
}

KeyPlace KeyGrouping::place(const QByteArray& key)
{
    KeyPlace place;
    if (key.startsWith(internalPrefix)) {
        place.kind = KeyPlace::Kind::CacheScope;
        return place;
    }
    if (auto scope = parseGatewayScope(key)) { // nearly every gateway key: no copy
        place.kind = KeyPlace::Kind::Gateway;
        place.tenant = shared(scope->tenantId);
        place.venue = shared(scope->venueId);
        place.method = shared(scope->method);
        // The key's bytes from the method to the end of the path: "GET:/api/events/7".
        const QByteArrayView methodAndPath(
            scope->method.data(), scope->path.data() + scope->path.size() - scope->method.data());
        const Route& route = routeOf(scope->method, scope->path, methodAndPath);
        place.route = route.label;
        place.rulePath = route.rulePath;
        place.scope = std::move(scope);
        return place;
    }
    if (const qsizetype colon = key.indexOf(':'); !key.startsWith(gatewayKeyPrefix) && colon > 0
        && colon < key.size() - 1 && isServiceNamespace(QByteArrayView(key).first(colon))) {
        // A service entry, as parseKey() classifies it, without parsing the rest.
        place.kind = KeyPlace::Kind::Service;
        place.serviceNamespace = QByteArray::fromRawData(key.constData(), colon);
        return place;
    }
    ParsedKey parsed = parseKey(key); // escaped bytes: decoded copies
    switch (parsed.kind) {
    case ParsedKey::Kind::GatewayResponse: {
        place.kind = KeyPlace::Kind::Gateway;
        const Route& route = routeOf(parsed.gateway.method, parsed.gateway.path, {});
        place.route = route.label;
        place.rulePath = route.rulePath;
        place.tenant = std::move(parsed.gateway.tenantId);
        place.venue = std::move(parsed.gateway.venueId);
        place.method = std::move(parsed.gateway.method);
        break;
    }
    case ParsedKey::Kind::Service:
        place.kind = KeyPlace::Kind::Service;
        place.serviceNamespace = std::move(parsed.serviceNamespace);
        break;
    case ParsedKey::Kind::Other:
        break;
    }
    return place;
}

} // namespace cachescope::model
