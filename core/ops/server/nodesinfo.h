#pragma once

#include "ops/server/serverinfo.h"

#include <QList>
#include <QObject>
#include <QStringList>

#include <functional>
#include <optional>

namespace cachescope::redis {
class Client;
class Connection;
}

namespace cachescope::ops {

// INFO from every node of a client (one for a single server, each master of a cluster), asked at once.
struct NodesInfo
{
    QList<const redis::Connection*> nodes; // identifies each node between rounds
    QStringList names; // "127.0.0.1:7000 (slots 0-5460)"
    QList<std::optional<ServerInfo>> infos; // nothing where the node failed
    QString error; // the first failure, prefixed with the node's name on a cluster; empty when all answered

    // The whole keyspace's figures (see ServerInfo::combine); only meaningful without an error.
    ServerInfo combined() const;
};

// Calls back once every node answered (or failed). A cluster client still reading its slot map is waited for.
void fetchNodesInfo(redis::Client& client, const QObject* context, std::function<void(const NodesInfo&)> callback);

// How many keys every node holds now (DBSIZE: not a keyspace lookup), for progress bars and the tree's freshness.
struct NodesKeyCount
{
    qint64 total = -1; // -1 unless every node answered: a partial sum would look like keys vanishing
    QList<qint64> perNode; // -1 where a node failed
    QStringList names;
    QString error;
};

// Calls back once every node answered (or failed), never from inside this call.
void fetchNodesKeyCount(
    redis::Client& client, const QObject* context, std::function<void(const NodesKeyCount&)> callback);

} // namespace cachescope::ops
