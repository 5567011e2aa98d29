#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QVarLengthArray>

#include <optional>

namespace cachescope::model {

// One vary-by query parameter of a cached request. A parameter absent from the request has no value,
// which is kept apart from one present with an empty value (`?q=`).
struct VaryValue
{
    QByteArray name;
    std::optional<QByteArray> value;

    friend bool operator==(const VaryValue&, const VaryValue&) = default;
};

// The parts of a gateway response cache key:
//   gateway:response:{METHOD}:{path}[:{param}:{value}…][:user:{userId}][:tenant:{tenantId}][:venue:{venueId}]
// Every component is escaped with escapeKeyComponent(), so no two different GatewayKeys build the same key
// and a built key contains no glob metacharacter and no hash tag.
struct GatewayKey
{
    QByteArray method;
    QByteArray path;
    QList<VaryValue> vary;
    std::optional<QByteArray> userId;
    std::optional<QByteArray> tenantId;
    std::optional<QByteArray> venueId;

    friend bool operator==(const GatewayKey&, const GatewayKey&) = default;
};

inline constexpr char gatewayKeyPrefix[] = "gateway:response:";

// Marks a vary parameter absent from the request; '%' followed by a non-hex letter never comes out of
// escapeKeyComponent(), so no parameter value can be mistaken for it.
inline constexpr char missingVaryValue[] = "%none";

QByteArray buildGatewayKey(const GatewayKey& key);

// The tag indexes a gateway writes an entry into (see the cache manager's SetOptions::tags), by the key's own parts:
// "venue:<venueId>" and then "tenant:<tenantId>", where it has them (in this order: model::ownListing takes the first).
// Invalidating keys by pattern removes them from these.
QList<QByteArray> gatewayTagsOf(const GatewayKey& key);

// Parses a key built by buildGatewayKey(); nothing for any other bytes. parse(build(k)) == k for every k,
// and build(parse(s)) == s whenever parse(s) exists.
std::optional<GatewayKey> parseGatewayKey(const QByteArray& key);

// The parts of a gateway key the key browser groups by, as views into the key: no copy, no allocation.
struct GatewayScopeView
{
    QByteArrayView method;
    QByteArrayView path;
    std::optional<QByteArrayView> tenantId;
    std::optional<QByteArrayView> venueId;
    std::optional<QByteArrayView> userId;
    QVarLengthArray<std::pair<QByteArrayView, QByteArrayView>, 4> vary; // name, value (never "%none": that has a '%')
};

// For keys without an escaped byte ('%'), which is nearly all of them: the same method, path, tenant and venue
// parseGatewayKey() finds, and nothing exactly when it finds nothing (fuzzed). Keys with a '%' get nothing
// here: ask parseGatewayKey(), which unescapes.
std::optional<GatewayScopeView> parseGatewayScope(QByteArrayView key);

} // namespace cachescope::model
