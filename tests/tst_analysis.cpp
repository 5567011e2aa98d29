#include "analysis/analysisdiff.h"
#include "analysis/estimate.h"
#include "analysis/keyeventwatch.h"
#include "analysis/keyspaceanalysis.h"
#include "analysis/snapshotstore.h"
#include "keyevents.h"
#include "model/gatewaykey.h"
#include "ops/audit/audit.h"
#include "ops/server/keyspaceeventssetting.h"
#include "ops/server/serverinfo.h"
#include "redis/connection.h"
#include "redis/ownlookups.h"
#include "redisserver.h"
#include "synccommand.h"
#include "toolrun.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <cmath>

using namespace cachescope;
using namespace cachescope::analysis;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

// The keyspace analysis against a real server: exact figures checked against the server's own MEMORY USAGE and
// PTTL key by key, sampled and partial figures against the truth within the error they state, lookups against INFO,
// a frozen, killed or refusing server mid-run; snapshots and their comparison; `cachectl analyze`.
class TestAnalysis : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server;
    std::unique_ptr<redis::Connection> m_connection;

    struct Seeded
    {
        QByteArray key;
        QByteArray route; // the analysis's route label; empty: not a gateway key
        QByteArray tenant;
        QByteArray ns;
    };
    QList<Seeded> m_seeded;

    static QByteArray gatewayKey(const QByteArray& path, const QByteArray& tenant, std::optional<QByteArray> venue,
        QList<model::VaryValue> vary = {}, std::optional<QByteArray> user = {})
    {
        return model::buildGatewayKey({"GET", path, std::move(vary), std::move(user), tenant, std::move(venue)});
    }

    void set(const QByteArray& key, qsizetype size, qint64 ttlSeconds)
    {
        QVERIFY(testing::runCommand(*m_connection, {"SET", key, QByteArray(size, 'x')}).isStatus("OK"));
        if (ttlSeconds > 0)
            QCOMPARE(testing::runCommand(*m_connection, {"EXPIRE", key, QByteArray::number(ttlSeconds)}).integer(), 1);
    }

    // Runs an analysis to its end (or until `stopAfterKeys` keys were counted, then cancels it).
    static AnalysisReport analyse(redis::Client& client, KeyspaceAnalysis::Options options, qint64 stopAfterKeys = -1)
    {
        KeyspaceAnalysis analysis(&client, std::move(options));
        QSignalSpy finished(&analysis, &KeyspaceAnalysis::finished);
        if (stopAfterKeys > 0) {
            QObject::connect(&analysis, &KeyspaceAnalysis::progressed, &analysis, [&analysis, stopAfterKeys] {
                if (analysis.isRunning() && analysis.report().total.keys >= stopAfterKeys)
                    analysis.cancel();
            });
        }
        analysis.start();
        if (!finished.wait(60000))
            qWarning("the analysis did not finish");
        return analysis.report();
    }

    qint64 memoryUsage(const QByteArray& key)
    {
        return testing::runCommand(*m_connection, {"MEMORY", "USAGE", key}).integer();
    }

    static testing::ToolRun cachectl(const QStringList& arguments, const QString& analysesDirectory)
    {
        return testing::runTool(
            QStringLiteral(CACHECTL_PATH), arguments, {u"CACHESCOPE_ANALYSES_DIR="_s + analysesDirectory}, 60000);
    }

private Q_SLOTS:
    // Two groups merged hold what one group given both sets of keys holds, field by field (a cluster's masters and
    // the "(other)" group are merged this way).
    // The biggest keys of the same data are the same list whatever order SCAN meets them in: keys of one size by
    // their bytes, at the cut too, measured one by one or merged from parts.
    void biggestKeysDoNotDependOnTheScanOrder()
    {
        const QList<std::pair<QByteArray, qint64>> keys {
            {"k3", 64}, {"k1", 64}, {"big", 200}, {"k4", 64}, {"k2", 64}, {"small", 10}};
        const auto listed = [](const GroupFigures& group) {
            QList<QByteArray> names;
            for (const BigKey& big : group.biggest)
                names.append(big.key);
            return names;
        };
        const QList<QByteArray> expected {"big", "k1", "k2"};
        QList<int> order {0, 1, 2, 3, 4, 5};
        do {
            GroupFigures one;
            GroupFigures firstHalf;
            GroupFigures secondHalf;
            for (int i = 0; i < order.size(); ++i) {
                const auto& [key, bytes] = keys.at(order.at(i));
                one.addMeasured(key, bytes, -1, 3);
                (i < 3 ? firstHalf : secondHalf).addMeasured(key, bytes, -1, 3);
            }
            QCOMPARE(listed(one), expected);
            secondHalf.merge(firstHalf, 3);
            QCOMPARE(listed(secondHalf), expected);
        } while (std::next_permutation(order.begin(), order.end()));
    }

    // SCAN may return a key twice while the server rehashes: the biggest keys name it once, measured once or
    // twice, in one group or across two that are merged.
    void aKeyScannedTwiceIsListedOnce()
    {
        const auto listed = [](const GroupFigures& group) {
            QList<QByteArray> names;
            for (const BigKey& big : group.biggest)
                names.append(big.key);
            return names;
        };
        GroupFigures one;
        one.addMeasured("a", 100, -1, 3);
        one.addMeasured("b", 100, 5'000, 3);
        one.addMeasured("b", 100, 4'000, 3); // again, a second later
        one.addMeasured("c", 50, -1, 3);
        QCOMPARE(listed(one), (QList<QByteArray> {"a", "b", "c"}));
        QCOMPARE(one.biggest.at(1).pttlMs, 5'000); // the first measure stays
        GroupFigures other;
        other.addMeasured("b", 100, 4'000, 3);
        other.addMeasured("d", 10, -1, 3);
        one.merge(other, 3);
        QCOMPARE(listed(one), (QList<QByteArray> {"a", "b", "c"}));
        GroupFigures wide;
        wide.addMeasured("b", 100, 5'000, 4);
        wide.merge(other, 4);
        QCOMPARE(listed(wide), (QList<QByteArray> {"b", "d"}));
    }

    void mergedGroupsAreTheirUnion()
    {
        struct Measured
        {
            QByteArray key;
            qint64 bytes;
            qint64 pttlMs;
        };
        const QList<Measured> first {{"a1", 100, -1}, {"a2", 300, 5'000}, {"a3", 50, 90'000'000}};
        const QList<Measured> second {{"b1", 200, 60'000}, {"b2", 300, -1}};
        GroupFigures a;
        GroupFigures b;
        GroupFigures whole;
        for (const Measured& m : first) {
            a.addMeasured(m.key, m.bytes, m.pttlMs, 2);
            whole.addMeasured(m.key, m.bytes, m.pttlMs, 2);
        }
        for (const Measured& m : second) {
            b.addMeasured(m.key, m.bytes, m.pttlMs, 2);
            whole.addMeasured(m.key, m.bytes, m.pttlMs, 2);
        }
        a.keys = 4; // one key seen by SCAN but not measured
        b.keys = 2;
        whole.keys = 6;
        a.merge(b, 2);
        QCOMPARE(a.keys, 6);
        QCOMPARE(a.measured, 5);
        QCOMPARE(a.measured, whole.measured);
        QCOMPARE(a.bytes, 950);
        QCOMPARE(a.bytesSquared, whole.bytesSquared);
        QVERIFY(a.ttlKeys == whole.ttlKeys);
        QVERIFY(a.ttlBytes == whole.ttlBytes);
        QCOMPARE(a.persistentAgainstRules, whole.persistentAgainstRules);
        QCOMPARE(a.biggest.size(), 2);
        QCOMPARE(a.biggest.at(0).bytes, 300);
        QCOMPARE(a.biggest.at(1).bytes, 300);
    }

    // A partial analysis narrowed to a pattern or a scope says its counts as counted, never projected to the whole
    // keyspace (what was scanned is not a sample of it).
    void aNarrowedPartialAnalysisIsNotProjected_data()
    {
        QTest::addColumn<QByteArray>("match");
        QTest::addColumn<QString>("scope");
        QTest::addColumn<bool>("projected");
        QTest::newRow("the whole keyspace") << QByteArray() << QString() << true;
        QTest::newRow("a pattern") << QByteArray("events:*") << QString() << false;
        QTest::newRow("a scope") << QByteArray() << u"tenant acme"_s << false;
    }
    void aNarrowedPartialAnalysisIsNotProjected()
    {
        QFETCH(QByteArray, match);
        QFETCH(QString, scope);
        QFETCH(bool, projected);
        AnalysisReport report;
        report.complete = false;
        report.match = match;
        report.scope = scope;
        report.keyspaceSize = 1000;
        report.total.keys = 100;
        GroupFigures group;
        group.keys = 10;
        const Estimate estimate = report.keysEstimate(group);
        if (projected) {
            QCOMPARE(estimate.value, 100.0);
            QVERIFY(estimate.error.has_value());
        } else {
            QCOMPARE(estimate.value, 10.0);
            QVERIFY(!estimate.error.has_value());
        }
    }

    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_connection = std::make_unique<redis::Connection>(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(*m_connection));
    }

    void init()
    {
        testing::runCommand(*m_connection, {"FLUSHALL"});
        m_seeded.clear();
        const qint64 hour = 3600;
        const auto gateway = [this](const QByteArray& key, qsizetype size, qint64 ttl, const QByteArray& route,
                                 const QByteArray& tenant) {
            set(key, size, ttl);
            m_seeded.append({key, route, tenant, "gateway"});
        };
        // Three events of tenant t1 freed within the hour, two of t2 within the day, one of t2 left without the
        // TTL the gateway always gives (a bug in some writer: "must expire" catches it).
        gateway(gatewayKey("/api/events/1", "t1", "v1"), 100, 600, "GET /api/events", "t1");
        gateway(gatewayKey("/api/events/2", "t1", "v1"), 2000, 600, "GET /api/events", "t1");
        gateway(gatewayKey("/api/events/3", "t1", "v2"), 300, 600, "GET /api/events", "t1");
        gateway(gatewayKey("/api/events/4", "t2", "v3"), 400, 20 * hour, "GET /api/events", "t2");
        gateway(gatewayKey("/api/events/5", "t2", "v3"), 500, 20 * hour, "GET /api/events", "t2");
        gateway(gatewayKey("/api/events/6", "t2", "v3"), 600, 0, "GET /api/events", "t2");
        // Search varies by q and category: q takes 3 values, category 2 (one absent), within 4 hours.
        const auto search = [&](const QByteArray& q, std::optional<QByteArray> category, const QByteArray& tenant) {
            gateway(gatewayKey("/api/search", tenant, "v1", {{"q", q}, {"category", std::move(category)}}), 50,
                3 * hour, "GET /api/search", tenant);
        };
        search("rock", "music", "t1");
        search("jazz", "music", "t1");
        search("rock", std::nullopt, "t1");
        search("\xff\x00 bin"_ba, "sport", "t2");
        // A private entry, no venue: the user counts as a variant.
        gateway(gatewayKey("/api/venues/9", "t1", std::nullopt, {}, QByteArray("u42")), 70, 30 * hour,
            "GET /api/venues", "t1");
        // Service entries: session has a namespace TTL (must expire), events has none.
        set("session:a", 10, 0);
        m_seeded.append({"session:a", {}, {}, "session"});
        set("events:9", 10, 0);
        m_seeded.append({"events:9", {}, {}, "events"});
        // A key of unknown shape with bytes that are not text, and CacheScope's own.
        set("\x01odd\xfe"_ba, 5, 0);
        m_seeded.append({"\x01odd\xfe"_ba, {}, {}, "other"});
        set("cachescope:test", 5, 0);
        m_seeded.append({"cachescope:test", {}, {}, "cachescope"});
    }

    // The projection at its edges: nothing scanned yet (0/0) gives a finite count and no claimed error, everything
    // scanned is the count as seen, a part without spread claims no error, and any projection lies between 0 and the
    // whole; a claimed error is never 0.
    void projectionAtTheEdges_data()
    {
        QTest::addColumn<qint64>("group");
        QTest::addColumn<qint64>("seen");
        QTest::addColumn<qint64>("whole");
        QTest::addColumn<double>("value");
        QTest::addColumn<bool>("withError"); // a projection claims a 95 % error; a count as seen claims none
        QTest::newRow("nothing scanned") << qint64(0) << qint64(0) << qint64(1000) << 0.0 << false;
        QTest::newRow("nothing at all") << qint64(0) << qint64(0) << qint64(0) << 0.0 << false;
        QTest::newRow("all scanned") << qint64(10) << qint64(10) << qint64(10) << 10.0 << false;
        QTest::newRow("more seen than the whole") << qint64(12) << qint64(12) << qint64(10) << 12.0 << false;
        QTest::newRow("a tenth scanned") << qint64(3) << qint64(10) << qint64(100) << 30.0 << true;
        // Ten keys seen, all of the group: a projection of 100 with no spread to measure, never "exactly 100".
        QTest::newRow("the group is everything") << qint64(10) << qint64(10) << qint64(100) << 100.0 << false;
        QTest::newRow("nine of ten seen are the group") << qint64(9) << qint64(10) << qint64(100) << 90.0 << true;
        QTest::newRow("one key of one seen") << qint64(1) << qint64(1) << qint64(1000000) << 1000000.0 << false;
    }
    void projectionAtTheEdges()
    {
        QFETCH(qint64, group);
        QFETCH(qint64, seen);
        QFETCH(qint64, whole);
        QFETCH(double, value);
        QFETCH(bool, withError);
        const analysis::Estimate estimate = analysis::projectScannedCount(group, seen, whole);
        QVERIFY(std::isfinite(estimate.value));
        QCOMPARE(estimate.value, value);
        QCOMPARE(estimate.error.has_value(), withError);
        QVERIFY(estimate.value >= 0 && estimate.value <= double(std::max(whole, seen)));
        if (estimate.error)
            QVERIFY(std::isfinite(*estimate.error) && *estimate.error > 0);
    }

    // The share of entries pushed out before their TTL, down to a single event (a generated mutant that called one
    // event "no events" survived the suite).
    void evictedShareCountsEveryEvent_data()
    {
        QTest::addColumn<qint64>("expired");
        QTest::addColumn<qint64>("evicted");
        QTest::addColumn<double>("share");
        QTest::newRow("none") << qint64(0) << qint64(0) << 0.0;
        QTest::newRow("one eviction") << qint64(0) << qint64(1) << 1.0;
        QTest::newRow("one expiry") << qint64(1) << qint64(0) << 0.0;
        QTest::newRow("one of each") << qint64(1) << qint64(1) << 0.5;
        QTest::newRow("3 of 4 evicted") << qint64(1) << qint64(3) << 0.75;
    }
    void evictedShareCountsEveryEvent()
    {
        QFETCH(qint64, expired);
        QFETCH(qint64, evicted);
        QFETCH(double, share);
        QCOMPARE((KeyEventWatch::Counts {expired, evicted}.evictedShare()), share);
    }

    // At most 10 keys are kept as samples of "must expire but does not", whatever their number (limit and past
    // it: a generated mutant letting an eleventh in survived the suite); every one is counted.
    void persistentSamplesAreBounded_data()
    {
        QTest::addColumn<int>("persistent"); // added to the two the seed holds
        QTest::newRow("10 in all, the bound") << 8;
        QTest::newRow("11 in all, one past") << 9;
    }
    void persistentSamplesAreBounded()
    {
        QFETCH(int, persistent);
        for (int i = 0; i < persistent; ++i)
            testing::runCommand(*m_connection, {"SET", "session:bound" + QByteArray::number(i), "x"});
        const AnalysisReport report = analyse(*m_connection, {});
        for (int i = 0; i < persistent; ++i)
            testing::runCommand(*m_connection, {"DEL", "session:bound" + QByteArray::number(i)});
        QVERIFY2(report.complete, qPrintable(report.error));
        QCOMPARE(report.total.persistentAgainstRules, persistent + 2);
        QCOMPARE(report.persistentSamples.size(), 10);
    }

    // A private entry's user is a variant of its route and of its tenant, whether its key holds escaped bytes (then
    // decoded by the full parser) or not (read in place).
    void usersAreVariantsOfTheirRouteAndTenant_data()
    {
        QTest::addColumn<QList<QByteArray>>("users");
        QTest::newRow("read in place") << QList<QByteArray> {"u7", "u8"};
        QTest::newRow("escaped bytes") << QList<QByteArray> {"u:7", "u%8"};
        QTest::newRow("both") << QList<QByteArray> {"u7", "u:7", "u%8"};
    }
    void usersAreVariantsOfTheirRouteAndTenant()
    {
        QFETCH(QList<QByteArray>, users);
        for (const QByteArray& user : users)
            set(gatewayKey("/api/venues/9", "t3", std::nullopt, {}, user), 70, 3600);
        const AnalysisReport report = analyse(*m_connection, {});
        QVERIFY2(report.complete, qPrintable(report.error));
        QCOMPARE(report.by(Dimension::Route).value("GET /api/venues").variants.value("user").count, users.size() + 1);
        QCOMPARE(report.by(Dimension::Tenant).value("t3").variants.value("user").count, users.size());
        QCOMPARE(report.by(Dimension::Tenant).value("t1").variants.value("user").count, 1); // the seed's u42
    }

    // The pacing: quick batches double up to the most allowed; a batch held past the guard (the server frozen for
    // 300 ms) halves the next. The figures are the same either way.
    void batchesFollowTheLatencyGuard_data()
    {
        QTest::addColumn<bool>("freeze");
        QTest::newRow("quick batches grow") << false;
        QTest::newRow("a slow batch halves the next") << true;
    }
    void batchesFollowTheLatencyGuard()
    {
        QFETCH(bool, freeze);
        QList<QByteArray> command {"MSET"};
        for (int i = 0; i < 20000; ++i)
            command << "session:pace" + QByteArray::number(i) << "x";
        QVERIFY(testing::runCommand(*m_connection, command).isStatus("OK"));
        KeyspaceAnalysis::Options options;
        options.latencyGuard = 100ms; // far above what a healthy batch takes here, far below the freeze
        options.maxBatch = 400;
        options.progressInterval = 0ms;
        KeyspaceAnalysis analysis(m_connection.get(), options);
        QSignalSpy finished(&analysis, &KeyspaceAnalysis::finished);
        int largest = analysis.batchSize();
        int previous = analysis.batchSize();
        bool shrank = false;
        bool frozen = false;
        connect(&analysis, &KeyspaceAnalysis::progressed, this, [&] {
            shrank = shrank || analysis.batchSize() < previous;
            previous = analysis.batchSize();
            largest = std::max(largest, previous);
            if (freeze && !frozen && analysis.report().total.measured > 2000) {
                frozen = true;
                m_server.pause();
                QTimer::singleShot(300, this, [this] { m_server.resume(); });
            }
        });
        analysis.start();
        QVERIFY(finished.wait(60000));
        const AnalysisReport report = analysis.report();
        QVERIFY2(report.complete, qPrintable(report.error));
        QCOMPARE(report.total.measured, m_seeded.size() + 20000);
        QCOMPARE(largest, 400); // from the first 200
        QCOMPARE(shrank, freeze);
        // Pages of 1,000 keys hold several batches: two go at once, the rest wait for one to come back.
        QCOMPARE(analysis.peakBatchesInFlight(), 2);
        // The scan runs ahead of the measuring by four pages of keys and the page that crossed them, no further: it is
        // paused there, and resumed once a page is left (measuring a key costs far more than listing it).
        QVERIFY2(analysis.peakKeysWaiting() > 4 * 1000 && analysis.peakKeysWaiting() <= 5 * 1000,
            qPrintable(QString::number(analysis.peakKeysWaiting())));
    }

    void exactFiguresAreTheServersOwn()
    {
        const AnalysisReport report = analyse(*m_connection, {});
        QVERIFY2(report.complete, qPrintable(report.error));
        QCOMPARE(report.keyspaceSize, m_seeded.size());
        QCOMPARE(report.total.keys, m_seeded.size());
        QCOMPARE(report.total.measured, m_seeded.size());
        QCOMPARE(report.unmeasured, 0);

        // Every group's keys and bytes: the server's MEMORY USAGE summed over exactly the keys that belong to it.
        QMap<QByteArray, std::pair<qint64, qint64>> routes, tenants, namespaces;
        qint64 totalBytes = 0;
        for (const Seeded& seeded : m_seeded) {
            const qint64 bytes = memoryUsage(seeded.key);
            totalBytes += bytes;
            const QByteArray apart = seeded.ns == "cachescope" ? "(CacheScope's own keys)"
                : seeded.ns == "other"                         ? "(other keys)"
                                                               : "(service entries)";
            const QByteArray route = seeded.route.isEmpty() ? apart : seeded.route;
            const QByteArray tenant = seeded.tenant.isEmpty() ? apart : seeded.tenant;
            routes[route].first += 1;
            routes[route].second += bytes;
            tenants[tenant].first += 1;
            tenants[tenant].second += bytes;
            namespaces[seeded.ns].first += 1;
            namespaces[seeded.ns].second += bytes;
        }
        const auto check = [&report](Dimension dimension, const QMap<QByteArray, std::pair<qint64, qint64>>& truth) {
            QList<QByteArray> labels = report.by(dimension).keys();
            std::sort(labels.begin(), labels.end());
            QCOMPARE(labels, truth.keys());
            for (auto it = truth.cbegin(); it != truth.cend(); ++it) {
                const GroupFigures& group = report.by(dimension).value(it.key());
                QCOMPARE(group.keys, it->first);
                QCOMPARE(group.bytes, it->second);
                const Estimate bytes = report.bytesEstimate(group);
                QVERIFY(bytes.exact());
                QCOMPARE(qint64(bytes.value), it->second);
            }
        };
        check(Dimension::Route, routes);
        check(Dimension::Tenant, tenants);
        check(Dimension::Namespace, namespaces);
        QCOMPARE(report.total.bytes, totalBytes);

        // When memory comes back: by the PTTL each key had.
        const GroupFigures& events = report.by(Dimension::Route).value("GET /api/events");
        QCOMPARE(events.ttlKeys, (std::array<qint64, ttlBucketCount> {3, 0, 2, 0, 1}));
        const GroupFigures& search = report.by(Dimension::Route).value("GET /api/search");
        QCOMPARE(search.ttlKeys, (std::array<qint64, ttlBucketCount> {0, 4, 0, 0, 0}));
        QCOMPARE(report.by(Dimension::Route).value("GET /api/venues").ttlKeys,
            (std::array<qint64, ttlBucketCount> {0, 0, 0, 1, 0}));
        QCOMPARE(events.ttlBytes[std::size_t(TtlBucket::Never)], memoryUsage(gatewayKey("/api/events/6", "t2", "v3")));

        // Must expire but does not: the TTL-less gateway entry and the session; not events:9 (no rule for it), not
        // the odd key, not CacheScope's own.
        QCOMPARE(report.total.persistentAgainstRules, 2);
        QCOMPARE(events.persistentAgainstRules, 1);
        QCOMPARE(report.by(Dimension::Namespace).value("session").persistentAgainstRules, 1);
        QCOMPARE(QSet<QByteArray>(report.persistentSamples.cbegin(), report.persistentSamples.cend()),
            (QSet<QByteArray> {gatewayKey("/api/events/6", "t2", "v3"), "session:a"}));

        // The biggest keys, largest first, with their TTL.
        QCOMPARE(events.biggest.size(), 6);
        QCOMPARE(events.biggest.first().key, gatewayKey("/api/events/2", "t1", "v1"));
        QCOMPARE(events.biggest.first().bytes, memoryUsage(gatewayKey("/api/events/2", "t1", "v1")));
        QVERIFY(events.biggest.first().pttlMs > 590000 && events.biggest.first().pttlMs <= 600000);
        QCOMPARE(events.biggest.at(1).key, gatewayKey("/api/events/6", "t2", "v3"));
        QCOMPARE(events.biggest.at(1).pttlMs, -1);

        // Variant explosion: distinct values per vary-by parameter, per route and per tenant.
        QCOMPARE(search.variants.value("q").count, 3);
        QCOMPARE(search.variants.value("category").count, 3); // music, sport, and absent
        QCOMPARE(report.by(Dimension::Tenant).value("t1").variants.value("q").count, 2);
        QCOMPARE(report.by(Dimension::Tenant).value("t2").variants.value("q").count, 1);
        QCOMPARE(report.by(Dimension::Route).value("GET /api/venues").variants.value("user").count, 1);
        QCOMPARE(report.by(Dimension::Venue).value("(none)").keys, 1);
    }

    void theSampleIsTheSameKeysInEveryProcess()
    {
        // Values fixed here: a hash seeded per process would choose other keys in the next run (and did).
        int chosen = 0;
        for (int i = 0; i < 10000; ++i)
            chosen += KeyspaceAnalysis::isSampled("events:" + QByteArray::number(i), 10) ? 1 : 0;
        QCOMPARE(chosen, 1052); // about one in ten, and exactly these
        QCOMPARE(KeyspaceAnalysis::isSampled("events:0", 10), false);
        QCOMPARE(KeyspaceAnalysis::isSampled("gateway:response:GET:/api/events/1", 2), false);
        QCOMPARE(KeyspaceAnalysis::isSampled("gateway:response:GET:/api/events/4", 2), true); // as Python computes it
        QCOMPARE(KeyspaceAnalysis::isSampled("anything", 1), true);
    }

    // Without TTLs: the same bytes exactly, no keyspace lookup at all, and no TTL figure pretending to be one.
    void withoutTtlsTheBytesAreTheSameAndNothingIsLookedUp_data()
    {
        QTest::addColumn<bool>("script");
        QTest::newRow("by script") << true;
        QTest::newRow("by commands") << false;
    }
    void withoutTtlsTheBytesAreTheSameAndNothingIsLookedUp()
    {
        QFETCH(bool, script);
        const AnalysisReport withTtls = analyse(*m_connection, {});
        KeyspaceAnalysis::Options options;
        options.measureTtl = false;
        options.useScript = script;
        const redis::LookupCount before = testing::serverLookups(*m_connection);
        const AnalysisReport report = analyse(*m_connection, options);
        const redis::LookupCount after = testing::serverLookups(*m_connection);
        QVERIFY2(report.complete, qPrintable(report.error));
        QCOMPARE(report.ttlMeasured, false);
        QCOMPARE(after - before, redis::LookupCount());
        QCOMPARE(report.total.keys, withTtls.total.keys);
        QCOMPARE(report.total.measured, withTtls.total.measured);
        QCOMPARE(report.total.bytes, withTtls.total.bytes);
        QCOMPARE(report.by(Dimension::Route).value("GET /api/events").bytes,
            withTtls.by(Dimension::Route).value("GET /api/events").bytes);
        QCOMPARE(report.total.ttlKeys, (std::array<qint64, ttlBucketCount> {}));
        QCOMPARE(report.total.persistentAgainstRules, 0);
        QCOMPARE(report.ttlBytesEstimate(report.total, TtlBucket::WithinHour), 0.0);
        QCOMPARE(report.total.biggest.first().pttlMs, KeyspaceAnalysis::ttlNotRead);
        QCOMPARE(diffAnalyses(withTtls, report, Dimension::Route).caveat,
            u"TTLs not read in one of them (no TTL comparison)"_s);
        QString error;
        QCOMPARE(AnalysisReport::fromJson(report.toJson(), &error)->ttlMeasured, false);
    }

    void aKeyGoneBeforeItsMeasurementIsNotCounted_data()
    {
        QTest::addColumn<redis::Reply>("memory");
        QTest::addColumn<redis::Reply>("pttl");
        QTest::addColumn<qint64>("bytes"); // -1: not measured
        QTest::addColumn<qint64>("pttlMs");
        QTest::newRow("present, expiring")
            << redis::Reply::integer(72) << redis::Reply::integer(5000) << 72LL << 5000LL;
        QTest::newRow("present, no expiry") << redis::Reply::integer(72) << redis::Reply::integer(-1) << 72LL << -1LL;
        QTest::newRow("deleted before both") << redis::Reply::nil() << redis::Reply::integer(-2) << -1LL << 0LL;
        // MEMORY USAGE finds a key past its TTL that the server has not reclaimed yet; PTTL says it is gone.
        QTest::newRow("expired, not reclaimed")
            << redis::Reply::integer(72) << redis::Reply::integer(-2) << -1LL << 0LL;
        QTest::newRow("deleted between the two") << redis::Reply::nil() << redis::Reply::integer(500) << -1LL << 0LL;
    }
    void aKeyGoneBeforeItsMeasurementIsNotCounted()
    {
        QFETCH(redis::Reply, memory);
        QFETCH(redis::Reply, pttl);
        QFETCH(qint64, bytes);
        QFETCH(qint64, pttlMs);
        const auto measured = KeyspaceAnalysis::measurementOf(memory, pttl);
        QCOMPARE(measured.has_value(), bytes >= 0);
        if (measured) {
            QCOMPARE(measured->bytes, bytes);
            QCOMPARE(measured->pttlMs, pttlMs);
        }
    }

    void readOnlyConnectionsAnalyseAndTheirLookupsAreTheirOwn_data()
    {
        QTest::addColumn<bool>("scripts");
        QTest::newRow("by script") << true;
        QTest::newRow("by commands, scripts refused") << false;
    }
    void readOnlyConnectionsAnalyseAndTheirLookupsAreTheirOwn()
    {
        QFETCH(bool, scripts);
        redis::ConnectionOptions options = m_server.connectionOptions();
        options.readOnly = true;
        options.clientName = scripts ? u"cachescope-analysis-script"_s : u"cachescope-analysis-commands"_s;
        if (!scripts) {
            // +@read holds SCAN, DBSIZE, MEMORY USAGE and PTTL; EVAL_RO is @scripting, so the script is refused.
            testing::runCommand(*m_connection,
                {"ACL", "SETUSER", "reader", "on", ">secret", "~*", "resetchannels", "+@read", "+@connection"});
            options.username = u"reader"_s;
            options.password = u"secret"_s;
        }
        redis::Connection readOnly(options);
        QVERIFY(testing::openAndWait(readOnly));
        const redis::LookupCount ownBefore =
            redis::ownLookupsOf(options.host + u':' + QString::number(options.port), options.clientName).current();
        const redis::LookupCount serverBefore = testing::serverLookups(*m_connection);
        KeyspaceAnalysis analysis(&readOnly, {});
        QSignalSpy finished(&analysis, &KeyspaceAnalysis::finished);
        analysis.start();
        QVERIFY(finished.wait(20000));
        const AnalysisReport& report = analysis.report();
        QVERIFY2(report.complete, qPrintable(report.error));
        QCOMPARE(analysis.measuresByScript(), scripts);
        QCOMPARE(report.total.measured, m_seeded.size());
        const redis::LookupCount serverAfter = testing::serverLookups(*m_connection);
        const redis::LookupCount own =
            redis::ownLookupsOf(options.host + u':' + QString::number(options.port), options.clientName).current()
            - ownBefore;
        // One PTTL per key, every one a hit; MEMORY USAGE, SCAN and DBSIZE are none. INFO itself is no lookup.
        QCOMPARE(own, (redis::LookupCount {m_seeded.size(), 0}));
        QCOMPARE(serverAfter - serverBefore, own);
    }

    void sampledFiguresHoldTheTruthWithinTheirError()
    {
        // 30,000 events of sizes 10…2,000 bytes over 3 tenants, made server-side.
        testing::runCommand(*m_connection, {"FLUSHALL"});
        m_server.cli({u"EVAL"_s,
            u"for i = 0, 29999 do redis.call('SET', 'gateway:response:GET:/api/events/' .. i .. ':tenant:t' .. (i % 3)"
            u" .. ':venue:v' .. (i % 7), string.rep('x', 10 + (i * 7919) % 1990), 'EX', 600) end"_s,
            u"0"_s});
        const AnalysisReport exact = analyse(*m_connection, {});
        QVERIFY(exact.complete);
        QCOMPARE(exact.total.keys, 30000);
        KeyspaceAnalysis::Options sampled;
        sampled.sampleEvery = 20;
        const AnalysisReport estimate = analyse(*m_connection, sampled);
        QVERIFY(estimate.complete);
        QCOMPARE(estimate.total.keys, 30000); // counts stay exact: SCAN sees every key
        QVERIFY2(estimate.total.measured > 1200 && estimate.total.measured < 1800,
            qPrintable(QString::number(estimate.total.measured)));
        int within = 0;
        int groups = 0;
        for (Dimension dimension : {Dimension::Tenant, Dimension::Venue}) {
            for (auto it = exact.by(dimension).cbegin(); it != exact.by(dimension).cend(); ++it) {
                const Estimate bytes = estimate.bytesEstimate(estimate.by(dimension).value(it.key()));
                QVERIFY(bytes.error && *bytes.error > 0);
                // Twice the stated 95 % half-width (about four standard errors): a right estimate stays inside it,
                // and the key choice is a fixed hash, so it does run after run.
                QVERIFY2(std::abs(bytes.value - double(it->bytes)) <= 2 * *bytes.error,
                    qPrintable(u"%1: %2 ± %3 against %4"_s.arg(QString::fromUtf8(it.key()))
                                   .arg(bytes.value)
                                   .arg(*bytes.error)
                                   .arg(it->bytes)));
                QVERIFY(*bytes.error < 0.15 * double(it->bytes)); // and useful: tight enough to act on
                within += std::abs(bytes.value - double(it->bytes)) <= *bytes.error ? 1 : 0;
                ++groups;
            }
        }
        // Most groups inside the stated interval itself: a stated error far too small would put many outside.
        QVERIFY2(within >= groups - 2, qPrintable(u"%1 of %2"_s.arg(within).arg(groups)));
    }

    void aPartialScanProjectsEveryGroupWithinItsError()
    {
        testing::runCommand(*m_connection, {"FLUSHALL"});
        // 40,000 keys of 4 namespaces in proportions 1:2:3:4.
        m_server.cli({u"EVAL"_s,
            u"local ns = {'a','b','b','c','c','c','d','d','d','d'} for i = 0, 39999 do"
            u" redis.call('SET', ns[(i % 10) + 1] .. ':' .. i, 'x') end"_s,
            u"0"_s});
        KeyspaceAnalysis::Options options;
        options.scanCount = 200;
        options.progressInterval = 0ms; // a look after every page: the test stops it at 8,000 keys
        const AnalysisReport partial = analyse(*m_connection, options, 8000);
        QVERIFY(!partial.complete);
        QCOMPARE(partial.error, u"cancelled"_s);
        QVERIFY(partial.scannedFraction() > 0.1 && partial.scannedFraction() < 0.6);
        const QMap<QByteArray, qint64> truth {{"a", 4000}, {"b", 8000}, {"c", 12000}, {"d", 16000}};
        for (auto it = truth.cbegin(); it != truth.cend(); ++it) {
            const Estimate keys = partial.keysEstimate(partial.by(Dimension::Namespace).value(it.key()));
            QVERIFY(keys.error && *keys.error > 0);
            // SCAN's order follows the server's randomly seeded hash: allow twice the stated 95 % half-width, which
            // a correct estimate misses about once in ten thousand runs; a wrong projection misses by far more.
            QVERIFY2(std::abs(keys.value - double(*it)) <= 2 * *keys.error,
                qPrintable(u"%1: %2 ± %3 against %4"_s.arg(QString::fromUtf8(it.key()))
                               .arg(keys.value)
                               .arg(*keys.error)
                               .arg(*it)));
        }
    }

    void aFrozenOrKilledServerEndsItWithTheReason_data()
    {
        QTest::addColumn<bool>("freeze");
        QTest::newRow("frozen past the timeout") << true;
        QTest::newRow("killed") << false;
    }
    void aFrozenOrKilledServerEndsItWithTheReason()
    {
        QFETCH(bool, freeze);
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"EVAL"_s, u"for i = 0, 59999 do redis.call('SET', 'events:' .. i, 'x') end"_s, u"0"_s});
        redis::ConnectionOptions options = server.connectionOptions();
        options.commandTimeout = 700ms;
        options.autoReconnect = false;
        redis::Connection connection(options);
        QVERIFY(testing::openAndWait(connection));
        KeyspaceAnalysis::Options analysisOptions;
        analysisOptions.scanCount = 100;
        analysisOptions.progressInterval = 0ms;
        KeyspaceAnalysis analysis(&connection, analysisOptions);
        QSignalSpy finished(&analysis, &KeyspaceAnalysis::finished);
        bool struck = false;
        connect(&analysis, &KeyspaceAnalysis::progressed, this, [&] {
            if (!struck && analysis.report().total.keys > 1000) {
                struck = true;
                freeze ? server.pause() : server.kill();
            }
        });
        analysis.start();
        QVERIFY(finished.wait(20000));
        if (freeze)
            server.resume();
        QVERIFY(struck);
        QCOMPARE(finished.size(), 1);
        const AnalysisReport& report = analysis.report();
        QVERIFY(!report.complete);
        QVERIFY2(!report.error.isEmpty(), "no reason given");
        QVERIFY(report.total.keys < 60000);
        QVERIFY(report.total.measured <= report.total.keys);
    }

    void aRefusedMeasurementEndsItWithTheServersWords()
    {
        testing::RedisServer::Config config;
        config.extraConfig = {u"user nomemory on >secret ~* +@read +scan +dbsize -memory +ping +client +hello"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        server.cli({u"MSET"_s, u"events:1"_s, u"x"_s, u"events:2"_s, u"y"_s, u"events:3"_s, u"z"_s});
        redis::ConnectionOptions options = server.connectionOptions();
        options.username = u"nomemory"_s;
        options.password = u"secret"_s;
        redis::Connection connection(options);
        QVERIFY(testing::openAndWait(connection));
        const AnalysisReport report = analyse(connection, {});
        QVERIFY(!report.complete);
        QVERIFY2(report.error.startsWith(u"MEMORY USAGE failed: NOPERM"_s), qPrintable(report.error));
        QCOMPARE(report.total.keys, 3);
        QCOMPARE(report.total.measured, 0);
        QCOMPARE(report.unmeasured, 0); // the batch's other keys are not counted as gone after the failure
    }

    // A group's distinct values are counted up to the cap, then only "at least the cap": the hashes are dropped so
    // memory stays flat.
    void distinctValuesStopAtTheirCap_data()
    {
        QTest::addColumn<int>("values");
        QTest::addColumn<qint64>("count");
        QTest::addColumn<bool>("capped");
        QTest::newRow("cap - 1") << int(DistinctValues::cap - 1) << qint64(DistinctValues::cap - 1) << false;
        QTest::newRow("cap") << int(DistinctValues::cap) << qint64(DistinctValues::cap) << true;
        QTest::newRow("cap + 1") << int(DistinctValues::cap + 1) << qint64(DistinctValues::cap) << true;
    }
    void distinctValuesStopAtTheirCap()
    {
        QFETCH(int, values);
        QFETCH(qint64, count);
        QFETCH(bool, capped);
        DistinctValues distinct;
        for (int i = 0; i < values; ++i) {
            const QByteArray value = "user-" + QByteArray::number(i);
            distinct.add(value);
            distinct.add(value); // a value seen again is no new one
        }
        QCOMPARE(distinct.count, count);
        QCOMPARE(distinct.capped, capped);
        QCOMPARE(distinct.hashes.isEmpty(), capped);
    }

    // Merged groups (a cluster's nodes) add their distinct counts and keep "capped"; the biggest keys are the
    // largest of both, at most topKeys, ties in the order merged.
    void mergedVariantsAddUpAndKeepTheCap()
    {
        GroupFigures a;
        a.variants["user"].count = 7;
        a.variants["q"].count = 3;
        a.biggest = {{"a1", 500, -1}, {"a2", 100, -1}};
        GroupFigures b;
        b.variants["user"].count = 5;
        b.variants["user"].capped = true;
        b.variants["lang"].count = 2;
        b.biggest = {{"b1", 500, 10}, {"b2", 300, -1}};
        a.merge(b, 3);
        QCOMPARE(a.variants.size(), 3);
        QCOMPARE(a.variants.value("user").count, 12);
        QCOMPARE(a.variants.value("user").capped, true);
        QCOMPARE(a.variants.value("q").count, 3);
        QCOMPARE(a.variants.value("q").capped, false);
        QCOMPARE(a.variants.value("lang").count, 2);
        QCOMPARE(a.biggest, (QList<BigKey> {{"a1", 500, -1}, {"b1", 500, 10}, {"b2", 300, -1}}));
    }

    // What share of the keyspace was walked, and the estimates where nothing, or everything, was measured.
    void scannedFractionAndEstimatesAtTheEdges()
    {
        AnalysisReport report;
        report.keyspaceSize = 1000;
        report.total.keys = 250;
        QCOMPARE(report.scannedFraction(), 0.25);
        report.total.keys = 1500; // keys written during the scan: never more than the whole
        QCOMPARE(report.scannedFraction(), 1.0);
        report.total.keys = 250;
        report.match = "events:*";
        QCOMPARE(report.scannedFraction(), 0.0); // SCAN MATCH says nothing of how much it walked
        report.match.clear();
        report.scope = u"tenant acme"_s;
        QCOMPARE(report.scannedFraction(), 0.0);
        report.scope.clear();
        report.keyspaceSize = 0;
        QCOMPARE(report.scannedFraction(), 0.0);
        report.complete = true;
        QCOMPARE(report.scannedFraction(), 1.0);

        // Nothing measured: no bytes, exact only when the group has no keys either.
        report.complete = false;
        report.keyspaceSize = 1000;
        GroupFigures empty;
        QCOMPARE(report.bytesEstimate(empty).value, 0.0);
        QCOMPARE(report.bytesEstimate(empty).error, std::optional<double>(0.0));
        GroupFigures unmeasured;
        unmeasured.keys = 10;
        QCOMPARE(report.bytesEstimate(unmeasured).value, 0.0);
        QCOMPARE(report.bytesEstimate(unmeasured).error, std::nullopt);
    }

    void bytesEstimatesAreDescribed_data()
    {
        QTest::addColumn<double>("value");
        QTest::addColumn<std::optional<double>>("error");
        QTest::addColumn<QString>("suffix");
        QTest::addColumn<bool>("approximate");
        QTest::newRow("exact") << 2048.0 << std::optional<double>(0.0) << QString() << false;
        QTest::newRow("under 1 %") << 2048.0 << std::optional<double>(20.0) << u" ± <1 %"_s << true;
        QTest::newRow("at 1 %") << 2000.0 << std::optional<double>(20.0) << u" ± 1 %"_s << true;
        QTest::newRow("3 %") << 2000.0 << std::optional<double>(61.0) << u" ± 3 %"_s << true;
        QTest::newRow("error unknown") << 2048.0 << std::optional<double>() << QString() << true;
        QTest::newRow("nothing, error unknown") << 0.0 << std::optional<double>(5.0) << QString() << true;
    }
    void bytesEstimatesAreDescribed()
    {
        QFETCH(double, value);
        QFETCH(std::optional<double>, error);
        QFETCH(QString, suffix);
        QFETCH(bool, approximate);
        QCOMPARE(
            describeBytesEstimate({value, error}), (approximate ? u"≈ "_s : QString()) + describeBytes(value) + suffix);
    }

    // A group with keys but no measured one has no memory figure, and the table says why rather than "≈ 0 B": a
    // sampled run drew none of its keys; a full run found every one gone before MEMORY USAGE reached it.
    void aGroupWithoutMeasurementsSaysWhy_data()
    {
        QTest::addColumn<int>("sampleEvery");
        QTest::addColumn<qint64>("keys");
        QTest::addColumn<qint64>("measured");
        QTest::addColumn<QString>("shown");
        QTest::newRow("sampled, none drawn") << 16 << 3LL << 0LL << u"none sampled"_s;
        QTest::newRow("full, all gone") << 1 << 3LL << 0LL << u"none measured"_s;
        QTest::newRow("full, one measured, two gone") << 1 << 3LL << 1LL << u"1.00 KiB"_s; // what is still there
        QTest::newRow("full, all measured") << 1 << 3LL << 3LL << u"3.00 KiB"_s;
        QTest::newRow("sampled, one drawn") << 2 << 3LL << 1LL << u"≈ 3.00 KiB"_s;
        // Two drawn of one size show no spread: still an estimate (error unknown), never an exact figure.
        QTest::newRow("sampled, two alike drawn") << 2 << 3LL << 2LL << u"≈ 3.00 KiB"_s;
        QTest::newRow("sampled, every key drawn") << 2 << 3LL << 3LL << u"3.00 KiB"_s;
        QTest::newRow("sampled, the only key drawn") << 16 << 1LL << 1LL << u"1.00 KiB"_s;
        QTest::newRow("no keys") << 1 << 0LL << 0LL << describeBytes(0);
        QTest::newRow("sampled, no keys") << 16 << 0LL << 0LL << describeBytes(0);
    }
    void aGroupWithoutMeasurementsSaysWhy()
    {
        QFETCH(int, sampleEvery);
        QFETCH(qint64, keys);
        QFETCH(qint64, measured);
        QFETCH(QString, shown);
        AnalysisReport report;
        report.sampleEvery = sampleEvery;
        report.complete = true;
        report.keyspaceSize = keys;
        GroupFigures group;
        group.keys = keys;
        for (qint64 i = 0; i < measured; ++i)
            group.addMeasured("k" + QByteArray::number(i), 1024, -1, 3);
        report.total = group;
        QCOMPARE(describeGroupBytes(report, group), shown);
    }

    // The CSV export (cachectl analyze --csv, the Analysis pane's Export) is RFC 4180: every text quoted, quotes
    // doubled, labels escaped; rows sorted by label; the top variant with "+" when it hit the cap.
    void csvIsExactAndEscaped()
    {
        AnalysisReport report;
        report.complete = true;
        GroupFigures acme;
        acme.keys = 3;
        acme.measured = 3;
        acme.bytes = 300;
        acme.ttlKeys = {1, 0, 0, 0, 2};
        acme.ttlBytes = {100, 0, 0, 0, 200};
        acme.persistentAgainstRules = 1;
        acme.variants["user"].count = 7;
        acme.variants["q"].count = DistinctValues::cap;
        acme.variants["q"].capped = true;
        GroupFigures odd;
        odd.keys = 1;
        report.groups[std::size_t(Dimension::Tenant)].insert("acme", acme);
        report.groups[std::size_t(Dimension::Tenant)].insert("b\"q\x01", odd);
        report.groups[std::size_t(Dimension::Venue)].insert("v1", acme); // another dimension: not in this table
        QCOMPARE(report.toCsv(Dimension::Tenant),
            QByteArray("\"tenant\",keys,keys_error,bytes,bytes_error,measured,bytes_expiring_1h,bytes_expiring_4h,"
                       "bytes_expiring_24h,bytes_expiring_later,bytes_expiring_never,persistent_against_rules,"
                       "most_varied_parameter,distinct_values\r\n"
                       "\"acme\",3,0,300,0,3,100,0,0,0,200,1,\"q\",50000+\r\n"
                       "\"b\\\"\"q\\x01\",1,0,0,0,0,0,0,0,0,0,0,,\r\n")); // the label as redis-cli shows it
        // Projected while the scan runs: the error columns are filled.
        report.complete = false;
        report.keyspaceSize = 40;
        report.total.keys = 4;
        const QList<QByteArray> rows = report.toCsv(Dimension::Tenant).split('\n');
        QCOMPARE(rows.size(), 4);
        QVERIFY2(rows.at(1).startsWith("\"acme\",30,"), rows.at(1).constData());
        QVERIFY(!rows.at(1).startsWith("\"acme\",30,0,"));
    }

    // A saved report keeps its hit rates; a group whose figures are damaged (another writer's file) is refused with
    // its name, never read as zeros.
    void aSavedReportKeepsItsHitRatesAndRefusesDamage()
    {
        AnalysisReport report;
        report.complete = true;
        report.startedAt = QDateTime::currentDateTimeUtc();
        GroupFigures group;
        group.keys = 2;
        report.groups[std::size_t(Dimension::Route)].insert("GET /api/events", group);
        report.hitRates[std::size_t(Dimension::Route)].insert("GET /api/events", 0.75);
        report.hitRates[std::size_t(Dimension::Tenant)].insert("\xff\x00t"_ba, 0.5);
        QString error;
        const auto back = AnalysisReport::fromJson(report.toJson(), &error);
        QVERIFY2(back, qPrintable(error));
        QCOMPARE(back->hitRates[std::size_t(Dimension::Route)], (QMap<QByteArray, double> {{"GET /api/events", 0.75}}));
        QCOMPARE(back->hitRates[std::size_t(Dimension::Tenant)], (QMap<QByteArray, double> {{"\xff\x00t"_ba, 0.5}}));
        QCOMPARE(back->by(Dimension::Route).value("GET /api/events").keys, 2);

        QJsonObject json = report.toJson();
        QJsonObject groups = json.value(u"groups"_s).toObject();
        QJsonObject routes = groups.value(u"route"_s).toObject();
        routes.insert(u"GET /api/events"_s, u"not figures"_s);
        groups.insert(u"route"_s, routes);
        json.insert(u"groups"_s, groups);
        QVERIFY(!AnalysisReport::fromJson(json, &error));
        QCOMPARE(error, u"the route group \"GET /api/events\" is damaged"_s);
    }

    // Snapshot names at their edges (they become file names: nothing that leaves the folder or hides), the
    // messages exact; names() lists only what load() could read; a file past 256 MiB is refused before it is read.
    void snapshotNamesAndSizesAtTheirEdges()
    {
        for (const QString& good : {u"x"_s.repeated(64), u"a.b"_s, u"-"_s, u"_x"_s, u"0"_s, u"a..b"_s})
            QVERIFY2(SnapshotStore::isValidName(good), qPrintable(good));
        for (const QString& bad : {u"x"_s.repeated(65), u".a"_s, u"a b"_s, u"a\n"_s, u"\u00e9"_s, u""_s, u"a/b"_s})
            QVERIFY2(!SnapshotStore::isValidName(bad), qPrintable(bad));
        QTemporaryDir directory;
        SnapshotStore store(directory.path());
        QString error;
        AnalysisReport report;
        report.complete = true;
        report.startedAt = QDateTime::currentDateTimeUtc();
        QVERIFY(!store.save(u"a b"_s, report, &error));
        QCOMPARE(error, u"\"a b\" is not a snapshot name: use letters, digits, '.', '_' and '-' (at most 64)"_s);
        QVERIFY(!store.load(u"a b"_s, &error));
        QCOMPARE(error, u"\"a b\" is not a snapshot name"_s);
        QVERIFY(!store.save(u"y"_s.repeated(100), report, &error));
        QCOMPARE(error,
            u"\"%1\" is not a snapshot name: use letters, digits, '.', '_' and '-' (at most 64)"_s.arg(
                u"y"_s.repeated(80)));
        QVERIFY2(store.save(u"x"_s.repeated(64), report, &error), qPrintable(error));
        QVERIFY2(store.save(u"b.1"_s, report, &error), qPrintable(error));
        for (const char* other : {"not a name.json", "notes.txt", ".hidden.json"}) {
            QFile file(directory.filePath(QString::fromLatin1(other)));
            QVERIFY(file.open(QIODevice::WriteOnly));
        }
        QCOMPARE(store.names(), (QStringList {u"b.1"_s, u"x"_s.repeated(64)}));
        {
            QFile huge(directory.filePath(u"huge.json"_s));
            QVERIFY(huge.open(QIODevice::WriteOnly));
            QVERIFY(huge.resize(256 * 1024 * 1024 + 1)); // sparse: nothing is written
        }
        QVERIFY(!store.load(u"huge"_s, &error));
        QCOMPARE(error, directory.filePath(u"huge.json"_s) + u" is too large to be a snapshot"_s);
        QVERIFY(store.load(u"b.1"_s, &error));
    }

    void snapshotsRoundTripEveryByte()
    {
        const AnalysisReport report = analyse(*m_connection, {});
        QVERIFY(report.complete);
        QTemporaryDir directory;
        SnapshotStore store(directory.path());
        QString error;
        QVERIFY2(store.save(u"before-fix"_s, report, &error), qPrintable(error));
        QCOMPARE(store.names(), QStringList {u"before-fix"_s});
        const auto loaded = store.load(u"before-fix"_s, &error);
        QVERIFY2(loaded, qPrintable(error));
        QCOMPARE(loaded->toJson(), report.toJson());
        // The odd key's bytes and the search value that is not text came back exactly.
        QVERIFY(loaded->by(Dimension::Namespace).contains("other"));
        QCOMPARE(loaded->by(Dimension::Namespace).value("other").biggest.first().key, "\x01odd\xfe"_ba);
        QCOMPARE(loaded->by(Dimension::Route).value("GET /api/search").variants.value("q").count, 3);

        for (const QString& bad : {u""_s, u"../x"_s, u".hidden"_s, u"a/b"_s, u"x"_s.repeated(65), u"caf\u00e9"_s}) {
            QVERIFY2(!store.save(bad, report, &error), qPrintable(bad));
            QVERIFY(!store.load(bad, &error));
        }
        QFile damaged(directory.filePath(u"damaged.json"_s));
        QVERIFY(damaged.open(QIODevice::WriteOnly));
        damaged.write(R"({"format": 1, "startedAt": "nonsense"})");
        damaged.close();
        QVERIFY(!store.load(u"damaged"_s, &error));
        QCOMPARE(error,
            directory.filePath(u"damaged.json"_s) + u" is not a snapshot: the start time or the totals are missing"_s);
        QVERIFY(!store.load(u"missing"_s, &error));
        QCOMPARE(error, u"no snapshot named \"missing\" in "_s + directory.path());
    }

    void aDiffNamesGrowthNewVanishedAndTtlRegressions()
    {
        const AnalysisReport before = analyse(*m_connection, {});
        // Events grow by one big entry without TTL; venues vanish; a new route appears.
        set(gatewayKey("/api/events/7", "t1", "v1"), 50000, 0);
        testing::runCommand(
            *m_connection, {"DEL", gatewayKey("/api/venues/9", "t1", std::nullopt, {}, QByteArray("u42"))});
        set(model::buildGatewayKey({"GET", "/api/orders/1", {}, {}, "t1", "v1"}), 100, 60);
        const AnalysisReport after = analyse(*m_connection, {});
        const AnalysisDiff diff = diffAnalyses(before, after, Dimension::Route);
        QCOMPARE(diff.caveat, QString());
        QCOMPARE(diff.groups.first().label, "GET /api/events");
        const GroupChange& events = diff.groups.first();
        QCOMPARE(events.presence, GroupChange::Presence::Both);
        QCOMPARE(events.keysBefore, 6.0);
        QCOMPARE(events.keysAfter, 7.0);
        QCOMPARE(events.bytesGrowth(), double(memoryUsage(gatewayKey("/api/events/7", "t1", "v1"))));
        QVERIFY(events.ttlRegression);
        QCOMPARE(events.persistentBefore, 1);
        QCOMPARE(events.persistentAfter, 2);
        QMap<QByteArray, GroupChange::Presence> presence;
        for (const GroupChange& change : diff.groups)
            presence.insert(change.label, change.presence);
        QCOMPARE(presence.value("GET /api/venues"), GroupChange::Presence::Vanished);
        QCOMPARE(presence.value("GET /api/orders"), GroupChange::Presence::New);
        QCOMPARE(presence.value("GET /api/search"), GroupChange::Presence::Both);
        for (const GroupChange& change : diff.groups) {
            if (change.label == "GET /api/search")
                QVERIFY(!change.ttlRegression);
        }
        AnalysisReport sampled = after;
        sampled.sampleEvery = 5;
        QCOMPARE(diffAnalyses(before, sampled, Dimension::Route).caveat, u"different sampling (1 in 1, 1 in 5)"_s);
    }

    // A diff of two analyses made up by hand, whole: the order (largest change in bytes first, by label on a tie),
    // new and vanished groups, the never-expiring share at the 5-point edge, a persistent key more, the hit rates of
    // either side, and the JSON every front end prints.
    void aDiffOfTwoMadeUpAnalysesIsExact()
    {
        AnalysisReport before;
        before.server = u"127.0.0.1:6379"_s;
        before.match = "*";
        before.complete = true;
        AnalysisReport after = before;
        const auto group = [](qint64 keys, qint64 bytes, qint64 neverBytes, qint64 persistent) {
            GroupFigures figures;
            figures.keys = keys;
            figures.measured = keys;
            figures.bytes = bytes;
            figures.ttlBytes[std::size_t(TtlBucket::Never)] = neverBytes;
            figures.persistentAgainstRules = persistent;
            return figures;
        };
        auto& was = before.groups[std::size_t(Dimension::Route)];
        auto& is = after.groups[std::size_t(Dimension::Route)];
        was.insert("grew", group(2, 100, 0, 0));
        is.insert("grew", group(6, 300, 0, 0));
        was.insert("slid", group(1, 1000, 50, 0)); // never expiring: 5 % → 10 %, exactly 5 points
        is.insert("slid", group(1, 1000, 100, 0));
        was.insert("almost", group(1, 1000, 0, 0)); // 0 → 4.9 %
        is.insert("almost", group(1, 1000, 49, 0));
        was.insert("kept", group(3, 10, 10, 1)); // one more key that should expire and does not
        is.insert("kept", group(3, 10, 10, 2));
        was.insert("gone", group(4, 500, 500, 3));
        is.insert("new\x01", group(1, 50, 0, 0));
        was.insert("empty", group(1, 0, 0, 0)); // no bytes: no share
        is.insert("empty", group(1, 0, 0, 0));
        before.hitRates[std::size_t(Dimension::Route)].insert("grew", 0.5);
        after.hitRates[std::size_t(Dimension::Route)].insert("grew", 0.25);
        after.hitRates[std::size_t(Dimension::Route)].insert("new\x01", 1.0);
        before.total = group(13, 2610, 560, 4);
        after.total = group(13, 2360, 159, 2);

        const auto row = [](const QString& label, const QString& presence, double kb, double ka, double bb, double ba,
                             double nb, double na, qint64 pb, qint64 pa, QJsonValue hb, QJsonValue ha,
                             bool regression) {
            return QJsonObject {{u"label"_s, label}, {u"presence"_s, presence}, {u"keysBefore"_s, kb},
                {u"keysAfter"_s, ka}, {u"bytesBefore"_s, bb}, {u"bytesAfter"_s, ba},
                {u"neverExpiringShareBefore"_s, nb}, {u"neverExpiringShareAfter"_s, na},
                {u"persistentAgainstRulesBefore"_s, pb}, {u"persistentAgainstRulesAfter"_s, pa},
                {u"hitRateBefore"_s, hb}, {u"hitRateAfter"_s, ha}, {u"ttlRegression"_s, regression}};
        };
        const QJsonValue none(QJsonValue::Null);
        const QJsonObject expected {
            {u"by"_s, u"route"_s},
            {u"total"_s, row({}, u"both"_s, 13, 13, 2610, 2360, 560.0 / 2610, 159.0 / 2360, 4, 2, none, none, false)},
            {u"groups"_s,
                QJsonArray {
                    row(u"gone"_s, u"vanished"_s, 4, 0, 500, 0, 1, 0, 3, 0, none, none, false),
                    row(u"grew"_s, u"both"_s, 2, 6, 100, 300, 0, 0, 0, 0, 0.5, 0.25, false),
                    row(u"new\\x01"_s, u"new"_s, 0, 1, 0, 50, 0, 0, 0, 0, none, 1.0, false),
                    row(u"almost"_s, u"both"_s, 1, 1, 1000, 1000, 0, 0.049, 0, 0, none, none, false),
                    row(u"empty"_s, u"both"_s, 1, 1, 0, 0, 0, 0, 0, 0, none, none, false),
                    row(u"kept"_s, u"both"_s, 3, 3, 10, 10, 1, 1, 1, 2, none, none, true),
                    row(u"slid"_s, u"both"_s, 1, 1, 1000, 1000, 0.05, 0.1, 0, 0, none, none, true),
                }},
            {u"caveat"_s, QString()},
        };
        const AnalysisDiff diff = diffAnalyses(before, after, Dimension::Route);
        QCOMPARE(diff.toJson(), expected);
        // Without TTLs read on one side, no expiry comparison is a regression.
        after.ttlMeasured = false;
        for (const GroupChange& change : diffAnalyses(before, after, Dimension::Route).groups)
            QVERIFY2(!change.ttlRegression, change.label.constData());
        // Another dimension's groups are not this one's.
        QCOMPARE(diffAnalyses(before, after, Dimension::Tenant).groups.size(), 0);
    }

    // Two analyses that were not made alike are compared with a caveat per difference, from either side: the server,
    // the selection (pattern or scope), the sampling, TTLs not read, and a scan that did not complete.
    void everyDifferenceOfTwoAnalysesIsACaveat_data()
    {
        QTest::addColumn<QString>("change"); // "field:side", side before or after; several joined by ','
        QTest::addColumn<QString>("caveat");
        const QString server = u"different servers (127.0.0.1:6379, 127.0.0.1:6380)"_s;
        const QString selection = u"different selections"_s;
        const QString ttls = u"TTLs not read in one of them (no TTL comparison)"_s;
        const QString incomplete = u"an analysis that did not complete"_s;
        QTest::newRow("made alike") << QString() << QString();
        QTest::newRow("another server") << u"server:after"_s << server;
        QTest::newRow("another pattern, later") << u"match:after"_s << selection;
        QTest::newRow("another pattern, earlier") << u"match:before"_s << selection;
        QTest::newRow("another scope, later") << u"scope:after"_s << selection;
        QTest::newRow("another scope, earlier") << u"scope:before"_s << selection;
        QTest::newRow("sampled later") << u"sample:after"_s << u"different sampling (1 in 1, 1 in 5)"_s;
        QTest::newRow("sampled earlier") << u"sample:before"_s << u"different sampling (1 in 5, 1 in 1)"_s;
        QTest::newRow("no TTLs later") << u"ttl:after"_s << ttls;
        QTest::newRow("no TTLs earlier") << u"ttl:before"_s << ttls;
        QTest::newRow("no TTLs in either") << u"ttl:before,ttl:after"_s << ttls;
        QTest::newRow("the later one incomplete") << u"complete:after"_s << incomplete;
        QTest::newRow("the earlier one incomplete") << u"complete:before"_s << incomplete;
        QTest::newRow("neither complete") << u"complete:before,complete:after"_s << incomplete;
        QTest::newRow("everything")
            << u"server:after,scope:before,sample:after,ttl:after,complete:before"_s
            << QStringList {server, selection, u"different sampling (1 in 1, 1 in 5)"_s, ttls, incomplete}.join(
                   u"; "_s);
    }
    void everyDifferenceOfTwoAnalysesIsACaveat()
    {
        QFETCH(QString, change);
        QFETCH(QString, caveat);
        AnalysisReport before;
        before.server = u"127.0.0.1:6379"_s;
        before.match = "*";
        before.complete = true;
        AnalysisReport after = before;
        for (const QString& one : change.split(u',', Qt::SkipEmptyParts)) {
            const QStringList parts = one.split(u':');
            AnalysisReport& report = parts.at(1) == u"before"_s ? before : after;
            if (parts.at(0) == u"server"_s)
                report.server = u"127.0.0.1:6380"_s;
            else if (parts.at(0) == u"match"_s)
                report.match = "t:acme:*";
            else if (parts.at(0) == u"scope"_s)
                report.scope = u"tenant acme"_s;
            else if (parts.at(0) == u"sample"_s)
                report.sampleEvery = 5;
            else if (parts.at(0) == u"ttl"_s)
                report.ttlMeasured = false;
            else if (parts.at(0) == u"complete"_s)
                report.complete = false;
            else
                QFAIL(qPrintable(one));
        }
        QCOMPARE(diffAnalyses(before, after, Dimension::Route).caveat, caveat);
    }

    // stop() between any two replies of the start (the setting's reads and writes, the counters read before the
    // subscription): the watch ends once, nothing is subscribed afterwards, and the setting is as it was.
    // A chain of PINGs on the watch's own connection puts the stop after the depth-th reply, deterministically.
    void aStopBetweenAnyTwoRepliesOfTheStartLeavesNothingBehind_data()
    {
        testing::addStopDuringStartRows(10);
    }
    void aStopBetweenAnyTwoRepliesOfTheStartLeavesNothingBehind()
    {
        QFETCH(bool, mayChange);
        QFETCH(int, depth);
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, mayChange ? u"Kl"_s : u"Exe"_s});
        const QByteArray original = testing::keyspaceEventsSetting(server);
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        KeyEventWatch::Options options;
        options.mayChangeConfig = mayChange;
        options.actor = u"stop-test"_s;
        KeyEventWatch watch(&connection, options);
        testing::stopAfterRepliesLeavesNothing(server, connection, watch, depth, original);
    }

    // Past maxAttributedPerSecond, events are still counted in the totals but not placed in groups: every event
    // either placed or unattributed, the placed at most the limit per second.
    void eventsPastTheRateLimitAreCountedNotPlaced()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Exe"_s});
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        KeyEventWatch::Options options;
        options.maxAttributedPerSecond = 5;
        KeyEventWatch watch(&connection, options);
        QSignalSpy started(&watch, &KeyEventWatch::started);
        QSignalSpy finished(&watch, &KeyEventWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        QByteArray commands;
        QStringList keys;
        for (int i = 0; i < 20; ++i) {
            commands += "SET burst:" + QByteArray::number(i) + " x PX 1\n";
            keys << u"burst:%1"_s.arg(i);
        }
        server.cli({}, commands);
        QTest::qWait(20);
        server.cli(QStringList {u"EXISTS"_s} + keys); // expires every one at once (lazily), those the cycle left
        QTest::qWait(300);
        watch.stop();
        QVERIFY(finished.wait(5000));
        const KeyEventWatch::Report& report = watch.report();
        QCOMPARE(report.error, QString());
        QCOMPARE(report.total.expired, 20);
        qint64 placed = 0;
        for (const auto& counts : report.groups[std::size_t(Dimension::Namespace)])
            placed += counts.expired;
        QCOMPARE(placed + report.unattributed, 20);
        // One burst: within one second's limit, or two if it crossed the heartbeat.
        QVERIFY2(placed == 5 || placed == 10, qPrintable(QString::number(placed)));
    }

    // Expiries and evictions, each attributed to its group: the totals are the server's own counters exactly, the
    // setting is changed only with consent, restored, and both changes audited with their exact values.
    void evictionsAndExpiriesAreAttributedAndTheSettingRestored()
    {
        testing::RedisServer::Config config;
        config.extraConfig = {u"maxmemory 3mb"_s, u"maxmemory-policy volatile-lru"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        KeyEventWatch::Options options;
        options.mayChangeConfig = true;
        options.actor = u"watch-test"_s;
        KeyEventWatch watch(&connection, options);
        QSignalSpy started(&watch, &KeyEventWatch::started);
        QSignalSpy finished(&watch, &KeyEventWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        QCOMPARE(testing::keyspaceEventsSetting(server), "xeE");
        // 50 sessions that expire, then gateway entries until volatile-lru evicts (every expiry is a session's).
        QVERIFY(testing::causeExpiriesAndEvictions(server));
        QTest::qWait(300);
        watch.stop();
        QVERIFY(finished.wait(5000));
        const KeyEventWatch::Report& report = watch.report();
        QCOMPARE(report.error, QString());
        QVERIFY(report.serverDelta.has_value());
        QVERIFY2(report.total.evicted > 100, qPrintable(QString::number(report.total.evicted)));
        QCOMPARE(report.total.expired, report.serverDelta->expired);
        QCOMPARE(report.total.evicted, report.serverDelta->evicted);
        QCOMPARE(report.unattributed, 0);
        const auto& namespaces = report.groups[std::size_t(Dimension::Namespace)];
        QCOMPARE(namespaces.value("session").expired, report.total.expired);
        QCOMPARE(report.total.expired + namespaces.value("session").evicted, 50);
        // Grouped as the analysis groups: every dimension adds up to the totals, keys that are no gateway response
        // under their kind (the sessions: "(service entries)").
        for (int d = 0; d < dimensionCount; ++d) {
            KeyEventWatch::Counts sum;
            for (const auto& counts : report.groups[std::size_t(d)]) {
                sum.expired += counts.expired;
                sum.evicted += counts.evicted;
            }
            QCOMPARE(sum.expired, report.total.expired);
            QCOMPARE(sum.evicted, report.total.evicted);
        }
        QCOMPARE(
            report.groups[std::size_t(Dimension::Tenant)].value("(service entries)").expired, report.total.expired);
        QCOMPARE(report.groups[std::size_t(Dimension::Route)].value("GET /api/events").evictedShare(), 1.0);

        // Restored exactly, both changes audited with the values.
        QCOMPARE(report.configBefore, QStringList {QString()});
        QCOMPARE(report.configNote, u"notify-keyspace-events restored to \"\""_s);
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
        const QList<ops::AuditRecord> records = testing::auditRecords(server.connectionOptions());
        QCOMPARE(records.size(), 2);
        QCOMPARE(records.at(1).action, u"config.keyspace-events"_s);
        QCOMPARE(records.at(1).actor, u"watch-test"_s);
        QCOMPARE(records.at(1).before, QByteArray());
        QCOMPARE(records.at(1).after, QByteArray("Exe"));
        QCOMPARE(records.at(0).before, QByteArray("Exe"));
        QCOMPARE(records.at(0).after, QByteArray());
        QCOMPARE(records.at(0).detail, u"notify-keyspace-events restored to \"\""_s);
    }

    void theSettingIsChangedOnlyWithConsent_data()
    {
        QTest::addColumn<bool>("consent");
        QTest::addColumn<bool>("readOnly");
        QTest::addColumn<QString>("error");
        QTest::newRow("no consent") << false << false
                                    << u"the server does not publish expiries and evictions (notify-keyspace-events is "
                                       u"\"\"); with consent (--enable-events) the watch sets it to \"Exe\" while it "
                                       u"runs, restores it afterwards and audits both"_s;
        QTest::newRow("read-only, even with consent")
            << true << true
            << u"the server does not publish expiries and evictions (notify-keyspace-events is \"\"), and this "
               u"connection is read-only: it never changes the server's settings"_s;
    }
    void theSettingIsChangedOnlyWithConsent()
    {
        QFETCH(bool, consent);
        QFETCH(bool, readOnly);
        QFETCH(QString, error);
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::ConnectionOptions connectionOptions = server.connectionOptions();
        connectionOptions.readOnly = readOnly;
        redis::Connection connection(connectionOptions);
        QVERIFY(testing::openAndWait(connection));
        KeyEventWatch::Options options;
        options.mayChangeConfig = consent;
        KeyEventWatch watch(&connection, options);
        QSignalSpy started(&watch, &KeyEventWatch::started);
        QSignalSpy finished(&watch, &KeyEventWatch::finished);
        watch.start();
        QVERIFY(finished.wait(5000));
        QCOMPARE(started.size(), 0);
        QCOMPARE(watch.report().error, error);
        QCOMPARE(watch.report().configChanged, false);
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
        QCOMPARE(testing::auditRecords(server.connectionOptions()).size(), 0);
    }

    void aSettingChangedMeanwhileOrAServerKilledIsSaid_data()
    {
        QTest::addColumn<bool>("kill");
        QTest::newRow("changed by someone else meanwhile") << false;
        QTest::newRow("killed mid-watch") << true;
    }
    void aSettingChangedMeanwhileOrAServerKilledIsSaid()
    {
        QFETCH(bool, kill);
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::ConnectionOptions connectionOptions = server.connectionOptions();
        connectionOptions.commandTimeout = 700ms;
        connectionOptions.autoReconnect = false;
        redis::Connection connection(connectionOptions);
        QVERIFY(testing::openAndWait(connection));
        KeyEventWatch::Options options;
        options.mayChangeConfig = true;
        KeyEventWatch watch(&connection, options);
        QSignalSpy started(&watch, &KeyEventWatch::started);
        QSignalSpy finished(&watch, &KeyEventWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        if (kill) {
            server.kill();
            QVERIFY(finished.wait(10000));
            QCOMPARE(finished.size(), 1);
            QVERIFY2(
                watch.report().error.startsWith(u"the subscription was lost: "_s), qPrintable(watch.report().error));
            // Said with the exact command that puts it back (and that its audit record could not be written either).
            QVERIFY2(watch.report().configNote.startsWith(u"notify-keyspace-events could not be restored ("_s)
                    && watch.report().configNote.contains(
                        u"): set it back with CONFIG SET notify-keyspace-events \"\""_s),
                qPrintable(watch.report().configNote));
            return;
        }
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Kx"_s});
        watch.stop();
        QVERIFY(finished.wait(5000));
        QCOMPARE(watch.report().configNote,
            u"notify-keyspace-events was changed by someone else meanwhile (now \"xK\"); left as they set it"_s);
        QCOMPARE(testing::keyspaceEventsSetting(server), "xK");
    }

    void cachectlEvictionsAsksBeforeChangingTheServer()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        const QStringList at {u"-p"_s, QString::number(server.port())};
        testing::ToolRun run = cachectl(at + QStringList {u"evictions"_s, u"--seconds"_s, u"1"_s}, {});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(run.out, QByteArray());
        QVERIFY2(run.err.startsWith("cachectl evictions: the server does not publish expiries and evictions"),
            run.err.constData());
        run =
            cachectl(at + QStringList {u"evictions"_s, u"--seconds"_s, u"1"_s, u"--enable-events"_s, u"--json"_s}, {});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(json.value(u"configChanged"_s).toBool(), true);
        QCOMPARE(json.value(u"config"_s).toString(), u"notify-keyspace-events restored to \"\""_s);
        QCOMPARE(json.value(u"error"_s).toString(), QString());
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
    }

    void cachectlAnalyzesSavesAndCompares()
    {
        QTemporaryDir directory;
        const QStringList server {u"-p"_s, QString::number(m_server.port())};
        testing::ToolRun run =
            cachectl(server + QStringList {u"analyze"_s, u"--json"_s, u"--save"_s, u"first"_s}, directory.path());
        QCOMPARE(run.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(json.value(u"complete"_s).toBool(), true);
        QCOMPARE(json.value(u"total"_s).toObject().value(u"keys"_s).toInteger(), m_seeded.size());
        const QJsonObject events =
            json.value(u"groups"_s).toObject().value(u"route"_s).toObject().value(u"GET /api/events"_s).toObject();
        QCOMPARE(events.value(u"keys"_s).toInteger(), 6);
        QCOMPARE(events.value(u"bytesError"_s).toDouble(), 0.0);
        QVERIFY(QFile::exists(directory.filePath(u"first.json"_s)));

        set(gatewayKey("/api/events/8", "t1", "v1"), 10000, 600);
        run = cachectl(
            server + QStringList {u"analyze"_s, u"--save"_s, u"second"_s, u"--by"_s, u"tenant"_s}, directory.path());
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("\nt1 "), run.out.constData());

        // The comparison needs no server: the port given is closed.
        run = cachectl(
            {u"-p"_s, u"1"_s, u"analyze"_s, u"--diff"_s, u"first"_s, u"second"_s, u"--json"_s}, directory.path());
        QCOMPARE(run.exitCode, 0);
        const QJsonObject diff = QJsonDocument::fromJson(run.out).object();
        const QJsonObject top = diff.value(u"groups"_s).toArray().first().toObject();
        QCOMPARE(top.value(u"label"_s).toString(), u"GET /api/events"_s);
        QCOMPARE(top.value(u"keysAfter"_s).toDouble() - top.value(u"keysBefore"_s).toDouble(), 1.0);
        QCOMPARE(qint64(top.value(u"bytesAfter"_s).toDouble() - top.value(u"bytesBefore"_s).toDouble()),
            memoryUsage(gatewayKey("/api/events/8", "t1", "v1")));

        run = cachectl({u"analyze"_s, u"--saved"_s}, directory.path());
        QCOMPARE(run.out, "first\nsecond\n");
        run = cachectl(server + QStringList {u"analyze"_s, u"--by"_s, u"planet"_s}, directory.path());
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("--by takes tenant, venue, route or ns"), run.err.constData());
        run = cachectl(server + QStringList {u"analyze"_s, u"--save"_s, u"../../etc/x"_s}, directory.path());
        QCOMPARE(run.exitCode, 2);
        run = cachectl({u"analyze"_s, u"--diff"_s, u"first"_s, u"nope"_s}, directory.path());
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(run.err, "cachectl analyze: no snapshot named \"nope\" in " + directory.path().toUtf8() + "\n");
    }
};

QTEST_GUILESS_MAIN(TestAnalysis)
#include "tst_analysis.moc"
