#include "model/displaybytes.h"
#include "model/gatewaykey.h"
#include "model/redisglob.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

using namespace cachescope;
using namespace cachescope::model;

class TestRedisGlob : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void matches_data()
    {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<bool>("expected");
        auto row = [](const char* name, QByteArray p, QByteArray k, bool e) { QTest::newRow(name) << p << k << e; };
        row("literal", "events:1", "events:1", true);
        row("literal differs", "events:1", "events:2", false);
        row("star suffix", "events:*", "events:123", true);
        row("star matches empty", "events:*", "events:", true);
        row("star middle", "gateway:*:venue:v1", "gateway:response:GET:/api:venue:v1", true);
        row("double star", "a**b", "axxb", true);
        row("question", "a?c", "abc", true);
        row("question needs one", "a?c", "ac", false);
        row("set", "[abc]x", "bx", true);
        row("set miss", "[abc]x", "dx", false);
        row("range", "v[0-9]", "v7", true);
        row("reversed range", "v[9-0]", "v7", true);
        row("negated set", "v[^0-9]", "va", true);
        row("negated set miss", "v[^0-9]", "v5", false);
        row("escaped star", "a\\*b", "a*b", true);
        row("escaped star literal only", "a\\*b", "axb", false);
        row("escape in set", "[\\]]", "]", true);
        row("unterminated set", "[abc", "a", true);
        row("lone bracket", "[", "[", false);
        row("trailing backslash", "a\\", "a\\", true);
        row("star alone matches empty key", "*", "", true);
        row("double star empty key", "**", "", false);
        row("binary", QByteArray("k\x00*", 3), QByteArray("k\x00zz", 4), true);
        row("high bytes signed range", "[\x01-\xff]", "\x80", false); // signed: 1 > -1, swapped to [-1,1]
        row("empty pattern empty key", "", "", true);
        row("empty pattern", "", "a", false);
        // The shapes RedisGlob compares as plain bytes, and their edges.
        row("suffix", "*:venue:v12", "gateway:response:GET:/a:venue:v12", true);
        row("suffix is not infix", "*:venue:v12", "gateway:response:GET:/a:venue:v123", false);
        row("suffix longer than key", "*abc", "bc", false);
        row("suffix repeated star", "**bc", "abc", true);
        row("prefix", "gateway:*", "gateway:", true);
        row("prefix miss", "gateway:*", "gatewa", false);
        row("infix", "*venue*", "a:venue:b", true);
        row("infix at the start", "*venue*", "venue", true);
        row("infix miss", "*venue*", "venu", false);
        row("exact with a bracket", "a]b", "a]b", true);
    }
    void matches()
    {
        QFETCH(QByteArray, pattern);
        QFETCH(QByteArray, key);
        QFETCH(bool, expected);
        QCOMPARE(redisGlobMatches(pattern, key), expected);
        QCOMPARE(RedisGlob(pattern).matches(key), expected);
    }

    void abusivePatternsFinish()
    {
        const QByteArray key(20000, 'a');
        const QByteArray stars = QByteArray("a*").repeated(5000) + "b";
        QVERIFY(!redisGlobMatches(stars, key)); // linear thanks to the server's skip rule, not exponential
        QVERIFY(!redisGlobMatches(QByteArray(10000, '['), key));
        QVERIFY(redisGlobMatches(QByteArray(10000, '*'), key));
    }

    void literalPrefix_data()
    {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QByteArray>("prefix");
        QTest::addColumn<bool>("literal");
        QTest::newRow("star") << QByteArray("gateway:response:GET:/api/events*")
                              << QByteArray("gateway:response:GET:/api/events") << false;
        QTest::newRow("escaped") << QByteArray("a\\*b*") << QByteArray("a*b") << false;
        QTest::newRow("literal") << QByteArray("a\\*b") << QByteArray("a*b") << true;
        QTest::newRow("set first") << QByteArray("[ab]c") << QByteArray() << false;
    }
    void literalPrefix()
    {
        QFETCH(QByteArray, pattern);
        QFETCH(QByteArray, prefix);
        QFETCH(bool, literal);
        QCOMPARE(redisGlobLiteralPrefix(pattern), prefix);
        QCOMPARE(redisGlobIsLiteral(pattern), literal);
    }

    // The real server decides: for every pattern, our matcher must select exactly the keys SCAN MATCH does.
    void agreesWithRedisScanMatch()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));

        QList<QByteArray> keys {"", "a", "ab", "abc", "a*b", "a?b", "a[b", "a]b", "a\\b", "[", "]", "\\", "^", "-",
            "events:1", "events:12", "events:", "Events:1", "session:abc", QByteArray("k\x00z", 3), "\x80", "\xff",
            "\x7f", "caf\xc3\xa9", "a-b", "x^y"};
        keys.append(buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray("t1"), QByteArray("v1")}));
        keys.append(buildGatewayKey({"GET", "/api/search", {{"q", "rock:venue:v2"}}, {}, {}, {}}));
        keys.append(buildGatewayKey({"GET", "/api/search", {{"q", std::nullopt}}, QByteArray("u1"), {}, {}}));
        QRandomGenerator random(42);
        const QByteArray alphabet("ab*?[]\\^-:\x80\xff");
        for (int i = 0; i < 150; ++i) {
            QByteArray key;
            for (int j = random.bounded(6); j > 0; --j)
                key.append(alphabet.at(random.bounded(alphabet.size())));
            keys.append(key);
        }
        for (int length : {999, 1000, 1001}) // for the nested stars below
            keys.append(QByteArray(length, 'a'));
        for (const QByteArray& key : keys)
            QVERIFY(!testing::runCommand(connection, {"SET", key, "1"}).isError());

        QList<QByteArray> patterns {"*", "**", "a*", "*b", "a?b", "a\\*b", "a\\?b", "[ab]*", "[^a]*", "[a-b]", "[b-a]",
            "[", "[a", "a[", "\\", "\\\\", "[\\]]", "[]]", "[^]", "[^", "events:*", "events:?", "events:[0-9]*",
            "[\\-]", "[a-]", "[-a]", "*:*", "gateway:response:*:venue:v1", "*%3A*", "[\x01-\xff]", "[\x80-\xff]",
            "[\xff-\x80]", "\x80", "*\xff", "?", "??", "*?", "?*", "a*b*", "*a*b*", "[a-z]*", "[A-Z]*", "^*", "-*",
            QByteArray("k\x00*", 3), "caf*", "a[\\"};
        // The server gives up past 1,000 nested stars: at the guard and either side of it.
        for (int stars : {999, 1000, 1001})
            patterns.append(QByteArray("*a").repeated(stars));
        for (int i = 0; i < 400; ++i) {
            QByteArray pattern;
            for (int j = random.bounded(1, 7); j > 0; --j)
                pattern.append(alphabet.at(random.bounded(alphabet.size())));
            patterns.append(pattern);
        }

        for (const QByteArray& pattern : patterns) {
            redis::Reply error;
            const QSet<QByteArray> fromServer = testing::scanAll(connection, pattern, &error);
            QVERIFY2(!error.isError(), qPrintable(error.toDisplayString()));
            QSet<QByteArray> ours;
            const RedisGlob prepared(pattern);
            for (const QByteArray& key : keys) {
                const bool matches = redisGlobMatches(pattern, key);
                QCOMPARE(prepared.matches(key), matches);
                if (matches)
                    ours.insert(key);
            }
            if (ours != fromServer) {
                const QByteArray message = "pattern " + model::displayBytes(pattern).toUtf8() + ": server "
                    + QByteArray::number(fromServer.size()) + " keys, ours " + QByteArray::number(ours.size());
                QFAIL(message.constData());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestRedisGlob)
#include "tst_redisglob.moc"
