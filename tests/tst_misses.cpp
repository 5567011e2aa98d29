// Miss anatomy: why each lookup missed, told from keyspace notifications, and what a TTL change would do.
#include "analysis/missanatomy.h"
#include "analysis/misswatch.h"
#include "cache/statscounters.h"
#include "cache/statsrecorder.h"
#include "model/gatewaykey.h"
#include "ops/audit/audit.h"
#include "ops/invalidation/invalidationrun.h"
#include "ops/server/keyspaceeventssetting.h"
#include "redis/connection.h"
#include "support/keyevents.h"
#include "support/redisserver.h"
#include "support/synccommand.h"
#include "support/toolrun.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>

#include <numeric>

#include <csignal>

using namespace cachescope;
using namespace cachescope::analysis;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {
QByteArray gatewayKey(const QByteArray& path, const QByteArray& tenant = "t1", const QByteArray& venue = "v1")
{
    return model::buildGatewayKey({"GET", path, {}, {}, tenant, venue});
}

// One rule: /api/events lives 1 s (no grace), so "a TTL" is short enough to test; so do session:* service keys.
model::RouteConfig oneSecondEvents()
{
    model::RouteConfig config;
    config.routes.append({u"/api/events"_s, 1, {}, false, {}});
    config.namespaces = {{u"session"_s, 1}};
    return config;
}

MissAnatomy::Options shortOptions()
{
    MissAnatomy::Options options;
    options.routes = oneSecondEvents();
    options.graceMs = 0;
    options.coldAfterWithoutTtlMs = 10'000;
    return options;
}

// A watch that may widen notify-keyspace-events, with no stats to read: the lease, the setting and the audit.
MissWatch::Options widening()
{
    MissWatch::Options options;
    options.mayChangeConfig = true;
    options.actor = u"miss-test"_s;
    options.anatomy = shortOptions();
    options.readStats = false;
    return options;
}

// "w@100 x@1300 m@1600": written, expired, missed (e evicted, d deleted, g events lost until then), in ms.
void feed(MissAnatomy& anatomy, const QByteArray& key, const QString& events)
{
    for (const QString& token : events.split(u' ', Qt::SkipEmptyParts)) {
        const QChar kind = token.at(0);
        const qint64 at = token.mid(2).toLongLong();
        if (kind == u'w')
            anatomy.written(key, at);
        else if (kind == u'x')
            anatomy.removed(key, MissAnatomy::Removal::Expired, at);
        else if (kind == u'e')
            anatomy.removed(key, MissAnatomy::Removal::Evicted, at);
        else if (kind == u'd')
            anatomy.removed(key, MissAnatomy::Removal::Deleted, at);
        else if (kind == u'm')
            anatomy.missed(key, at);
        else if (kind == u'g')
            anatomy.lostEventsUntil(at);
    }
}

} // namespace

class TestMisses : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // The counts of misses as `cachectl misses --json` prints them, whole: every reason and lateness bucket named,
    // in its own place; and adding two sums every counter.
    void missCountsJsonIsExact()
    {
        MissCounts counts;
        counts.misses = 100;
        counts.reasons = {1, 2, 3, 4, 5}; // expired, evicted, invalidated, cold, unknown
        counts.lateness = {6, 7, 8, 9, 10}; // 0-1 s … later
        counts.latenessLowerBounds = 11;
        const QJsonObject expected = QJsonDocument::fromJson(
            R"({"misses":100,"reasons":{"expired":1,"evicted":2,"invalidated":3,"cold":4,"unknown":5},)"
            R"("lateness":{"0-1s":6,"1-10s":7,"10-60s":8,"1-10min":9,"later":10},"latenessLowerBounds":11})")
                                         .object();
        QCOMPARE(missCountsToJson(counts), expected);
        MissCounts sum = counts;
        sum.add(counts);
        QCOMPARE(sum.misses, 200);
        QCOMPARE(sum.reasons, (std::array<qint64, missReasonCount> {2, 4, 6, 8, 10}));
        QCOMPARE(sum.lateness, (std::array<qint64, latenessBucketCount> {12, 14, 16, 18, 20}));
        QCOMPARE(sum.latenessLowerBounds, 22);
        QCOMPARE(missReasonName(MissReason::Count_), u"unknown"_s);
        QCOMPARE(latenessBucketName(latenessBucketCount), QString());
    }

    void eachReasonIsToldFromTheEvents_data()
    {
        QTest::addColumn<QByteArray>("path");
        QTest::addColumn<QString>("events");
        QTest::addColumn<QString>("reason");
        QTest::addColumn<int>("latenessBucket"); // -1: none
        QTest::addColumn<bool>("lowerBound");
        // The server noticed the expiry 200 ms late; the write's time plus the TTL says when it left.
        QTest::newRow("expired, half a second late")
            << QByteArray("/api/events/1") << u"w@100 x@1300 m@1600"_s << u"expired"_s << 0 << false;
        QTest::newRow("expired, 2 s late")
            << QByteArray("/api/events/1") << u"w@100 x@1100 m@3100"_s << u"expired"_s << 1 << false;
        QTest::newRow("expired at the lookup (lazily), 999 ms late")
            << QByteArray("/api/events/1") << u"w@0 x@1999 m@1999"_s << u"expired"_s << 0 << false;
        QTest::newRow("expired at the lookup (lazily), 1 s late")
            << QByteArray("/api/events/1") << u"w@0 x@2000 m@2000"_s << u"expired"_s << 1 << false;
        QTest::newRow("expired, written before the watch: from the notification")
            << QByteArray("/api/events/1") << u"x@1100 m@13100"_s << u"expired"_s << 2 << true;
        QTest::newRow("expired 10 min late")
            << QByteArray("/api/events/1") << u"w@0 x@1000 m@601000"_s << u"expired"_s << 4 << false;
        QTest::newRow("evicted") << QByteArray("/api/events/1") << u"w@0 e@500 m@600"_s << u"evicted"_s << -1 << false;
        QTest::newRow("deleted") << QByteArray("/api/events/1") << u"w@0 d@500 m@600"_s << u"invalidated"_s << -1
                                 << false;
        QTest::newRow("rewritten after a removal, then gone unseen")
            << QByteArray("/api/events/1") << u"w@0 e@100 w@200 m@300"_s << u"unknown"_s << -1 << false;
        QTest::newRow("written and gone without a removal (FLUSHALL)")
            << QByteArray("/api/events/1") << u"w@0 m@5000"_s << u"unknown"_s << -1 << false;
        QTest::newRow("absent for a TTL: cold")
            << QByteArray("/api/events/1") << u"m@1000"_s << u"cold"_s << -1 << false;
        QTest::newRow("absent for less than a TTL: unknown")
            << QByteArray("/api/events/1") << u"m@999"_s << u"unknown"_s << -1 << false;
        QTest::newRow("a gap starts the count again")
            << QByteArray("/api/events/1") << u"g@1000 m@1999"_s << u"unknown"_s << -1 << false;
        QTest::newRow("a TTL after the gap: cold")
            << QByteArray("/api/events/1") << u"g@1000 m@2000"_s << u"cold"_s << -1 << false;
        QTest::newRow("no rule: cold only after the longer wait")
            << QByteArray("/api/orders/1") << u"m@9999"_s << u"unknown"_s << -1 << false;
        QTest::newRow("no rule, after the longer wait")
            << QByteArray("/api/orders/1") << u"m@10000"_s << u"cold"_s << -1 << false;
        // Service keys (a path not starting with '/' is the key itself): their namespace's TTL rule counts.
        QTest::newRow("a service key absent for its namespace's TTL: cold")
            << QByteArray("session:1") << u"m@1000"_s << u"cold"_s << -1 << false;
        QTest::newRow("a service key absent for less: unknown")
            << QByteArray("session:1") << u"m@999"_s << u"unknown"_s << -1 << false;
        QTest::newRow("a service key expired late: from its write")
            << QByteArray("session:1") << u"w@0 x@5000 m@5100"_s << u"expired"_s << 1 << false;
        QTest::newRow("no rule: expired, from the notification")
            << QByteArray("/api/orders/1") << u"w@0 x@5000 m@5100"_s << u"expired"_s << 0 << true;
        QTest::newRow("a namespace without a rule: the longer wait")
            << QByteArray("events:1") << u"m@1000"_s << u"unknown"_s << -1 << false;
    }
    void eachReasonIsToldFromTheEvents()
    {
        QFETCH(QByteArray, path);
        QFETCH(QString, events);
        QFETCH(QString, reason);
        QFETCH(int, latenessBucket);
        QFETCH(bool, lowerBound);
        MissAnatomy anatomy(shortOptions(), 0);
        feed(anatomy, path.startsWith('/') ? gatewayKey(path) : path, events);
        const MissAnatomy::Report report = anatomy.report(700'000, true);
        QCOMPARE(report.total.misses, 1);
        for (int i = 0; i < missReasonCount; ++i)
            QCOMPARE(report.total.reasons[std::size_t(i)], missReasonName(MissReason(i)) == reason ? 1 : 0);
        for (int b = 0; b < latenessBucketCount; ++b)
            QCOMPARE(report.total.lateness[std::size_t(b)], b == latenessBucket ? 1 : 0);
        QCOMPARE(report.total.latenessLowerBounds, lowerBound ? 1 : 0);
        // Every dimension adds up to the total.
        for (int d = 0; d < dimensionCount; ++d) {
            MissCounts sum;
            for (const MissCounts& counts : report.groups[std::size_t(d)])
                sum.add(counts);
            QCOMPARE(sum.misses, 1);
            QCOMPARE(sum.reasons, report.total.reasons);
        }
    }

    // A removal the bounded memory let go is never taken for cold: the key may have been written while watched.
    void forgottenRemovalsAreUnknownNeverCold()
    {
        MissAnatomy::Options options = shortOptions();
        options.rememberedKeys = 4; // generations of two
        MissAnatomy anatomy(options, 0);
        for (int i = 0; i < 10; ++i)
            anatomy.removed(gatewayKey("/api/events/" + QByteArray::number(i)), MissAnatomy::Removal::Evicted, 10 + i);
        anatomy.missed(gatewayKey("/api/events/0"), 5000);
        anatomy.missed(gatewayKey("/api/events/9"), 5000);
        anatomy.missed(gatewayKey("/api/events/never"), 5000);
        const MissAnatomy::Report report = anatomy.report(5000, true);
        QCOMPARE(report.droppedRemovals, 8);
        QCOMPARE(report.total.reasons[std::size_t(MissReason::Unknown)], 1);
        QCOMPARE(report.total.reasons[std::size_t(MissReason::Evicted)], 1);
        QCOMPARE(report.total.reasons[std::size_t(MissReason::Cold)], 1);
        QVERIFY(report.stateBytes > 0);
    }

    // Two removals, missed at the horizon and one past it. In generations of one key, the older generation holds a
    // single removal and ages out like any other (the first removal went when the second came).
    void removalsOlderThanTheHorizonAreForgotten_data()
    {
        QTest::addColumn<int>("rememberedKeys");
        QTest::addColumn<int>("evicted");
        QTest::addColumn<int>("unknown");
        QTest::newRow("generations of two") << 4 << 1 << 1;
        QTest::newRow("generations of one") << 2 << 0 << 2;
    }
    void removalsOlderThanTheHorizonAreForgotten()
    {
        QFETCH(int, rememberedKeys);
        QFETCH(int, evicted);
        QFETCH(int, unknown);
        MissAnatomy::Options options = shortOptions();
        options.rememberedKeys = rememberedKeys;
        options.horizonMs = 60'000;
        MissAnatomy anatomy(options, 0);
        anatomy.removed(gatewayKey("/api/events/1"), MissAnatomy::Removal::Evicted, 0);
        anatomy.removed(gatewayKey("/api/events/2"), MissAnatomy::Removal::Evicted, 1);
        anatomy.missed(gatewayKey("/api/events/1"), 60'001); // the horizon is kept to
        anatomy.missed(gatewayKey("/api/events/2"), 60'002); // one past it
        const MissAnatomy::Report report = anatomy.report(60'002, true);
        QCOMPARE(report.total.reasons[std::size_t(MissReason::Evicted)], evicted);
        QCOMPARE(report.total.reasons[std::size_t(MissReason::Unknown)], unknown);
        QCOMPARE(report.droppedRemovals, 2);
    }

    // The remembered keys sit in four fixed tables (removals and writes, two generations each) of a power of two slots,
    // at most three quarters full: 24 bytes a slot for a removal, 16 for a write. Measured against the smallest
    // tables (16 slots), everything else in stateBytes being equal.
    void rememberedKeysHaveFixedTables_data()
    {
        QTest::addColumn<int>("rememberedKeys");
        QTest::addColumn<qint64>("slots");
        QTest::newRow("generations of 12 fill 16 slots to 3/4") << 24 << qint64(16);
        QTest::newRow("generations of 13 take 32") << 26 << qint64(32);
        QTest::newRow("generations of 16") << 32 << qint64(32);
        QTest::newRow("the default: 98,304 a generation") << MissAnatomy::Options().rememberedKeys << qint64(131'072);
    }
    void rememberedKeysHaveFixedTables()
    {
        QFETCH(int, rememberedKeys);
        QFETCH(qint64, slots);
        const auto stateBytes = [](int remembered) {
            MissAnatomy::Options options = shortOptions();
            options.rememberedKeys = remembered;
            return MissAnatomy(options, 0).report(0, true).stateBytes;
        };
        QCOMPARE(stateBytes(rememberedKeys) - stateBytes(2), (slots - 16) * 2 * (24 + 16));
    }

    // A deletion is a CacheScope run's when its record covers the time and the key; else another client's once no
    // record can come any more. A record read after the miss still claims it.
    void invalidationsNameTheirRun()
    {
        MissAnatomy anatomy(shortOptions(), 0);
        const QByteArray byRun = gatewayKey("/api/events/1", "t1", "v83");
        const QByteArray otherVenue = gatewayKey("/api/events/2", "t1", "v84");
        const QByteArray afterRun = gatewayKey("/api/events/3", "t1", "v83");
        const QByteArray byTag = gatewayKey("/api/events/4", "t2", "v9");
        anatomy.removed(byRun, MissAnatomy::Removal::Deleted, 1500);
        anatomy.removed(otherVenue, MissAnatomy::Removal::Deleted, 1500);
        anatomy.removed(afterRun, MissAnatomy::Removal::Deleted, 4001); // past the end and its 2 s of slack
        anatomy.removed(byTag, MissAnatomy::Removal::Deleted, 1000);
        for (const QByteArray& key : {byRun, otherVenue, afterRun, byTag})
            anatomy.missed(key, 5000);
        QCOMPARE(anatomy.report(5000, false).invalidatedPending, 4);
        InvalidationRecordRef run {"1700000000000-0", u"alice@ops"_s, u"gateway:response:*:venue:v83"_s, 1000, 2000,
            [](const QByteArray& key) { return key.endsWith(":venue:v83"); }};
        anatomy.addInvalidationRecord(run);
        anatomy.addInvalidationRecord(run); // read twice: counted once
        InvalidationRecordRef tag {"1700000000001-0", u"bob@ops"_s, u"tenant:t2"_s, 900, 1100,
            [](const QByteArray& key) { return key.contains(":tenant:t2:"); }};
        anatomy.addInvalidationRecord(tag);
        const MissAnatomy::Report live = anatomy.report(5000, false);
        QCOMPARE(live.invalidatedPending, 2);
        QCOMPARE(live.invalidatedByOthers, 0);
        const MissAnatomy::Report report = anatomy.report(5000, true);
        QCOMPARE(report.total.reasons[std::size_t(MissReason::Invalidated)], 4);
        QCOMPARE(report.invalidatedByRuns.size(), 2);
        QCOMPARE(report.invalidatedByRuns.at(0).record.auditId, QByteArray("1700000000000-0"));
        QCOMPARE(report.invalidatedByRuns.at(0).misses, 1);
        QCOMPARE(report.invalidatedByRuns.at(0).missesByRoute, (QHash<QByteArray, qint64> {{"GET /api/events", 1}}));
        QCOMPARE(report.routes.value("GET /api/events").rulePath, u"/api/events"_s);
        QCOMPARE(report.invalidatedByRuns.at(1).record.actor, u"bob@ops"_s);
        QCOMPARE(report.invalidatedByRuns.at(1).misses, 1);
        QCOMPARE(report.invalidatedByOthers, 2);
        QCOMPARE(report.invalidatedPending, 0);
    }

    // Other writers decide how many invalidation records come: at most 1,000 are kept, the oldest that cost no miss
    // making room; one that did stays.
    void invalidationRecordsAreBounded()
    {
        MissAnatomy anatomy(shortOptions(), 0);
        const QByteArray key = gatewayKey("/api/events/1", "t1", "v1");
        const auto record = [](int i, QByteArray venue) {
            return InvalidationRecordRef {"1-" + QByteArray::number(i), u"a"_s, u"t"_s, 0, 10'000,
                [venue](const QByteArray& k) { return k.endsWith(QByteArray(":venue:" + venue)); }};
        };
        anatomy.addInvalidationRecord(record(0, "v1"));
        anatomy.removed(key, MissAnatomy::Removal::Deleted, 100);
        anatomy.missed(key, 200);
        for (int i = 1; i <= 1'500; ++i)
            anatomy.addInvalidationRecord(record(i, "none"));
        // Still attributed after that: a newer record claims its deletion.
        const QByteArray late = gatewayKey("/api/events/2", "t1", "late");
        anatomy.removed(late, MissAnatomy::Removal::Deleted, 300);
        anatomy.missed(late, 400);
        anatomy.addInvalidationRecord(record(2'000, "late"));
        const MissAnatomy::Report report = anatomy.report(500, true);
        QCOMPARE(report.invalidatedByRuns.size(), 2);
        QCOMPARE(report.invalidatedByRuns.at(0).record.auditId, QByteArray("1-0"));
        QCOMPARE(report.invalidatedByRuns.at(1).record.auditId, QByteArray("1-2000"));
        QCOMPARE(report.invalidationRecords, 1'000);
        QCOMPARE(report.invalidatedByOthers, 0);
    }

    void ownKeysStayOut()
    {
        MissAnatomy anatomy(shortOptions(), 0);
        anatomy.missed("cachescope:config:routes{cachescope}", 5000);
        anatomy.written("cachescope:tag:venue%3Av1", 5000);
        const MissAnatomy::Report report = anatomy.report(5000, true);
        QCOMPARE(report.ownKeys, 1);
        QCOMPARE(report.total.misses, 0);
        QVERIFY(report.routes.isEmpty());
    }

    void labelsPastTheBoundAreOther()
    {
        MissAnatomy::Options options = shortOptions();
        options.maxLabels = 3;
        MissAnatomy anatomy(options, 0);
        for (int i = 0; i < 5; ++i)
            anatomy.missed(gatewayKey("/api/events/1", "t" + QByteArray::number(i)), 5000);
        const MissAnatomy::Report report = anatomy.report(5000, true);
        const auto& tenants = report.groups[std::size_t(Dimension::Tenant)];
        QCOMPARE(tenants.size(), 4);
        QCOMPARE(tenants.value("(other)").misses, 2);
        QCOMPARE(tenants.value("t0").misses, 1);
    }

    // The what-if's cycle model: a key asked for again L after it left misses once per TTL + L; held Δ longer, once
    // per TTL + Δ + L. Hot keys (L small) lose half their misses when the TTL doubles, cold ones (L large) hardly
    // any; an entry that expired unasked is held Δ longer.
    void aLongerTtlSavesMissesByTheCycleTheyMakeUp()
    {
        MissAnatomy::Options options = shortOptions();
        options.routes.routes[0].ttlSeconds = 10;
        MissAnatomy anatomy(options, 0);
        int n = 0;
        const auto expire = [&](std::optional<qint64> latenessMs, int count) {
            for (int i = 0; i < count; ++i) {
                const QByteArray key = gatewayKey("/api/events/" + QByteArray::number(n++));
                anatomy.written(key, 0);
                anatomy.removed(key, MissAnatomy::Removal::Expired, 10'000);
                if (latenessMs)
                    anatomy.missed(key, 10'000 + *latenessMs);
            }
        };
        // The middle of a fine bucket, so that the bucket's one representative lateness is the true one.
        int bucket = 0;
        while (MissAnatomy::fineEdgeMs(bucket) <= 300'000)
            ++bucket;
        const double cold =
            std::sqrt(double(MissAnatomy::fineEdgeMs(bucket - 1)) * double(MissAnatomy::fineEdgeMs(bucket)));
        expire(50, 10); // the first bucket, [0, 100 ms): its middle
        expire(qint64(cold), 10);
        expire(std::nullopt, 5);
        const MissAnatomy::Report report = anatomy.report(100'000, true);
        const MissAnatomy::RouteFigures& route = report.routes.value("GET /api/events");
        QCOMPARE(route.ttlMs, 10'000);
        QCOMPARE(route.graceMs, 0);
        QCOMPARE(route.expired, 25);
        QCOMPARE(route.writes, 25);
        QCOMPARE(report.total.lateness, (std::array<qint64, latenessBucketCount> {10, 0, 0, 10, 0}));

        // 100 lookups on the route over 100 s, 80 of them hits; entries of 1,000 bytes.
        const QList<TtlWhatIf> rows = ttlWhatIf(route, 100'000, 80, 20, 1000.0);
        QCOMPARE(rows.size(), 5);
        QCOMPARE(rows.at(0).ttlSeconds, 5);
        QVERIFY(!rows.at(0).hitRate.has_value());
        QVERIFY(!rows.at(0).missesAvoided.has_value());
        QCOMPARE(rows.at(0).needs, u"hit ages (gateways using the core cache manager)"_s);
        QCOMPARE(*rows.at(0).extraBytes, -25.0 / 100'000 * 5'000 * 1000); // every write held 5 s less
        QCOMPARE(rows.at(1).ttlSeconds, 10);
        QVERIFY(rows.at(1).current);
        QCOMPARE(*rows.at(1).missesAvoided, 0.0);
        QCOMPARE(*rows.at(1).hitRate, 0.8);
        const auto avoided = [&](double delta) {
            return 10 * delta / (10'000 + delta + 50) + 10 * delta / (10'000 + delta + cold);
        };
        for (int i = 2; i < 5; ++i) {
            const double delta = double(rows.at(i).ttlSeconds * 1000 - 10'000);
            QVERIFY(qFuzzyCompare(*rows.at(i).missesAvoided, avoided(delta)));
            QVERIFY(qFuzzyCompare(*rows.at(i).hitRate, (80 + avoided(delta)) / 100));
            QVERIFY(*rows.at(i).hitRate > *rows.at(i - 1).hitRate);
            QVERIFY(*rows.at(i).missesAvoided < 20);
            const double heldLonger =
                5 * delta + 10 * 50 * delta / (10'000 + delta + 50) + 10 * cold * delta / (10'000 + delta + cold);
            QVERIFY(qFuzzyCompare(*rows.at(i).extraBytes, heldLonger / 100'000 * 1000));
        }
        // Doubling: the hot keys lose about half their misses, the cold ones about 3 %.
        QVERIFY(qAbs(*rows.at(2).missesAvoided - (10 * 10'000.0 / 20'050 + 10 * 10'000.0 / (20'000 + cold))) < 1e-9);
        // Without the route's lookups: what it saves, and what would tell the hit rate.
        const QList<TtlWhatIf> unknown = ttlWhatIf(route, 100'000, std::nullopt, std::nullopt, std::nullopt);
        QVERIFY(qFuzzyCompare(*unknown.at(2).missesAvoided, avoided(10'000)));
        QVERIFY(!unknown.at(2).hitRate.has_value());
        QVERIFY(!unknown.at(2).extraBytes.has_value());
        QCOMPARE(unknown.at(2).needs, u"the route's lookups (gateways recording CacheScope stats)"_s);
    }

    // Halving from the simulation's sample: its share of would-be misses applies to the route's lookups, and never
    // lifts the rate above the current one. A route whose stats show no lookups gets no rate at all (not 0 %, and not
    // "needs the lookups" either); a sample of nothing is no sample.
    void halvingFromTheSimulatedSample_data()
    {
        QTest::addColumn<qint64>("hits");
        QTest::addColumn<qint64>("misses");
        QTest::addColumn<qint64>("sampled");
        QTest::addColumn<qint64>("wouldMiss");
        QTest::addColumn<double>("halfRate"); // -1: none
        QTest::addColumn<QString>("needs");
        const QString none = u"lookups on the route (its stats show none over the watch)"_s;
        QTest::newRow("30 % would miss, 80 % now") << 80LL << 20LL << 100LL << 30LL << 0.7 << QString();
        QTest::newRow("10 % would miss, 80 % now") << 80LL << 20LL << 100LL << 10LL << 0.8 << QString();
        QTest::newRow("one lookup") << 1LL << 0LL << 100LL << 30LL << 0.7 << QString();
        QTest::newRow("no lookups") << 0LL << 0LL << 100LL << 30LL << -1.0 << none;
        QTest::newRow("an empty sample") << 80LL << 20LL << 0LL << 0LL << -1.0
                                         << u"hit ages (gateways using the core cache manager)"_s;
    }
    void halvingFromTheSimulatedSample()
    {
        QFETCH(qint64, hits);
        QFETCH(qint64, misses);
        QFETCH(qint64, sampled);
        QFETCH(qint64, wouldMiss);
        QFETCH(double, halfRate);
        QFETCH(QString, needs);
        MissAnatomy::RouteFigures route;
        route.ttlMs = 60'000;
        route.writes = 100;
        const QList<TtlWhatIf> rows =
            ttlWhatIf(route, 600'000, hits, misses, std::nullopt, std::nullopt, std::pair(sampled, wouldMiss));
        QCOMPARE(rows.at(0).ttlSeconds, 30);
        QCOMPARE(rows.at(0).hitRate.has_value(), halfRate >= 0);
        if (halfRate >= 0) {
            QCOMPARE(*rows.at(0).hitRate, halfRate);
            QCOMPARE(*rows.at(0).missesAvoided, double(misses) - (1.0 - halfRate) * double(hits + misses));
        }
        QCOMPARE(rows.at(0).needs, needs);
        if (hits + misses == 0)
            QCOMPARE(rows.at(2).needs, needs); // doubling says the same
    }

    // A hit's remaining life goes into doubling bins, each edge on the right side: [0, 1 s), [1 s, 2 s) …
    // [65,536 s, 131,072 s); past the last, or negative, no bin. The stored field names say the upper edge.
    void hitsAreBinnedByTheirEntrysRemainingLife_data()
    {
        QTest::addColumn<qint64>("leftMs");
        QTest::addColumn<int>("bin"); // -1: none
        QTest::newRow("negative") << qint64(-1) << -1;
        QTest::newRow("0") << qint64(0) << 0;
        QTest::newRow("1 s - 1 ms") << qint64(999) << 0;
        QTest::newRow("1 s") << qint64(1000) << 1;
        QTest::newRow("2 s - 1 ms") << qint64(1999) << 1;
        QTest::newRow("2 s") << qint64(2000) << 2;
        QTest::newRow("100 s") << qint64(100'000) << 7;
        QTest::newRow("last edge - 1 ms") << qint64(131'072'000 - 1) << 17;
        QTest::newRow("last edge") << qint64(131'072'000) << -1;
    }
    void hitsAreBinnedByTheirEntrysRemainingLife()
    {
        QFETCH(qint64, leftMs);
        QFETCH(int, bin);
        const cache::StatsEvent event = cache::hitLeftBin(leftMs);
        QCOMPARE(int(event), bin < 0 ? int(cache::StatsEvent::Count_) : int(cache::StatsEvent::HitLeftUnder1s) + bin);
        QCOMPARE(cache::hitLeftBinCount, 18);
        QCOMPARE(cache::statsEventName(cache::StatsEvent::HitLeftUnder1s), QByteArray("left1s"));
        QCOMPARE(cache::statsEventName(cache::StatsEvent::HitLeftLast_), QByteArray("left131072s"));
    }

    // The rates fitted to the lateness depend on its shape, not on how many misses were seen: a watch that saw one
    // late miss in each of a few buckets predicts the lowering that ten times as many in the same buckets do, and
    // not what the one-rate fallback (no lateness at all) would say. A bucket of one miss is evidence too.
    void aLoweringDependsOnTheLatenessShapeNotItsSize_data()
    {
        QTest::addColumn<QList<qint64>>("lateness"); // counts per fine bucket, from the first
        QTest::addColumn<qint64>("times");
        QTest::newRow("one miss in three buckets, ×10") << QList<qint64> {0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1} << 10LL;
        QTest::newRow("ones and twos, ×7") << QList<qint64> {1, 0, 2, 1, 0, 1, 0, 0, 2, 0, 0, 0, 1} << 7LL;
        QTest::newRow("a single late miss, ×3") << QList<qint64> {0, 0, 0, 0, 1} << 3LL;
    }
    void aLoweringDependsOnTheLatenessShapeNotItsSize()
    {
        QFETCH(QList<qint64>, lateness);
        QFETCH(qint64, times);
        QVERIFY(lateness.size() < MissAnatomy::fineBucketCount());
        MissAnatomy::RouteFigures route;
        route.ttlMs = 60'000;
        route.writes = 100;
        HitLeftCounts left {};
        for (int bin = 0; bin < 7; ++bin)
            left[std::size_t(bin)] = 100 * (bin + 1);
        const auto halfTtlHitRate = [&](const QList<qint64>& counts) {
            route.fineLateness = counts;
            return *ttlWhatIf(route, 600'000, 6000, 100, 1000.0, left).at(0).hitRate;
        };
        QList<qint64> more = lateness;
        for (qint64& count : more)
            count *= times;
        const double few = halfTtlHitRate(lateness);
        const double many = halfTtlHitRate(more);
        const double oneRate = halfTtlHitRate({});
        QVERIFY2(qAbs(few - many) < 1e-9, qPrintable(u"%1 against %2"_s.arg(few, 0, 'g', 12).arg(many, 0, 'g', 12)));
        QVERIFY2(qAbs(few - oneRate) > 1e-4, qPrintable(u"%1, one rate %2"_s.arg(few).arg(oneRate)));
    }

    // Lowering a TTL from the hits' remaining life: keys asked for at a steady rate (hits spread evenly over the
    // entries' 60 s) lose to ½× exactly what a steady rate loses, λT'/(1 + λT') — here 30/31. Without the hits'
    // remaining life, or without the route's lookups, the row says what it needs instead of guessing.
    void aLoweringIsPredictedFromTheHitsRemainingLife()
    {
        MissAnatomy::RouteFigures route;
        route.ttlMs = 60'000;
        route.writes = 100;
        // 100 cycles of 60 hits at one a second: hits per bin as the bins' widths, the last bin up to 60 s.
        HitLeftCounts left {};
        const qint64 perSecond = 100;
        for (int bin = 0; bin < 7; ++bin) {
            const qint64 low = bin == 0 ? 0 : cache::hitLeftBinEdgeMs(bin - 1);
            const qint64 high = std::min<qint64>(cache::hitLeftBinEdgeMs(bin), 60'000);
            left[std::size_t(bin)] = perSecond * (high - low) / 1000;
        }
        QCOMPARE(std::accumulate(left.cbegin(), left.cend(), qint64(0)), 6000);
        const QList<TtlWhatIf> rows = ttlWhatIf(route, 100'000, 6000, 100, 1000.0, left);
        QCOMPARE(rows.at(0).ttlSeconds, 30);
        QVERIFY(rows.at(0).needs.isEmpty());
        QVERIFY(qFuzzyCompare(*rows.at(0).hitRate, 6000.0 / 6100.0 - 3000.0 / 31.0 / 6100.0));
        QVERIFY(qAbs(*rows.at(0).hitRate - 0.967742) < 1e-6);
        QVERIFY(qFuzzyCompare(*rows.at(0).missesAvoided, -3000.0 / 31.0));
        QVERIFY(qFuzzyCompare(*rows.at(1).hitRate, 6000.0 / 6100.0)); // the current TTL, as measured
        QVERIFY(*rows.at(0).hitRate < *rows.at(1).hitRate);

        // The same keys' lateness (exponential, one request a second) tells the same rate: the same answer, to the
        // grid the rates are fitted on. As a watch of 100 s sees it: an expiry (from 60 s on, after a write seen)
        // followed by a miss late by l is seen when it came at least l before the end.
        const auto lateness = [](const QList<std::pair<double, double>>& populations) { // (cycles, rate per s)
            const double window = 40;
            const auto seen = [window](double rate, double a, double b) {
                b = std::min(b, window);
                if (a >= b)
                    return 0.0;
                const auto tail = [&](double l) {
                    return std::exp(-rate * l) * (1.0 - l / window) - std::exp(-rate * l) / (rate * window);
                };
                return tail(a) - tail(b);
            };
            QList<qint64> counts;
            for (int b = 0; b < MissAnatomy::fineBucketCount(); ++b) {
                const double low = b == 0 ? 0.0 : double(MissAnatomy::fineEdgeMs(b - 1)) / 1000;
                const bool open = b == MissAnatomy::fineBucketCount() - 1;
                const double high = open ? window : double(MissAnatomy::fineEdgeMs(b)) / 1000;
                double count = 0;
                for (const auto& [cycles, rate] : populations)
                    count += cycles * seen(rate, low, high);
                counts.append(qint64(std::llround(count)));
            }
            return counts;
        };
        route.fineLateness = lateness({{100'000, 1.0}});
        const QList<TtlWhatIf> steady = ttlWhatIf(route, 100'000, 6000, 100, 1000.0, left);
        QVERIFY2(qAbs(*steady.at(0).hitRate - 30.0 / 31.0) < 0.002, qPrintable(QString::number(*steady.at(0).hitRate)));

        // Hot and cold keys: 100 cycles of a key asked for every second (60 hits each), 1,000 of keys asked for every
        // 100 s (0.6 hits each). Halving the TTL costs the hot keys 3,000 / 31 misses and the cold ones 300 / 1.3:
        // 81.46 % hits. One rate for the route (3 hits younger than 30 s per miss) would say 75 %.
        for (qint64& count : left)
            count = count * 6600 / 6000;
        route.fineLateness = lateness({{100 * 100.0, 1.0}, {1000 * 100.0, 0.01}});
        const QList<TtlWhatIf> mixed = ttlWhatIf(route, 100'000, 6600, 1100, 1000.0, left);
        const double truth = (6600 - 3000.0 / 31 - 300 / 1.3) / 7700;
        QVERIFY2(qAbs(*mixed.at(0).hitRate - truth) < 0.005, qPrintable(QString::number(*mixed.at(0).hitRate)));
        route.fineLateness.clear();

        // A simulated cache of half the TTL answers ½× itself: 1,220 of its 6,100 sampled requests missed, so 20 %
        // of the route's 6,100 lookups would have; it takes the place of the model, and adds its writes' memory.
        const QList<TtlWhatIf> simulated =
            ttlWhatIf(route, 100'000, 6000, 100, 1000.0, left, std::pair<qint64, qint64> {6100, 1220});
        QCOMPARE(*simulated.at(0).hitRate, 0.8);
        QCOMPARE(*simulated.at(0).missesAvoided, 100.0 - 1220.0);
        QCOMPARE(*simulated.at(0).extraBytes, (100.0 * -30'000 + 1120.0 * 30'000) / 100'000 * 1000);
        QCOMPARE(*simulated.at(1).hitRate, 6000.0 / 6100); // the current TTL, as measured
        // A simulation that hit more often than the route does now (its sample against the server's count over a short
        // watch) is held at the current rate: a shorter TTL never hits more.
        const QList<TtlWhatIf> held =
            ttlWhatIf(route, 100'000, 6000, 100, 1000.0, left, std::pair<qint64, qint64> {6100, 10});
        QCOMPARE(*held.at(0).hitRate, 6000.0 / 6100);
        QCOMPARE(*held.at(0).missesAvoided, 0.0);
        QVERIFY(!simulated.at(2).needs.isEmpty() || simulated.at(2).hitRate); // raises are the lateness model's

        const QList<TtlWhatIf> noAges = ttlWhatIf(route, 100'000, 6000, 100, 1000.0);
        QVERIFY(!noAges.at(0).hitRate.has_value());
        QCOMPARE(noAges.at(0).needs, u"hit ages (gateways using the core cache manager)"_s);
        const QList<TtlWhatIf> noLookups = ttlWhatIf(route, 100'000, std::nullopt, std::nullopt, 1000.0, left);
        QVERIFY(!noLookups.at(0).hitRate.has_value());
        QCOMPARE(noLookups.at(0).needs,
            u"the route's lookups and hits with an expiry (gateways recording CacheScope stats)"_s);
    }

    // A scripted workload whose every miss has a known reason, against a real server: cold keys, keys requested
    // 0.5 s and 2 s after they expired, keys deleted by a CacheScope run and by another client, keys evicted by
    // maxmemory. Every miss gets its true reason, the run's deletions name its audit record, and the setting is
    // put back exactly.
    void aScriptedWorkloadGetsItsTrueReasons()
    {
        testing::RedisServer::Config config;
        config.extraConfig = {u"maxmemory 4mb"_s, u"maxmemory-policy volatile-lru"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        redis::Connection other(server.connectionOptions());
        QVERIFY(testing::openAndWait(other));

        const MissWatch::Options options = widening();
        MissWatch watch(&connection, options);
        QSignalSpy started(&watch, &MissWatch::started);
        QSignalSpy finished(&watch, &MissWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        QCOMPARE(testing::keyspaceEventsSetting(server), "g$xeEm");

        const auto get = [&](const QByteArray& key) { return testing::runCommand(other, {"GET", key}); };
        // Cold: asked for after the watch has run longer than the route's TTL.
        QTest::qWait(1100);
        for (int i = 0; i < 20; ++i)
            QVERIFY(get(gatewayKey("/api/events/cold" + QByteArray::number(i))).isNil());
        // Expired: written with the route's TTL, asked for about 0.5 s and 2 s after they left.
        for (int i = 0; i < 10; ++i)
            testing::runCommand(other, {"SET", gatewayKey("/api/events/x" + QByteArray::number(i)), "v", "PX", "1000"});
        QTest::qWait(1500);
        for (int i = 0; i < 5; ++i)
            QVERIFY(get(gatewayKey("/api/events/x" + QByteArray::number(i))).isNil());
        QTest::qWait(1500);
        for (int i = 5; i < 10; ++i)
            QVERIFY(get(gatewayKey("/api/events/x" + QByteArray::number(i))).isNil());
        // Invalidated by a CacheScope run, and by another client.
        for (int i = 0; i < 8; ++i)
            testing::runCommand(other, {"SET", gatewayKey("/api/events/i" + QByteArray::number(i), "t1", "vInv"), "v"});
        ops::SafetyPolicy policy;
        policy.actor = u"runner@test"_s;
        ops::InvalidationRun run(
            &connection, policy, ops::InvalidationRequest::forPatterns({"gateway:response:*:venue:vInv"}, false));
        QSignalSpy ran(&run, &ops::InvalidationRun::finished);
        run.start();
        QVERIFY(ran.wait(10000));
        QCOMPARE(run.report().deleted(), 8);
        for (int i = 0; i < 8; ++i)
            QVERIFY(get(gatewayKey("/api/events/i" + QByteArray::number(i), "t1", "vInv")).isNil());
        const QByteArray expireStarted = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8();
        for (int i = 0; i < 6; ++i) {
            const QByteArray key = gatewayKey("/api/events/d" + QByteArray::number(i), "t1", "vDel");
            testing::runCommand(other, {"SET", key, "v"});
            testing::runCommand(other, {"DEL", key});
            QVERIFY(get(key).isNil());
        }
        // A TTL run over the same keys at the same time sets expiries and deletes nothing: the deletions stay
        // another client's, never the run's.
        testing::runCommand(other,
            {"XADD", ops::auditStreamKey, "*", "at",
                QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8(), "actor", "ttl@test", "action",
                "expire", "target", "vDel", "count", "6", "started", expireStarted, "pattern",
                "gateway:response:*:venue:vDel"});
        // Evicted: 400 entries of 20 KB in 4 MB; the ones gone are the evicted ones.
        const QByteArray big(20'000, 'x');
        for (int i = 0; i < 400; ++i)
            testing::runCommand(
                other, {"SET", gatewayKey("/api/venues/e" + QByteArray::number(i)), big, "PX", "600000"});
        int evicted = 0;
        for (int i = 0; i < 400; ++i)
            evicted += get(gatewayKey("/api/venues/e" + QByteArray::number(i))).isNil() ? 1 : 0;
        QVERIFY2(evicted > 100, qPrintable(QString::number(evicted)));

        QTest::qWait(200);
        watch.stop();
        QVERIFY(finished.wait(10000));
        const MissWatch::Report report = watch.report();
        QCOMPARE(report.error, QString());
        const MissCounts& total = report.anatomy.total;
        QCOMPARE(total.reasons[std::size_t(MissReason::Cold)], 20);
        QCOMPARE(total.reasons[std::size_t(MissReason::Expired)], 10);
        QCOMPARE(total.reasons[std::size_t(MissReason::Invalidated)], 14);
        QCOMPARE(total.reasons[std::size_t(MissReason::Evicted)], evicted);
        QCOMPARE(total.reasons[std::size_t(MissReason::Unknown)], 0);
        QCOMPARE(total.misses, 44 + evicted);
        QCOMPARE(total.lateness, (std::array<qint64, latenessBucketCount> {5, 5, 0, 0, 0}));
        QCOMPARE(total.latenessLowerBounds, 0);
        // The server's own count: every miss told, plus CacheScope's own (its reads of its keys).
        QVERIFY(report.serverMisses.has_value());
        QCOMPARE(*report.serverMisses, total.misses + report.anatomy.ownKeys);
        // The run's deletions name its audit record; the other client's are said to be another client's.
        const QList<ops::AuditRecord> records = testing::auditRecords(server.connectionOptions());
        const auto runRecord = std::find_if(
            records.cbegin(), records.cend(), [](const ops::AuditRecord& r) { return r.action == u"invalidate"_s; });
        QVERIFY(runRecord != records.cend());
        QCOMPARE(runRecord->pattern, QByteArray("gateway:response:*:venue:vInv"));
        QVERIFY(runRecord->startedAt.isValid());
        QCOMPARE(report.anatomy.invalidatedByRuns.size(), 1);
        QCOMPARE(report.anatomy.invalidatedByRuns.at(0).record.auditId, runRecord->id);
        QCOMPARE(report.anatomy.invalidatedByRuns.at(0).record.actor, u"runner@test"_s);
        QCOMPARE(report.anatomy.invalidatedByRuns.at(0).misses, 8);
        QCOMPARE(report.anatomy.invalidatedByOthers, 6);
        QCOMPARE(report.anatomy.groups[std::size_t(Dimension::Venue)].value("vInv").misses, 8);
        QCOMPARE(report.anatomy.groups[std::size_t(Dimension::Route)].value("GET /api/events").misses, 44);
        // Put back exactly, the hash that remembered it gone, both changes audited.
        QCOMPARE(report.configNote, u"notify-keyspace-events restored to \"\""_s);
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
        QCOMPARE(testing::runCommand(other, {"EXISTS", ops::KeyspaceEventsSetting::reservedKey}).integer(), 0);
        QCOMPARE(records.at(0).action, u"config.keyspace-events"_s);
        QCOMPARE(records.at(0).before, QByteArray("Emxeg$"));
        QCOMPARE(records.at(0).after, QByteArray());
        const auto setRecord = std::find_if(records.cbegin(), records.cend(), [](const ops::AuditRecord& r) {
            return r.detail == u"set for a watch of misses, expiries, evictions, deletions and writes"_s;
        });
        QVERIFY(setRecord != records.cend());
        QCOMPARE(setRecord->before, QByteArray());
        QCOMPARE(setRecord->after, QByteArray("Emxeg$"));
    }

    // The routes' lookups over the watch come from the gateways' CacheScope stats: the server's hits are the
    // lookups less the misses it published; the hit ages and the half-TTL simulation are kept per route, and the
    // what-if uses them. Without stats, or when they cannot be read, the note says which.
    void lookupsPerRouteComeFromTheStats_data()
    {
        QTest::addColumn<QString>("stats");
        QTest::newRow("recorded") << u"recorded"_s;
        QTest::newRow("none recorded") << u"none"_s;
        QTest::newRow("unreadable") << u"unreadable"_s;
    }
    void lookupsPerRouteComeFromTheStats()
    {
        QFETCH(QString, stats);
        testing::RedisServer::Config config;
        config.extraConfig = {u"user nostats on >secret ~* &* +@all -zrevrangebyscore"_s}; // the stats' bucket index
        testing::RedisServer server(config);
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Emxeg$"_s});
        redis::ConnectionOptions options = server.connectionOptions();
        if (stats == u"unreadable"_s) {
            options.username = u"nostats"_s;
            options.password = u"secret"_s;
        }
        redis::Connection connection(options);
        QVERIFY(testing::openAndWait(connection));
        redis::Connection writer(server.connectionOptions());
        QVERIFY(testing::openAndWait(writer));
        MissWatch::Options watchOptions;
        watchOptions.anatomy = shortOptions();
        watchOptions.anatomy.routes.routes[0].ttlSeconds = 4; // ½× is 2 s, not the current TTL
        MissWatch watch(&connection, watchOptions);
        QSignalSpy started(&watch, &MissWatch::started);
        QSignalSpy finished(&watch, &MissWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        if (stats != u"none"_s) {
            cache::StatsRecorder recorder(&writer, {});
            const cache::StatsLabels labels {"gateway", "GET /api/events", "t1", "v1"};
            const auto record = [&](cache::StatsEvent event, int times) {
                for (int i = 0; i < times; ++i)
                    recorder.record(labels, event);
            };
            record(cache::StatsEvent::Hit, 7);
            record(cache::StatsEvent::Miss, 3);
            record(cache::StatsEvent::HitLeftUnder1s, 3);
            record(cache::StatsEvent(int(cache::StatsEvent::HitLeftUnder1s) + 2), 4);
            record(cache::StatsEvent::HalfTtlLookup, 10);
            record(cache::StatsEvent::HalfTtlMiss, 6);
            bool flushed = false;
            recorder.flush([&](const cache::StatsRecorder::FlushResult& result) { flushed = result.unconfirmed == 0; });
            QTRY_VERIFY(flushed);
        }
        // A write on the route (what gives it figures for the what-if), and two misses the server publishes.
        testing::runCommand(writer, {"SET", gatewayKey("/api/events/w"), "v", "PX", "1000"});
        QVERIFY(testing::runCommand(writer, {"GET", gatewayKey("/api/events/a")}).isNil());
        QVERIFY(testing::runCommand(writer, {"GET", gatewayKey("/api/events/b")}).isNil());
        QTest::qWait(1100); // the stats' 1 s window ends at the last complete second: the flush's is complete
        watch.stop();
        QVERIFY(finished.wait(10000));
        const MissWatch::Report report = watch.report();
        QCOMPARE(report.error, QString());
        const QByteArray route = "GET /api/events";
        QCOMPARE(report.anatomy.groups[std::size_t(Dimension::Route)].value(route).misses, 2);
        const QList<TtlWhatIf> rows = report.whatIf(route);
        QCOMPARE(rows.size(), 5);
        QCOMPARE(rows.at(1).ttlSeconds, 4);
        QVERIFY(rows.at(1).current);
        if (stats == u"none"_s) {
            QCOMPARE(report.statsNote, u"no lookups per route: no gateway recorded CacheScope stats over the watch"_s);
            QVERIFY(report.routeLookups.isEmpty());
            QCOMPARE(rows.at(1).hitRate, std::nullopt);
            return;
        }
        if (stats == u"unreadable"_s) {
            QVERIFY2(report.statsNote.startsWith(u"no lookups per route: the stats could not be read (NOPERM"_s),
                qPrintable(report.statsNote));
            QVERIFY(report.routeLookups.isEmpty());
            QCOMPARE(rows.at(1).hitRate, std::nullopt);
            return;
        }
        QVERIFY2(
            report.statsNote.startsWith(u"lookups per route from CacheScope stats, "_s), qPrintable(report.statsNote));
        QCOMPARE(report.routeLookups.size(), 1);
        QCOMPARE(report.routeLookups.value(route), (std::pair<qint64, qint64>(7, 3)));
        HitLeftCounts left {};
        left[0] = 3;
        left[2] = 4;
        QVERIFY(report.routeHitsLeft.value(route) == left);
        QCOMPARE(report.routeHalfTtl.value(route), (std::pair<qint64, qint64>(10, 6)));
        // 1×: the server's 10 lookups, 2 of them the misses told: 8 hits in 10.
        QCOMPARE(rows.at(1).hitRate, std::optional<double>(0.8));
        // ½×: the simulation's share, 6 misses in 10.
        QCOMPARE(rows.at(0).ttlSeconds, 2);
        QVERIFY(rows.at(0).hitRate.has_value());
        QCOMPARE(*rows.at(0).hitRate, 0.4);
    }

    // stop() between any two replies of the start (the setting's reads and writes, the audit and counters read
    // before the subscription): the watch ends once, nothing is subscribed afterwards, the setting is as it was.
    void aStopBetweenAnyTwoRepliesOfTheStartLeavesNothingBehind_data()
    {
        testing::addStopDuringStartRows(12);
    }
    void aStopBetweenAnyTwoRepliesOfTheStartLeavesNothingBehind()
    {
        QFETCH(bool, mayChange);
        QFETCH(int, depth);
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, mayChange ? u"Kl"_s : u"Emxeg$"_s});
        const QByteArray original = testing::keyspaceEventsSetting(server);
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        MissWatch::Options options;
        options.mayChangeConfig = mayChange;
        options.actor = u"stop-test"_s;
        options.anatomy = shortOptions();
        MissWatch watch(&connection, options);
        testing::stopAfterRepliesLeavesNothing(server, connection, watch, depth, original);
    }

    // The hash that remembers the original lost during the watch (another client's FLUSHALL; the lease renewal
    // writes only its own field back): the watch still puts back what it saw before and what it set itself.
    void aFlushedReservedHashStillRestoresTheSetting()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Kl"_s});
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        const MissWatch::Options options = widening();
        MissWatch watch(&connection, options);
        QSignalSpy started(&watch, &MissWatch::started);
        QSignalSpy finished(&watch, &MissWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        const QByteArray widened = testing::keyspaceEventsSetting(server);
        QCOMPARE(widened, "g$lxeKEm");
        server.cli({u"FLUSHALL"_s});
        QTest::qWait(1500); // a renewal (every second) writes the lease field alone
        watch.stop();
        QVERIFY(finished.wait(10000));
        QCOMPARE(watch.report().configNote, u"notify-keyspace-events restored to \"lK\""_s);
        QCOMPARE(testing::keyspaceEventsSetting(server), "lK");
        QCOMPARE(
            server.cli({u"EXISTS"_s, QString::fromLatin1(ops::KeyspaceEventsSetting::reservedKey)}).trimmed(), "0");
        const QList<ops::AuditRecord> records = testing::auditRecords(server.connectionOptions());
        QCOMPARE(records.size(), 1); // the set's record went with the FLUSHALL
        QCOMPARE(records.at(0).action, u"config.keyspace-events"_s);
        QCOMPARE(records.at(0).before, QByteArray("lKEmxeg$"));
        QCOMPARE(records.at(0).after, QByteArray("lK"));
    }

    // The connection closed under a running watch (the dashboard's profile switched): the lease renewals that come
    // after find no connection and send nothing, and a stop still ends the watch, saying what it could not undo.
    void aWatchOutlivesItsConnection()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Kl"_s});
        auto connection = std::make_unique<redis::Connection>(server.connectionOptions());
        QVERIFY(testing::openAndWait(*connection));
        const MissWatch::Options options = widening();
        MissWatch watch(connection.get(), options);
        QSignalSpy started(&watch, &MissWatch::started);
        QSignalSpy finished(&watch, &MissWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        connection.reset();
        QTest::qWait(2500); // two renewals
        watch.stop();
        QVERIFY(finished.wait(10000));
        QCOMPARE(watch.report().error, QString());
        QCOMPARE(watch.report().configNote,
            u"notify-keyspace-events left as this watch set it: its connection was closed before the end; once its "
            "lease runs out (10 s) the next watch, or `cachectl misses --restore`, puts the original back"_s);
        QVERIFY(!watch.isRunning());
        // As the note says: widened, and put back by the next watch once the lease is out.
        QCOMPARE(testing::keyspaceEventsSetting(server), "g$lxeKEm");
    }

    // A running watch on a quiet server sends a few commands a second (the lease renewal, the audit read), not one
    // per pass of the event loop: its load on the server it watches is bounded.
    void aQuietWatchSendsAFewCommandsASecond()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        const MissWatch::Options options = widening();
        MissWatch watch(&connection, options);
        QSignalSpy started(&watch, &MissWatch::started);
        QSignalSpy finished(&watch, &MissWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));
        const auto commands = [&server] {
            return testing::infoInteger(server.cli({u"INFO"_s, u"stats"_s}), "total_commands_processed");
        };
        const qint64 before = commands();
        QTest::qWait(3000);
        const qint64 sent = commands() - before - 1; // the second INFO
        QVERIFY2(sent >= 3 && sent <= 12, qPrintable(QString::number(sent))); // three seconds: 3 renewals, 3 to 6 reads
        watch.stop();
        QVERIFY(finished.wait(10000));
    }

    // `cachectl misses --restore` with nothing to put back says so once, changes nothing and audits nothing.
    void nothingToRestoreIsSaidOnce()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Kl"_s});
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        QStringList told;
        ops::KeyspaceEventsSetting::restoreAbandoned(&connection, u"miss-test"_s, this,
            [&told](const QString& note, const QString& error) { told << note + u'|' + error; });
        QTRY_VERIFY(!told.isEmpty());
        QTest::qWait(300); // anything the restore still had in flight
        QCOMPARE(told, QStringList {u"nothing to restore: no watch left notify-keyspace-events changed|"_s});
        QCOMPARE(testing::keyspaceEventsSetting(server), "lK");
        QCOMPARE(testing::auditRecords(server.connectionOptions()).size(), 0);
    }

    // A watcher killed with SIGKILL leaves the setting widened and the original in the server: `--restore` refuses
    // while its lease may still be renewed, then puts it back (audited); a later watch ends with the original too.
    void aKilledWatcherIsPutRightAfterwards_data()
    {
        QTest::addColumn<bool>("byRestore");
        QTest::newRow("cachectl misses --restore") << true;
        QTest::newRow("the next watch") << false;
    }
    void aKilledWatcherIsPutRightAfterwards()
    {
        QFETCH(bool, byRestore);
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Kl"_s});
        const QStringList at {u"-p"_s, QString::number(server.port())};
        QProcess watcher;
        watcher.start(QStringLiteral(CACHECTL_PATH),
            at + QStringList {u"misses"_s, u"--seconds"_s, u"60"_s, u"--enable-events"_s});
        QVERIFY(watcher.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(testing::keyspaceEventsSetting(server) != "lK", 5000);
        QCOMPARE(testing::keyspaceEventsSetting(server), "g$lxeKEm");
        ::kill(pid_t(watcher.processId()), SIGKILL);
        QVERIFY(watcher.waitForFinished());
        QCOMPARE(testing::keyspaceEventsSetting(server), "g$lxeKEm");

        testing::ToolRun run =
            testing::runTool(QStringLiteral(CACHECTL_PATH), at + QStringList {u"misses"_s, u"--restore"_s});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(run.err,
            QByteArray("cachectl misses --restore: 1 watch(es) still running (their lease is renewed "
                       "every second); nothing restored\n"));
        QTest::qWait(int(ops::KeyspaceEventsSetting::leaseMs) + 500);
        if (byRestore) {
            run = testing::runTool(QStringLiteral(CACHECTL_PATH), at + QStringList {u"misses"_s, u"--restore"_s});
            QCOMPARE(run.exitCode, 0);
            QCOMPARE(run.out,
                QByteArray("notify-keyspace-events restored to \"lK\" (a watch had ended without "
                           "putting it back)\n"));
            run = testing::runTool(QStringLiteral(CACHECTL_PATH), at + QStringList {u"misses"_s, u"--restore"_s});
            QCOMPARE(run.out, QByteArray("nothing to restore: no watch left notify-keyspace-events changed\n"));
        } else {
            run = testing::runTool(QStringLiteral(CACHECTL_PATH),
                at + QStringList {u"misses"_s, u"--seconds"_s, u"1"_s, u"--enable-events"_s, u"--json"_s});
            QCOMPARE(run.exitCode, 0);
            QCOMPARE(QJsonDocument::fromJson(run.out).object().value(u"config"_s).toString(),
                u"notify-keyspace-events restored to \"lK\""_s);
        }
        QCOMPARE(testing::keyspaceEventsSetting(server), "lK");
        QCOMPARE(
            server.cli({u"EXISTS"_s, QString::fromLatin1(ops::KeyspaceEventsSetting::reservedKey)}).trimmed(), "0");
        const QList<ops::AuditRecord> records = testing::auditRecords(server.connectionOptions());
        QCOMPARE(records.at(0).action, u"config.keyspace-events"_s);
        QCOMPARE(records.at(0).before, QByteArray("lKEmxeg$"));
        QCOMPARE(records.at(0).after, QByteArray("lK"));
    }

    // The watcher's connection killed (CLIENT KILL), the server frozen past the timeout, then restarted without its
    // settings: each is a gap the watch says, reopens after, and widens the setting again for; the misses after it
    // are told; the setting is put back.
    void aFrozenOrRestartedServerIsAGapNotAnEnd()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::ConnectionOptions connectionOptions = server.connectionOptions();
        connectionOptions.commandTimeout = 700ms;
        redis::Connection connection(connectionOptions);
        QVERIFY(testing::openAndWait(connection));
        MissWatch::Options options;
        options.mayChangeConfig = true;
        options.anatomy = shortOptions();
        options.readStats = false;
        MissWatch watch(&connection, options);
        QSignalSpy started(&watch, &MissWatch::started);
        QSignalSpy gapStarted(&watch, &MissWatch::gapStarted);
        QSignalSpy gapEnded(&watch, &MissWatch::gapEnded);
        QSignalSpy finished(&watch, &MissWatch::finished);
        watch.start();
        QVERIFY(started.wait(5000));

        server.cli({u"CLIENT"_s, u"KILL"_s, u"TYPE"_s, u"pubsub"_s});
        QVERIFY(gapStarted.wait(5000));
        QVERIFY(gapEnded.wait(10000));

        server.pause();
        QVERIFY(gapStarted.wait(5000));
        QTest::qWait(500);
        server.resume();
        QVERIFY(gapEnded.wait(10000));

        QVERIFY(server.restart()); // without persistence: the setting is the configuration file's again
        QVERIFY(gapStarted.wait(5000));
        QVERIFY(gapEnded.wait(15000));
        QCOMPARE(testing::keyspaceEventsSetting(server), "g$xeEm");
        redis::Connection other(server.connectionOptions());
        QVERIFY(testing::openAndWait(other));
        // Never written, missed well within its route's 1 s TTL of the gap's end: what the gap hid is not known, so
        // "unknown", not "cold" (the watch itself is older than a TTL).
        QVERIFY(testing::runCommand(other, {"GET", gatewayKey("/api/events/never")}).isNil());
        const QByteArray key = gatewayKey("/api/events/after");
        testing::runCommand(other, {"SET", key, "v"});
        testing::runCommand(other, {"DEL", key});
        QVERIFY(testing::runCommand(other, {"GET", key}).isNil());
        QTest::qWait(200);
        watch.stop();
        QVERIFY(finished.wait(10000));
        const MissWatch::Report report = watch.report();
        QCOMPARE(report.error, QString());
        QCOMPARE(report.gaps.size(), 3);
        for (const MissWatch::Gap& gap : report.gaps)
            QVERIFY(gap.toMs > gap.fromMs);
        QVERIFY(!report.serverMisses.has_value()); // the restart started the server's counters over
        QCOMPARE(report.anatomy.total.reasons[std::size_t(MissReason::Invalidated)], 1);
        QCOMPARE(report.anatomy.total.reasons[std::size_t(MissReason::Unknown)], 1);
        QCOMPARE(report.anatomy.total.reasons[std::size_t(MissReason::Cold)], 0);
        QCOMPARE(report.anatomy.total.misses, 2);
        QCOMPARE(report.configNote, u"notify-keyspace-events restored to \"\""_s);
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
    }

    // What other writers stored reaches the terminal escaped: a route carrying escape bytes in its key, and an audit
    // record whose actor and target carry them (its pattern matches, so the miss names it).
    void whatOtherWritersStoredIsEscaped_data()
    {
        QTest::addColumn<bool>("json");
        QTest::newRow("table") << false;
        QTest::newRow("json") << true;
    }
    void whatOtherWritersStoredIsEscaped()
    {
        QFETCH(bool, json);
        testing::RedisServer server;
        QVERIFY(server.start());
        const QByteArray hostile = "\x1b]52;c;eA==\x07\x1b[2J\xc2\x9b"
                                   "2J\xe2\x80\xae";
        QProcess watcher;
        QStringList arguments {u"-p"_s, QString::number(server.port()), u"misses"_s, u"--seconds"_s, u"4"_s,
            u"--enable-events"_s, u"--rows"_s, u"0"_s};
        if (json)
            arguments.append(u"--json"_s);
        watcher.start(QStringLiteral(CACHECTL_PATH), arguments);
        QVERIFY(watcher.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(!testing::keyspaceEventsSetting(server).isEmpty(), 5000);
        redis::Connection other(server.connectionOptions());
        QVERIFY(testing::openAndWait(other));
        const QByteArray key = "gateway:response:GET:/api/" + hostile + ":tenant:t:venue:v";
        const QByteArray started = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8();
        testing::runCommand(other, {"SET", key, "v"});
        testing::runCommand(other, {"DEL", key});
        QVERIFY(testing::runCommand(other, {"GET", key}).isNil());
        testing::runCommand(other,
            {"XADD", ops::auditStreamKey, "*", "at",
                QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8(), "actor", hostile, "action",
                "invalidate", "target", hostile, "count", "1", "started", started, "pattern",
                "gateway:response:GET:*"});
        QVERIFY(watcher.waitForFinished(15000));
        const QByteArray out = watcher.readAllStandardOutput();
        const QByteArray err = watcher.readAllStandardError();
        QCOMPARE(watcher.exitCode(), 0);
        for (const QByteArray& raw : {"\x1b"_ba, "\x07"_ba, "\xc2\x9b"_ba, "\xe2\x80\xae"_ba})
            QVERIFY2(!out.contains(raw) && !err.contains(raw), QByteArray(raw.toHex() + ": " + out).constData());
        // Shown, escaped: the route and the run's actor (a JSON string escapes the backslash once more).
        const QByteArray shown = json ? "\\\\x1b]52;c;eA==\\\\x07" : "\\x1b]52;c;eA==\\x07";
        QVERIFY2(out.count(shown) >= 2, out.constData());
        if (!json)
            QVERIFY2(out.contains("  by \\x1b]52;c;eA==\\x07"), out.constData());
        else
            QCOMPARE(QJsonDocument::fromJson(out)
                         .object()
                         .value(u"invalidated"_s)
                         .toObject()
                         .value(u"byRuns"_s)
                         .toArray()
                         .at(0)
                         .toObject()
                         .value(u"misses"_s)
                         .toInt(),
                1);
    }

    // A user the server denies SUBSCRIBE: the watch ends at once with the server's words (it once waited forever),
    // and the setting it widened is put back.
    void aRefusedSubscriptionEndsTheWatch()
    {
        testing::RedisServer::Config config;
        config.extraConfig = {u"user nosub on >secret ~* &* +@all -subscribe"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        redis::ConnectionOptions connectionOptions = server.connectionOptions();
        connectionOptions.username = u"nosub"_s;
        connectionOptions.password = u"secret"_s;
        redis::Connection connection(connectionOptions);
        QVERIFY(testing::openAndWait(connection));
        MissWatch::Options options;
        options.mayChangeConfig = true;
        options.readStats = false;
        MissWatch watch(&connection, options);
        QSignalSpy started(&watch, &MissWatch::started);
        QSignalSpy finished(&watch, &MissWatch::finished);
        watch.start();
        QVERIFY(finished.wait(5000));
        QCOMPARE(started.size(), 0);
        const MissWatch::Report report = watch.report();
        QVERIFY2(
            report.error.startsWith(u"the subscription failed: SUBSCRIBE failed: NOPERM"_s), qPrintable(report.error));
        QCOMPARE(report.configNote, u"notify-keyspace-events restored to \"\""_s);
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
    }

    void cachectlMissesPrintsTheDocumentedJson()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        const QStringList at {u"-p"_s, QString::number(server.port())};
        testing::ToolRun run =
            testing::runTool(QStringLiteral(CACHECTL_PATH), at + QStringList {u"misses"_s, u"--seconds"_s, u"1"_s});
        QCOMPARE(run.exitCode, 1);
        QCOMPARE(run.out, QByteArray());
        QVERIFY2(run.err.startsWith("cachectl misses: the server does not publish misses, expiries, evictions, "
                                    "deletions and writes (notify-keyspace-events is \"\"); with consent"),
            run.err.constData());
        run = testing::runTool(QStringLiteral(CACHECTL_PATH),
            at + QStringList {u"misses"_s, u"--seconds"_s, u"2"_s, u"--enable-events"_s, u"--json"_s, u"--what-if"_s});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(json.value(u"misses"_s).toInteger(), 0);
        QCOMPARE(json.value(u"reasons"_s).toObject().keys(),
            (QStringList {u"cold"_s, u"evicted"_s, u"expired"_s, u"invalidated"_s, u"unknown"_s}));
        QCOMPARE(
            json.value(u"groups"_s).toObject().keys(), (QStringList {u"ns"_s, u"route"_s, u"tenant"_s, u"venue"_s}));
        QVERIFY(json.value(u"whatIf"_s).toObject().contains(u"route"_s));
        QCOMPARE(json.value(u"config"_s).toString(), u"notify-keyspace-events restored to \"\""_s);
        QCOMPARE(json.value(u"error"_s).toString(), QString());
    }
};

QTEST_GUILESS_MAIN(TestMisses)
#include "tst_misses.moc"
