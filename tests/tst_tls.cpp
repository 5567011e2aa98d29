#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QTest>

using namespace cachescope;
using namespace cachescope::redis;
using namespace Qt::StringLiterals;

// Against a real TLS redis-server that requires client certificates, with a CA made by openssl.
class TestTls : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server {{true, true, {}}};

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
    }

    void verifiedConnectionCarriesData()
    {
        Connection connection(m_server.connectionOptions());
        QVERIFY2(testing::openAndWait(connection), qPrintable(connection.lastError()));
        const QByteArray value(1024 * 1024, '\xab');
        QVERIFY(testing::runCommand(connection, {"SET", "tls-key", value}).isStatus("OK"));
        QVERIFY(testing::runCommand(connection, {"GET", "tls-key"}).bytes() == value);
        QList<qint64> results;
        for (int i = 0; i < 2000; ++i)
            connection.command({"INCR", "n"}, this, [&results](const Reply& r) { results.append(r.integer()); });
        QTRY_COMPARE_WITH_TIMEOUT(results.size(), 2000, 10000);
        QCOMPARE(results.last(), 2000);
    }

    void serverNameIsVerified()
    {
        ConnectionOptions options = m_server.connectionOptions();
        options.tls.serverName = u"localhost"_s; // in the certificate as a DNS name
        Connection good(options);
        QVERIFY2(testing::openAndWait(good), qPrintable(good.lastError()));

        options.tls.serverName = u"cache.example.com"_s;
        Connection bad(options);
        QVERIFY(!testing::openAndWait(bad));
        QCOMPARE(bad.lastErrorKind(), ErrorKind::Tls);
    }

    void failures_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("wrong CA") << u"wrong-ca"_s << u"TLS handshake"_s;
        QTest::newRow("missing CA file") << u"missing-ca"_s << u"cannot read the CA certificate file"_s;
        QTest::newRow("CA file not PEM") << u"garbage-ca"_s << u"holds no PEM certificate"_s;
        QTest::newRow("certificate without key") << u"no-key"_s << u"needs both"_s;
        QTest::newRow("no client certificate") << u"no-client-cert"_s << QString();
    }
    void failures()
    {
        QFETCH(QString, what);
        QFETCH(QString, messagePart);
        ConnectionOptions options = m_server.connectionOptions();
        if (what == u"wrong-ca")
            options.tls.caFile = m_server.unrelatedCaFile();
        else if (what == u"missing-ca")
            options.tls.caFile = m_server.directory() + u"/does-not-exist.crt"_s;
        else if (what == u"garbage-ca")
            options.tls.caFile = m_server.directory() + u"/redis.conf"_s;
        else if (what == u"no-key")
            options.tls.keyFile.clear();
        else if (what == u"no-client-cert")
            options.tls.certFile.clear(), options.tls.keyFile.clear();

        Connection connection(options);
        std::optional<Reply> reply;
        connection.open();
        connection.command({"PING"}, this, [&reply](const Reply& r) { reply = r; });
        QTRY_VERIFY_WITH_TIMEOUT(reply.has_value(), 5000);
        QVERIFY(reply->isError());
        QCOMPARE(connection.state(), Connection::State::Disconnected);
        if (!messagePart.isEmpty()) {
            QCOMPARE(connection.lastErrorKind(), ErrorKind::Tls);
            QVERIFY2(connection.lastError().contains(messagePart), qPrintable(connection.lastError()));
        }
        QTest::qWait(200);
        QCOMPARE(connection.state(), Connection::State::Disconnected); // a TLS failure is not retried
    }

    // TLS turned on against a plain port: Redis takes the hello for an unfinished inline command and waits, so
    // only the connect timeout ends it; the message then says what it most likely means.
    void tlsAgainstAPlainPortSaysSo()
    {
        testing::RedisServer plain;
        QVERIFY2(plain.start(), qPrintable(plain.errorString()));
        ConnectionOptions options = m_server.connectionOptions();
        options.port = plain.connectionOptions().port;
        options.connectTimeout = std::chrono::milliseconds(800);
        Connection connection(options);
        QVERIFY(!testing::openAndWait(connection));
        QCOMPARE(connection.lastErrorKind(), ErrorKind::Timeout);
        QCOMPARE(connection.lastError(),
            u"could not connect to %1 within 800 ms: the TCP connection was made but the TLS handshake got no answer "
            "— this port does not seem to speak TLS (turn TLS off, or use the server's tls-port)"_s.arg(
                options.displayName()));
    }
};

QTEST_GUILESS_MAIN(TestTls)
#include "tst_tls.moc"
