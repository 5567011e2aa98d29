#include "model/routeconfig.h"

namespace cachescope::model {

using namespace Qt::StringLiterals;

RouteConfig RouteConfig::defaults()
{
    RouteConfig config;
    config.routes = {
        {u"/api/events"_s, 600, {}, false, {}},
        {u"/api/venues"_s, 1800, {}, false, {}},
        {u"/api/tickets/availability"_s, 30, {}, false, {}},
        {u"/api/search"_s, 300, {u"q"_s, u"category"_s}, false, {}},
    };
    config.namespaces = {{u"session"_s, 3600}};
    return config;
}

bool routePathCovers(QStringView rulePath, QStringView requestPath)
{
    if (rulePath == u"/")
        return requestPath.startsWith(u'/');
    if (!requestPath.startsWith(rulePath))
        return false;
    return requestPath.size() == rulePath.size() || requestPath.at(rulePath.size()) == u'/';
}

const RouteRule* RouteConfig::match(QStringView path) const
{
    const RouteRule* best = nullptr;
    for (const auto& rule : routes) {
        if (routePathCovers(rule.path, path) && (!best || rule.path.size() > best->path.size()))
            best = &rule;
    }
    return best;
}

std::optional<int> RouteConfig::namespaceTtl(QStringView name) const
{
    for (const auto& entry : namespaces) {
        if (entry.name == name)
            return entry.ttlSeconds;
    }
    return std::nullopt;
}

} // namespace cachescope::model
