#pragma once

#include "commandtable.h"

#include "model/routeconfig.h"

#include <QStringList>
#include <QTextStream>

namespace cachescope::cli {

// `cachectl key METHOD URL`: the cache decision the gateway makes for a request — key, TTL and headers, or
// why it bypasses. Pure: no server needed (the rules come from the caller).
struct KeyRequest
{
    QByteArray method;
    QString url;
    std::optional<QString> userId;
    std::optional<QString> tenantId;
    std::optional<QString> venueId;
};

int printKeyDecision(const model::RouteConfig& rules, const KeyRequest& request, bool json, QTextStream& out);

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareKey(CommandInput& input);

} // namespace cachescope::cli
