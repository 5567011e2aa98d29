#include "redis/connection.h"

#include "redis/commandencoder.h"
#include "redis/commandsafety.h"
#include "redis/replyreader.h"
#include "redis/tlsconfiguration.h"

#include <QRandomGenerator>
#include <QSocketNotifier>
#include <QSslSocket>
#include <QTcpSocket>

#include <utility>

#include <poll.h>
#include <sys/ioctl.h>

namespace cachescope::redis {

using namespace Qt::StringLiterals;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

namespace {
// Counts slot depth so the socket is never deleted from inside its own signal. A callback may delete the
// connection itself, so the guard checks it is still alive before touching it again.
class SignalDepthGuard
{
public:
    SignalDepthGuard(QObject* owner, int& depth)
        : m_owner(owner)
        , m_depth(depth)
    {
        ++m_depth;
    }
    ~SignalDepthGuard()
    {
        if (m_owner)
            --m_depth;
    }
    SignalDepthGuard(const SignalDepthGuard&) = delete;
    SignalDepthGuard& operator=(const SignalDepthGuard&) = delete;

private:
    QPointer<QObject> m_owner;
    int& m_depth;
};

bool isPushMessage(const Reply& reply)
{
    if (!reply.isArray() || reply.elements().empty() || !reply.elements()[0].isString())
        return false;
    const QByteArray& kind = reply.elements()[0].bytes();
    return kind == "message" || kind == "pmessage";
}

// Bytes the kernel holds for the socket that nobody has read yet.
bool socketHasUnreadBytes(qintptr descriptor)
{
    int pending = 0;
    return descriptor >= 0 && ::ioctl(int(descriptor), FIONREAD, &pending) == 0 && pending > 0;
}

// A non-blocking connect that the kernel has finished (made, or failed), whether or not Qt has noticed yet. Until Qt
// has seen the connection made, socketDescriptor() says -1 (it caches the descriptor then); the notifier its socket
// engine watches the connect with holds it all along (for TLS, the inner plain socket's: findChildren is recursive).
bool socketConnectFinished(const QAbstractSocket& socket)
{
    qintptr descriptor = socket.socketDescriptor();
    if (descriptor < 0) {
        for (const QSocketNotifier* notifier : socket.findChildren<QSocketNotifier*>()) {
            if (notifier->type() == QSocketNotifier::Write && notifier->socket() >= 0) {
                descriptor = notifier->socket();
                break;
            }
        }
    }
    if (descriptor < 0)
        return false;
    pollfd ready {int(descriptor), POLLOUT, 0};
    return ::poll(&ready, 1, 0) == 1;
}

QString millis(milliseconds ms)
{
    return QString::number(ms.count()) + u" ms"_s;
}
} // namespace

Connection::Connection(ConnectionOptions options, QObject* parent)
    : Client(parent)
    , m_options(std::move(options))
    , m_ownLookups(&ownLookupsOf(m_options.host + u':' + QString::number(m_options.port), m_options.clientName))
    , m_nextReconnectDelay(m_options.reconnectInitialDelay)
{
    m_connectTimer.setSingleShot(true);
    m_commandTimer.setSingleShot(true);
    m_reconnectTimer.setSingleShot(true);
    connect(&m_connectTimer, &QTimer::timeout, this, [this] {
        // A busy event loop may not have seen the connection made or the handshake answered: look first.
        if (m_socket && m_socket->state() == QAbstractSocket::ConnectingState && socketConnectFinished(*m_socket)) {
            m_connectTimer.start(m_options.connectTimeout); // the socket's notification tells how it went
            return;
        }
        if (m_state == State::Handshaking && readWhatTheSocketHolds()) {
            if (m_state != State::Ready && m_socket)
                m_connectTimer.start(m_options.connectTimeout);
            return;
        }
        if (!m_socket || m_state == State::Ready || m_state == State::WaitingToReconnect
            || m_state == State::Disconnected)
            return;
        QString message =
            u"could not connect to %1 within %2"_s.arg(m_options.displayName(), millis(m_options.connectTimeout));
        // A plain Redis port takes the TLS hello for the start of an inline command and waits for the rest: the TCP
        // connection stands, the handshake never ends. Say what that most likely means.
        if (m_options.tls.enabled && m_socket && m_socket->state() == QAbstractSocket::ConnectedState)
            message += u": the TCP connection was made but the TLS handshake got no answer — this port does not "
                       "seem to speak TLS (turn TLS off, or use the server's tls-port)"_s;
        transportFailed(ErrorKind::Timeout, message, true);
    });
    connect(&m_commandTimer, &QTimer::timeout, this, &Connection::onCommandTimer);
    connect(&m_reconnectTimer, &QTimer::timeout, this, &Connection::startAttempt);
}

Connection::~Connection()
{
    m_inFlight.clear();
    m_waiting.clear();
    dropSocket();
}

void Connection::open()
{
    if (m_state != State::Disconnected)
        return;
    if (m_options.tls.enabled) {
        QString error;
        m_tlsConfiguration = buildTlsConfiguration(m_options.tls, &error);
        if (!m_tlsConfiguration) {
            giveUp(ErrorKind::Tls, error);
            return;
        }
    }
    m_everReady = false;
    m_nextReconnectDelay = m_options.reconnectInitialDelay;
    startAttempt();
}

QString Connection::describeNode(int) const
{
    return u"%1:%2"_s.arg(m_options.host).arg(m_options.port);
}

void Connection::close()
{
    m_connectTimer.stop();
    m_reconnectTimer.stop();
    dropSocket();
    setState(State::Disconnected);
    failInFlight(ErrorKind::Cancelled, u"the connection was closed"_s);
    failWaiting(ErrorKind::Cancelled, u"the connection was closed"_s);
}

void Connection::startAttempt()
{
    dropSocket();
    m_reader = std::make_unique<ReplyReader>();
    m_tlsErrors.clear();
    m_handshakeFailed = false;

    QTcpSocket* socket = nullptr;
    if (m_options.tls.enabled) {
        auto* ssl = new QSslSocket;
        ssl->setSslConfiguration(*m_tlsConfiguration);
        connect(ssl, &QSslSocket::encrypted, this, &Connection::onTransportReady);
        connect(ssl, &QSslSocket::sslErrors, this, [this](const QList<QSslError>& errors) {
            QStringList texts;
            for (const QSslError& error : errors)
                texts.append(error.errorString());
            m_tlsErrors = texts.join(u"; "_s);
        });
        socket = ssl;
    } else {
        socket = new QTcpSocket;
        connect(socket, &QTcpSocket::connected, this, &Connection::onTransportReady);
    }
    m_socket.reset(socket);
    socket->setSocketOption(QAbstractSocket::LowDelayOption, 1);
    connect(socket, &QTcpSocket::readyRead, this, &Connection::onReadyRead);
    connect(socket, &QTcpSocket::errorOccurred, this, &Connection::onSocketError);
    connect(socket, &QTcpSocket::disconnected, this, &Connection::onSocketError);

    setState(State::Connecting);
    m_connectTimer.start(m_options.connectTimeout);
    if (auto* ssl = qobject_cast<QSslSocket*>(socket)) {
        const QString peerName = m_options.tls.serverName.isEmpty() ? m_options.host : m_options.tls.serverName;
        ssl->connectToHostEncrypted(m_options.host, m_options.port, peerName);
    } else {
        socket->connectToHost(m_options.host, m_options.port);
    }
}

void Connection::onTransportReady()
{
    SignalDepthGuard guard(this, m_socketSignalDepth);
    setState(State::Handshaking);
    sendHandshake();
}

void Connection::sendHandshake()
{
    struct Step
    {
        QList<QByteArray> arguments;
        bool optional; // a failure is ignored (CLIENT SETNAME may be denied to a restricted ACL user)
        bool answerIsEnough = false; // any reply, even NOPERM, proves the server is there (never for SELECT)
    };
    QList<Step> steps;
    if (!m_options.password.isEmpty()) {
        if (m_options.username.isEmpty())
            steps.append({{"AUTH", m_options.password.toUtf8()}, false});
        else
            steps.append({{"AUTH", m_options.username.toUtf8(), m_options.password.toUtf8()}, false});
    }
    if (m_options.database != 0)
        steps.append({{"SELECT", QByteArray::number(m_options.database)}, false});
    if (!m_options.clientName.isEmpty())
        steps.append({{"CLIENT", "SETNAME", m_options.clientName.toUtf8()}, true});
    if (m_options.noTouch)
        steps.append({{"CLIENT", "NO-TOUCH", "ON"}, true});
    // Always end with a round trip, so Ready means the server has answered. A restricted ACL user may not be
    // allowed PING (a +@read user): its NOPERM is an answer too, so it is accepted below.
    steps.append({{"PING"}, false, true});

    m_handshakeRemaining = int(steps.size());
    for (const Step& step : steps) {
        const bool optional = step.optional;
        const bool answerIsEnough = step.answerIsEnough;
        Pending pending;
        pending.since = Clock::now();
        pending.callback = [this, optional, answerIsEnough](const Reply& reply) {
            --m_handshakeRemaining;
            if (m_handshakeFailed)
                return;
            // NOAUTH is never optional: it means the password is missing, and every command would fail. NOPERM to
            // the closing PING is the server's answer to a user without that command: the connection works for
            // what the user may do.
            const bool denied = answerIsEnough && reply.errorKind() == ErrorKind::NoPerm;
            if (reply.isError() && !denied && (!optional || reply.errorKind() == ErrorKind::NoAuth)) {
                failHandshake(reply);
                return;
            }
            if (m_handshakeRemaining == 0)
                becomeReady();
        };
        writeCommand(encodeCommand(step.arguments), std::move(pending));
    }
}

void Connection::failHandshake(const Reply& reply)
{
    m_handshakeFailed = true;
    const ErrorKind kind = reply.errorKind();
    const bool clientSide = kind == ErrorKind::ConnectionLost || kind == ErrorKind::Timeout
        || kind == ErrorKind::Protocol || kind == ErrorKind::Cancelled;
    if (clientSide)
        return; // transportFailed() is already handling it
    if (kind == ErrorKind::Loading || kind == ErrorKind::Busy || kind == ErrorKind::MasterDown) {
        // The server is there but not ready yet: worth trying again like a dropped connection.
        transportFailed(kind, u"server not ready: "_s + reply.errorMessage(), true);
        return;
    }
    QString message = reply.errorMessage();
    if (kind == ErrorKind::WrongPass || kind == ErrorKind::NoAuth)
        message = u"authentication failed for %1: %2"_s.arg(m_options.displayName(), message);
    giveUp(kind, message);
}

void Connection::becomeReady()
{
    m_connectTimer.stop();
    m_everReady = true;
    m_nextReconnectDelay = m_options.reconnectInitialDelay;
    setState(State::Ready);
    const auto generation = m_generation;
    QPointer<Connection> self(this);
    Q_EMIT ready();
    if (!self || generation != m_generation || m_state != State::Ready)
        return;
    std::deque<Waiting> waiting;
    waiting.swap(m_waiting);
    for (Waiting& entry : waiting)
        writeCommand(entry.encoded, std::move(entry.pending));
    rearmCommandTimer();
}

void Connection::command(const QList<QByteArray>& arguments, const QObject* context, Callback callback)
{
    Pending pending;
    pending.callback = std::move(callback);
    pending.context = context;
    pending.guarded = context != nullptr;

    if (arguments.isEmpty()) {
        deliverLater(std::move(pending), Reply::clientError(ErrorKind::Generic, u"empty command"_s));
        return;
    }
    if (m_options.readOnly && !isReadOnlyCommand(arguments)) {
        deliverLater(std::move(pending),
            Reply::clientError(ErrorKind::ReadOnlyConnection,
                u"refused: %1 writes, and this connection is read-only"_s.arg(
                    QString::fromUtf8(arguments.first().toUpper()))));
        return;
    }
    if (m_state == State::Disconnected) {
        const QString why =
            m_lastError.isEmpty() ? u"the connection is not open"_s : u"not connected: "_s + m_lastError;
        deliverLater(std::move(pending), Reply::clientError(ErrorKind::NotConnected, why));
        return;
    }
    pending.lookup = lookupKindOf(arguments);
    pending.argumentCount = int(arguments.size());
    if (m_state == State::Ready && m_socket) {
        // The hot path: encoded straight into the outgoing buffer, no QByteArray of its own.
        if (m_inFlight.empty())
            m_lastProgress = Clock::now();
        m_inFlight.push_back(std::move(pending));
        appendCommand(m_outgoing, arguments);
        ++m_outgoingCommands;
        scheduleFlush();
    } else {
        pending.since = Clock::now();
        m_waiting.push_back({encodeCommand(arguments), std::move(pending)});
    }
    if (!m_commandTimer.isActive())
        rearmCommandTimer();
}

void Connection::writeCommand(const QByteArray& encoded, Pending pending)
{
    if (!m_socket || m_state == State::Disconnected || m_state == State::Connecting
        || m_state == State::WaitingToReconnect) {
        // Never reached while the state is kept first (see transportFailed); if it were, the command waits.
        if (pending.since == Clock::time_point())
            pending.since = Clock::now();
        m_waiting.push_back({encoded, std::move(pending)});
        return;
    }
    if (m_inFlight.empty())
        m_lastProgress = Clock::now();
    m_inFlight.push_back(std::move(pending));
    m_outgoing.append(encoded);
    ++m_outgoingCommands;
    scheduleFlush();
}

void Connection::scheduleFlush()
{
    // Commands issued in one pass of the event loop (typically from the callbacks of one read) leave in one write:
    // one copy into the socket and one send instead of one per command. All writes go through m_outgoing, so the
    // bytes leave in the order of m_inFlight.
    if (m_flushQueued)
        return;
    m_flushQueued = true;
    QMetaObject::invokeMethod(this, &Connection::flushOutgoing, Qt::QueuedConnection);
}

void Connection::flushOutgoing()
{
    m_flushQueued = false;
    writeOutgoing();
}

void Connection::writeOutgoing()
{
    if (!m_socket || m_outgoing.isEmpty())
        return;
    // The oldest command waiting for a reply leaves only now (the loop was busy since it was issued): the server's
    // time to answer starts now.
    if (m_outgoingCommands >= qsizetype(m_inFlight.size()))
        m_lastProgress = Clock::now();
    m_outgoingCommands = 0;
    SignalDepthGuard guard(this, m_socketSignalDepth); // a failing write may signal an error synchronously
    m_socket->write(std::exchange(m_outgoing, QByteArray()));
    if (m_socket)
        m_socket->flush();
}

void Connection::onReadyRead()
{
    SignalDepthGuard guard(this, m_socketSignalDepth);
    const auto generation = m_generation;
    QPointer<Connection> self(this);

    m_reader->feed(m_socket->readAll());
    m_lastProgress = Clock::now(); // once per read: replies arrived
    for (;;) {
        Reply reply;
        const auto status = m_reader->next(&reply);
        if (status == ReplyReader::Status::NeedMoreData)
            break;
        if (status == ReplyReader::Status::Error) {
            transportFailed(ErrorKind::Protocol, u"invalid reply from server: "_s + m_reader->errorString(), true);
            return;
        }
        if (m_pushHandler && isPushMessage(reply)) {
            m_pushHandler(reply);
            if (!self || generation != m_generation)
                return;
            continue;
        }
        if (m_inFlight.empty()) {
            transportFailed(ErrorKind::Protocol, u"the server sent a reply nobody asked for"_s, true);
            return;
        }
        Pending pending = std::move(m_inFlight.front());
        m_inFlight.pop_front();
        if (pending.lookup != LookupKind::None)
            m_ownLookups->add(lookupsIn(pending.lookup, pending.argumentCount, reply));
        deliver(pending, reply);
        if (!self || generation != m_generation)
            return;
        if (m_outgoing.size() >= midReadFlushBytes) {
            // Callbacks that answer with new commands (a service under load) get them to the server while the
            // rest of this read is handled: the server works in parallel instead of waiting for the whole read.
            writeOutgoing();
            if (!self || generation != m_generation)
                return;
        }
    }
    m_lastProgress = Clock::now(); // handling the read may have taken a while: the timeout counts from now
    rearmCommandTimer();
}

void Connection::onSocketError()
{
    SignalDepthGuard guard(this, m_socketSignalDepth);
    if (!m_socket)
        return;
    const auto error = m_socket->error();
    if (error == QAbstractSocket::SslHandshakeFailedError || error == QAbstractSocket::SslInvalidUserDataError
        || error == QAbstractSocket::SslInternalError) {
        const QString detail = m_tlsErrors.isEmpty() ? m_socket->errorString() : m_tlsErrors;
        const QString message = u"TLS handshake with %1 failed: %2"_s.arg(m_options.displayName(), detail);
        failInFlight(ErrorKind::Tls, message);
        giveUp(ErrorKind::Tls, message);
        return;
    }
    QString message = m_socket->errorString();
    if (error == QAbstractSocket::RemoteHostClosedError || message.isEmpty())
        message = u"the server closed the connection"_s;
    transportFailed(
        m_state == State::Ready || m_state == State::Handshaking ? ErrorKind::ConnectionLost : ErrorKind::NotConnected,
        u"%1: %2"_s.arg(m_options.displayName(), message), true);
}

void Connection::transportFailed(ErrorKind kind, const QString& message, bool retryable)
{
    m_connectTimer.stop();
    dropSocket();
    setError(kind, message);
    const bool mayRetry = retryable && m_options.autoReconnect && (m_everReady || m_options.retryInitialConnect)
        && m_state != State::Disconnected;
    // State first, callbacks after: a failure callback that issues a command (an audit record, the next page)
    // must find a connection that is not Ready, so the command waits for the reconnect or fails with a typed
    // error instead of being written to a socket that is gone.
    QPointer<Connection> self(this);
    if (mayRetry) {
        scheduleReconnect();
    } else {
        m_reconnectTimer.stop();
        setState(State::Disconnected);
    }
    if (!self)
        return;
    failInFlight(kind == ErrorKind::NotConnected ? ErrorKind::ConnectionLost : kind,
        message + u" (a command that was sent may or may not have run)"_s);
    if (!self)
        return;
    if (mayRetry) {
        Q_EMIT errorOccurred(kind, message);
        return;
    }
    giveUp(kind == ErrorKind::ConnectionLost ? ErrorKind::NotConnected : kind, message);
}

void Connection::giveUp(ErrorKind kind, const QString& message)
{
    m_connectTimer.stop();
    m_reconnectTimer.stop();
    dropSocket();
    setError(kind, message);
    setState(State::Disconnected);
    QPointer<Connection> self(this);
    Q_EMIT errorOccurred(kind, message);
    if (!self)
        return;
    failInFlight(kind, message);
    failWaiting(kind, message);
}

void Connection::scheduleReconnect()
{
    // ±20% jitter so many clients of a restarted server do not reconnect in lockstep.
    const auto base = m_nextReconnectDelay.count();
    const auto jitter = qint64(QRandomGenerator::global()->bounded(double(base) * 0.4) - double(base) * 0.2);
    const milliseconds delay(std::max<qint64>(1, base + jitter));
    m_nextReconnectDelay = std::min(m_nextReconnectDelay * 2, m_options.reconnectMaxDelay);
    setState(State::WaitingToReconnect);
    m_reconnectTimer.start(delay);
    rearmCommandTimer();
}

void Connection::dropSocket()
{
    ++m_generation;
    m_outgoing.clear(); // commands for the socket that is gone; their callbacks are failed by the caller
    m_outgoingCommands = 0;
    if (!m_socket)
        return;
    m_socket->disconnect(this);
    m_socket->abort();
    QTcpSocket* socket = m_socket.release();
    if (m_socketSignalDepth > 0)
        socket->deleteLater();
    else
        delete socket;
}

bool Connection::readWhatTheSocketHolds()
{
    // The timer fires on the event loop that also reads the socket: after a long stretch of other work (a busy GUI
    // thread) it can come before the socket's own notification, with the replies already in the kernel's buffer.
    // Those bytes are the server's answer: it is not silent. (Qt's waitFor…(0) would report its own zero wait as a
    // socket error, so the kernel is asked directly.)
    if (!m_socket || m_socketSignalDepth > 0)
        return false;
    const auto generation = m_generation;
    const auto before = m_lastProgress;
    QPointer<Connection> self(this);
    // Commands the starved loop never got to send have not been waited for yet (writeOutgoing() restarts the wait
    // when the oldest one leaves). Bytes merely handed to the kernel are no answer: a frozen server takes them too.
    if (!m_outgoing.isEmpty())
        writeOutgoing();
    if (!self || generation != m_generation || !m_socket)
        return false;
    if (m_socket->bytesAvailable() > 0) {
        onReadyRead();
        return self && generation == m_generation && m_lastProgress != before;
    }
    if (socketHasUnreadBytes(m_socket->socketDescriptor())) {
        m_lastProgress = Clock::now(); // read when the loop gets to the socket's notification
        return true;
    }
    return m_lastProgress != before;
}

void Connection::onCommandTimer()
{
    auto now = Clock::now();
    const auto timeout = m_options.commandTimeout;
    if (!m_inFlight.empty() && now - m_lastProgress >= timeout) {
        // Silent only once what the socket holds has been read: a busy event loop may be slow, never wrong.
        QPointer<Connection> self(this);
        const auto generation = m_generation;
        if (readWhatTheSocketHolds() || !self || generation != m_generation) {
            if (self && generation == m_generation)
                rearmCommandTimer();
            return;
        }
        now = Clock::now();
    }
    if (!m_inFlight.empty() && now - m_lastProgress >= timeout) {
        // A reply that comes late would be matched to the wrong command, so the connection is given up.
        transportFailed(
            ErrorKind::Timeout, u"no reply from %1 for %2"_s.arg(m_options.displayName(), millis(timeout)), true);
        return;
    }
    QPointer<Connection> self(this);
    while (!m_waiting.empty() && now - m_waiting.front().pending.since >= timeout) {
        Waiting expired = std::move(m_waiting.front());
        m_waiting.pop_front();
        const QString why = m_lastError.isEmpty()
            ? u"not connected to %1 within %2"_s.arg(m_options.displayName(), millis(timeout))
            : u"not connected within %1: %2"_s.arg(millis(timeout), m_lastError);
        deliver(expired.pending, Reply::clientError(ErrorKind::Timeout, why));
        if (!self)
            return;
    }
    rearmCommandTimer();
}

void Connection::rearmCommandTimer()
{
    std::optional<Clock::time_point> due;
    if (!m_inFlight.empty())
        due = m_lastProgress + m_options.commandTimeout;
    if (!m_waiting.empty()) {
        const auto waitingDue = m_waiting.front().pending.since + m_options.commandTimeout;
        due = due ? std::min(*due, waitingDue) : waitingDue;
    }
    if (!due) {
        m_commandTimer.stop();
        return;
    }
    const auto remaining = std::chrono::duration_cast<milliseconds>(*due - Clock::now());
    m_commandTimer.start(std::max(milliseconds(0), remaining) + milliseconds(1));
}

void Connection::setState(State state)
{
    if (m_state == state)
        return;
    m_state = state;
    Q_EMIT stateChanged(state);
}

void Connection::setError(ErrorKind kind, const QString& message)
{
    m_lastErrorKind = kind;
    m_lastError = message;
}

template<typename Queue, typename PendingOf>
void Connection::failAll(Queue& queue, ErrorKind kind, const QString& message, PendingOf pendingOf)
{
    Queue failed;
    failed.swap(queue); // callbacks may issue new commands: they go to the emptied queue
    QPointer<Connection> self(this);
    const Reply error = Reply::clientError(kind, message);
    for (auto& entry : failed) {
        deliver(pendingOf(entry), error);
        if (!self)
            return;
    }
}

void Connection::failInFlight(ErrorKind kind, const QString& message)
{
    failAll(m_inFlight, kind, message, [](Pending& pending) -> Pending& { return pending; });
}

void Connection::failWaiting(ErrorKind kind, const QString& message)
{
    failAll(m_waiting, kind, message, [](Waiting& waiting) -> Pending& { return waiting.pending; });
}

void Connection::deliver(Pending& pending, const Reply& reply)
{
    if (pending.guarded && !pending.context)
        return;
    if (pending.callback)
        pending.callback(reply);
}

void Connection::deliverLater(Pending pending, Reply reply)
{
    QMetaObject::invokeMethod(
        this, [this, pending = std::move(pending), reply = std::move(reply)]() mutable { deliver(pending, reply); },
        Qt::QueuedConnection);
}

} // namespace cachescope::redis
