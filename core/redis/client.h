#pragma once

#include "redis/connectionoptions.h"
#include "redis/reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>

#include <functional>
#include <memory>

namespace cachescope::redis {

class Connection;

// What the cache manager, the operations and the tools talk to: one Redis server (Connection) or a whole
// Redis Cluster (ClusterClient). Commands about keys are sent where the keys live; commands about a whole
// server (SCAN, INFO, DBSIZE) are meant for each of nodes() in turn — sent to the client itself, they reach one
// node only.
//
// The contract of command() is Connection's: pipelined, exactly one callback per command (the reply or a
// client-side error) unless the context object died first, and never from inside command() itself.
class Client : public QObject
{
    Q_OBJECT
public:
    enum class State
    {
        Disconnected,
        Connecting,
        Handshaking, // connected, authenticating and selecting the database
        Ready,
        WaitingToReconnect,
    };
    Q_ENUM(State)

    using Callback = std::function<void(const Reply&)>;

    using QObject::QObject;

    // The options it was opened with (for a cluster, the seed node's).
    virtual const ConnectionOptions& options() const = 0;
    virtual State state() const = 0;
    bool isReady() const
    {
        return state() == State::Ready;
    }
    virtual ErrorKind lastErrorKind() const = 0;
    virtual QString lastError() const = 0;
    // Commands sent and awaiting a reply, plus those waiting to be sent.
    virtual qsizetype pendingCount() const = 0;

    virtual void open() = 0;
    // Ends it for good: pending commands fail with ErrorKind::Cancelled.
    virtual void close() = 0;

    // `context` guards the callback: once it is destroyed the callback is not called. Pass nullptr only
    // for callbacks that capture nothing that can die.
    virtual void command(const QList<QByteArray>& arguments, const QObject* context, Callback callback) = 0;

    // The servers that together hold the keyspace: the connection itself, or every master of a cluster in slot
    // order. Valid until nodesChanged().
    virtual QList<Connection*> nodes() const = 0;
    // "127.0.0.1:6379", or "127.0.0.1:7000 (slots 0-5460)" for a cluster master.
    virtual QString describeNode(int index) const = 0;
    virtual bool isCluster() const
    {
        return false;
    }

    // A Connection, or a ClusterClient when options.cluster is set. Not opened yet.
    static std::unique_ptr<Client> create(const ConnectionOptions& options, QObject* parent = nullptr);

Q_SIGNALS:
    void stateChanged(cachescope::redis::Client::State state);
    void ready(); // each time it becomes ready, the first time and after every reconnect
    void errorOccurred(cachescope::redis::ErrorKind kind, const QString& message);
    void nodesChanged(); // a cluster's masters changed (failover, resharding to a new node)
};

// Calls back once `client` knows its nodes (at once for a single server; for a cluster once the slot map is read),
// with an empty error; or with the reason if it gives up first. Never from inside this call.
void whenNodesKnown(Client* client, const QObject* context, std::function<void(const QString& error)> callback);

} // namespace cachescope::redis
