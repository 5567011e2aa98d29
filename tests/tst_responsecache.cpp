#include "cache/responsecachepolicy.h"

#include <QTest>

using namespace cachescope;
using namespace cachescope::cache;
using namespace Qt::StringLiterals;

namespace {
GatewayRequest request(const char* method, const QString& url, std::optional<QString> user = {},
    std::optional<QString> tenant = {}, std::optional<QString> venue = {})
{
    GatewayRequest r = GatewayRequest::fromUrl(method, url);
    r.userId = std::move(user);
    r.tenantId = std::move(tenant);
    r.venueId = std::move(venue);
    return r;
}

model::RouteConfig configWithPrivateOrders()
{
    model::RouteConfig config = model::RouteConfig::defaults();
    config.routes.append({u"/api/orders"_s, 60, {u"page"_s}, true, {}});
    config.routes.append({u"/api/reports"_s, 120, {}, false, {{u"from"_s}, {u"nocache"_s}}});
    return config;
}
} // namespace

Q_DECLARE_METATYPE(GatewayRequest)

class TestResponseCache : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void decisions_data()
    {
        QTest::addColumn<GatewayRequest>("req");
        QTest::addColumn<QByteArray>("key"); // empty: bypass
        QTest::addColumn<int>("ttl");
        QTest::addColumn<QString>("reasonPart");
        QTest::newRow("events shared") << request("GET", u"/api/events/42"_s)
                                       << QByteArray("gateway:response:GET:/api/events/42") << 600 << QString();
        QTest::newRow("tenant and venue")
            << request("GET", u"/api/venues/7"_s, u"u1"_s, u"acme"_s, u"v7"_s)
            << QByteArray("gateway:response:GET:/api/venues/7:tenant:acme:venue:v7") << 1800 << QString();
        QTest::newRow("search varies, other params ignored")
            << request("GET", u"/api/search?category=music&utm=x&q=rock+band"_s)
            << QByteArray("gateway:response:GET:/api/search:q:rock band:category:music") << 300 << QString();
        QTest::newRow("search missing param")
            << request("GET", u"/api/search?q=jazz"_s)
            << QByteArray("gateway:response:GET:/api/search:q:jazz:category:%none") << 300 << QString();
        QTest::newRow("search value with colon")
            << request("GET", u"/api/search?q=rock%3Avenue%3Av2&category="_s)
            << QByteArray("gateway:response:GET:/api/search:q:rock%3Avenue%3Av2:category:") << 300 << QString();
        QTest::newRow("HEAD reads GET entry")
            << request("HEAD", u"/api/events"_s) << QByteArray("gateway:response:GET:/api/events") << 600 << QString();
        QTest::newRow("private with user")
            << request("GET", u"/api/orders?page=2"_s, u"u42"_s, u"acme"_s)
            << QByteArray("gateway:response:GET:/api/orders:page:2:user:u42:tenant:acme") << 60 << QString();
        QTest::newRow("private without user")
            << request("GET", u"/api/orders"_s) << QByteArray() << 0 << u"without an authenticated user"_s;
        QTest::newRow("private with empty user")
            << request("GET", u"/api/orders"_s, QString()) << QByteArray() << 0 << u"without an authenticated user"_s;
        QTest::newRow("user not in shared key") << request("GET", u"/api/events"_s, u"u42"_s)
                                                << QByteArray("gateway:response:GET:/api/events") << 600 << QString();
        QTest::newRow("POST") << request("POST", u"/api/events"_s) << QByteArray() << 0 << u"never cached"_s;
        QTest::newRow("no rule") << request("GET", u"/api/payments"_s) << QByteArray() << 0 << u"no cache rule"_s;
        QTest::newRow("repeated vary param")
            << request("GET", u"/api/search?q=a&q=b"_s) << QByteArray() << 0 << u"given 2 times"_s;
        QTest::newRow("condition requires")
            << request("GET", u"/api/reports"_s) << QByteArray() << 0 << u"'from' is required"_s;
        QTest::newRow("condition skips") << request("GET", u"/api/reports?from=1&nocache=1"_s) << QByteArray() << 0
                                         << u"'nocache' disables"_s;
        QTest::newRow("condition met") << request("GET", u"/api/reports?from=1"_s)
                                       << QByteArray("gateway:response:GET:/api/reports") << 120 << QString();
    }
    void decisions()
    {
        QFETCH(GatewayRequest, req);
        QFETCH(QByteArray, key);
        QFETCH(int, ttl);
        QFETCH(QString, reasonPart);
        const ResponseCachePolicy policy(configWithPrivateOrders());
        const CacheDecision decision = policy.decide(req);
        QCOMPARE(decision.isLookup(), !key.isEmpty());
        QCOMPARE(decision.key, key);
        QCOMPARE(decision.ttlSeconds, ttl);
        if (!reasonPart.isEmpty())
            QVERIFY2(decision.reason.contains(reasonPart), qPrintable(decision.reason));
        QCOMPARE(decision.mayStore, decision.isLookup() && req.method == "GET");
    }

    void differentUsersNeverShareAPrivateEntry()
    {
        const ResponseCachePolicy policy(configWithPrivateOrders());
        const auto a = policy.decide(request("GET", u"/api/orders"_s, u"alice"_s));
        const auto b = policy.decide(request("GET", u"/api/orders"_s, u"bob"_s));
        QVERIFY(a.isLookup() && b.isLookup());
        QVERIFY(a.key != b.key);
    }

    void headers()
    {
        const ResponseCachePolicy policy(configWithPrivateOrders());
        const auto shared = policy.decide(request("GET", u"/api/search?q=a-very-long-search-term&category=music"_s));
        HeaderList hit = ResponseCachePolicy::headers(shared, CacheOutcome::Hit);
        QCOMPARE(hit.value(0), (QPair<QByteArray, QByteArray>("X-Cache", "HIT")));
        QCOMPARE(hit.value(1).second, shared.key.first(50) + "...");
        QCOMPARE(hit.value(2).second, QByteArray("300"));
        QCOMPARE(hit.value(3).second, QByteArray("public, max-age=300"));

        const auto shortKey = policy.decide(request("GET", u"/api/events"_s));
        QCOMPARE(ResponseCachePolicy::headers(shortKey, CacheOutcome::Miss).value(1).second, shortKey.key);
        QCOMPARE(ResponseCachePolicy::headers(shortKey, CacheOutcome::Miss).value(0).second, QByteArray("MISS"));

        const auto priv = policy.decide(request("GET", u"/api/orders"_s, u"u1"_s));
        QCOMPARE(
            ResponseCachePolicy::headers(priv, CacheOutcome::Hit).value(3).second, QByteArray("private, max-age=60"));

        const auto bypassed = policy.decide(request("POST", u"/api/events"_s));
        const HeaderList none = ResponseCachePolicy::headers(bypassed, CacheOutcome::Bypass);
        QCOMPARE(none, (HeaderList {{"X-Cache", "BYPASS"}, {"Cache-Control", "no-store"}}));
    }

    void storable_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<HeaderList>("headers");
        QTest::addColumn<bool>("storable");
        QTest::newRow("200") << 200 << HeaderList {{"Content-Type", "application/json"}} << true;
        QTest::newRow("404") << 404 << HeaderList {} << false;
        QTest::newRow("500") << 500 << HeaderList {} << false;
        QTest::newRow("set-cookie") << 200 << HeaderList {{"Set-Cookie", "sid=1"}} << false;
        QTest::newRow("no-store") << 200 << HeaderList {{"Cache-Control", "max-age=0, No-Store"}} << false;
        QTest::newRow("private") << 200 << HeaderList {{"cache-control", "private"}} << false;
        QTest::newRow("public") << 200 << HeaderList {{"Cache-Control", "public, max-age=60"}} << true;
    }
    void storable()
    {
        QFETCH(int, status);
        QFETCH(HeaderList, headers);
        QFETCH(bool, storable);
        QCOMPARE(ResponseCachePolicy::isStorable(status, headers), storable);
    }
};

QTEST_GUILESS_MAIN(TestResponseCache)
#include "tst_responsecache.moc"
