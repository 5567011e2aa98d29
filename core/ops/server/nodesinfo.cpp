#include "ops/server/nodesinfo.h"

#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"

#include <QPointer>

#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

ServerInfo NodesInfo::combined() const
{
    QList<ServerInfo> answered;
    for (const auto& info : infos) {
        if (info)
            answered.append(*info);
    }
    return ServerInfo::combine(answered);
}

namespace {

void askEveryNode(redis::Client& client, const QObject* context, std::function<void(const NodesInfo&)> callback)
{
    const QList<redis::Connection*> nodes = client.nodes();
    NodesInfo result;
    QList<redis::AddressedCommand> commands;
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        result.nodes.append(nodes.at(i));
        result.names.append(client.describeNode(int(i)));
        // The default sections hold every figure the tools show; "everything" would add per-command tables.
        commands.append({nodes.at(i), {"INFO"}});
    }
    const bool named = nodes.size() > 1 || client.isCluster();
    redis::gatherReplies(commands, context,
        [result, named, callback = std::move(callback)](const std::vector<redis::Reply>& replies) mutable {
            result.infos.resize(result.nodes.size());
            for (std::size_t i = 0; i < replies.size(); ++i) {
                const redis::Reply& reply = replies[i];
                if (reply.isString()) {
                    result.infos[qsizetype(i)] = ServerInfo::parse(reply.bytes());
                } else if (result.error.isEmpty()) {
                    const QString message = reply.isError() ? reply.errorMessage() : u"INFO did not return text"_s;
                    result.error = named ? result.names.at(qsizetype(i)) + u": "_s + message : message;
                }
            }
            callback(result);
        });
}

} // namespace

void fetchNodesInfo(redis::Client& client, const QObject* context, std::function<void(const NodesInfo&)> callback)
{
    if (!client.nodes().isEmpty()) {
        askEveryNode(client, context, std::move(callback));
        return;
    }
    QPointer<redis::Client> guard(&client);
    redis::whenNodesKnown(&client, context, [guard, context, callback](const QString& error) {
        if (!guard || !error.isEmpty()) {
            NodesInfo failed;
            failed.error = guard ? error : u"the connection is gone"_s;
            callback(failed);
            return;
        }
        askEveryNode(*guard, context, callback);
    });
}

void fetchNodesKeyCount(
    redis::Client& client, const QObject* context, std::function<void(const NodesKeyCount&)> callback)
{
    const QList<redis::Connection*> nodes = client.nodes();
    NodesKeyCount result;
    QList<redis::AddressedCommand> commands;
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        result.names.append(client.describeNode(int(i)));
        commands.append({nodes.at(i), {"DBSIZE"}});
    }
    if (commands.isEmpty())
        result.error = u"the nodes are not known yet"_s;
    redis::gatherReplies(
        commands, context, [result, callback = std::move(callback)](const std::vector<redis::Reply>& replies) mutable {
            qint64 sum = 0;
            for (const redis::Reply& reply : replies) {
                result.perNode.append(reply.isInteger() ? reply.integer() : -1);
                if (reply.isInteger())
                    sum += reply.integer();
                else if (result.error.isEmpty())
                    result.error = reply.isError() ? reply.errorMessage() : u"DBSIZE did not return a number"_s;
            }
            if (result.error.isEmpty())
                result.total = sum;
            callback(result);
        });
}

} // namespace cachescope::ops
