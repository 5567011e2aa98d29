#include "ops/nodesinfo.h"

#include "redis/client.h"
#include "redis/connection.h"

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
    struct Round
    {
        NodesInfo result;
        int remaining = 0;
        std::function<void(const NodesInfo&)> callback;
    };
    auto round = std::make_shared<Round>();
    round->callback = std::move(callback);
    round->remaining = int(nodes.size());
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        round->result.nodes.append(nodes.at(i));
        round->result.names.append(client.describeNode(int(i)));
    }
    round->result.infos.resize(nodes.size());
    const bool named = nodes.size() > 1 || client.isCluster();
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        // The default sections hold every figure the tools show; "everything" would add per-command tables.
        nodes.at(i)->command({"INFO"}, context, [round, i, named](const redis::Reply& reply) {
            if (reply.isString()) {
                round->result.infos[i] = ServerInfo::parse(reply.bytes());
            } else if (round->result.error.isEmpty()) {
                const QString message = reply.isError() ? reply.errorMessage() : u"INFO did not return text"_s;
                round->result.error = named ? round->result.names.at(i) + u": "_s + message : message;
            }
            if (--round->remaining == 0)
                round->callback(round->result);
        });
    }
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

} // namespace cachescope::ops
