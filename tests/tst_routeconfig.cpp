#include "model/routeconfig.h"
#include "model/routeconfigjson.h"

#include <QFile>
#include <QTest>

using namespace cachescope::model;
using namespace Qt::StringLiterals;

class TestRouteConfig : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void defaultsAreTheDesignTable()
    {
        const RouteConfig config = RouteConfig::defaults();
        QCOMPARE(config.match(u"/api/events")->ttlSeconds, 600);
        QCOMPARE(config.match(u"/api/venues/12")->ttlSeconds, 1800);
        QCOMPARE(config.match(u"/api/tickets/availability")->ttlSeconds, 30);
        const RouteRule* search = config.match(u"/api/search");
        QCOMPARE(search->ttlSeconds, 300);
        QCOMPARE(search->varyBy, QStringList({u"q"_s, u"category"_s}));
        QCOMPARE(config.namespaceTtl(u"session"), std::optional<int>(3600));
        QVERIFY(validateRouteConfig(config).isEmpty());
    }

    void longestSegmentPrefixWins_data()
    {
        QTest::addColumn<QString>("path");
        QTest::addColumn<QString>("rule"); // empty: no rule
        QTest::newRow("exact") << u"/api/events"_s << u"/api/events"_s;
        QTest::newRow("below") << u"/api/events/42/seats"_s << u"/api/events"_s;
        QTest::newRow("trailing slash") << u"/api/events/"_s << u"/api/events"_s;
        QTest::newRow("not a segment prefix") << u"/api/eventsfoo"_s << QString();
        QTest::newRow("longer rule wins") << u"/api/tickets/availability/9"_s << u"/api/tickets/availability"_s;
        QTest::newRow("shorter rule") << u"/api/tickets/9"_s << u"/api/tickets"_s;
        QTest::newRow("sibling") << u"/api/ticketsx"_s << QString();
        QTest::newRow("root rule catches rest") << u"/other"_s << QString();
        QTest::newRow("case matters") << u"/API/events"_s << QString();
    }
    void longestSegmentPrefixWins()
    {
        QFETCH(QString, path);
        QFETCH(QString, rule);
        RouteConfig config = RouteConfig::defaults();
        config.routes.append({u"/api/tickets"_s, 60, {}, false, {}});
        const RouteRule* matched = config.match(path);
        QCOMPARE(matched ? matched->path : QString(), rule);
    }

    void rootRuleMatchesEverything()
    {
        RouteConfig config;
        config.routes = {{u"/"_s, 5, {}, false, {}}, {u"/api"_s, 10, {}, false, {}}};
        QCOMPARE(config.match(u"/x")->ttlSeconds, 5);
        QCOMPARE(config.match(u"/api/x")->ttlSeconds, 10);
    }

    void jsonRoundTrip()
    {
        RouteConfig config = RouteConfig::defaults();
        config.routes.append({u"/api/orders"_s, 120, {u"page"_s}, true, {{u"page"_s}, {u"nocache"_s}}});
        const QByteArray json = routeConfigToJson(config);
        const auto parsed = parseRouteConfigJson(json);
        QVERIFY2(parsed.errors.isEmpty(), qPrintable(parsed.errors.value(0).toString()));
        QCOMPARE(*parsed.config, config);
        QCOMPARE(routeConfigToJson(*parsed.config), json);
    }

    void shippedDefaultsFileMatchesCode()
    {
        QFile file(qEnvironmentVariable("CACHESCOPE_SOURCE_DIR") + u"/resources/routes.default.json"_s);
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(file.fileName()));
        const auto parsed = parseRouteConfigJson(file.readAll());
        QVERIFY2(parsed.errors.isEmpty(), qPrintable(parsed.errors.value(0).toString()));
        QCOMPARE(*parsed.config, RouteConfig::defaults());
    }

    void invalidConfigsNameTheField_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("messagePart");
        QTest::newRow("not json") << QByteArray("{") << u"(document)"_s << u"not valid JSON"_s;
        QTest::newRow("array root") << QByteArray("[]") << u"(document)"_s << u"JSON object"_s;
        QTest::newRow("no routes") << QByteArray("{}") << u"routes"_s << u"required"_s;
        QTest::newRow("ttl zero") << QByteArray(R"({"routes":[{"path":"/a","ttl":0}]})") << u"routes[0].ttl"_s
                                  << u"between 1 and 2592000"_s;
        QTest::newRow("ttl too long") << QByteArray(R"({"routes":[{"path":"/a","ttl":2592001}]})") << u"routes[0].ttl"_s
                                      << u"30 days"_s;
        QTest::newRow("ttl fraction") << QByteArray(R"({"routes":[{"path":"/a","ttl":1.5}]})") << u"routes[0].ttl"_s
                                      << u"whole number"_s;
        QTest::newRow("ttl string") << QByteArray(R"({"routes":[{"path":"/a","ttl":"60"}]})") << u"routes[0].ttl"_s
                                    << u"whole number"_s;
        QTest::newRow("ttl huge") << QByteArray(R"({"routes":[{"path":"/a","ttl":1e12}]})") << u"routes[0].ttl"_s
                                  << u"between"_s;
        // Found by fuzzing: a double beyond 64 bits was converted before its range was checked (UB).
        QTest::newRow("ttl beyond 64 bits")
            << QByteArray(R"({"routes":[{"path":"/a","ttl":6e97}]})") << u"routes[0].ttl"_s << u"between"_s;
        QTest::newRow("ttl missing") << QByteArray(R"({"routes":[{"path":"/a"}]})") << u"routes[0].ttl"_s
                                     << u"required"_s;
        QTest::newRow("relative path") << QByteArray(R"({"routes":[{"path":"api/a","ttl":5}]})") << u"routes[0].path"_s
                                       << u"start with '/'"_s;
        QTest::newRow("trailing slash") << QByteArray(R"({"routes":[{"path":"/a/","ttl":5}]})") << u"routes[0].path"_s
                                        << u"end with '/'"_s;
        QTest::newRow("query in path") << QByteArray(R"({"routes":[{"path":"/a?x=1","ttl":5}]})") << u"routes[0].path"_s
                                       << u"'?'"_s;
        QTest::newRow("duplicate") << QByteArray(R"({"routes":[{"path":"/a","ttl":5},{"path":"/a","ttl":6}]})")
                                   << u"routes[1].path"_s << u"duplicate rule for '/a' (first in routes[0])"_s;
        QTest::newRow("unknown field") << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"tll":3}]})")
                                       << u"routes[0].tll"_s << u"unknown field"_s;
        QTest::newRow("vary not list") << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"varyBy":"q"}]})")
                                       << u"routes[0].varyBy"_s << u"array of strings"_s;
        QTest::newRow("vary duplicate") << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"varyBy":["q","q"]}]})")
                                        << u"routes[0].varyBy[1]"_s << u"duplicate"_s;
        QTest::newRow("private not bool") << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"private":"yes"}]})")
                                          << u"routes[0].private"_s << u"true or false"_s;
        QTest::newRow("condition unknown") << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"condition":{"when":1}}]})")
                                           << u"routes[0].condition.when"_s << u"unknown field"_s;
        QTest::newRow("namespace name") << QByteArray(R"({"routes":[],"namespaces":[{"name":"a b","ttl":5}]})")
                                        << u"namespaces[0].name"_s << u"letters"_s;
        QTest::newRow("namespace dup") << QByteArray(
            R"({"routes":[],"namespaces":[{"name":"s","ttl":5},{"name":"s","ttl":5}]})")
                                       << u"namespaces[1].name"_s << u"duplicate"_s;
        QTest::newRow("format version") << QByteArray(R"({"formatVersion":2,"routes":[]})") << u"formatVersion"_s
                                        << u"unsupported"_s;
    }
    void invalidConfigsNameTheField()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        QFETCH(QString, messagePart);
        const auto result = parseRouteConfigJson(json);
        QVERIFY(!result.config.has_value());
        const auto it = std::find_if(result.errors.cbegin(), result.errors.cend(),
            [&field](const ConfigError& error) { return error.field == field; });
        QVERIFY2(it != result.errors.cend(),
            qPrintable(u"no error for "_s + field + u", got: "_s
                + (result.errors.isEmpty() ? u"none"_s : result.errors.first().toString())));
        QVERIFY2(it->message.contains(messagePart), qPrintable(it->toString()));
    }

    void allErrorsAreReportedAtOnce()
    {
        const auto result = parseRouteConfigJson(R"({"routes":[{"path":"a","ttl":0},{"path":"/b","ttl":-1}]})");
        QCOMPARE(result.errors.size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestRouteConfig)
#include "tst_routeconfig.moc"
