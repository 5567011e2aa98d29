#include "model/displaybytes.h"
#include "model/gatewaykey.h"
#include "model/keyescaping.h"
#include "model/keygrouping.h"
#include "model/keyparser.h"
#include "model/patternlint.h"
#include "model/quotedbytes.h"
#include "model/tagindexmember.h"

#include <QRandomGenerator>
#include <QSet>
#include <QTest>

using namespace cachescope::model;
using namespace Qt::StringLiterals;

namespace {
GatewayKey key(QByteArray method, QByteArray path, QList<VaryValue> vary = {}, std::optional<QByteArray> user = {},
    std::optional<QByteArray> tenant = {}, std::optional<QByteArray> venue = {})
{
    return GatewayKey {
        std::move(method), std::move(path), std::move(vary), std::move(user), std::move(tenant), std::move(venue)};
}
} // namespace

Q_DECLARE_METATYPE(GatewayKey)
Q_DECLARE_METATYPE(ParsedKey::Kind)

class TestKeyModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Where each key goes in the key tree and `cachectl keys`: a gateway response under its tenant, venue and the
    // route rule that covers its path (the longest; else the method and the path's first two segments), whether or
    // not a part of its key is escaped; a service entry under its namespace; CacheScope's own keys apart.
    void keysArePlacedAsOpsSeeThem_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<int>("kind"); // KeyPlace::Kind
        QTest::addColumn<QByteArray>("route");
        QTest::addColumn<QString>("rulePath"); // empty: no rule
        QTest::addColumn<QByteArray>("tenant"); // "-": none
        QTest::addColumn<QByteArray>("venue");
        QTest::addColumn<QByteArray>("serviceNamespace");
        const int gateway = int(KeyPlace::Kind::Gateway);
        const auto key = [](const char* path, std::optional<QByteArray> tenant, std::optional<QByteArray> venue) {
            return buildGatewayKey({"GET", path, {}, {}, std::move(tenant), std::move(venue)});
        };
        QTest::newRow("under a rule") << key("/api/events/42", "t1", "v1") << gateway << QByteArray("GET /api/events")
                                      << u"/api/events"_s << QByteArray("t1") << QByteArray("v1") << QByteArray();
        QTest::newRow("the rule itself") << key("/api/events", {}, {}) << gateway << QByteArray("GET /api/events")
                                         << u"/api/events"_s << QByteArray("-") << QByteArray("-") << QByteArray();
        QTest::newRow("a deeper rule") << key("/api/tickets/availability/9", "t1", {}) << gateway
                                       << QByteArray("GET /api/tickets/availability") << u"/api/tickets/availability"_s
                                       << QByteArray("t1") << QByteArray("-") << QByteArray();
        QTest::newRow("a prefix that is no rule")
            << key("/api/eventsx/1", {}, "v2") << gateway << QByteArray("GET /api/eventsx") << QString()
            << QByteArray("-") << QByteArray("v2") << QByteArray();
        QTest::newRow("no rule, deep") << key("/v1/a/b/c", {}, {}) << gateway << QByteArray("GET /v1/a") << QString()
                                       << QByteArray("-") << QByteArray("-") << QByteArray();
        QTest::newRow("no rule, one segment") << key("/x", {}, {}) << gateway << QByteArray("GET /x") << QString()
                                              << QByteArray("-") << QByteArray("-") << QByteArray();
        QTest::newRow("escaped tenant and venue")
            << key("/api/venues/7", "t:1", "v\xff") << gateway << QByteArray("GET /api/venues") << u"/api/venues"_s
            << QByteArray("t:1") << QByteArray("v\xff") << QByteArray();
        QTest::newRow("service") << QByteArray("session:abc") << int(KeyPlace::Kind::Service) << QByteArray()
                                 << QString() << QByteArray("-") << QByteArray("-") << QByteArray("session");
        QTest::newRow("own stats") << QByteArray("cachescope:stats:{1m}:route:1") << int(KeyPlace::Kind::CacheScope)
                                   << QByteArray() << QString() << QByteArray("-") << QByteArray("-") << QByteArray();
        QTest::newRow("other") << QByteArray("plain") << int(KeyPlace::Kind::Other) << QByteArray() << QString()
                               << QByteArray("-") << QByteArray("-") << QByteArray();
    }
    void keysArePlacedAsOpsSeeThem()
    {
        QFETCH(QByteArray, key);
        QFETCH(int, kind);
        QFETCH(QByteArray, route);
        QFETCH(QString, rulePath);
        QFETCH(QByteArray, tenant);
        QFETCH(QByteArray, venue);
        QFETCH(QByteArray, serviceNamespace);
        KeyGrouping grouping;
        for (int twice = 0; twice < 2; ++twice) { // the second time from the memo
            const KeyPlace place = grouping.place(key);
            QCOMPARE(int(place.kind), kind);
            QCOMPARE(place.route, route);
            QCOMPARE(place.rulePath.value_or(QString()), rulePath);
            QCOMPARE(place.tenant.value_or("-"), tenant);
            QCOMPARE(place.venue.value_or("-"), venue);
            QCOMPARE(place.serviceNamespace, serviceNamespace);
            QCOMPARE(place.method, kind == int(KeyPlace::Kind::Gateway) ? QByteArray("GET") : QByteArray());
        }
    }

    // New rules place keys anew, even paths already placed under the old ones.
    void newRulesPlaceKeysAnew()
    {
        KeyGrouping grouping;
        const QByteArray key = buildGatewayKey({"GET", "/api/eventsx/1", {}, {}, {}, {}});
        QCOMPARE(grouping.place(key).route, QByteArray("GET /api/eventsx"));
        RouteConfig rules;
        rules.routes = {{u"/api"_s, 60, {}, false, {}}};
        grouping.setRoutes(rules);
        QCOMPARE(grouping.routes(), rules);
        const KeyPlace place = grouping.place(key);
        QCOMPARE(place.route, QByteArray("GET /api"));
        QCOMPARE(place.rulePath, std::optional<QString>(u"/api"_s));
        // A memo of one path: the other paths still get their own route.
        KeyGrouping small(RouteConfig::defaults(), 1);
        for (const char* path : {"/a/1", "/b/2", "/c/3", "/a/4"})
            QCOMPARE(small.place(buildGatewayKey({"GET", path, {}, {}, {}, {}})).route, "GET " + QByteArray(path));
    }

    void escaping_data()
    {
        QTest::addColumn<QByteArray>("raw");
        QTest::addColumn<QByteArray>("escaped");
        QTest::newRow("plain") << QByteArray("rock") << QByteArray("rock");
        QTest::newRow("path") << QByteArray("/api/events/42") << QByteArray("/api/events/42");
        QTest::newRow("colon") << QByteArray("a:b") << QByteArray("a%3Ab");
        QTest::newRow("percent") << QByteArray("100%") << QByteArray("100%25");
        QTest::newRow("glob") << QByteArray("*?[]\\") << QByteArray("%2A%3F%5B%5D%5C");
        QTest::newRow("hash tag") << QByteArray("{slot}") << QByteArray("%7Bslot%7D");
        QTest::newRow("utf-8 kept") << QByteArray("caf\xc3\xa9") << QByteArray("caf\xc3\xa9");
        QTest::newRow("binary kept") << QByteArray("\x00\x01\xff", 3) << QByteArray("\x00\x01\xff", 3);
        QTest::newRow("empty") << QByteArray() << QByteArray();
    }
    void escaping()
    {
        QFETCH(QByteArray, raw);
        QFETCH(QByteArray, escaped);
        QCOMPARE(escapeKeyComponent(raw), escaped);
        QCOMPARE(unescapeKeyComponent(escaped), std::optional<QByteArray>(raw));
    }

    void nonCanonicalEscapesAreRejected_data()
    {
        QTest::addColumn<QByteArray>("escaped");
        QTest::newRow("lone percent") << QByteArray("%");
        QTest::newRow("short") << QByteArray("%3");
        QTest::newRow("not hex") << QByteArray("%zz");
        QTest::newRow("lower case") << QByteArray("%3a");
        QTest::newRow("needless escape") << QByteArray("%41");
        QTest::newRow("raw colon") << QByteArray("a:b");
        QTest::newRow("raw star") << QByteArray("a*");
    }
    void nonCanonicalEscapesAreRejected()
    {
        QFETCH(QByteArray, escaped);
        QVERIFY(!unescapeKeyComponent(escaped).has_value());
    }

    void buildMatchesDesign_data()
    {
        QTest::addColumn<GatewayKey>("parts");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("events") << key("GET", "/api/events") << QByteArray("gateway:response:GET:/api/events");
        QTest::newRow("search vary") << key("GET", "/api/search", {{"q", "rock"}, {"category", "music"}})
                                     << QByteArray("gateway:response:GET:/api/search:q:rock:category:music");
        QTest::newRow("private") << key("GET", "/api/orders", {}, QByteArray("u42"))
                                 << QByteArray("gateway:response:GET:/api/orders:user:u42");
        QTest::newRow("venue") << key("GET", "/api/events", {}, {}, {}, QByteArray("v7"))
                               << QByteArray("gateway:response:GET:/api/events:venue:v7");
        QTest::newRow("everything") << key("GET", "/api/search", {{"q", "jazz"}}, QByteArray("u1"), QByteArray("t9"),
            QByteArray("v2")) << QByteArray("gateway:response:GET:/api/search:q:jazz:user:u1:tenant:t9:venue:v2");
        QTest::newRow("missing vary") << key("GET", "/api/search", {{"q", std::nullopt}})
                                      << QByteArray("gateway:response:GET:/api/search:q:%none");
        QTest::newRow("empty vary") << key("GET", "/api/search", {{"q", QByteArray("")}})
                                    << QByteArray("gateway:response:GET:/api/search:q:");
        QTest::newRow("escaped value") << key("GET", "/api/search", {{"q", "rock:venue:v2"}})
                                       << QByteArray("gateway:response:GET:/api/search:q:rock%3Avenue%3Av2");
        QTest::newRow("vary named venue")
            << key("GET", "/api/x", {{"venue", "v2"}}) << QByteArray("gateway:response:GET:/api/x:%76enue:v2");
    }
    void buildMatchesDesign()
    {
        QFETCH(GatewayKey, parts);
        QFETCH(QByteArray, expected);
        QCOMPARE(buildGatewayKey(parts), expected);
        QCOMPARE(parseGatewayKey(expected), std::optional<GatewayKey>(parts));
    }

    // Pairs of different requests that a naive `join(':')` would map to the same key.
    void differentRequestsNeverCollide_data()
    {
        QTest::addColumn<GatewayKey>("a");
        QTest::addColumn<GatewayKey>("b");
        QTest::newRow("value smuggles venue") << key("GET", "/api/search", {{"q", "rock:venue:v2"}})
                                              << key("GET", "/api/search", {{"q", "rock"}}, {}, {}, QByteArray("v2"));
        QTest::newRow("missing vs empty")
            << key("GET", "/api/search", {{"q", std::nullopt}}) << key("GET", "/api/search", {{"q", QByteArray("")}});
        QTest::newRow("missing vs literal")
            << key("GET", "/api/search", {{"q", std::nullopt}}) << key("GET", "/api/search", {{"q", "%none"}});
        QTest::newRow("missing vs undefined")
            << key("GET", "/api/search", {{"q", std::nullopt}}) << key("GET", "/api/search", {{"q", "undefined"}});
        QTest::newRow("vary named user") << key("GET", "/api/x", {{"user", "42"}})
                                         << key("GET", "/api/x", {}, QByteArray("42"));
        QTest::newRow("vary named tenant")
            << key("GET", "/api/x", {{"tenant", "t"}}) << key("GET", "/api/x", {}, {}, QByteArray("t"));
        QTest::newRow("path colon") << key("GET", "/api/a:q:1") << key("GET", "/api/a", {{"q", "1"}});
        QTest::newRow("user id smuggles venue") << key("GET", "/p", {}, QByteArray("u:venue:v"))
                                                << key("GET", "/p", {}, QByteArray("u"), {}, QByteArray("v"));
        QTest::newRow("escape lookalike") << key("GET", "/p", {{"q", "%3A"}}) << key("GET", "/p", {{"q", ":"}});
        QTest::newRow("method colon") << key("GET:/x", "/y") << key("GET", "/x:/y");
    }
    void differentRequestsNeverCollide()
    {
        QFETCH(GatewayKey, a);
        QFETCH(GatewayKey, b);
        QVERIFY(a != b);
        QVERIFY2(buildGatewayKey(a) != buildGatewayKey(b), buildGatewayKey(a).constData());
        QCOMPARE(parseGatewayKey(buildGatewayKey(a)), std::optional<GatewayKey>(a));
        QCOMPARE(parseGatewayKey(buildGatewayKey(b)), std::optional<GatewayKey>(b));
    }

    // Property: random requests drawn from an alphabet rich in separators and markers never collide and
    // always round-trip.
    void randomRequestsRoundTripAndNeverCollide()
    {
        const QList<QByteArray> atoms {"", ":", "%", "%none", "user", "tenant", "venue", "q", "a", "*", "{", "}", "%3A",
            "\\", "[", "]", "?", "\xff", QByteArray("\0", 1), "%76enue"};
        QRandomGenerator random(20261125);
        auto pick = [&] {
            QByteArray out;
            const int n = random.bounded(4);
            for (int i = 0; i < n; ++i)
                out += atoms.at(random.bounded(atoms.size()));
            return out;
        };
        auto maybe = [&]() -> std::optional<QByteArray> {
            return random.bounded(3) == 0 ? std::nullopt : std::optional<QByteArray>(pick());
        };
        QHash<QByteArray, GatewayKey> seen;
        for (int i = 0; i < 20000; ++i) {
            GatewayKey k = key(random.bounded(2) ? "GET" : pick(), "/" + pick());
            const int varyCount = random.bounded(3);
            for (int v = 0; v < varyCount; ++v)
                k.vary.append({pick(), maybe()});
            k.userId = maybe();
            k.tenantId = maybe();
            k.venueId = maybe();
            const QByteArray built = buildGatewayKey(k);
            const auto parsed = parseGatewayKey(built);
            QVERIFY2(parsed.has_value(), built.constData());
            QVERIFY2(*parsed == k, built.constData());
            const auto existing = seen.constFind(built);
            if (existing != seen.cend())
                QVERIFY2(*existing == k, "two different requests built the same key");
            seen.insert(built, k);
            // No glob metacharacter and no hash tag can come from user data.
            for (char c : {'*', '?', '[', ']', '\\', '{', '}'})
                QVERIFY(!built.contains(c));
        }
        QVERIFY(seen.size() > 5000);
    }

    // Anything that parses must rebuild to the same bytes, so a parsed key can be trusted for invalidation.
    void parseIsCanonical_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<bool>("parses");
        QTest::newRow("design key") << QByteArray("gateway:response:GET:/api/events:venue:v1") << true;
        QTest::newRow("odd pairs") << QByteArray("gateway:response:GET:/api/search:q") << false;
        QTest::newRow("no path") << QByteArray("gateway:response:GET") << false;
        QTest::newRow("lower-case escape") << QByteArray("gateway:response:GET:/a%3ab") << false;
        QTest::newRow("bare marker as vary") << QByteArray("gateway:response:GET:/a:user:1:q:2") << false;
        QTest::newRow("markers out of order") << QByteArray("gateway:response:GET:/a:venue:1:user:2") << false;
        QTest::newRow("marker twice") << QByteArray("gateway:response:GET:/a:venue:1:venue:2") << false;
        QTest::newRow("raw star") << QByteArray("gateway:response:GET:/a*") << false;
        QTest::newRow("missing marker") << QByteArray("gateway:response:GET:/a:q:%none") << true;
        QTest::newRow("bad percent word") << QByteArray("gateway:response:GET:/a:q:%nonE") << false;
    }
    void parseIsCanonical()
    {
        QFETCH(QByteArray, key);
        QFETCH(bool, parses);
        const auto parsed = parseGatewayKey(key);
        QCOMPARE(parsed.has_value(), parses);
        if (parsed)
            QCOMPARE(buildGatewayKey(*parsed), key);
    }

    // The key browser's copy-free parser finds what the full one finds, and leaves escaped keys to it.
    void scopeViewAgreesWithTheFullParser_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<bool>("fastPath");
        QTest::newRow("tenant and venue")
            << QByteArray("gateway:response:GET:/api/events:page:2:tenant:t3:venue:v7") << true;
        QTest::newRow("private") << QByteArray("gateway:response:GET:/api/me:user:42:tenant:t1") << true;
        QTest::newRow("no scope") << QByteArray("gateway:response:GET:/api/search:q:rock") << true;
        QTest::newRow("absent vary") << QByteArray("gateway:response:GET:/api/search:q:%none") << false;
        QTest::newRow("escaped path") << QByteArray("gateway:response:GET:/api/a%3Ab:venue:v1") << false;
        QTest::newRow("marker as vary name") << QByteArray("gateway:response:GET:/x:venue:1:tenant:t") << true;
        QTest::newRow("odd parts") << QByteArray("gateway:response:GET:/x:page") << true;
        QTest::newRow("glob byte") << QByteArray("gateway:response:GET:/x*:venue:v1") << true;
        QTest::newRow("service") << QByteArray("events:42") << true;
        QTest::newRow("empty") << QByteArray() << true;
    }
    void scopeViewAgreesWithTheFullParser()
    {
        QFETCH(QByteArray, key);
        QFETCH(bool, fastPath);
        const auto full = parseGatewayKey(key);
        const auto scope = parseGatewayScope(key);
        if (!fastPath) {
            QVERIFY(!scope); // left to the full parser
            QVERIFY(full);
            return;
        }
        QCOMPARE(scope.has_value(), full.has_value());
        if (!full)
            return;
        QCOMPARE(scope->method.toByteArray(), full->method);
        QCOMPARE(scope->path.toByteArray(), full->path);
        QCOMPARE(scope->tenantId.has_value(), full->tenantId.has_value());
        QCOMPARE(scope->venueId.has_value(), full->venueId.has_value());
        if (full->tenantId)
            QCOMPARE(scope->tenantId->toByteArray(), *full->tenantId);
        if (full->venueId)
            QCOMPARE(scope->venueId->toByteArray(), *full->venueId);
        QCOMPARE(scope->userId.has_value(), full->userId.has_value());
        if (full->userId)
            QCOMPARE(scope->userId->toByteArray(), *full->userId);
        QCOMPARE(scope->vary.size(), full->vary.size());
        for (qsizetype i = 0; i < full->vary.size(); ++i) {
            QCOMPARE(scope->vary[i].first.toByteArray(), full->vary.at(i).name);
            QCOMPARE(scope->vary[i].second.toByteArray(), full->vary.at(i).value.value_or("(absent)"));
        }
    }

    void classifyAnyKey_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<ParsedKey::Kind>("kind");
        QTest::addColumn<QByteArray>("ns");
        QTest::addColumn<QByteArray>("id");
        using K = ParsedKey::Kind;
        QTest::newRow("gateway") << QByteArray("gateway:response:GET:/api/events") << K::GatewayResponse << QByteArray()
                                 << QByteArray();
        QTest::newRow("service") << QByteArray("events:123") << K::Service << QByteArray("events") << QByteArray("123");
        QTest::newRow("service with colons")
            << QByteArray("user:42:profile") << K::Service << QByteArray("user") << QByteArray("42:profile");
        QTest::newRow("broken gateway") << QByteArray("gateway:response:GET") << K::Other << QByteArray()
                                        << QByteArray();
        QTest::newRow("no colon") << QByteArray("counter") << K::Other << QByteArray() << QByteArray();
        QTest::newRow("empty") << QByteArray() << K::Other << QByteArray() << QByteArray();
        QTest::newRow("leading colon") << QByteArray(":x") << K::Other << QByteArray() << QByteArray();
        QTest::newRow("trailing colon") << QByteArray("events:") << K::Other << QByteArray() << QByteArray();
        QTest::newRow("binary namespace") << QByteArray("\xff\x00:1", 4) << K::Other << QByteArray() << QByteArray();
        QTest::newRow("binary id") << QByteArray("blob:\xff\x00", 7) << K::Service << QByteArray("blob")
                                   << QByteArray("\xff\x00", 2);
        QTest::newRow("sidekiq-like") << QByteArray("queue:default") << K::Service << QByteArray("queue")
                                      << QByteArray("default");
    }
    void classifyAnyKey()
    {
        QFETCH(QByteArray, key);
        QFETCH(ParsedKey::Kind, kind);
        QFETCH(QByteArray, ns);
        QFETCH(QByteArray, id);
        const ParsedKey parsed = parseKey(key);
        QCOMPARE(parsed.kind, kind);
        QCOMPARE(parsed.serviceNamespace, ns);
        QCOMPARE(parsed.serviceId, id);
        if (kind == ParsedKey::Kind::Service)
            QCOMPARE(buildServiceKey(ns, id), key);
    }

    void parserSurvivesGarbage()
    {
        QRandomGenerator random(7);
        for (int i = 0; i < 50000; ++i) {
            QByteArray bytes(random.bounded(60), Qt::Uninitialized);
            for (auto& b : bytes)
                b = "gateway:response:%:AF3\xff\x00"[random.bounded(24)];
            if (random.bounded(2))
                bytes.prepend("gateway:response:");
            const ParsedKey parsed = parseKey(bytes);
            if (parsed.kind == ParsedKey::Kind::GatewayResponse)
                QCOMPARE(buildGatewayKey(parsed.gateway), bytes);
        }
    }

    void globLiteralEscaping()
    {
        QCOMPARE(escapeGlobLiteral("a*b?c[d]e\\f"), QByteArray("a\\*b\\?c\\[d\\]e\\\\f"));
    }

    // redis-cli's quoted form, as cachectl reads key and pattern arguments.
    void quotedBytes_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("error");
        QTest::newRow("plain") << QByteArray("events:*") << QByteArray("events:*") << QString();
        QTest::newRow("binary") << QByteArray("\"bin:\\x00\\xFF\"") << QByteArray("bin:\x00\xff", 6) << QString();
        QTest::newRow("hex digit order") << QByteArray("\"\\x1f\\xA0\\x7e\"") << QByteArray("\x1f\xa0\x7e")
                                         << QString();
        QTest::newRow("escapes") << QByteArray("\"a\\\"b\\\\c\\n\\r\\t\\b\\a\"") << QByteArray("a\"b\\c\n\r\t\b\a")
                                 << QString();
        QTest::newRow("empty quotes") << QByteArray("\"\"") << QByteArray("") << QString();
        QTest::newRow("lone quote") << QByteArray("\"") << QByteArray() << u"must end with a double quote"_s;
        QTest::newRow("unclosed") << QByteArray("\"abc") << QByteArray() << u"must end with a double quote"_s;
        QTest::newRow("unknown escape") << QByteArray("\"a\\q\"") << QByteArray() << u"unknown escape '\\q'"_s;
        QTest::newRow("short hex") << QByteArray("\"a\\x4\"") << QByteArray() << u"needs two hex digits"_s;
        QTest::newRow("bad hex") << QByteArray("\"a\\xg0\"") << QByteArray() << u"needs two hex digits"_s;
        QTest::newRow("inner quote") << QByteArray("\"a\"b\"") << QByteArray() << u"unescaped double quote"_s;
        QTest::newRow("trailing backslash") << QByteArray("\"a\\\"") << QByteArray() << u"backslash at the end"_s;
    }
    void quotedBytes()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, bytes);
        QFETCH(QString, error);
        const cachescope::model::QuotedBytes parsed = cachescope::model::parseQuotedBytes(text);
        if (error.isEmpty()) {
            QVERIFY2(parsed.error.isEmpty(), qPrintable(parsed.error));
            QCOMPARE(parsed.bytes, std::optional<QByteArray>(bytes));
        } else {
            QVERIFY(!parsed.bytes);
            QVERIFY2(parsed.error.contains(error), qPrintable(parsed.error));
        }
    }

    // Patterns checked against the key shape: the design's own runbook example skips the method.
    void lint_data()
    {
        QTest::addColumn<QByteArray>("pattern");
        QTest::addColumn<QString>("message"); // empty: no warning
        QTest::addColumn<QByteArray>("suggestion");
        QTest::addColumn<bool>("unmatchable");
        QTest::addColumn<bool>("withRules");
        QTest::newRow("design's example") << QByteArray("gateway:response:/api/events*") << u"skips the method"_s
                                          << QByteArray("gateway:response:*:/api/events*") << true << false;
        QTest::newRow("lower-case method")
            << QByteArray("gateway:response:get:/api/events*") << u"methods are upper case"_s
            << QByteArray("gateway:response:GET:/api/events*") << true << false;
        QTest::newRow("uncached method") << QByteArray("gateway:response:POST:/api/events*")
                                         << u"GET and HEAD responses only"_s << QByteArray() << true << false;
        QTest::newRow("lower-case escape")
            << QByteArray("gateway:response:GET:/api/search:q:rock%3aroll*") << u"upper case (%3A"_s
            << QByteArray("gateway:response:GET:/api/search:q:rock%3Aroll*") << true << false;
        QTest::newRow("fine: method") << QByteArray("gateway:response:GET:/api/events*") << QString() << QByteArray()
                                      << false << false;
        QTest::newRow("fine: HEAD") << QByteArray("gateway:response:HEAD:/x") << QString() << QByteArray() << false
                                    << false;
        QTest::newRow("fine: any method")
            << QByteArray("gateway:response:*:/api/events*") << QString() << QByteArray() << false << false;
        QTest::newRow("fine: partial method")
            << QByteArray("gateway:response:G*") << QString() << QByteArray() << false << false;
        QTest::newRow("fine: escape") << QByteArray("gateway:response:GET:/api/search:q:rock%3Aroll*") << QString()
                                      << QByteArray() << false << false;
        QTest::newRow("fine: everything")
            << QByteArray("gateway:response:*") << QString() << QByteArray() << false << false;
        QTest::newRow("fine: another namespace")
            << QByteArray("events:*") << QString() << QByteArray() << false << false;
        // Nothing after the method, or nothing at all: read to the pattern's end and not past it.
        QTest::newRow("fine: the prefix alone")
            << QByteArray("gateway:response:") << QString() << QByteArray() << false << false;
        QTest::newRow("fine: a method alone")
            << QByteArray("gateway:response:GET") << QString() << QByteArray() << false << false;
        QTest::newRow("fine: glob class")
            << QByteArray("gateway:response:[GH]*") << QString() << QByteArray() << false << false;
        // With the route rules: a path no rule covers is flagged (a warning, not a proof: earlier rules may have
        // written keys) with the closest rule's pattern; a ':' inside a value of a fully literal tail is provably
        // unmatchable.
        QTest::newRow("misspelt route") << QByteArray("gateway:response:GET:/api/evnts*") << u"no route rule covers"_s
                                        << QByteArray("gateway:response:GET:/api/events*") << false << true;
        QTest::newRow("any method, misspelt")
            << QByteArray("gateway:response:*:/api/venuez/1*") << u"no route rule covers"_s
            << QByteArray("gateway:response:*:/api/venues*") << false << true;
        QTest::newRow("colon in a value") << QByteArray("gateway:response:GET:/api/search:q:rock:roll")
                                          << u"odd number of parts"_s << QByteArray() << true << true;
        QTest::newRow("fine: route prefix")
            << QByteArray("gateway:response:*:/api/ev*") << QString() << QByteArray() << false << true;
        QTest::newRow("fine: under a route") << QByteArray("gateway:response:GET:/api/events/12:tenant:acme")
                                             << QString() << QByteArray() << false << true;
        QTest::newRow("fine: escaped colon") << QByteArray("gateway:response:GET:/api/search:q:rock%3Aroll")
                                             << QString() << QByteArray() << false << true;
        QTest::newRow("fine: glob tail") << QByteArray("gateway:response:GET:/api/search:q:*") << QString()
                                         << QByteArray() << false << true;
        // The globs the tree's own nodes select with: the '*' takes the method and the path, the pairs follow.
        QTest::newRow("fine: a venue node's selection")
            << QByteArray("gateway:response:*:tenant:tenant-3:venue:v83") << QString() << QByteArray() << false << true;
        QTest::newRow("fine: a tenant node's selection")
            << QByteArray("gateway:response:*:tenant:tenant-3:*") << QString() << QByteArray() << false << true;
        QTest::newRow("any method, colon in a value")
            << QByteArray("gateway:response:*:q:rock:roll") << u"odd number of parts"_s << QByteArray() << true << true;
        // An escape in the pattern's last bytes is checked like any other.
        QTest::newRow("lower-case escape at the end")
            << QByteArray("gateway:response:GET:/api/search:q:rock%3a") << u"upper case (%3A"_s
            << QByteArray("gateway:response:GET:/api/search:q:rock%3A") << true << false;
        // An escape is '%' and two hex digits: '%' before a hex digit and something else is no escape to fix.
        QTest::newRow("fine: no escape, '%' then one hex digit")
            << QByteArray("gateway:response:GET:/api/search:q:100%az") << QString() << QByteArray() << false << false;
        QTest::newRow("fine: no escape, '%' then a non-hex digit")
            << QByteArray("gateway:response:GET:/api/search:q:100%za") << QString() << QByteArray() << false << false;
    }
    void lint()
    {
        QFETCH(QByteArray, pattern);
        QFETCH(QString, message);
        QFETCH(QByteArray, suggestion);
        QFETCH(bool, unmatchable);
        QFETCH(bool, withRules);
        const cachescope::model::RouteConfig rules = cachescope::model::RouteConfig::defaults();
        const auto* ruleSet = withRules ? &rules : nullptr;
        const QList<cachescope::model::PatternWarning> warnings = cachescope::model::lintPattern(pattern, ruleSet);
        if (message.isEmpty()) {
            QVERIFY2(warnings.isEmpty(), qPrintable(warnings.value(0).message));
            return;
        }
        QCOMPARE(warnings.size(), 1);
        QVERIFY2(warnings.first().message.contains(message), qPrintable(warnings.first().message));
        QCOMPARE(warnings.first().suggestion, suggestion);
        QCOMPARE(warnings.first().unmatchable, unmatchable);
        if (!suggestion.isEmpty())
            QVERIFY(cachescope::model::lintPattern(suggestion, ruleSet).isEmpty());
    }
    void displayEscapesBinary()
    {
        QCOMPARE(displayBytes(QByteArray("a\x00\xff\"\\", 5)), QStringLiteral("a\\x00\\xff\\\"\\\\"));
        QCOMPARE(displayBytes("abcdef", 3), QStringLiteral("abc… (3 more bytes)"));
    }

    // Text other writers stored (an audit actor, a route save's updatedBy): every character a terminal or a view
    // would obey is escaped, the rest of any script shown as it is.
    void displayTextEscapesWhatATerminalWouldObey_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<int>("maxCharacters");
        QTest::addColumn<QString>("expected");
        QTest::newRow("plain") << u"alice@ops-1"_s << -1 << u"alice@ops-1"_s;
        QTest::newRow("any script, quotes kept")
            << u"Zo\u00eb \u65e5\u672c \U0001F3AB \"x\""_s << -1 << u"Zo\u00eb \u65e5\u672c \U0001F3AB \"x\""_s;
        QTest::newRow("backslash") << u"a\\b"_s << -1 << u"a\\\\b"_s;
        QTest::newRow("C0 and an ANSI sequence") << u"a\nb\x1b[2J\t"_s << -1 << u"a\\x0ab\\x1b[2J\\x09"_s;
        QTest::newRow("DEL, C1, soft hyphen") << u"\x7f\u0085\u009f\u00ad"_s << -1 << u"\\x7f\\x85\\x9f\\xad"_s;
        QTest::newRow("bidi override") << u"\u202eevil"_s << -1 << u"\\u{202e}evil"_s;
        QTest::newRow("line and paragraph separators") << u"a\u2028b\u2029"_s << -1 << u"a\\u{2028}b\\u{2029}"_s;
        QTest::newRow("format character past the BMP") << u"a\U000E0001"_s << -1 << u"a\\u{e0001}"_s;
        QTest::newRow("private use past the BMP") << u"\U000F0000b"_s << -1 << u"\\u{f0000}b"_s;
        QTest::newRow("lone high surrogate first") << QString(QChar(0xD800)) + u"b"_s << -1 << u"\\u{d800}b"_s;
        QTest::newRow("lone high surrogate last") << u"a"_s + QChar(0xD800) << -1 << u"a\\u{d800}"_s;
        QTest::newRow("lone low surrogate") << u"a"_s + QChar(0xDC00) + u"b"_s << -1 << u"a\\u{dc00}b"_s;
        QTest::newRow("reversed pair") << QString(QChar(0xDFAB)) + QChar(0xD83C) << -1 << u"\\u{dfab}\\u{d83c}"_s;
        QTest::newRow("empty") << QString() << -1 << QString();
        QTest::newRow("cut") << u"abcdef"_s << 3 << u"abc\u2026 (3 more characters)"_s;
        QTest::newRow("cut to nothing") << u"ab"_s << 0 << u"\u2026 (2 more characters)"_s;
        QTest::newRow("cut at the length") << u"ab"_s << 2 << u"ab"_s;
        QTest::newRow("cut past the length") << u"ab"_s << 3 << u"ab"_s;
        QTest::newRow("a pair the cut would split is shown whole")
            << u"ab\U0001F3ABd"_s << 3 << u"ab\U0001F3AB\u2026 (1 more characters)"_s;
        QTest::newRow("a pair after the cut is one character")
            << u"ab\U0001F3ABd"_s << 2 << u"ab\u2026 (2 more characters)"_s;
        QTest::newRow("lone surrogates after the cut are one each")
            << u"ab"_s + QChar(0xDC00) + QChar(0xD800) << 2 << u"ab\u2026 (2 more characters)"_s;
    }
    void displayTextEscapesWhatATerminalWouldObey()
    {
        QFETCH(QString, text);
        QFETCH(int, maxCharacters);
        QFETCH(QString, expected);
        QCOMPARE(displayText(text, maxCharacters), expected);
    }

    // A view that ends in the first half of a pair is a lone surrogate, even where the second half follows in memory.
    void displayTextReadsNoFurtherThanItsView()
    {
        const QString ticket = u"a\U0001F3AB"_s;
        QCOMPARE(displayText(QStringView(ticket).first(2)), u"a\\u{d83c}"_s);
        QCOMPARE(displayText(QStringView(ticket)), ticket);
    }

    // What each tag index lists for a key, byte for byte (other readers of the indexes rely on it;
    // docs/wire-format.md), and that each member reads back as its key or as a reference whose index lists it.
    void tagIndexMembers_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QList<QByteArray>>("tags");
        QTest::addColumn<QList<QByteArray>>("members");
        const QByteArray both = "gateway:response:GET:/api/events:page:2:tenant:acme:venue:v1";
        QTest::newRow("venue: prefix and marker left out, tenant: the venue")
            << both << QList<QByteArray> {"venue:v1", "tenant:acme"}
            << QList<QByteArray> {"\x01GET:/api/events:page:2:tenant:acme", "\x03venue:v1"};
        QTest::newRow("tenant without the venue's tag: the whole key")
            << both << QList<QByteArray> {"tenant:acme"} << QList<QByteArray> {both};
        QTest::newRow("tenant as the last marker")
            << QByteArray("gateway:response:GET:/api/settings:user:7:tenant:acme") << QList<QByteArray> {"tenant:acme"}
            << QList<QByteArray> {"\x01GET:/api/settings:user:7"};
        QTest::newRow("escaped scope value") << QByteArray("gateway:response:GET:/x:tenant:a%3Ac%25:venue:v%3A1")
                                             << QList<QByteArray> {"venue:v:1", "tenant:a:c%"}
                                             << QList<QByteArray> {"\x01GET:/x:tenant:a%3Ac%25", "\x03venue:v:1"};
        QTest::newRow("another venue's tag: whole")
            << QByteArray("gateway:response:GET:/x:venue:v10") << QList<QByteArray> {"venue:v1"}
            << QList<QByteArray> {"gateway:response:GET:/x:venue:v10"};
        QTest::newRow("route tag: whole")
            << QByteArray("gateway:response:GET:/x:venue:v1") << QList<QByteArray> {"route:/x"}
            << QList<QByteArray> {"gateway:response:GET:/x:venue:v1"};
        QTest::newRow("not a gateway key") << QByteArray("events:7:venue:v1") << QList<QByteArray> {"venue:v1"}
                                           << QList<QByteArray> {"events:7:venue:v1"};
        QTest::newRow("nothing between prefix and marker")
            << QByteArray("gateway:response::venue:v1") << QList<QByteArray> {"venue:v1"}
            << QList<QByteArray> {"gateway:response::venue:v1"};
        QTest::newRow("a key starting with a marker byte")
            << QByteArray("\x01k") << QList<QByteArray> {"venue:v1"} << QList<QByteArray> {"\x02\x01k"};
        QTest::newRow("empty key") << QByteArray() << QList<QByteArray> {"venue:v1"}
                                   << QList<QByteArray> {QByteArray()};
    }
    void tagIndexMembers()
    {
        QFETCH(QByteArray, key);
        QFETCH(QList<QByteArray>, tags);
        QFETCH(QList<QByteArray>, members);
        const QList<TagIndexWrite> writes = tagIndexWrites(key, tags);
        QCOMPARE(writes.size(), tags.size());
        for (qsizetype i = 0; i < writes.size(); ++i) {
            QCOMPARE(writes[i].tag, tags[i]);
            QCOMPARE(writes[i].member, members[i]);
            const TagIndexEntry entry = decodeTagIndexMember(tags[i], members[i]);
            if (entry.referencedTag.isEmpty()) {
                QCOMPARE(entry.key, key);
            } else {
                QVERIFY(tags.contains(entry.referencedTag));
                QVERIFY(keyCarriesTag(key, tags[i]));
            }
        }
        // A member written before short members (the whole key) reads back as that key in any index, unless the key
        // starts with a marker byte (those were never written by a gateway).
        if (!key.startsWith('\x01') && !key.startsWith('\x02') && !key.startsWith('\x03')) {
            for (const QByteArray& tag : std::as_const(tags))
                QCOMPARE(decodeTagIndexMember(tag, key).key, key);
        }
    }

    // A referenced venue index lists other tenants' keys too: a tenant's reader keeps its own, by the key's name.
    void aReferencedIndexKeepsOnlyTheTagsKeys_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<bool>("kept");
        QTest::newRow("the tenant's") << QByteArray("gateway:response:GET:/x:tenant:acme:venue:v1") << true;
        QTest::newRow("another tenant's") << QByteArray("gateway:response:GET:/x:tenant:globex:venue:v1") << false;
        QTest::newRow("a prefix of the tenant") << QByteArray("gateway:response:GET:/x:tenant:acm:venue:v1") << false;
        QTest::newRow("no tenant") << QByteArray("gateway:response:GET:/x:venue:v1") << false;
        QTest::newRow("not a gateway key") << QByteArray("events:1:tenant:acme") << false;
    }
    void aReferencedIndexKeepsOnlyTheTagsKeys()
    {
        QFETCH(QByteArray, key);
        QFETCH(bool, kept);
        QCOMPARE(keyCarriesTag(key, "tenant:acme"), kept);
    }
};

QTEST_GUILESS_MAIN(TestKeyModel)
#include "tst_keymodel.moc"
