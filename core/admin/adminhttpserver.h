#pragma once

#include "admin/httprequestparser.h"

#include <QHostAddress>
#include <QObject>
#include <QTcpServer>

#include <chrono>
#include <functional>

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
// sizes bounded by HttpRequestParser before anything is buffered, a deadline for the whole request (a client
// that trickles bytes is cut off), and a cap on simultaneous connections. Handlers answer asynchronously.
class AdminHttpServer : public QObject
{
    Q_OBJECT
public:
    using Respond = std::function<void(const HttpResponse&)>;
    using Handler = std::function<void(const HttpRequest& request, const QHostAddress& peer, Respond respond)>;

    struct Options
    {
        HttpRequestParser::Limits limits;
        std::chrono::milliseconds requestDeadline {10000};
        int maxConnections = 32;
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

private:
    void onNewConnection();

    Handler m_handler;
    Options m_options;
    QTcpServer m_server;
    int m_open = 0;
};

} // namespace cachescope::admin
