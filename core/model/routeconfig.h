#pragma once

#include <QList>
#include <QString>
#include <QStringList>

#include <optional>

namespace cachescope::model {

inline constexpr int minTtlSeconds = 1;
inline constexpr int maxTtlSeconds = 30 * 24 * 3600;
// Sizes a route configuration may have: every gateway process parses it on every change, and every tool prints it.
// A real API has tens of rules; these leave room while keeping a stored configuration to a few hundred KiB.
inline constexpr qsizetype maxRouteConfigBytes = 256 * 1024; // the JSON document
inline constexpr qsizetype maxRouteRules = 1000;
inline constexpr qsizetype maxServiceNamespaces = 200;
inline constexpr qsizetype maxRoutePathLength = 512; // characters
inline constexpr qsizetype maxParametersPerList = 32; // varyBy, requireQuery, skipIfQuery
inline constexpr qsizetype maxParameterNameLength = 64;

// When a matching request may be cached at all: the design's `condition: (req) => bool`, made declarative so
// it can be stored, edited and audited.
struct RouteCondition
{
    QStringList requireQuery; // cache only when each of these query parameters is present
    QStringList skipIfQuery; // never cache when any of these is present (e.g. "nocache")

    bool isEmpty() const
    {
        return requireQuery.isEmpty() && skipIfQuery.isEmpty();
    }
    friend bool operator==(const RouteCondition&, const RouteCondition&) = default;
};

struct RouteRule
{
    QString path; // a path prefix, matched on whole segments
    int ttlSeconds = 0;
    QStringList varyBy; // query parameters that are part of the key, in key order
    bool isPrivate = false; // one entry per authenticated user
    RouteCondition condition;

    friend bool operator==(const RouteRule&, const RouteRule&) = default;
};

// A TTL for the shared cache manager's service namespace (`session:*` and so on).
struct NamespaceTtl
{
    QString name;
    int ttlSeconds = 0;

    friend bool operator==(const NamespaceTtl&, const NamespaceTtl&) = default;
};

struct RouteConfig
{
    QList<RouteRule> routes;
    QList<NamespaceTtl> namespaces;

    // The design's table: events 10 min, venues 30 min, ticket availability 30 s, search 5 min varying by
    // q and category, user sessions 1 h.
    static RouteConfig defaults();

    // The rule whose path is the longest whole-segment prefix of `path`, if any.
    const RouteRule* match(QStringView path) const;
    std::optional<int> namespaceTtl(QStringView name) const;

    friend bool operator==(const RouteConfig&, const RouteConfig&) = default;
};

// True when `rulePath` covers `requestPath`: equal, or a prefix ending at a segment boundary.
bool routePathCovers(QStringView rulePath, QStringView requestPath);

} // namespace cachescope::model
