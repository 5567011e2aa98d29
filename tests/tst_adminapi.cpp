#include "admin/adminapi.h"
#include "admin/adminhttpserver.h"
#include "admin/httprequestparser.h"
#include "model/reservedkeys.h"
#include "ops/audit/audit.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRandomGenerator>
#include <QSet>
#include <QSignalSpy>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

using namespace cachescope;
using namespace Qt::StringLiterals;

// The admin HTTP API: its request parser on its own, then `cachectl serve` over real HTTP against a real
// redis-server with an ACL user — status codes, exact deletions, refusals, audit, and secrets kept out of
// everything the server writes.
class TestAdminApi : public QObject
{
    Q_OBJECT
private:
    static constexpr auto token = "admin-token-0123456789abcdef";
    static constexpr auto redisPassword = "redis-Pa55-never-printed";
    testing::RedisServer m_server {{false, false, {u"user ops on >redis-Pa55-never-printed ~* &* +@all"_s}}};
    QProcess m_serve;
    quint16 m_port = 0;
    QNetworkAccessManager m_http;
    QByteArray m_serveLog; // serve's standard error: one line per call

    struct Answer
    {
        int status = 0;
        QJsonObject json;
        QByteArray body;
    };

    QStringList redisArguments() const
    {
        return {u"-h"_s, m_server.host(), u"-p"_s, QString::number(m_server.port()), u"--user"_s, u"ops"_s};
    }

    QProcessEnvironment environment(const QByteArray& adminToken) const
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"REDIS_URL"_s);
        env.insert(u"REDISCLI_AUTH"_s, QString::fromLatin1(redisPassword));
        if (adminToken.isNull())
            env.remove(u"CACHESCOPE_ADMIN_TOKEN"_s);
        else
            env.insert(u"CACHESCOPE_ADMIN_TOKEN"_s, QString::fromLatin1(adminToken));
        return env;
    }

    QByteArray cli(const QStringList& arguments) const
    {
        return m_server.cli(
            QStringList {u"--user"_s, u"ops"_s, u"--pass"_s, QString::fromLatin1(redisPassword), u"--no-auth-warning"_s}
            + arguments);
    }

    QList<ops::AuditRecord> audit(int count = 1) const
    {
        redis::ConnectionOptions options = m_server.connectionOptions();
        options.username = u"ops"_s;
        options.password = QString::fromLatin1(redisPassword);
        return testing::auditRecords(options, count);
    }

    QSet<QByteArray> scan(const QString& pattern) const
    {
        QList<QByteArray> keys = cli({u"--scan"_s, u"--pattern"_s, pattern}).split('\n');
        keys.removeAll(QByteArray());
        return QSet<QByteArray>(keys.cbegin(), keys.cend());
    }

    void seed()
    {
        cli({u"FLUSHALL"_s});
        QByteArray commands;
        for (int i = 0; i < 300; ++i) {
            commands += "SET gateway:response:GET:/api/events/" + QByteArray::number(i) + ":venue:v"
                + QByteArray::number(i % 5) + " x\n";
            commands += "SET events:" + QByteArray::number(i) + " x\n";
        }
        commands += "SET cachescope:config:routes {}\nSET session:abc x\n";
        m_server.cli(QStringList {u"--user"_s, u"ops"_s, u"--pass"_s, QString::fromLatin1(redisPassword),
                         u"--no-auth-warning"_s},
            commands);
    }

    Answer request(const QByteArray& method, const QString& path, const QByteArray& body = {},
        const QList<std::pair<QByteArray, QByteArray>>& headers = {})
    {
        QNetworkRequest request(QUrl(u"http://127.0.0.1:%1%2"_s.arg(m_port).arg(path)));
        for (const auto& [name, value] : headers)
            request.setRawHeader(name, value);
        QNetworkReply* reply = m_http.sendCustomRequest(request, method, body);
        QSignalSpy done(reply, &QNetworkReply::finished);
        if (!reply->isFinished() && !done.wait(15000))
            return {};
        Answer answer;
        answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
        answer.body = reply->readAll();
        answer.json = QJsonDocument::fromJson(answer.body).object();
        reply->deleteLater();
        return answer;
    }

    static QList<std::pair<QByteArray, QByteArray>> authorized()
    {
        return {{"Authorization", QByteArray("Bearer ") + token}, {"Content-Type", "application/json"}};
    }

    // Sends raw bytes and returns what the server answered before it closed the connection.
    QByteArray raw(const QByteArray& bytes, int waitMs = 5000)
    {
        QTcpSocket socket;
        socket.connectToHost(QHostAddress::LocalHost, m_port);
        if (!socket.waitForConnected(5000))
            return {};
        socket.write(bytes);
        QByteArray answer;
        QElapsedTimer clock;
        clock.start();
        while (socket.state() == QAbstractSocket::ConnectedState && clock.elapsed() < waitMs) {
            socket.waitForReadyRead(100);
            answer += socket.readAll();
        }
        return answer + socket.readAll();
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        seed();
        m_serve.setProcessEnvironment(environment(token));
        connect(&m_serve, &QProcess::readyReadStandardError, this,
            [this] { m_serveLog += m_serve.readAllStandardError(); });
        m_serve.start(QStringLiteral(CACHECTL_PATH),
            redisArguments() + QStringList {u"serve"_s, u"--http-port"_s, u"0"_s, u"--protect"_s, u"session:*"_s});
        QVERIFY(m_serve.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(m_serve.canReadLine(), 10000);
        const QByteArray line = m_serve.readLine().trimmed();
        QVERIFY2(line.startsWith("listening on http://127.0.0.1:"), line.constData());
        m_port = quint16(line.sliced(line.lastIndexOf(':') + 1).toUInt());
        QVERIFY(m_port > 0);
        QTRY_COMPARE_WITH_TIMEOUT(request("GET", u"/healthz"_s).status, 200, 10000);
    }

    void cleanupTestCase()
    {
        m_serve.terminate();
        QVERIFY(m_serve.waitForFinished(10000));
        // Nothing the server wrote — its log, its answers' audit records — holds the token or Redis's password.
        const QByteArray written = m_serve.readAllStandardOutput() + m_serveLog + m_serve.readAllStandardError();
        QVERIFY2(!written.contains('\x1b') && !written.contains('\x07'), "a control byte reached the log");
        QVERIFY(written.contains("POST /admin/cache/invalidate from 127.0.0.1"));
        QVERIFY2(!written.contains(token) && !written.contains(redisPassword), written.constData());
        const QByteArray audit = cli({u"XRANGE"_s, u"cachescope:audit{cachescope}"_s, u"-"_s, u"+"_s});
        QVERIFY(audit.contains("admin-api@"));
        QVERIFY(!audit.contains(token) && !audit.contains(redisPassword));
    }

    void parser_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("state"); // HttpRequestParser::State
        QTest::addColumn<int>("status");
        const int more = int(admin::HttpRequestParser::State::NeedMore);
        const int done = int(admin::HttpRequestParser::State::Complete);
        const int failed = int(admin::HttpRequestParser::State::Failed);
        QTest::newRow("GET") << QByteArray("GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n") << done << 0;
        QTest::newRow("POST with body") << QByteArray("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
                                        << done << 0;
        QTest::newRow("body still coming")
            << QByteArray("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n{}") << more << 0;
        QTest::newRow("HTTP/1.1 without Host") << QByteArray("GET /a HTTP/1.1\r\nX-A: b\r\n\r\n") << failed << 400;
        QTest::newRow("HTTP/1.0 without Host") << QByteArray("GET /a HTTP/1.0\r\n\r\n") << done << 0;
        QTest::newRow("two Hosts") << QByteArray("GET /a HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n") << failed << 400;
        QTest::newRow("two Authorization headers")
            << QByteArray("GET /a HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n")
            << failed << 400;
        QTest::newRow("headers still coming") << QByteArray("GET /a HTTP/1.1\r\nHost:") << more << 0;
        QTest::newRow("huge Content-Length")
            << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n") << failed << 413;
        QTest::newRow("negative Content-Length")
            << QByteArray("POST /a HTTP/1.1\r\nContent-Length: -1\r\n\r\n") << failed << 400;
        QTest::newRow("two Content-Lengths")
            << QByteArray("POST /a HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n") << failed << 400;
        QTest::newRow("chunked") << QByteArray("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") << failed
                                 << 501;
        QTest::newRow("HTTP/2 preface") << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << failed << 400;
        QTest::newRow("HTTP/0.9 style") << QByteArray("GET /\r\n\r\n") << failed << 400;
        QTest::newRow("HTTP/3.0") << QByteArray("GET / HTTP/3.0\r\n\r\n") << failed << 505;
        QTest::newRow("header without colon") << QByteArray("GET / HTTP/1.1\r\nnonsense\r\n\r\n") << failed << 400;
        QTest::newRow("bare LF") << QByteArray("GET / HTTP/1.1\nHost: x\n\r\n\r\n") << failed << 400;
        QTest::newRow("endless headers") << QByteArray("GET / HTTP/1.1\r\n") + QByteArray("X-A: b\r\n").repeated(3000)
                                         << failed << 431;
        // A complete header block (terminator and all) at the limit and either side of it.
        const qsizetype limit = admin::HttpRequestParser::Limits().maxHeaderBytes;
        const auto headOf = [](qsizetype length) -> QByteArray {
            QByteArray head = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
            return head + QByteArray(length - head.size(), 'p') + "\r\n\r\n";
        };
        QTest::newRow("complete head, limit - 1") << headOf(limit - 1) << done << 0;
        QTest::newRow("complete head, at the limit") << headOf(limit) << done << 0;
        QTest::newRow("complete head, limit + 1") << headOf(limit + 1) << failed << 431;
        // A claimed body at the limit and either side of it: refused from the header, before any of it is read.
        const qsizetype bodyLimit = admin::HttpRequestParser::Limits().maxBodyBytes;
        const auto claiming = [](qsizetype length) -> QByteArray {
            return "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: " + QByteArray::number(length) + "\r\n\r\n";
        };
        QTest::newRow("body claimed, limit - 1") << claiming(bodyLimit - 1) << more << 0;
        QTest::newRow("body claimed, at the limit") << claiming(bodyLimit) << more << 0;
        QTest::newRow("body claimed, limit + 1") << claiming(bodyLimit + 1) << failed << 413;
        // Header names are RFC 9110 tokens: every punctuation a token may hold, and one it may not.
        QTest::newRow("every token character")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX-!#$%&'*+-.^_`|~09az: v\r\n\r\n") << done << 0;
        QTest::newRow("a separator in a name")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\r\nX(a): v\r\n\r\n") << failed << 400;
        QTest::newRow("a space before the colon") << QByteArray("GET / HTTP/1.1\r\nHost : x\r\n\r\n") << failed << 400;
        QTest::newRow("a target that is only a query")
            << QByteArray("GET ?a=1 HTTP/1.1\r\nHost: x\r\n\r\n") << failed << 400;
        QTest::newRow("bare LF inside the headers")
            << QByteArray("GET / HTTP/1.1\r\nHost: x\nX-A: b\r\n\r\n") << failed << 400;
    }
    void parser()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, state);
        QFETCH(int, status);
        // Byte by byte and all at once reach the same verdict.
        admin::HttpRequestParser whole;
        admin::HttpRequestParser trickled;
        whole.feed(bytes);
        for (char byte : bytes)
            trickled.feed(QByteArray(1, byte));
        for (const admin::HttpRequestParser* parser : {&whole, &trickled}) {
            QCOMPARE(int(parser->state()), state);
            QCOMPARE(parser->errorStatus(), status);
        }
        if (state == int(admin::HttpRequestParser::State::Complete) && bytes.startsWith("POST"))
            QCOMPARE(whole.request().body, QByteArray("{}"));
        if (QByteArray(QTest::currentDataTag()) == "bare LF inside the headers")
            QCOMPARE(whole.errorMessage(), u"lines must end with CRLF"_s);
        if (QByteArray(QTest::currentDataTag()) == "a separator in a name")
            QCOMPARE(whole.errorMessage(), u"malformed header line 2"_s);
        if (QByteArray(QTest::currentDataTag()) == "body claimed, limit + 1")
            QCOMPARE(whole.errorMessage(), u"the body exceeds 65536 bytes"_s);
        if (QByteArray(QTest::currentDataTag()) == "a target that is only a query")
            QCOMPARE(whole.errorMessage(), u"malformed request line"_s); // a path starts with '/'
        if (QByteArray(QTest::currentDataTag()) == "GET") {
            QCOMPARE(whole.request().path, QByteArray("/a"));
            QCOMPARE(whole.request().query, QByteArray("b=1"));
        }
        if (QByteArray(QTest::currentDataTag()) == "every token character")
            QCOMPARE(whole.request().header("x-!#$%&'*+-.^_`|~09az"), QByteArray("v"));
        if (bytes.startsWith("GET /a?b=1")) {
            QCOMPARE(whole.request().path, QByteArray("/a"));
            QCOMPARE(whole.request().query, QByteArray("b=1"));
            QCOMPARE(whole.request().header("host"), QByteArray("x"));
        }
    }

    // A status without a phrase of its own is named by its class, at the class's edges.
    void reasonPhrasesAtTheirEdges()
    {
        QCOMPARE(admin::AdminHttpServer::reasonPhrase(429), QByteArray("Too Many Requests"));
        QCOMPARE(admin::AdminHttpServer::reasonPhrase(418), QByteArray("Client Error"));
        QCOMPARE(admin::AdminHttpServer::reasonPhrase(499), QByteArray("Client Error"));
        QCOMPARE(admin::AdminHttpServer::reasonPhrase(500), QByteArray("Server Error"));
        QCOMPARE(admin::AdminHttpServer::reasonPhrase(599), QByteArray("Server Error"));
    }

    // GET /metrics exists only where metrics are served: without them, 404 (never a call into nothing); with them,
    // the rendered text, for the admin token.
    void metricsOffIsNotFound()
    {
        redis::ConnectionOptions options = m_server.connectionOptions();
        options.username = u"ops"_s;
        options.password = QString::fromUtf8(redisPassword);
        redis::Connection connection(options);
        QVERIFY(testing::openAndWait(connection));
        admin::AdminApi api(&connection, {token, {}, 100, 1024, false, u"test"_s, {}});
        admin::HttpRequest request;
        request.method = "GET";
        request.target = request.path = "/metrics";
        request.headers = {{"authorization", QByteArray("Bearer ") + token}};
        std::optional<admin::HttpResponse> answer;
        api.handle(request, QHostAddress::LocalHost, [&answer](const admin::HttpResponse& r) { answer = r; });
        QTRY_VERIFY(answer.has_value());
        QCOMPARE(answer->status, 404);
        api.setMetrics([] { return QByteArray("cachescope_up 1\n"); });
        answer.reset();
        api.handle(request, QHostAddress::LocalHost, [&answer](const admin::HttpResponse& r) { answer = r; });
        QTRY_VERIFY(answer.has_value());
        QCOMPARE(answer->status, 200);
        QCOMPARE(answer->body, QByteArray("cachescope_up 1\n"));
    }

    void badRequestsGetClearErrors_data()
    {
        QTest::addColumn<QByteArray>("method");
        QTest::addColumn<QString>("path");
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<bool>("withToken");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("message");
        const QByteArray ok = "{\"patterns\":[\"events:*\"]}";
        QTest::newRow("no token") << QByteArray("POST") << u"/admin/cache/invalidate"_s << ok << false << 401
                                  << u"Bearer"_s;
        QTest::newRow("stats without token")
            << QByteArray("GET") << u"/admin/cache/stats"_s << QByteArray() << false << 401 << u"Bearer"_s;
        QTest::newRow("unknown path") << QByteArray("GET") << u"/admin/flushall"_s << QByteArray() << true << 404
                                      << u"no such endpoint"_s;
        QTest::newRow("GET invalidate") << QByteArray("GET") << u"/admin/cache/invalidate"_s << QByteArray() << true
                                        << 405 << u"use POST"_s;
        QTest::newRow("not JSON") << QByteArray("POST") << u"/admin/cache/invalidate"_s << QByteArray("{patterns")
                                  << true << 400 << u"not valid JSON"_s;
        QTest::newRow("array body") << QByteArray("POST") << u"/admin/cache/invalidate"_s << QByteArray("[]") << true
                                    << 400 << u"JSON object"_s;
        QTest::newRow("unknown field") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                       << QByteArray("{\"patterns\":[\"a*\"],\"force\":true}") << true << 400
                                       << u"unknown field 'force'"_s;
        QTest::newRow("patterns not an array")
            << QByteArray("POST") << u"/admin/cache/invalidate"_s << QByteArray("{\"patterns\":\"events:*\"}") << true
            << 400 << u"must be an array"_s;
        QTest::newRow("empty patterns") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                        << QByteArray("{\"patterns\":[]}") << true << 400 << u"is empty"_s;
        QTest::newRow("number pattern") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                        << QByteArray("{\"patterns\":[\"a*\", 7]}") << true << 400
                                        << u"patterns[1] is not a string"_s;
        QTest::newRow("empty pattern") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                       << QByteArray("{\"patterns\":[\"\"]}") << true << 400 << u"empty pattern"_s;
        QTest::newRow("10k-character pattern")
            << QByteArray("POST") << u"/admin/cache/invalidate"_s
            << QByteArray("{\"patterns\":[\"") + QByteArray(10000, 'a') + QByteArray("\"]}") << true << 400
            << u"at most 1024"_s;
        QByteArray many = "{\"patterns\":[";
        for (int i = 0; i < 101; ++i)
            many += (i ? "," : "") + QByteArray("\"k") + QByteArray::number(i) + "\"";
        QTest::newRow("101 patterns") << QByteArray("POST") << u"/admin/cache/invalidate"_s << many + "]}" << true
                                      << 400 << u"at most 100"_s;
        QTest::newRow("protected config") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                          << QByteArray("{\"patterns\":[\"events:*\",\"cachescope:config:*\"]}") << true
                                          << 403 << u"patterns[1] refused"_s;
        QTest::newRow("lone surrogate") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                        << QByteArray(R"({"patterns":["\udc00*"]})") << true << 400
                                        << u"patterns[0] holds an unpaired UTF-16 surrogate"_s;
        QTest::newRow("lone high surrogate")
            << QByteArray("POST") << u"/admin/cache/invalidate"_s << QByteArray(R"({"patterns":["events:\ud800"]})")
            << true << 400 << u"patterns[0] holds an unpaired UTF-16 surrogate"_s;
        QTest::newRow("invalid UTF-8") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                       << QByteArray("{\"patterns\":[\"events:\xff*\"]}") << true << 400
                                       << u"the body is not valid JSON"_s;
        QTest::newRow("user protected") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                        << QByteArray("{\"patterns\":[\"session:*\"]}") << true << 403
                                        << u"protected namespace 'session:*'"_s;
        QTest::newRow("bad window") << QByteArray("GET") << u"/admin/cache/stats?window=0"_s << QByteArray() << true
                                    << 400 << u"window must be"_s;
        QTest::newRow("unknown parameter") << QByteArray("GET") << u"/admin/cache/stats?verbose=1"_s << QByteArray()
                                           << true << 400 << u"unknown parameter 'verbose'"_s;
        QTest::newRow("POST healthz") << QByteArray("POST") << u"/healthz"_s << QByteArray() << false << 405
                                      << u"use GET"_s;
        QTest::newRow("POST stats") << QByteArray("POST") << u"/admin/cache/stats"_s << QByteArray() << true << 405
                                    << u"use GET"_s;
        QTest::newRow("dryRun not a boolean") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                              << QByteArray(R"({"patterns":["events:*"],"dryRun":"false"})") << true
                                              << 400 << u"'dryRun' must be true or false"_s;
        QTest::newRow("allowNoMatch not a boolean") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                                    << QByteArray(R"({"patterns":["events:*"],"allowNoMatch":1})")
                                                    << true << 400 << u"'allowNoMatch' must be true or false"_s;
        QTest::newRow("patterns and tags") << QByteArray("POST") << u"/admin/cache/invalidate"_s
                                           << QByteArray(R"({"patterns":["events:*"],"tags":["venue:v1"]})") << true
                                           << 400 << u"give 'patterns' or 'tags', not both"_s;
        QTest::newRow("tags not an array")
            << QByteArray("POST") << u"/admin/cache/invalidate"_s << QByteArray(R"({"tags":"venue:v1"})") << true << 400
            << u"'tags' must be an array of tag strings like [\"venue:v7\"]"_s;
    }
    void badRequestsGetClearErrors()
    {
        QFETCH(QByteArray, method);
        QFETCH(QString, path);
        QFETCH(QByteArray, body);
        QFETCH(bool, withToken);
        QFETCH(int, status);
        QFETCH(QString, message);
        QSet<QByteArray> before = scan(u"*"_s);
        before.remove("cachescope:audit{cachescope}"); // rejected authenticated calls are audited
        QList<std::pair<QByteArray, QByteArray>> headers {{"Content-Type", "application/json"}};
        if (withToken)
            headers = authorized();
        const Answer answer = request(method, path, body, headers);
        QCOMPARE(answer.status, status);
        QCOMPARE(answer.json.value(u"success"_s).toBool(true), false);
        QVERIFY2(answer.json.value(u"error"_s).toString().contains(message), answer.body.constData());
        QSet<QByteArray> after = scan(u"*"_s);
        after.remove("cachescope:audit{cachescope}");
        QCOMPARE(after, before); // nothing deleted
    }

    void wrongTokenOfAnyLengthIsRefused_data()
    {
        QTest::addColumn<QByteArray>("given");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("prefix") << QByteArray(token).chopped(1);
        QTest::newRow("longer") << QByteArray(token) + "x";
    }
    void wrongTokenOfAnyLengthIsRefused()
    {
        QFETCH(QByteArray, given);
        const QByteArray header = given.startsWith("bearer ") ? given : "Bearer " + given;
        const Answer answer = request("GET", u"/admin/cache/stats"_s, {}, {{"Authorization", header}});
        QCOMPARE(answer.status, 401);
    }

    // The design's endpoint: a dry run counts what Redis's own SCAN MATCH selects; the real call deletes exactly
    // that, answers {"success": true, "invalidated": N} and leaves an audit record per pattern.
    void invalidateDeletesExactlyWhatRedisMatches()
    {
        seed();
        const QSet<QByteArray> everything = scan(u"*"_s);
        const QSet<QByteArray> matched = scan(u"gateway:response:GET:/api/events/*:venue:v3"_s);
        QCOMPARE(matched.size(), 60);
        const QByteArray body = "{\"patterns\":[\"gateway:response:GET:/api/events/*:venue:v3\"]}";
        Answer dry = request("POST", u"/admin/cache/invalidate"_s,
            "{\"patterns\":[\"gateway:response:GET:/api/events/*:venue:v3\"],\"dryRun\":true}", authorized());
        QCOMPARE(dry.status, 200);
        QCOMPARE(dry.json.value(u"matched"_s).toInt(), 60);
        QSet<QByteArray> afterDryRun = scan(u"*"_s);
        QVERIFY(afterDryRun.remove("cachescope:audit{cachescope}")); // the dry run is audited…
        QCOMPARE(afterDryRun, everything); // … and deletes nothing
        const ops::AuditRecord dryRecord = audit().value(0);
        QCOMPARE(dryRecord.action, u"invalidate"_s);
        QCOMPARE(dryRecord.dryRun, true);
        QCOMPARE(dryRecord.count, 60);
        const Answer done = request("POST", u"/admin/cache/invalidate"_s, body, authorized());
        QCOMPARE(done.status, 200);
        QCOMPARE(done.json.value(u"success"_s).toBool(), true);
        QCOMPARE(done.json.value(u"invalidated"_s).toInt(), 60);
        QSet<QByteArray> remaining = scan(u"*"_s);
        remaining.remove("cachescope:audit{cachescope}");
        QCOMPARE(remaining, everything - matched);
        const ops::AuditRecord record = audit().value(0);
        QCOMPARE(record.action, u"invalidate"_s);
        QCOMPARE(record.dryRun, false);
        QCOMPARE(record.outcome, u"completed"_s);
        QCOMPARE(record.target, u"gateway:response:GET:/api/events/*:venue:v3"_s);
        QCOMPARE(record.count, 60);
        QVERIFY2(record.actor.startsWith(u"admin-api@"_s) && record.actor.endsWith(u" (127.0.0.1)"_s),
            qPrintable(record.actor));
    }

    // {"tags": [...]}: by the cache manager's tag index, counted in a dry run, exactly its keys deleted.
    void invalidateByTagIndex()
    {
        seed();
        const QString index = QString::fromUtf8(model::tagKey("venue:v3"));
        const QString future = QString::number(QDateTime::currentMSecsSinceEpoch() + 3600000);
        for (int i : {3, 8, 13})
            cli({u"ZADD"_s, index, future, u"gateway:response:GET:/api/events/%1:venue:v3"_s.arg(i)});
        const QSet<QByteArray> before = scan(u"*"_s);
        Answer dry =
            request("POST", u"/admin/cache/invalidate"_s, "{\"tags\":[\"venue:v3\"],\"dryRun\":true}", authorized());
        QCOMPARE(dry.status, 200);
        QCOMPARE(dry.json.value(u"matched"_s).toInt(), 3);
        const Answer both = request(
            "POST", u"/admin/cache/invalidate"_s, "{\"tags\":[\"venue:v3\"],\"patterns\":[\"x*\"]}", authorized());
        QCOMPARE(both.status, 400);
        const Answer done = request("POST", u"/admin/cache/invalidate"_s, "{\"tags\":[\"venue:v3\"]}", authorized());
        QCOMPARE(done.status, 200);
        QCOMPARE(done.json.value(u"invalidated"_s).toInt(), 3);
        QSet<QByteArray> gone = before - scan(u"*"_s);
        QCOMPARE(gone.size(), 4); // the three keys and the index
        QVERIFY(gone.contains(index.toUtf8()));
    }

    // Reads stay out of the audit stream, so no number of them can push a write's record out of it (9,000 stats
    // calls once did): a route save, then 20,000 stats calls, and the save is still the newest record.
    void readsCannotPushWritesOutOfTheAuditTrail()
    {
        redis::ConnectionOptions options = m_server.connectionOptions();
        options.username = u"ops"_s;
        options.password = QString::fromLatin1(redisPassword);
        redis::Connection connection(options);
        QVERIFY(testing::openAndWait(connection));
        ops::RouteConfigStore store(&connection);
        std::optional<ops::RouteConfigSaveResult> saved;
        store.load(this, [&](std::optional<ops::RouteConfigSnapshot> snapshot, const QString&) {
            QVERIFY(snapshot);
            store.save(snapshot->config, snapshot->version, u"route-editor"_s, this,
                [&](const ops::RouteConfigSaveResult& result) { saved = result; });
        });
        QTRY_VERIFY(saved.has_value());
        QVERIFY2(saved->saved, qPrintable(saved->error));
        const qint64 length = testing::runCommand(connection, {"XLEN", ops::auditStreamKey}).integer();

        admin::AdminApi api(&connection, {token, {}, 100, 1024, false, u"admin-api"_s, {}});
        admin::HttpRequest stats;
        stats.method = "GET";
        stats.path = "/admin/cache/stats";
        stats.query = "window=1";
        stats.headers = {{"authorization", QByteArray("Bearer ") + token}};
        int answered = 0;
        int ok = 0;
        for (int batch = 0; batch < 40; ++batch) { // 500 at a time keeps the pipeline bounded
            for (int i = 0; i < 500; ++i) {
                api.handle(stats, QHostAddress::LocalHost, [&](const admin::HttpResponse& response) {
                    ++answered;
                    ok += response.status == 200;
                });
            }
            QTRY_COMPARE_WITH_TIMEOUT(answered, (batch + 1) * 500, 30000);
        }
        QCOMPARE(ok, 20000);
        QCOMPARE(testing::runCommand(connection, {"XLEN", ops::auditStreamKey}).integer(), length);
        const ops::AuditRecord newest = testing::auditRecords(options, 1).value(0);
        QCOMPARE(newest.action, u"routes.save"_s);
        QCOMPARE(newest.actor, u"route-editor"_s);
    }

    // The design's runbook example can never match (it skips the method): alone it answers 422 with the warning and
    // the pattern that would match, with its count, and deletes nothing; beside a fine pattern it runs with the
    // warning in its entry; "allowNoMatch" runs it anyway.
    void unmatchablePatternsAreNotASilentSuccess()
    {
        seed();
        const QByteArray wrong = R"({"patterns": ["gateway:response:/api/events*"]})";
        Answer answer = request("POST", u"/admin/cache/invalidate"_s, wrong, authorized());
        QCOMPARE(answer.status, 422);
        QCOMPARE(answer.json[u"success"_s].toBool(true), false);
        QCOMPARE(answer.json[u"dryRun"_s].toBool(), true);
        const QJsonObject warning = answer.json[u"patterns"_s][0][u"warnings"_s][0].toObject();
        QCOMPARE(warning[u"suggestion"_s].toString(), u"gateway:response:*:/api/events*"_s);
        QCOMPARE(warning[u"suggestionMatched"_s].toInt(), 300);
        QCOMPARE(warning[u"unmatchable"_s].toBool(), true);
        QCOMPARE(scan(u"gateway:response:*"_s).size(), 300); // nothing deleted

        answer = request("POST", u"/admin/cache/invalidate"_s,
            R"({"patterns": ["gateway:response:/api/events*", "events:1*"], "dryRun": true})", authorized());
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json[u"patterns"_s][0][u"warnings"_s].toArray().size(), 1);
        QCOMPARE(answer.json[u"patterns"_s][1][u"warnings"_s].toArray().size(), 0); // a fine pattern: no warning
        QCOMPARE(answer.json[u"matched"_s].toInt(), 111);

        answer = request("POST", u"/admin/cache/invalidate"_s,
            R"({"patterns": ["gateway:response:/api/events*"], "allowNoMatch": true})", authorized());
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json[u"invalidated"_s].toInt(-1), 0);
    }

    void statsReportServerTotals()
    {
        cli({u"GET"_s, u"events:1"_s});
        cli({u"GET"_s, u"nope"_s});
        const Answer answer = request("GET", u"/admin/cache/stats?window=120"_s, {}, authorized());
        QCOMPARE(answer.status, 200);
        const QJsonObject server = answer.json.value(u"server"_s).toObject();
        QVERIFY(server.value(u"keyspaceHits"_s).toInteger() >= 1);
        QVERIFY(server.value(u"keyspaceMisses"_s).toInteger() >= 1);
        QVERIFY(server.value(u"keys"_s).toInteger() > 500);
        QCOMPARE(answer.json.value(u"windowSeconds"_s).toInt(), 120);
        for (const char* dimension : {"routes", "tenants", "venues", "namespaces", "cache"})
            QVERIFY2(answer.json.contains(QLatin1StringView(dimension)), answer.body.constData());
    }

    // The per-call limits at their edges, each side: 100 patterns or tags and 1,024 bytes a pattern are taken (a
    // dry run here), one more is refused with what was counted. A pattern is measured in UTF-8 bytes, not characters.
    void patternLimitsAtTheirEdges_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("error");
        const auto list = [](const char* field, int count, const QByteArray& stem) -> QByteArray {
            QByteArray body = "{\"dryRun\":true,\"" + QByteArray(field) + "\":[";
            for (int i = 0; i < count; ++i)
                body += (i ? ",\"" : "\"") + stem + QByteArray::number(i) + "\"";
            return body + "]}";
        };
        const auto pattern = [](qsizetype bytes, const QByteArray& tail) -> QByteArray {
            const QByteArray head = "nothing-matches-this:";
            return "{\"dryRun\":true,\"patterns\":[\"" + head + QByteArray(bytes - head.size() - tail.size(), 'a')
                + tail + "\"]}";
        };
        QTest::newRow("99 patterns") << list("patterns", 99, "nothing-matches-this:") << 200 << QString();
        QTest::newRow("100 patterns") << list("patterns", 100, "nothing-matches-this:") << 200 << QString();
        QTest::newRow("101 patterns") << list("patterns", 101, "nothing-matches-this:") << 400
                                      << u"101 patterns; at most 100 per call"_s;
        QTest::newRow("100 tags") << list("tags", 100, "venue:none-") << 200 << QString();
        QTest::newRow("101 tags") << list("tags", 101, "venue:none-") << 400 << u"101 tags; at most 100 per call"_s;
        QTest::newRow("1023 bytes") << pattern(1023, "*") << 200 << QString();
        QTest::newRow("1024 bytes") << pattern(1024, "*") << 200 << QString();
        QTest::newRow("1025 bytes") << pattern(1025, "*") << 400 << u"patterns[0] is 1025 bytes long; at most 1024"_s;
        // 1,024 characters, 1,025 bytes: the last one takes two.
        QTest::newRow("1024 characters in 1025 bytes")
            << pattern(1025, "\xc3\xa9") << 400 << u"patterns[0] is 1025 bytes long; at most 1024"_s;
    }
    void patternLimitsAtTheirEdges()
    {
        QFETCH(QByteArray, body);
        QFETCH(int, status);
        QFETCH(QString, error);
        const Answer answer = request("POST", u"/admin/cache/invalidate"_s, body, authorized());
        QCOMPARE(answer.status, status);
        QCOMPARE(answer.json.value(u"success"_s).toBool(), status == 200);
        if (status == 200) {
            QCOMPARE(answer.json.value(u"dryRun"_s).toBool(), true);
            QCOMPARE(answer.json.value(u"matched"_s).toInt(-1), 0);
        } else {
            QCOMPARE(answer.json.value(u"error"_s).toString(), error);
        }
    }

    // The window's bounds, each side: 1 and 86,400 s are answered, 0 and 86,401 refused.
    void statsWindowBounds_data()
    {
        QTest::addColumn<QString>("window");
        QTest::addColumn<int>("status");
        QTest::newRow("0") << u"0"_s << 400;
        QTest::newRow("1") << u"1"_s << 200;
        QTest::newRow("86399") << u"86399"_s << 200;
        QTest::newRow("86400") << u"86400"_s << 200;
        QTest::newRow("86401") << u"86401"_s << 400;
        QTest::newRow("-1") << u"-1"_s << 400;
    }
    void statsWindowBounds()
    {
        QFETCH(QString, window);
        QFETCH(int, status);
        const Answer answer = request("GET", u"/admin/cache/stats?window="_s + window, {}, authorized());
        QCOMPARE(answer.status, status);
        if (status == 200) {
            QCOMPARE(answer.json.value(u"windowSeconds"_s).toInteger(), window.toLongLong());
        } else {
            QCOMPARE(answer.json.value(u"error"_s).toString(), u"window must be 1 to 86400 seconds"_s);
        }
    }

    void oversizedAndMalformedRequestsOverRawTcp_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QByteArray>("statusLine");
        QTest::newRow("body over 64 KiB announced")
            << QByteArray("POST /admin/cache/invalidate HTTP/1.1\r\nContent-Length: 10000000\r\n\r\n")
            << QByteArray("HTTP/1.1 413 ");
        QTest::newRow("chunked") << QByteArray(
            "POST /admin/cache/invalidate HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")
                                 << QByteArray("HTTP/1.1 501 ");
        QTest::newRow("garbage") << QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", 15)
                                 << QByteArray("HTTP/1.1 400 ");
    }
    void oversizedAndMalformedRequestsOverRawTcp()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QByteArray, statusLine);
        const QByteArray answer = raw(bytes);
        QVERIFY2(answer.startsWith(statusLine), answer.constData());
        QVERIFY(answer.contains("Connection: close"));
    }

    // A client that never finishes its request is cut off at the deadline (in-process, with a short one); what is
    // refused before reaching the handler is in the access log all the same, its bytes escaped.
    void slowClientsAreCutOff_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("status");
        QTest::addColumn<QString>("logged");
        QTest::newRow("head unfinished") << "GET /healthz HTTP/1.1\r\nHost:"_ba << 408
                                         << u"GET /healthz from 127.0.0.1 → 408"_s;
        QTest::newRow("nothing sent") << QByteArray() << 408 << u"(no request line) from 127.0.0.1 → 408"_s;
        QTest::newRow("escape bytes in the path")
            << "GET /\x1b[2J\x07 HTTP/1.1\r\n"_ba << 408 << u"GET /\\x1b[2J\\x07 from 127.0.0.1 → 408"_s;
        QTest::newRow("a header over the limit") << "GET /x HTTP/1.1\r\nX: "_ba + QByteArray(20000, 'a') + "\r\n\r\n"
                                                 << 431 << u"GET /x from 127.0.0.1 → 431"_s;
    }
    void slowClientsAreCutOff()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, status);
        QFETCH(QString, logged);
        admin::AdminHttpServer::Options options;
        options.headerDeadline = std::chrono::milliseconds(300);
        options.requestDeadline = std::chrono::milliseconds(300);
        int handled = 0;
        admin::AdminHttpServer server(
            [&handled](const admin::HttpRequest&, const QHostAddress&, admin::AdminHttpServer::Respond respond) {
                ++handled;
                respond(admin::HttpResponse::json(200, "{}"));
            },
            options);
        QSignalSpy refused(&server, &admin::AdminHttpServer::refused);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        QTcpSocket socket; // driven by this thread's event loop, which the server needs too
        QByteArray answer;
        connect(&socket, &QTcpSocket::readyRead, this, [&] { answer += socket.readAll(); });
        socket.connectToHost(QHostAddress::LocalHost, server.port());
        socket.write(bytes);
        QTRY_VERIFY_WITH_TIMEOUT(socket.state() == QAbstractSocket::UnconnectedState, 5000);
        QVERIFY2(answer.startsWith(QByteArray("HTTP/1.1 " + QByteArray::number(status) + ' ')), answer.constData());
        QCOMPARE(handled, 0);
        QCOMPARE(refused.size(), 1);
        QCOMPARE(refused.first().first().toString(), logged);
    }

    // The token check: a wrong token of the right length, a token differing in its first or last byte only, and
    // many random tokens are all refused (a comparison of the last byte alone, or of the length, once let one
    // guess in 256 through); the scheme and the media type are case-insensitive, the token is not.
    void tokenComparisonRefusesNearMisses_data()
    {
        QTest::addColumn<QByteArray>("authorization");
        QTest::addColumn<int>("status");
        QByteArray firstByte = token;
        firstByte[0] = char(firstByte[0] ^ 1);
        QByteArray lastByte = token;
        lastByte[lastByte.size() - 1] = char(lastByte[lastByte.size() - 1] ^ 1);
        QTest::newRow("right token") << QByteArray("Bearer ") + token << 200;
        QTest::newRow("scheme lower case") << QByteArray("bearer ") + token << 200;
        QTest::newRow("scheme upper case") << QByteArray("BEARER ") + token << 200;
        QTest::newRow("token upper case") << QByteArray("Bearer ") + QByteArray(token).toUpper() << 401;
        QTest::newRow("same length, other bytes") << QByteArray("Bearer ") + QByteArray(qstrlen(token), 'x') << 401;
        QTest::newRow("first byte differs") << QByteArray("Bearer ") + firstByte << 401;
        QTest::newRow("last byte differs") << QByteArray("Bearer ") + lastByte << 401;
        QTest::newRow("prefix") << QByteArray("Bearer ") + QByteArray(token).chopped(1) << 401;
        QTest::newRow("longer") << QByteArray("Bearer ") + token + "x" << 401;
        QTest::newRow("empty") << QByteArray("Bearer ") << 401;
        QTest::newRow("basic scheme") << QByteArray("Basic ") + token << 401;
    }
    void tokenComparisonRefusesNearMisses()
    {
        QFETCH(QByteArray, authorization);
        QFETCH(int, status);
        QCOMPARE(
            request("GET", u"/admin/cache/stats?window=1"_s, {}, {{"Authorization", authorization}}).status, status);
    }

    void randomTokensAreRefused()
    {
        // In-process, so thousands of guesses take milliseconds: a check of one byte would let ~8 of 2,000 through.
        for (int i = 0; i < 2000; ++i) {
            QByteArray guess(qstrlen(token), Qt::Uninitialized);
            for (char& c : guess)
                c = char(QRandomGenerator::global()->bounded(256));
            QVERIFY2(!admin::AdminApi::constantTimeEquals(guess, token), guess.toHex().constData());
        }
        QVERIFY(admin::AdminApi::constantTimeEquals(token, token));
        QVERIFY(!admin::AdminApi::constantTimeEquals({}, {}));
    }

    void mediaTypeIsCaseInsensitive()
    {
        const Answer answer = request("POST", u"/admin/cache/invalidate"_s,
            R"({"patterns": ["nothing-matches-this:*"], "dryRun": true})",
            {{"Authorization", QByteArray("Bearer ") + token}, {"Content-Type", "Application/JSON; charset=UTF-8"}});
        QCOMPARE(answer.status, 200);
        QCOMPARE(answer.json.value(u"matched"_s).toInt(-1), 0);
        // Another media type is refused whole, whatever the body holds; the method comes first.
        const Answer text = request("POST", u"/admin/cache/invalidate"_s, R"({"patterns": ["events:*"]})",
            {{"Authorization", QByteArray("Bearer ") + token}, {"Content-Type", "text/plain"}});
        QCOMPARE(text.status, 415);
        QCOMPARE(text.json.value(u"error"_s).toString(), u"the body must be JSON (Content-Type: application/json)"_s);
        const Answer none = request("POST", u"/admin/cache/invalidate"_s, R"({"patterns": ["events:*"]})",
            {{"Authorization", QByteArray("Bearer ") + token}});
        QCOMPARE(none.status, 415);
    }

    // Control bytes in a request path are escaped in serve's log: no forged lines, no terminal escapes.
    void controlBytesInPathsAreEscapedInTheLog()
    {
        const QByteArray answer = raw("GET /admin/\x1b[2Jforged\x07\x7f HTTP/1.1\r\nHost: x\r\n\r\n");
        QVERIFY2(answer.startsWith("HTTP/1.1 404 "), answer.constData());
        QTRY_VERIFY_WITH_TIMEOUT(m_serveLog.contains("GET /admin/\\x1b[2Jforged\\x07\\x7f from 127.0.0.1"), 5000);
    }

    // Nobody without the token can lock out those with it (once 32 idle sockets made serve answer 503 to everyone):
    // 256 idle sockets and 50 slowloris senders, reconnecting whenever serve drops them, while the token holder
    // asks every 100 ms for 4 s — each of its calls is answered, within 0.5 s (a full accept queue once cost 1 s).
    void idleAndSlowClientsCannotLockOutTheTokenHolder()
    {
        std::vector<std::unique_ptr<QTcpSocket>> attackers;
        const auto connectAttacker = [this](QTcpSocket* socket) {
            socket->abort();
            socket->connectToHost(QHostAddress::LocalHost, m_port);
        };
        for (int i = 0; i < 306; ++i) {
            attackers.push_back(std::make_unique<QTcpSocket>());
            QTcpSocket* socket = attackers.back().get();
            const bool slowloris = i >= 256;
            connect(socket, &QTcpSocket::disconnected, this,
                [socket, connectAttacker] { QTimer::singleShot(10, socket, [=] { connectAttacker(socket); }); });
            if (slowloris) {
                connect(socket, &QTcpSocket::connected, this,
                    [socket] { socket->write("GET /admin/cache/stats HTTP/1.1\r\nX-Slow: "); });
            }
            connectAttacker(socket);
        }
        QTimer trickle; // the slowloris senders' one byte at a time
        connect(&trickle, &QTimer::timeout, this, [&attackers] {
            for (std::size_t i = 256; i < attackers.size(); ++i) {
                if (attackers[i]->state() == QAbstractSocket::ConnectedState)
                    attackers[i]->write("a");
            }
        });
        trickle.start(200);
        QTest::qWait(500); // let them all connect

        int asked = 0;
        int served = 0;
        qint64 slowest = 0;
        QElapsedTimer run;
        run.start();
        while (run.elapsed() < 4000) {
            QElapsedTimer clock;
            clock.start();
            const Answer answer = request("GET", u"/admin/cache/stats?window=1"_s, {}, authorized());
            ++asked;
            served += answer.status == 200;
            slowest = std::max(slowest, clock.elapsed());
            QTest::qWait(100);
        }
        trickle.stop();
        for (auto& socket : attackers)
            socket->disconnect(this);
        QVERIFY(asked >= 10);
        QCOMPARE(served, asked);
        // Healthy: under 20 ms, under load too. A dropped SYN (a full accept queue) costs a 1 s retransmission.
        qInfo("slowest authenticated call: %lld ms of %d", slowest, asked);
        QVERIFY2(slowest < 500, qPrintable(u"slowest authenticated call: %1 ms"_s.arg(slowest)));
        const Answer health = request("GET", u"/healthz"_s);
        QCOMPARE(health.status, 200);
    }

    // A thousand authenticated requests at once are all answered (200, or 429 where a rule says so); none dropped.
    void aThousandConcurrentRequestsAreAllAnswered()
    {
        constexpr int clients = 1000;
        std::vector<std::unique_ptr<QTcpSocket>> sockets;
        std::vector<QByteArray> answers(clients);
        int closed = 0;
        const QByteArray requestBytes =
            QByteArray("GET /admin/cache/stats?window=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ") + token
            + "\r\n\r\n";
        for (int i = 0; i < clients; ++i) {
            sockets.push_back(std::make_unique<QTcpSocket>());
            QTcpSocket* socket = sockets.back().get();
            connect(socket, &QTcpSocket::connected, this, [socket, requestBytes] { socket->write(requestBytes); });
            connect(socket, &QTcpSocket::readyRead, this, [socket, &answers, i] { answers[i] += socket->readAll(); });
            connect(socket, &QTcpSocket::disconnected, this, [&closed] { ++closed; });
            connect(socket, &QTcpSocket::errorOccurred, this, [socket, &closed](QAbstractSocket::SocketError error) {
                if (error != QAbstractSocket::RemoteHostClosedError
                    && socket->state() == QAbstractSocket::UnconnectedState)
                    ++closed; // refused or reset: counted, and caught below as an empty answer
            });
            socket->connectToHost(QHostAddress::LocalHost, m_port);
        }
        QTRY_COMPARE_WITH_TIMEOUT(closed, clients, 60000);
        int ok = 0;
        int tooMany = 0;
        for (int i = 0; i < clients; ++i) {
            ok += answers[i].startsWith("HTTP/1.1 200 ");
            tooMany += answers[i].startsWith("HTTP/1.1 429 ");
        }
        QCOMPARE(ok + tooMany, clients);
    }

    // Making room: past the per-address cap, and past the global cap, the oldest unfinished connection is dropped
    // and the newcomer is served (in-process, with small caps).
    void oldestUnfinishedConnectionsAreDroppedFirst_data()
    {
        QTest::addColumn<int>("maxConnections");
        QTest::addColumn<int>("perAddress");
        QTest::newRow("per-address cap") << 1000 << 8;
        QTest::newRow("global cap") << 8 << 1000;
    }
    void oldestUnfinishedConnectionsAreDroppedFirst()
    {
        QFETCH(int, maxConnections);
        QFETCH(int, perAddress);
        admin::AdminHttpServer::Options options;
        options.maxConnections = maxConnections;
        options.maxPendingPerAddress = perAddress;
        options.evictableAfter = std::chrono::milliseconds(100);
        admin::AdminHttpServer server(
            [](const admin::HttpRequest&, const QHostAddress&, admin::AdminHttpServer::Respond respond) {
                respond(admin::HttpResponse::json(200, "{}"));
            },
            options);
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        std::vector<std::unique_ptr<QTcpSocket>> idle;
        for (int i = 0; i < 8; ++i) {
            idle.push_back(std::make_unique<QTcpSocket>());
            idle.back()->connectToHost(QHostAddress::LocalHost, server.port());
        }
        QTRY_COMPARE(server.openConnections(), 8);
        QTest::qWait(200); // old enough to be dropped
        QTcpSocket client;
        QByteArray answer;
        connect(&client, &QTcpSocket::readyRead, this, [&] { answer += client.readAll(); });
        connect(
            &client, &QTcpSocket::connected, this, [&] { client.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); });
        client.connectToHost(QHostAddress::LocalHost, server.port());
        QTRY_VERIFY_WITH_TIMEOUT(answer.startsWith("HTTP/1.1 200 "), 5000);
        QTRY_COMPARE(idle.front()->state(), QAbstractSocket::UnconnectedState); // the oldest went
        QCOMPARE(idle.back()->state(), QAbstractSocket::ConnectedState); // the others stay
    }

    // Started --read-only, the API still previews, and refuses to delete.
    void readOnlyServerOnlyPreviews()
    {
        QProcess readOnly;
        readOnly.setProcessEnvironment(environment(token));
        readOnly.start(QStringLiteral(CACHECTL_PATH),
            redisArguments() + QStringList {u"--read-only"_s, u"serve"_s, u"--http-port"_s, u"0"_s});
        QTRY_VERIFY_WITH_TIMEOUT(readOnly.canReadLine(), 10000);
        const QByteArray line = readOnly.readLine().trimmed();
        const quint16 servePort = m_port;
        m_port = quint16(line.sliced(line.lastIndexOf(':') + 1).toUInt());
        QTRY_COMPARE_WITH_TIMEOUT(request("GET", u"/healthz"_s).status, 200, 10000);
        const QByteArray before = cli({u"DBSIZE"_s});
        const Answer refused =
            request("POST", u"/admin/cache/invalidate"_s, "{\"patterns\":[\"events:*\"]}", authorized());
        const Answer preview = request(
            "POST", u"/admin/cache/invalidate"_s, "{\"patterns\":[\"events:*\"],\"dryRun\":true}", authorized());
        m_port = servePort;
        readOnly.terminate();
        readOnly.waitForFinished(5000);
        QCOMPARE(refused.status, 403);
        QVERIFY2(refused.json.value(u"error"_s).toString().contains(u"read-only"_s), refused.body.constData());
        QCOMPARE(preview.status, 200);
        QCOMPARE(preview.json.value(u"matched"_s).toInt(), 300);
        QCOMPARE(cli({u"DBSIZE"_s}), before);
    }

    void noTokenNoStart_data()
    {
        QTest::addColumn<QByteArray>("adminToken");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("none") << QByteArray() << QByteArray("no token, no start");
        QTest::newRow("too short") << QByteArray("short") << QByteArray("at least 16 characters");
        QTest::newRow("only spaces") << QByteArray(20, ' ') << QByteArray("no token, no start");
        QTest::newRow("space inside") << QByteArray("0123456789 abcdefghij") << QByteArray("spaces or control");
        QTest::newRow("control byte") << QByteArray("0123456789\x01"
                                                    "ghijklmnopq")
                                      << QByteArray("spaces or control");
    }
    void noTokenNoStart()
    {
        QFETCH(QByteArray, adminToken);
        QFETCH(QByteArray, message);
        QProcess process;
        process.setProcessEnvironment(environment(adminToken));
        process.start(
            QStringLiteral(CACHECTL_PATH), redisArguments() + QStringList {u"serve"_s, u"--http-port"_s, u"0"_s});
        QVERIFY(process.waitForFinished(10000));
        QCOMPARE(process.exitCode(), 2);
        QVERIFY2(process.readAllStandardError().contains(message), message.constData());
    }

    // A token file others can read is no secret (refused, as ssh refuses such keys); one that is no regular file
    // (/dev/zero, a FIFO) would hold serve for good reading it: refused at once. The owner's own file starts.
    void tokenFilesMustBeTheOwnersAndRegular_data()
    {
        QTest::addColumn<QString>("path"); // empty: a file written here with `mode`
        QTest::addColumn<int>("mode");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("0644") << QString() << 0644 << 2 << QByteArray("can be read or written by others: chmod 600 it");
        QTest::newRow("0640") << QString() << 0640 << 2 << QByteArray("can be read or written by others: chmod 600 it");
        QTest::newRow("0600") << QString() << 0600 << 0 << QByteArray("listening on http://127.0.0.1:");
        QTest::newRow("/dev/zero") << u"/dev/zero"_s << 0 << 2 << QByteArray("is not a regular file");
    }
    void tokenFilesMustBeTheOwnersAndRegular()
    {
        QFETCH(QString, path);
        QFETCH(int, mode);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, message);
        QTemporaryDir dir;
        if (path.isEmpty()) {
            path = dir.filePath(u"admin.token"_s);
            QFile file(path);
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(QByteArray(token) + '\n');
            file.close();
            QFile::Permissions permissions = QFile::ReadOwner | QFile::WriteOwner;
            if (mode & 0040)
                permissions |= QFile::ReadGroup;
            if (mode & 0004)
                permissions |= QFile::ReadOther;
            QVERIFY(QFile::setPermissions(path, permissions));
        }
        QProcess process;
        process.setProcessEnvironment(environment({}));
        QElapsedTimer clock;
        clock.start();
        process.start(QStringLiteral(CACHECTL_PATH),
            redisArguments() + QStringList {u"serve"_s, u"--http-port"_s, u"0"_s, u"--token-file"_s, path});
        if (exitCode != 0) {
            QVERIFY(process.waitForFinished(10000));
            QVERIFY2(clock.elapsed() < 5000, "refused only after a long read");
            QCOMPARE(process.exitCode(), exitCode);
            QVERIFY2(process.readAllStandardError().contains(message), message.constData());
            return;
        }
        QTRY_VERIFY_WITH_TIMEOUT(process.canReadLine(), 10000);
        QVERIFY(process.readLine().startsWith(message));
        process.terminate();
        QVERIFY(process.waitForFinished(10000));
    }
};

QTEST_GUILESS_MAIN(TestAdminApi)
#include "tst_adminapi.moc"
