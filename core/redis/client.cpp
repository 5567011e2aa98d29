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
    // One of ready or giving up comes first; the shared connection handle lets either end both.
    auto watch = std::make_shared<QMetaObject::Connection>();
    *watch = QObject::connect(client, &Client::stateChanged, receiver,
        [watch, callback, guard = QPointer<Client>(client)](Client::State state) {
            if (!guard)
                return;
            if (state == Client::State::Ready && !guard->nodes().isEmpty()) {
                QObject::disconnect(*watch);
                callback(QString());
            } else if (state == Client::State::Disconnected) {
                QObject::disconnect(*watch);
                callback(guard->lastError().isEmpty() ? u"not connected"_s : guard->lastError());
            }
        });
}

} // namespace cachescope::redis
