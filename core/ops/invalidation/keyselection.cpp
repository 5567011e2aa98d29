#include "ops/invalidation/keyselection.h"

#include "model/displaybytes.h"
#include "model/keyescaping.h"
#include "model/reservedkeys.h"
#include "redis/reply.h"

namespace cachescope::ops {

using namespace Qt::StringLiterals;

KeySelection selectGatewayKeys(const GatewayScope& scope, const model::RouteConfig& routes)
{
    KeySelection selection;
    QStringList parts;
    // The narrowest glob the scope allows; components are escaped in keys, so an escaped literal is exact.
    QByteArray pattern = model::gatewayKeyPrefix;
    if (scope.method && scope.rulePath) {
        pattern += model::escapeGlobLiteral(model::escapeKeyComponent(*scope.method)) + ':'
            + model::escapeGlobLiteral(model::escapeKeyComponent(scope.rulePath->toUtf8()));
        parts.append(u"route %1 %2"_s.arg(QString::fromUtf8(*scope.method), *scope.rulePath));
    } else if (scope.rulePath) {
        pattern += "*:" + model::escapeGlobLiteral(model::escapeKeyComponent(scope.rulePath->toUtf8()));
        parts.append(u"route %1"_s.arg(*scope.rulePath));
    }
    pattern += '*';
    if (scope.tenant) {
        pattern += ":tenant:" + model::escapeGlobLiteral(model::escapeKeyComponent(*scope.tenant));
        parts.prepend(u"tenant "_s + model::displayBytes(*scope.tenant));
    } else if (scope.noTenant) {
        parts.prepend(u"no tenant"_s);
    }
    if (scope.venue) {
        pattern +=
            (scope.tenant ? ":venue:" : "*:venue:") + model::escapeGlobLiteral(model::escapeKeyComponent(*scope.venue));
        parts.insert(scope.tenant || scope.noTenant ? 1 : 0, u"venue "_s + model::displayBytes(*scope.venue));
    } else if (scope.noVenue) {
        parts.append(u"no venue"_s);
    } else if (scope.tenant) {
        pattern += '*';
    }
    selection.scanPattern = pattern;
    selection.description = parts.isEmpty() ? u"every gateway response"_s : parts.join(u", "_s);
    selection.accepts = [scope, routes](const QByteArray& key) {
        const model::ParsedKey parsed = model::parseKey(key);
        if (parsed.kind != model::ParsedKey::Kind::GatewayResponse)
            return false;
        const model::GatewayKey& g = parsed.gateway;
        if (scope.tenant && g.tenantId != scope.tenant)
            return false;
        if (scope.noTenant && g.tenantId)
            return false;
        if (scope.venue && g.venueId != scope.venue)
            return false;
        if (scope.noVenue && g.venueId)
            return false;
        if (scope.method && g.method != *scope.method)
            return false;
        if (scope.rulePath) {
            const model::RouteRule* rule = routes.match(QString::fromUtf8(g.path));
            if (!rule || rule->path != *scope.rulePath)
                return false;
        }
        return true;
    };
    return selection;
}

KeySelection selectNamespace(const QByteArray& serviceNamespace)
{
    return {u"namespace "_s + model::displayBytes(serviceNamespace), model::escapeGlobLiteral(serviceNamespace) + ":*",
        [serviceNamespace](const QByteArray& key) {
            const model::ParsedKey parsed = model::parseKey(key);
            return parsed.kind == model::ParsedKey::Kind::Service && parsed.serviceNamespace == serviceNamespace;
        }};
}

KeySelection selectKey(const QByteArray& key)
{
    return {u"key "_s + model::displayBytes(key, 120), model::escapeGlobLiteral(key),
        [key](const QByteArray& candidate) { return candidate == key; }};
}

KeySelection selectPrefix(const QByteArray& prefix, bool onlyUnrecognised)
{
    return {(onlyUnrecognised ? u"unrecognised keys under "_s : u"keys under "_s) + model::displayBytes(prefix, 120),
        model::escapeGlobLiteral(prefix) + '*', [prefix, onlyUnrecognised](const QByteArray& candidate) {
            return candidate.startsWith(prefix)
                && (!onlyUnrecognised
                    || (model::parseKey(candidate).kind == model::ParsedKey::Kind::Other
                        && !candidate.startsWith(model::internalPrefix)));
        }};
}

} // namespace cachescope::ops
