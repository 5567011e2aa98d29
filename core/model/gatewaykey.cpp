#include "model/gatewaykey.h"

#include <cstring>

#include "model/keyescaping.h"

#include <QVarLengthArray>

#include <array>

namespace cachescope::model {

namespace {
constexpr char separator = ':';

struct ScopeMarker
{
    const char* name;
    const char* escapedName; // what a vary parameter of the same name is written as
    std::optional<QByteArray> GatewayKey::*field;
};

// In key order. A vary parameter named like a scope marker has its first letter escaped, so the parser
// can tell `?user=42` from the private entry of user 42 without knowing the route's rule.
const std::array<ScopeMarker, 3> scopeMarkers = {{
    {"user", "%75ser", &GatewayKey::userId},
    {"tenant", "%74enant", &GatewayKey::tenantId},
    {"venue", "%76enue", &GatewayKey::venueId},
}};

QByteArray escapeVaryName(const QByteArray& name)
{
    for (const auto& marker : scopeMarkers) {
        if (name == marker.name)
            return QByteArray(marker.escapedName);
    }
    return escapeKeyComponent(name);
}

std::optional<QByteArray> unescapeVaryName(const QByteArray& escaped)
{
    for (const auto& marker : scopeMarkers) {
        if (escaped == marker.escapedName)
            return QByteArray(marker.name);
        if (escaped == marker.name)
            return std::nullopt; // the builder never writes a marker name in the vary part
    }
    return unescapeKeyComponent(escaped);
}
} // namespace

QList<QByteArray> gatewayTagsOf(const GatewayKey& key)
{
    QList<QByteArray> tags;
    if (key.venueId)
        tags.append("venue:" + *key.venueId);
    if (key.tenantId)
        tags.append("tenant:" + *key.tenantId);
    return tags;
}

QByteArray buildGatewayKey(const GatewayKey& key)
{
    QByteArray out(gatewayKeyPrefix);
    out += escapeKeyComponent(key.method);
    out += separator;
    out += escapeKeyComponent(key.path);
    for (const auto& vary : key.vary) {
        out += separator;
        out += escapeVaryName(vary.name);
        out += separator;
        out += vary.value ? escapeKeyComponent(*vary.value) : QByteArray(missingVaryValue);
    }
    for (const auto& marker : scopeMarkers) {
        if (const auto& value = key.*marker.field) {
            out += separator;
            out += marker.name;
            out += separator;
            out += escapeKeyComponent(*value);
        }
    }
    return out;
}

std::optional<GatewayKey> parseGatewayKey(const QByteArray& key)
{
    if (!key.startsWith(gatewayKeyPrefix))
        return std::nullopt;
    // Reserved bytes are escaped inside components, so every ':' is a separator.
    const QList<QByteArray> parts = key.sliced(qsizetype(sizeof(gatewayKeyPrefix) - 1)).split(separator);
    if (parts.size() < 2 || (parts.size() - 2) % 2 != 0)
        return std::nullopt;

    GatewayKey result;
    const auto method = unescapeKeyComponent(parts.at(0));
    const auto path = unescapeKeyComponent(parts.at(1));
    if (!method || !path)
        return std::nullopt;
    result.method = *method;
    result.path = *path;

    // Scope markers come last, each at most once and in a fixed order, so they are peeled off the end.
    qsizetype end = parts.size();
    for (auto marker = scopeMarkers.rbegin(); marker != scopeMarkers.rend(); ++marker) {
        if (end - 2 < 2 || parts.at(end - 2) != marker->name)
            continue;
        const auto value = unescapeKeyComponent(parts.at(end - 1));
        if (!value)
            return std::nullopt;
        result.*(marker->field) = *value;
        end -= 2;
    }

    for (qsizetype i = 2; i < end; i += 2) {
        const auto name = unescapeVaryName(parts.at(i));
        if (!name)
            return std::nullopt;
        VaryValue vary {*name, std::nullopt};
        if (parts.at(i + 1) != missingVaryValue) {
            const auto value = unescapeKeyComponent(parts.at(i + 1));
            if (!value)
                return std::nullopt;
            vary.value = *value;
        }
        result.vary.append(std::move(vary));
    }
    return result;
}

namespace {
// The scope markers as views, in scopeMarkers' order, compared inline: this runs for every key of a scan.
constexpr std::array<QByteArrayView, 3> scopeMarkerViews = {
    QByteArrayView("user", 4), QByteArrayView("tenant", 6), QByteArrayView("venue", 5)};

bool sameBytes(QByteArrayView a, QByteArrayView b)
{
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), std::size_t(a.size())) == 0;
}
} // namespace

std::optional<GatewayScopeView> parseGatewayScope(QByteArrayView key)
{
    constexpr qsizetype prefixLength = sizeof(gatewayKeyPrefix) - 1;
    if (!key.startsWith(QByteArrayView(gatewayKeyPrefix, prefixLength)))
        return std::nullopt;
    const QByteArrayView rest = key.sliced(prefixLength);
    QVarLengthArray<QByteArrayView, 16> parts;
    qsizetype start = 0;
    for (qsizetype i = 0; i <= rest.size(); ++i) {
        if (i == rest.size() || rest[i] == separator) {
            parts.append(rest.sliced(start, i - start));
            start = i + 1;
        } else if (isReservedKeyByte(rest[i])) {
            return std::nullopt; // '%' is for parseGatewayKey(); other reserved bytes make it fail too
        }
    }
    if (parts.size() < 2 || (parts.size() - 2) % 2 != 0)
        return std::nullopt;
    GatewayScopeView view;
    view.method = parts[0];
    view.path = parts[1];
    qsizetype end = parts.size();
    std::optional<QByteArrayView>* fields[] = {&view.userId, &view.tenantId, &view.venueId}; // scopeMarkers' order
    for (std::size_t m = scopeMarkerViews.size(); m-- > 0;) {
        if (end - 2 < 2 || !sameBytes(parts[end - 2], scopeMarkerViews[m]))
            continue;
        *fields[m] = parts[end - 1];
        end -= 2;
    }
    for (qsizetype i = 2; i < end; i += 2) {
        for (QByteArrayView marker : scopeMarkerViews) {
            if (sameBytes(parts[i], marker))
                return std::nullopt; // as unescapeVaryName(): never written in the vary part
        }
        view.vary.append({parts[i], parts[i + 1]});
    }
    return view;
}

} // namespace cachescope::model
