#pragma once

#include "admin/httprequestparser.h"

#include <QElapsedTimer>
#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>

#include <chrono>
#include <functional>
#include <list>

namespace cachescope::admin {

struct HttpResponse
{
    int status = 200;
    QByteArray body;
    QByteArray contentType = "application/json";
    QList<std::pair<QByteArray, QByteArray>> headers; // extra headers, e.g. Allow, WWW-Authenticate

    static HttpResponse json(int status, const QByteArray& body);
    // {"success": false, "error": message}
    static HttpResponse error(int status, const QString& message);
};

// A small HTTP/1.1 server for the admin API: one request per connection (answered with Connection: close),
// sizes bounded by HttpRequestParser before anything is buffered, and handlers that answer asynchronously.
//
// Nobody without the token can lock out those with it: a connection must send its request line and headers
// within headerDeadline and its body within requestDeadline after that (idle and slowloris clients are cut off);
// the connection cap is high, and when it is reached — or one address holds more than maxPendingPerAddress
// connections still sending their request — the oldest such unfinished connection is dropped to make room
// (requests already being handled are never dropped). Only when every connection is a request in progress does
// a newcomer get 503.
class AdminHttpServer : public QObject
{
    Q_OBJECT
public:
    using Respond = std::function<void(const HttpResponse&)>;
    using Handler = std::function<void(const HttpRequest& request, const QHostAddress& peer, Respond respond)>;

    struct Options
    {
        HttpRequestParser::Limits limits;
        std::chrono::milliseconds headerDeadline {3000};
        std::chrono::milliseconds requestDeadline {10000};
        int maxConnections = 4096;
        int maxPendingPerAddress = 128;
        // An unfinished connection younger than this is not dropped for a newcomer: a burst of real clients
        // whose requests are already in the socket buffers must not evict each other before being read.
        std::chrono::milliseconds evictableAfter {500};
    };

    AdminHttpServer(Handler handler, Options options, QObject* parent = nullptr);

    bool listen(const QHostAddress& address, quint16 port);
    quint16 port() const
    {
        return m_server.serverPort();
    }
    QString errorString() const
    {
        return m_server.errorString();
    }

    static QByteArray reasonPhrase(int status);

    int openConnections() const
    {
        return m_open;
    }

Q_SIGNALS:
    // A request answered here, without reaching the handler (400, 408, 413, 431, 501, 503…): for the access log,
    // as "GET /path from 10.0.0.5 → 431" (what was read of the request line, escaped) or "(no request line) …".
    void refused(const QString& line);

private:
    struct Pending // a connection still sending its request
    {
        QPointer<QTcpSocket> socket;
        QHostAddress peer;
        QElapsedTimer since;
    };

    void onNewConnection();
    void accept(QTcpSocket* socket);
    // Drops the oldest unfinished connection (of `peer` only, when given) old enough to evict; false if none.
    bool evictOldestPending(const QHostAddress* peer);
    void forgetPending(QTcpSocket* socket);

    Handler m_handler;
    Options m_options;
    // Before m_server: its accepted sockets are its children, and their destruction updates these.
    int m_open = 0;
    std::list<Pending> m_pending; // oldest first
    QTcpServer m_server;
};

} // namespace cachescope::admin
