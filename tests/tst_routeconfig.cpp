#include "model/routeconfig.h"
#include "model/routeconfigdiff.h"
#include "model/routeconfigjson.h"
#include "model/routeconfigmerge.h"

#include <QFile>
#include <QList>
#include <QTest>

using namespace cachescope::model;

Q_DECLARE_METATYPE(std::function<void(RouteConfig&)>)
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
        // Each kind of value in each kind of place, with the message whole.
        QTest::newRow("path missing") << QByteArray(R"({"routes":[{"ttl":5}]})") << u"routes[0].path"_s
                                      << u"is required"_s;
        QTest::newRow("path a number") << QByteArray(R"({"routes":[{"path":7,"ttl":5}]})") << u"routes[0].path"_s
                                       << u"must be a string"_s;
        QTest::newRow("a number among vary-by names")
            << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"varyBy":["q",3]}]})") << u"routes[0].varyBy[1]"_s
            << u"must be a string"_s;
        QTest::newRow("condition a list") << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"condition":["q"]}]})")
                                          << u"routes[0].condition"_s << u"must be an object"_s;
        QTest::newRow("a rule that is a string")
            << QByteArray(R"({"routes":["/a"]})") << u"routes[0]"_s << u"must be an object"_s;
        QTest::newRow("routes an object")
            << QByteArray(R"({"routes":{"path":"/a"}})") << u"routes"_s << u"must be an array"_s;
        QTest::newRow("an empty parameter name")
            << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"varyBy":[""]}]})") << u"routes[0].varyBy[0]"_s
            << u"must be a non-empty query parameter name without spaces"_s;
        QTest::newRow("a parameter name with a space")
            << QByteArray(R"({"routes":[{"path":"/a","ttl":5,"condition":{"skipIfQuery":["a b"]}}]})")
            << u"routes[0].condition.skipIfQuery[0]"_s << u"must be a non-empty query parameter name without spaces"_s;
        QTest::newRow("namespace name missing")
            << QByteArray(R"({"routes":[],"namespaces":[{"ttl":5}]})") << u"namespaces[0].name"_s << u"is required"_s;
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

    // Every size limit at limit and limit + 1 (a configuration is parsed by every gateway on every change): at the
    // limit it is read, past it refused with the limit named.
    void sizeLimits_data()
    {
        QTest::addColumn<QByteArray>("json");
        QTest::addColumn<QString>("field"); // empty: valid
        QTest::addColumn<QString>("messagePart");
        const auto routes = [](qsizetype count, const QByteArray& extra = {}) -> QByteArray {
            QByteArray json = "{\"routes\":[";
            for (qsizetype i = 0; i < count; ++i)
                json +=
                    QByteArray(i ? "," : "") + "{\"path\":\"/r" + QByteArray::number(i) + "\",\"ttl\":5" + extra + '}';
            return json + "]}";
        };
        const auto varyBy = [&routes](qsizetype count, qsizetype nameLength) -> QByteArray {
            QByteArray list;
            for (qsizetype i = 0; i < count; ++i)
                list +=
                    QByteArray(i ? "," : "") + '"' + QByteArray(nameLength - 1, 'p') + QByteArray::number(i % 10) + '"';
            return routes(1, ",\"varyBy\":[" + list + ']');
        };
        const auto path = [](qsizetype length) -> QByteArray {
            return "{\"routes\":[{\"path\":\"/" + QByteArray(length - 1, 'a') + "\",\"ttl\":5}]}";
        };
        QTest::newRow("rules at the limit") << routes(maxRouteRules) << QString() << QString();
        QTest::newRow("one rule more") << routes(maxRouteRules + 1) << u"routes"_s
                                       << u"at most 1000 rules (got 1001)"_s;
        QTest::newRow("path at the limit") << path(maxRoutePathLength) << QString() << QString();
        QTest::newRow("path one longer") << path(maxRoutePathLength + 1) << u"routes[0].path"_s
                                         << u"at most 512 characters (got 513)"_s;
        QTest::newRow("parameters at the limit") << varyBy(10, 64) << QString() << QString();
        QTest::newRow("a name one longer") << varyBy(1, 65) << u"routes[0].varyBy[0]"_s << u"at most 64 characters"_s;
        QByteArray many;
        for (qsizetype i = 0; i < maxParametersPerList + 1; ++i)
            many += QByteArray(i ? "," : "") + "\"q" + QByteArray::number(i) + '"';
        QTest::newRow("parameters at the count limit")
            << routes(1, ",\"varyBy\":[" + many.first(many.lastIndexOf(',')) + ']') << QString() << QString();
        QTest::newRow("one parameter more")
            << routes(1, ",\"varyBy\":[" + many + ']') << u"routes[0].varyBy"_s << u"at most 32 parameters (got 33)"_s;
        const auto namespaces = [](qsizetype count) -> QByteArray {
            QByteArray json = "{\"routes\":[],\"namespaces\":[";
            for (qsizetype i = 0; i < count; ++i)
                json += QByteArray(i ? "," : "") + "{\"name\":\"n" + QByteArray::number(i) + "\",\"ttl\":5}";
            return json + "]}";
        };
        QTest::newRow("namespaces at the limit") << namespaces(maxServiceNamespaces) << QString() << QString();
        QTest::newRow("one namespace more")
            << namespaces(maxServiceNamespaces + 1) << u"namespaces"_s << u"at most 200 namespaces (got 201)"_s;
        QTest::newRow("ttl at the lower limit")
            << QByteArray(R"({"routes":[{"path":"/a","ttl":1}]})") << QString() << QString();
        QTest::newRow("ttl at the upper limit")
            << QByteArray(R"({"routes":[{"path":"/a","ttl":2592000}]})") << QString() << QString();
        QTest::newRow("namespace ttl one too long")
            << QByteArray(R"({"routes":[],"namespaces":[{"name":"s","ttl":2592001}]})") << u"namespaces[0].ttl"_s
            << u"30 days"_s;
        QTest::newRow("namespace ttl at the upper limit")
            << QByteArray(R"({"routes":[],"namespaces":[{"name":"s","ttl":2592000}]})") << QString() << QString();
        QByteArray padded = routes(1);
        padded.insert(1, QByteArray(maxRouteConfigBytes - padded.size(), ' '));
        QTest::newRow("document at the limit") << padded << QString() << QString();
        QTest::newRow("document one byte over")
            << padded + ' ' << u"(document)"_s << u"is 262145 bytes; a route configuration is at most 262144"_s;
    }
    void sizeLimits()
    {
        QFETCH(QByteArray, json);
        QFETCH(QString, field);
        QFETCH(QString, messagePart);
        const auto result = parseRouteConfigJson(json);
        if (field.isEmpty()) {
            QVERIFY2(result.config.has_value(), qPrintable(result.errors.value(0).toString()));
            return;
        }
        QVERIFY(!result.config.has_value());
        QCOMPARE(result.errors.size(), 1);
        QCOMPARE(result.errors.first().field, field);
        QVERIFY2(result.errors.first().message.contains(messagePart), qPrintable(result.errors.first().toString()));
    }

    // Someone saved while I was editing: every rule only one side touched takes that side; a rule both changed
    // differently keeps mine and is named.
    void mergeKeepsBothSidesChanges_data()
    {
        using Edit = std::function<void(RouteConfig&)>;
        QTest::addColumn<Edit>("editMine");
        QTest::addColumn<Edit>("editTheirs");
        QTest::addColumn<Edit>("expectEdits"); // applied to the defaults: the merged configuration
        QTest::addColumn<QStringList>("conflicts");
        const auto ttl = [](const QString& path, int seconds) {
            return [path, seconds](RouteConfig& config) {
                for (RouteRule& rule : config.routes) {
                    if (rule.path == path)
                        rule.ttlSeconds = seconds;
                }
            };
        };
        const auto both = [](Edit a, Edit b) {
            return [a, b](RouteConfig& config) {
                a(config);
                b(config);
            };
        };
        const auto remove = [](const QString& path) {
            return [path](RouteConfig& config) {
                config.routes.removeIf([&path](const RouteRule& rule) { return rule.path == path; });
            };
        };
        const auto add = [](const QString& path, int seconds) {
            return [path, seconds](RouteConfig& config) { config.routes.append({path, seconds, {}, false, {}}); };
        };
        const auto session = [](int seconds) {
            return [seconds](RouteConfig& config) { config.namespaces[0].ttlSeconds = seconds; };
        };
        QTest::newRow("different rules") << Edit(ttl(u"/api/search"_s, 120)) << Edit(ttl(u"/api/events"_s, 60))
                                         << Edit(both(ttl(u"/api/search"_s, 120), ttl(u"/api/events"_s, 60)))
                                         << QStringList();
        QTest::newRow("same rule, differently") << Edit(ttl(u"/api/events"_s, 300)) << Edit(ttl(u"/api/events"_s, 60))
                                                << Edit(ttl(u"/api/events"_s, 300)) << QStringList {u"/api/events"_s};
        QTest::newRow("same rule, the same way") << Edit(ttl(u"/api/events"_s, 60)) << Edit(ttl(u"/api/events"_s, 60))
                                                 << Edit(ttl(u"/api/events"_s, 60)) << QStringList();
        QTest::newRow("they removed a rule I left")
            << Edit(ttl(u"/api/search"_s, 120)) << Edit(remove(u"/api/venues"_s))
            << Edit(both(ttl(u"/api/search"_s, 120), remove(u"/api/venues"_s))) << QStringList();
        QTest::newRow("they removed a rule I edited")
            << Edit(ttl(u"/api/venues"_s, 5)) << Edit(remove(u"/api/venues"_s)) << Edit(ttl(u"/api/venues"_s, 5))
            << QStringList {u"/api/venues"_s};
        QTest::newRow("both added rules: mine first")
            << Edit(add(u"/api/mine"_s, 10)) << Edit(add(u"/api/theirs"_s, 20))
            << Edit(both(add(u"/api/mine"_s, 10), add(u"/api/theirs"_s, 20))) << QStringList();
        QTest::newRow("a namespace and a rule")
            << Edit(ttl(u"/api/events"_s, 60)) << Edit(session(7200))
            << Edit(both(ttl(u"/api/events"_s, 60), session(7200))) << QStringList();
        QTest::newRow("a namespace, differently")
            << Edit(session(60)) << Edit(session(7200)) << Edit(session(60)) << QStringList {u"namespace session"_s};
    }
    void mergeKeepsBothSidesChanges()
    {
        using Edit = std::function<void(RouteConfig&)>;
        QFETCH(Edit, editMine);
        QFETCH(Edit, editTheirs);
        QFETCH(Edit, expectEdits);
        QFETCH(QStringList, conflicts);
        const RouteConfig base = RouteConfig::defaults();
        QCOMPARE(base.namespaces.value(0).name, u"session"_s);
        RouteConfig mine = base;
        editMine(mine);
        RouteConfig theirs = base;
        editTheirs(theirs);
        RouteConfig expected = base;
        expectEdits(expected);
        const RouteConfigMerge merge = mergeRouteConfigs(base, mine, theirs);
        QCOMPARE(merge.conflicts, conflicts);
        QCOMPARE(merge.config.routes.size(), expected.routes.size());
        for (qsizetype i = 0; i < expected.routes.size(); ++i) {
            QCOMPARE(merge.config.routes[i].path, expected.routes[i].path);
            QCOMPARE(merge.config.routes[i].ttlSeconds, expected.routes[i].ttlSeconds);
        }
        QVERIFY(merge.config == expected);
    }

    // What a save changes, as the editor's confirmation and `cachectl routes set` print it, and the TTLs it
    // changes (the editor's warning that the old entries keep their old TTL): added, changed, removed, untouched.
    void changesAreDescribedRuleByRule()
    {
        RouteConfig before;
        before.routes = {{u"/api/events"_s, 600, {}, false, {}}, {u"/api/search"_s, 300, {u"q"_s}, false, {}},
            {u"/api/gone"_s, 30, {}, false, {}}, {u"/api/same"_s, 60, {}, false, {}}};
        RouteConfig after;
        after.routes = {{u"/api/events"_s, 120, {}, false, {}}, {u"/api/search"_s, 300, {u"q"_s, u"page"_s}, true, {}},
            {u"/api/same"_s, 60, {}, false, {}}, {u"/api/new"_s, 3600, {}, false, {}}};
        QCOMPARE(describeRouteChanges(before, after),
            QStringList({u"~ /api/events: ttl 10m → ttl 2m"_s,
                u"~ /api/search: ttl 5m, vary by q → ttl 5m, vary by q,page, private"_s, u"+ /api/new: ttl 1h"_s,
                u"- /api/gone: ttl 30s"_s}));
        QCOMPARE(changedTtls(before, after), (QHash<QString, int> {{u"/api/events"_s, 600}}));
        QCOMPARE(describeRouteChanges(before, before), QStringList());
        QVERIFY(changedTtls(before, before).isEmpty());
        RouteConfig namespaces = before;
        namespaces.namespaces = {{u"session"_s, 7200}};
        QCOMPARE(describeRouteChanges(before, namespaces), QStringList({u"~ namespace TTLs changed"_s}));
    }

    void allErrorsAreReportedAtOnce()
    {
        const auto result = parseRouteConfigJson(R"({"routes":[{"path":"a","ttl":0},{"path":"/b","ttl":-1}]})");
        QCOMPARE(result.errors.size(), 3);
    }
};

QTEST_GUILESS_MAIN(TestRouteConfig)
#include "tst_routeconfig.moc"
