#include "admin/adminhttpserver.h"

#include "model/displaybytes.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>
#include <QTimer>

#include <memory>

namespace cachescope::admin {

using namespace Qt::StringLiterals;

HttpResponse HttpResponse::json(int status, const QByteArray& body)
{
    return {status, body, "application/json", {}};
}

HttpResponse HttpResponse::error(int status, const QString& message)
{
    return json(status,
        QJsonDocument(QJsonObject {{u"success"_s, false}, {u"error"_s, message}}).toJson(QJsonDocument::Compact));
}

QByteArray AdminHttpServer::reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return status < 500 ? "Client Error" : "Server Error";
    }
}

AdminHttpServer::AdminHttpServer(Handler handler, Options options, QObject* parent)
    : QObject(parent)
    , m_handler(std::move(handler))
    , m_options(options)
{
    connect(&m_server, &QTcpServer::newConnection, this, &AdminHttpServer::onNewConnection);
}

bool AdminHttpServer::listen(const QHostAddress& address, quint16 port)
{
    // Qt's default accept queue (50) overflows under a reconnect storm; the kernel then drops the SYN of whoever
    // comes next — the token holder too — and the client retries only after its 1 s retransmission timeout
    // (measured: 1,008 ms calls among 7 ms ones with 306 attackers reconnecting). The kernel caps it at somaxconn.
    m_server.setListenBacklogSize(4096);
    return m_server.listen(address, port);
}

void AdminHttpServer::onNewConnection()
{
    while (QTcpSocket* socket = m_server.nextPendingConnection())
        accept(socket);
}

bool AdminHttpServer::evictOldestPending(const QHostAddress* peer)
{
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
        if (peer && it->peer != *peer)
            continue;
        if (it->since.elapsed() < m_options.evictableAfter.count())
            return false; // the rest are younger still
        QPointer<QTcpSocket> socket = it->socket;
        m_pending.erase(it);
        if (socket) {
            socket->abort(); // no answer: it has not asked anything yet
            socket->deleteLater();
        }
        return true;
    }
    return false;
}

void AdminHttpServer::forgetPending(QTcpSocket* socket)
{
    m_pending.remove_if([socket](const Pending& pending) { return pending.socket == socket || !pending.socket; });
}

void AdminHttpServer::accept(QTcpSocket* socket)
{
    const QHostAddress peer = socket->peerAddress();
    ++m_open;
    connect(socket, &QObject::destroyed, this, [this, socket] {
        --m_open;
        forgetPending(socket);
    });
    connect(socket, &QTcpSocket::disconnected, socket, &QObject::deleteLater);
    auto answered = std::make_shared<bool>(false);
    QPointer<QTcpSocket> guard(socket);
    const Respond respond = [this, guard, answered](const HttpResponse& response) {
        if (!guard || *answered)
            return; // the client left, or was already answered (a deadline and a late handler)
        *answered = true;
        forgetPending(guard);
        QByteArray head = "HTTP/1.1 " + QByteArray::number(response.status) + ' ' + reasonPhrase(response.status)
            + "\r\nContent-Type: " + response.contentType + "\r\nContent-Length: "
            + QByteArray::number(response.body.size()) + "\r\nCache-Control: no-store\r\nConnection: close\r\n";
        for (const auto& [name, value] : response.headers)
            head += name + ": " + value + "\r\n";
        guard->write(head + "\r\n" + response.body);
        guard->disconnectFromHost(); // after the bytes are written
    };

    // Make room: first from this address's own unfinished connections, then from anyone's.
    const auto pendingOfPeer = std::count_if(
        m_pending.cbegin(), m_pending.cend(), [&peer](const Pending& pending) { return pending.peer == peer; });
    if (pendingOfPeer >= m_options.maxPendingPerAddress)
        evictOldestPending(&peer);
    auto parser = std::make_shared<HttpRequestParser>(m_options.limits);
    // Answered here, never reaching the handler: logged all the same (an access log without its 4xx hides probes).
    const Respond refuse = [this, respond, parser, peer](const HttpResponse& response) {
        const auto [method, path] = parser->methodAndPathSoFar();
        const QString what = method.isEmpty() ? u"(no request line)"_s
                                              : model::displayBytes(method, 20) + u' ' + model::displayBytes(path, 300);
        Q_EMIT refused(what + u" from "_s + peer.toString() + u" → "_s + QString::number(response.status));
        respond(response);
    };
    if (m_open > m_options.maxConnections && !evictOldestPending(nullptr)) {
        refuse(HttpResponse::error(503, u"too many requests in progress; try again shortly"_s));
        return;
    }
    m_pending.push_back({guard, peer, {}});
    m_pending.back().since.start();

    auto* deadline = new QTimer(socket);
    deadline->setSingleShot(true);
    connect(deadline, &QTimer::timeout, socket,
        [refuse] { refuse(HttpResponse::error(408, u"the request did not arrive in time"_s)); });
    deadline->start(m_options.headerDeadline);
    connect(socket, &QTcpSocket::readyRead, socket, [this, socket, parser, respond, refuse, deadline, peer] {
        if (parser->state() != HttpRequestParser::State::NeedMore) {
            socket->readAll(); // one request per connection: the rest is ignored
            return;
        }
        const bool hadHead = parser->headComplete();
        const HttpRequestParser::State state = parser->feed(socket->readAll());
        if (!hadHead && parser->headComplete())
            deadline->start(m_options.requestDeadline); // the body gets the rest of the request's time
        switch (state) {
        case HttpRequestParser::State::NeedMore:
            return;
        case HttpRequestParser::State::Failed:
            refuse(HttpResponse::error(parser->errorStatus(), parser->errorMessage()));
            return;
        case HttpRequestParser::State::Complete:
            deadline->stop();
            forgetPending(socket); // a request in progress is never evicted
            m_handler(parser->request(), peer, respond);
            return;
        }
    });
}

} // namespace cachescope::admin
