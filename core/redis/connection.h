#pragma once

#include "redis/client.h"
#include "redis/connectionoptions.h"
#include "redis/ownlookups.h"
#include "redis/reply.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSslConfiguration>
#include <QTimer>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QTcpSocket;

namespace cachescope::redis {

class ReplyReader;

// An asynchronous Redis connection on the Qt event loop: no blocking call, no thread of its own.
//
// Commands are pipelined: each is written as soon as the connection is ready, and replies are matched to
// callbacks in order. Commands issued before the connection is ready wait (up to the command timeout) and
// are sent once it is. Every command gets exactly one callback, with the reply or with a client-side
// error (ErrorKind::ConnectionLost, Timeout, NotConnected, Cancelled, Protocol), unless its context object
// was destroyed first; the callback never runs inside command() itself.
//
// A ready connection that drops reconnects with exponential backoff (stateChanged() tells each step).
// Wrong credentials, a refused database and TLS verification failures are not retried: they will not fix
// themselves, so the connection goes to Disconnected with the reason in errorOccurred().
class Connection : public Client
{
    Q_OBJECT
public:
    explicit Connection(ConnectionOptions options, QObject* parent = nullptr);
    // Pending callbacks are dropped without being called: their receivers may be half-destroyed by now.
    ~Connection() override;

    const ConnectionOptions& options() const override
    {
        return m_options;
    }
    State state() const override
    {
        return m_state;
    }
    ErrorKind lastErrorKind() const override
    {
        return m_lastErrorKind;
    }
    QString lastError() const override
    {
        return m_lastError;
    }
    // Commands sent and awaiting a reply, plus those waiting for the connection.
    qsizetype pendingCount() const override
    {
        return qsizetype(m_inFlight.size() + m_waiting.size());
    }

    void open() override;
    // Ends the connection for good: pending commands fail with ErrorKind::Cancelled; no reconnect.
    void close() override;

    void command(const QList<QByteArray>& arguments, const QObject* context, Callback callback) override;

    QList<Connection*> nodes() const override
    {
        return {const_cast<Connection*>(this)};
    }
    QString describeNode(int index) const override;

    // For a connection used for SUBSCRIBE: published messages (["message", channel, payload] and
    // ["pmessage", pattern, channel, payload]) go to this handler instead of to a command's callback.
    // Subscriptions end with the connection; subscribe again on ready().
    void setPushHandler(Callback handler)
    {
        m_pushHandler = std::move(handler);
    }

    // The keyspace lookups this process made on this server, over all its connections to it (see ownlookups.h).
    const OwnLookupCounter& ownLookups() const
    {
        return *m_ownLookups;
    }

private:
    struct Pending
    {
        Callback callback;
        QPointer<const QObject> context;
        bool guarded = false;
        LookupKind lookup = LookupKind::None;
        int argumentCount = 0;
        std::chrono::steady_clock::time_point since; // set when it starts waiting (m_waiting)
    };
    struct Waiting
    {
        QByteArray encoded;
        Pending pending;
    };

    void startAttempt();
    void onTransportReady();
    void onReadyRead();
    void onSocketError();
    void onCommandTimer();
    // Reads what the socket already holds; true when that brought replies (progress).
    bool readWhatTheSocketHolds();
    void writeCommand(const QByteArray& encoded, Pending pending);
    void scheduleFlush();
    void flushOutgoing(); // queued by scheduleFlush()
    void writeOutgoing();
    static constexpr qsizetype midReadFlushBytes = 2048;
    void sendHandshake();
    void becomeReady();
    void failHandshake(const Reply& reply);
    // The transport failed: `kind` for commands in flight; reconnect if allowed, else give up.
    void transportFailed(ErrorKind kind, const QString& message, bool retryable);
    void giveUp(ErrorKind kind, const QString& message);
    void scheduleReconnect();
    void dropSocket();
    void setState(State state);
    void setError(ErrorKind kind, const QString& message);
    void failInFlight(ErrorKind kind, const QString& message);
    void failWaiting(ErrorKind kind, const QString& message);
    template<typename Queue, typename PendingOf>
    void failAll(Queue& queue, ErrorKind kind, const QString& message, PendingOf pendingOf);
    void deliver(Pending& pending, const Reply& reply);
    void deliverLater(Pending pending, Reply reply);
    void rearmCommandTimer();

    ConnectionOptions m_options;
    std::optional<QSslConfiguration> m_tlsConfiguration;
    State m_state = State::Disconnected;
    ErrorKind m_lastErrorKind = ErrorKind::None;
    QString m_lastError;
    QString m_tlsErrors; // collected from sslErrors() for the message of the failure that follows

    std::unique_ptr<QTcpSocket> m_socket;
    std::unique_ptr<ReplyReader> m_reader;
    quint64 m_generation = 0; // bumped whenever the socket is dropped, so loops notice re-entrant closes
    int m_socketSignalDepth = 0; // >0 while inside a slot of m_socket: it must then be deleted later

    OwnLookupCounter* m_ownLookups; // process-wide, never freed
    Callback m_pushHandler;
    std::deque<Pending> m_inFlight;
    std::deque<Waiting> m_waiting;
    QByteArray m_outgoing; // encoded commands of m_inFlight not yet written to the socket
    qsizetype m_outgoingCommands = 0; // how many commands m_outgoing holds
    bool m_flushQueued = false;
    int m_handshakeRemaining = 0;
    bool m_handshakeFailed = false;
    bool m_everReady = false;

    QTimer m_connectTimer;
    QTimer m_commandTimer;
    QTimer m_reconnectTimer;
    std::chrono::milliseconds m_nextReconnectDelay;
    std::chrono::steady_clock::time_point m_lastProgress; // last reply, or first send into an idle pipe
};

} // namespace cachescope::redis
