#pragma once

#include "model/routeconfig.h"

#include <QByteArray>
#include <QList>
#include <QPair>
#include <QString>

#include <optional>

namespace cachescope::cache {

// What the gateway knows about a request when it decides about caching: no framework types, so the
// policy can be tested and reused by the simulator, the CLI (`cachectl key`) and real gateways alike.
struct GatewayRequest
{
    QByteArray method;
    QString path; // without the query string
    QList<QPair<QString, QString>> query; // in request order; a parameter may repeat
    std::optional<QString> userId; // from the auth context
    std::optional<QString> tenantId;
    std::optional<QString> venueId;

    // Splits "/api/search?q=rock&category=music" into path and decoded query.
    static GatewayRequest fromUrl(const QByteArray& method, const QString& pathAndQuery);
};

struct CacheDecision
{
    enum class Action
    {
        Lookup, // look the key up; on a miss, store a storable response under it
        Bypass, // neither read nor store
    };
    Action action = Action::Bypass;
    QString reason; // why a request bypasses, for X-Cache and logs
    QByteArray key;
    int ttlSeconds = 0;
    bool isPrivate = false;
    QString rulePath;
    bool mayStore = false; // HEAD reads the GET entry but has no body to store

    bool isLookup() const
    {
        return action == Action::Lookup;
    }
};

enum class CacheOutcome
{
    Hit,
    Miss,
    Bypass,
};

using HeaderList = QList<QPair<QByteArray, QByteArray>>;

// The API gateway's response-cache policy, from the design's middleware, with its holes closed:
// - only GET and HEAD are cached (HEAD is answered from the GET entry);
// - a private route without an authenticated user bypasses (the design would cache it as a shared entry);
// - a vary-by parameter given twice bypasses, since one key cannot stand for both values;
// - only 200 responses without Set-Cookie and without upstream `no-store`/`private` are stored.
class ResponseCachePolicy
{
public:
    explicit ResponseCachePolicy(model::RouteConfig config = model::RouteConfig::defaults());

    const model::RouteConfig& config() const
    {
        return m_config;
    }
    void setConfig(model::RouteConfig config);

    CacheDecision decide(const GatewayRequest& request) const;

    // Response headers: X-Cache, X-Cache-Key (truncated to 50 bytes, as in the design), X-Cache-TTL and
    // Cache-Control (`public|private, max-age=N`, or `no-store` for a bypass).
    static HeaderList headers(const CacheDecision& decision, CacheOutcome outcome);

    static bool isStorable(int status, const HeaderList& responseHeaders);

    static constexpr qsizetype keyHeaderLength = 50;

private:
    model::RouteConfig m_config;
};

} // namespace cachescope::cache
