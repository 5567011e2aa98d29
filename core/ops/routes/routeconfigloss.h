#pragma once

#include "ops/routes/routeconfigstore.h"

#include <QString>

#include <optional>

namespace cachescope::ops {

// A stored route configuration's version only grows: every save adds one. A server that holds a lower version than
// one seen before lost it — a restart without persistence, a FLUSHALL, a deleted key — and that is never shown as
// somebody's save.
struct RouteConfigLoss
{
    RouteConfigSnapshot lastSeen; // what this machine saw last
    qint64 versionNow = 0; // what the server holds now (0: nothing, the defaults apply)

    // "The route configuration is gone from the server: it holds version 0 now (the defaults apply) where version 5
    // was, saved by ana@ops at 2026-12-06 03:12:09."
    QString describe() const;
};

std::optional<RouteConfigLoss> routeConfigLoss(
    const RouteConfigSnapshot& now, const std::optional<RouteConfigSnapshot>& lastSeen);

// What this machine last saw of one server's route configuration: a small JSON file per server in the tools' data
// folder, so that a loss is named by any tool that saw the configuration before, also one started after the loss
// (cachectl routes get, a new dashboard window). At most one file per server, the size of one configuration.
class RouteConfigMemory
{
public:
    // `server`: the connection's display name (host:port/db); `directory`: empty for the tools' data folder
    // ($XDG_DATA_HOME/CacheScope/route-config), or CACHESCOPE_STATE_DIR when set.
    explicit RouteConfigMemory(const QString& server, const QString& directory = {});

    std::optional<RouteConfigSnapshot> lastSeen() const;
    // Remembers a stored configuration (version > 0); a lower version than the one remembered is not remembered
    // (that is a loss, kept until it is restored or forgotten).
    void remember(const RouteConfigSnapshot& snapshot);
    void forget();
    QString path() const
    {
        return m_path;
    }

private:
    QString m_path;
};

} // namespace cachescope::ops
