#include "redis/client.h"

#include "redis/clusterclient.h"
#include "redis/connection.h"

#include <QPointer>
#include <QTimer>

namespace cachescope::redis {

using namespace Qt::StringLiterals;

std::unique_ptr<Client> Client::create(const ConnectionOptions& options, QObject* parent)
{
    if (options.cluster)
        return std::make_unique<ClusterClient>(options, parent);
    return std::make_unique<Connection>(options, parent);
}

void whenNodesKnown(Client* client, const QObject* context, std::function<void(const QString& error)> callback)
{
    QObject* receiver = const_cast<QObject*>(context ? context : static_cast<const QObject*>(client));
    if (!client) {
        QTimer::singleShot(0, receiver, [callback] { callback(u"no connection"_s); });
        return;
    }
    if (!client->nodes().isEmpty()) {
        QTimer::singleShot(0, receiver, [callback] { callback(QString()); });
        return;
    }
    if (client->state() == Client::State::Disconnected) {
        const QString why = client->lastError().isEmpty() ? u"not connected"_s : client->lastError();
        QTimer::singleShot(0, receiver, [callback, why] { callback(why); });
        return;
    }
    // The nodes being known (a cluster's slot map read: its masters may still be connecting, and commands wait for
    // them), ready, or giving up: the first of these ends the watch.
    struct Watch
    {
        QMetaObject::Connection state;
        QMetaObject::Connection nodes;
        void end()
        {
            QObject::disconnect(state);
            QObject::disconnect(nodes);
        }
    };
    auto watch = std::make_shared<Watch>();
    const QPointer<Client> guard(client);
    watch->nodes = QObject::connect(client, &Client::nodesChanged, receiver, [watch, callback, guard] {
        if (guard && !guard->nodes().isEmpty()) {
            watch->end();
            callback(QString());
        }
    });
    watch->state =
        QObject::connect(client, &Client::stateChanged, receiver, [watch, callback, guard](Client::State state) {
            if (!guard)
                return;
            if (state == Client::State::Ready && !guard->nodes().isEmpty()) {
                watch->end();
                callback(QString());
            } else if (state == Client::State::Disconnected) {
                watch->end();
                callback(guard->lastError().isEmpty() ? u"not connected"_s : guard->lastError());
            }
        });
}

} // namespace cachescope::redis
