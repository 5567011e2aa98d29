#include "cache/statsreader.h"
#include "cache/statstiers.h"
#include "model/gatewaykey.h"
#include "model/ttltext.h"
#include "ops/audit/audit.h"
#include "ops/audit/auditfollower.h"
#include "ops/audit/auditwriter.h"
#include "ops/keys/keyinspection.h"
#include "ops/keys/keymetadata.h"
#include "ops/keys/memberpages.h"
#include "ops/server/infosampler.h"
#include "ops/server/keyspacesummary.h"
#include "ops/server/latencyreport.h"
#include "ops/server/ownfootprint.h"
#include "ops/server/serverinfo.h"
#include "ops/server/serverprobe.h"
#include "ops/server/slowlog.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>
#include <array>
#include <optional>

using namespace cachescope;
using namespace cachescope::ops;
using namespace std::chrono_literals;
using namespace Qt::StringLiterals;

class TestOps : public QObject
{
    Q_OBJECT
private:
    // One server for the data-driven reads below, started by the first row and emptied before each.
    testing::RedisServer m_shared;
    bool m_sharedStarted = false;
    testing::RedisServer* sharedServer()
    {
        if (!m_sharedStarted)
            m_sharedStarted = m_shared.start();
        if (!m_sharedStarted)
            return nullptr;
        m_shared.cli({u"FLUSHALL"_s});
        return &m_shared;
    }

    // A user of `server` allowed everything but `denied` ("-pttl"), with the password "pw": a refusal on cue.
    static redis::ConnectionOptions userWithout(
        testing::RedisServer& server, const QString& user, const QString& denied)
    {
        server.cli({u"ACL"_s, u"SETUSER"_s, user, u"reset"_s, u"on"_s, u">pw"_s, u"~*"_s, u"+@all"_s, denied});
        redis::ConnectionOptions options = server.connectionOptions();
        options.username = user;
        options.password = u"pw"_s;
        return options;
    }

    static ServerInfo info(qint64 hits, qint64 misses, const QByteArray& runId = "r1")
    {
        return ServerInfo::parse("# Stats\r\nkeyspace_hits:" + QByteArray::number(hits) + "\r\nkeyspace_misses:"
            + QByteArray::number(misses) + "\r\ntotal_commands_processed:100\r\nrun_id:" + runId
            + "\r\n# Keyspace\r\ndb0:keys=12,expires=3,avg_ttl=0\r\ndb3:keys=1,expires=0,avg_ttl=0\r\n");
    }

private Q_SLOTS:
    // Stream ids are two numbers, compared as numbers; an id without its sequence is sequence 0, and one that does
    // not read (another writer's, or past 64 bits) sorts as 0-0.
    void streamIdsCompareAsNumbers_data()
    {
        QTest::addColumn<QByteArray>("a");
        QTest::addColumn<QByteArray>("b");
        QTest::addColumn<bool>("before");
        QTest::newRow("by sequence") << "1-0"_ba
                                     << "1-1"_ba << true;
        QTest::newRow("by sequence, reversed") << "1-1"_ba
                                               << "1-0"_ba << false;
        QTest::newRow("equal") << "1-1"_ba
                               << "1-1"_ba << false;
        QTest::newRow("by time, not by text") << "9-5"_ba
                                              << "10-0"_ba << true;
        QTest::newRow("by time, not by text, reversed") << "10-0"_ba
                                                        << "9-5"_ba << false;
        QTest::newRow("no sequence is 0: equal") << "5"_ba
                                                 << "5-0"_ba << false;
        QTest::newRow("no sequence is 0: equal, reversed") << "5-0"_ba
                                                           << "5"_ba << false;
        QTest::newRow("no sequence is before 1") << "5"_ba
                                                 << "5-1"_ba << true;
        QTest::newRow("no sequence, after the one before") << "5"_ba
                                                           << "4-9"_ba << false;
        QTest::newRow("unreadable is 0-0") << "garbage"_ba
                                           << "0-1"_ba << true;
        QTest::newRow("unreadable is 0-0, reversed") << "0-1"_ba
                                                     << "garbage"_ba << false;
        QTest::newRow("unreadable sequence") << "5-x"_ba
                                             << "0-1"_ba << true;
        QTest::newRow("empty") << QByteArray() << "0-1"_ba << true;
        QTest::newRow("the largest ids") << "18446744073709551615-18446744073709551614"_ba
                                         << "18446744073709551615-18446744073709551615"_ba << true;
        QTest::newRow("past 64 bits is unreadable") << "18446744073709551616-0"_ba
                                                    << "0-1"_ba << true;
    }
    void streamIdsCompareAsNumbers()
    {
        QFETCH(QByteArray, a);
        QFETCH(QByteArray, b);
        QFETCH(bool, before);
        QCOMPARE(ops::streamIdBefore(a, b), before);
    }

    // INFO's text as a server (or a proxy in front of it) sends it: section headers and comments are never fields,
    // even with a colon in them; a line without a name is skipped; spaces and CR around a line go; a value keeps its
    // own colons.
    void infoTextIsReadLineByLine()
    {
        const ServerInfo parsed = ServerInfo::parse("# Server\r\n# note: not a field\r\n#x:1\r\n:nameless\r\n"
                                                    "  redis_version:7.0.15  \r\nexecutable:/usr/bin/redis-server\r\n"
                                                    "config_file:C:\\redis.conf\r\nempty:\r\n\r\nno colon here\r\n");
        QCOMPARE(parsed.text("# note"), QByteArray());
        QCOMPARE(parsed.text("#x"), QByteArray());
        QCOMPARE(parsed.integer("#x"), std::nullopt);
        QCOMPARE(parsed.text(""), QByteArray());
        QCOMPARE(parsed.text("redis_version"), QByteArray("7.0.15"));
        QCOMPARE(parsed.text("config_file"), QByteArray("C:\\redis.conf"));
        QCOMPARE(parsed.text("empty"), QByteArray());
        QCOMPARE(parsed.integer("empty"), std::nullopt);
        QCOMPARE(parsed.text("no colon here"), QByteArray());
    }

    // The footprint's one line, exactly: the parts after a colon, none without them.
    void theFootprintSummaryNamesEachPart()
    {
        ops::OwnFootprint footprint;
        QCOMPARE(footprint.summary(), u"%1 keys, %2"_s.arg(QLocale().toString(0), QLocale().formattedDataSize(0)));
        footprint.keys = 3;
        footprint.bytes = 2048;
        footprint.parts = {{u"audit"_s, 1, 1024}, {u"tag indexes"_s, 2, 1024}};
        const QLocale locale;
        QCOMPARE(footprint.summary(),
            u"3 keys, %1: audit 1 keys %2, tag indexes 2 keys %2"_s.arg(
                locale.formattedDataSize(2048), locale.formattedDataSize(1024)));
    }

    // The kind of each key under CacheScope's prefix. Other writers can store any bytes there: a tier's name is
    // shown only when it could be one, so nothing reaches a terminal and the kinds stay few.
    void ownKeysAreSortedIntoKinds_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QString>("kind");
        const QString notATier = u"stats (not a tier name)"_s;
        QTest::newRow("a 1 s bucket") << "cachescope:stats:{1s:1700000000}:route"_ba << u"stats 1s"_s;
        QTest::newRow("a 1 d bucket") << "cachescope:stats:{1d:19675}:tenant"_ba << u"stats 1d"_s;
        QTest::newRow("a tier's index") << "cachescope:stats:1m:index"_ba << u"stats 1m"_s;
        QTest::newRow("a 16-byte tier name")
            << "cachescope:stats:{Hourly_backup-16:1}:route"_ba << u"stats Hourly_backup-16"_s;
        QTest::newRow("each end of each allowed range")
            << "cachescope:stats:{09azAZ_-:1}:route"_ba << u"stats 09azAZ_-"_s;
        for (const char outside : {'/', ':', '@', '[', '`', '{', '.', ' '}) {
            QTest::newRow(QByteArray(QByteArray("just outside the ranges: ") + outside).constData())
                << QByteArray(QByteArray("cachescope:stats:1") + outside + "m:index") << notATier;
        }
        QTest::newRow("a 17-byte tier name") << "cachescope:stats:{Hourly_backup-17x:1}:route"_ba << notATier;
        QTest::newRow("an empty tier name") << "cachescope:stats:{:1}:route"_ba << notATier;
        QTest::newRow("no colon after the tier") << "cachescope:stats:{1s"_ba << notATier;
        QTest::newRow("an index without a tier") << "cachescope:stats::index"_ba << notATier;
        QTest::newRow("an escape sequence as a tier") << "cachescope:stats:{\x1b]52;c;aGk=\x07:1}:route"_ba << notATier;
        QTest::newRow("an escape sequence in an index") << "cachescope:stats:\x1b[2J:index"_ba << notATier;
        QTest::newRow("not UTF-8 as a tier") << "cachescope:stats:{\xff\xfe:1}:route"_ba << notATier;
        QTest::newRow("an earlier version")
            << "cachescope:stats:route:1700000000"_ba << u"stats (earlier version, expires within 24 h)"_s;
        QTest::newRow("a tag index") << "cachescope:tag:venue:v7"_ba << u"tag indexes"_s;
        QTest::newRow("the audit stream") << "cachescope:audit"_ba << u"audit"_s;
        QTest::newRow("the route config") << "cachescope:config:routes"_ba << u"route config"_s;
        QTest::newRow("anything else of ours") << "cachescope:\x00x"_ba << u"other"_s;
        QTest::newRow("the bare prefix") << "cachescope:"_ba << u"other"_s;
        QTest::newRow("not ours: no colon") << "cachescope"_ba << QString();
        QTest::newRow("not ours: a gateway entry") << "gw:v1:GET:/api/events"_ba << QString();
        QTest::newRow("not ours: another case") << "CacheScope:stats:1m:index"_ba << QString();
    }
    void ownKeysAreSortedIntoKinds()
    {
        QFETCH(QByteArray, key);
        QFETCH(QString, kind);
        QCOMPARE(ops::footprintKind(key), kind);
    }

    // However many kinds the keys make, the footprint lists at most maxParts of them by name and sums the rest:
    // nothing counted is lost.
    void footprintKindsAreBounded_data()
    {
        QTest::addColumn<int>("kinds");
        QTest::newRow("one below the bound") << int(ops::OwnFootprint::maxParts - 1);
        QTest::newRow("at the bound") << int(ops::OwnFootprint::maxParts);
        QTest::newRow("one past the bound") << int(ops::OwnFootprint::maxParts + 1);
        QTest::newRow("a thousand") << 1000;
    }
    void footprintKindsAreBounded()
    {
        QFETCH(int, kinds);
        ops::OwnFootprint footprint;
        for (int round = 0; round < 2; ++round) {
            for (int i = 0; i < kinds; ++i)
                footprint.add(u"stats t%1"_s.arg(i), redis::Reply::integer(10));
        }
        footprint.add(u"audit"_s, redis::Reply::nil());
        const qsizetype named = std::min<qsizetype>(kinds, ops::OwnFootprint::maxParts);
        QCOMPARE(footprint.parts.size(), named + (kinds > named ? 1 : 0));
        QCOMPARE(footprint.keys, 2 * kinds);
        QCOMPARE(footprint.bytes, 20 * kinds);
        QCOMPARE(footprint.unmeasured, 1);
        for (qsizetype i = 0; i < named; ++i) {
            QCOMPARE(footprint.parts.at(i).kind, u"stats t%1"_s.arg(i));
            QCOMPARE(footprint.parts.at(i).keys, 2);
        }
        if (kinds > named) {
            QCOMPARE(footprint.parts.last().kind, u"other kinds"_s);
            QCOMPARE(footprint.parts.last().keys, 2 * (kinds - named));
            QCOMPARE(footprint.parts.last().bytes, 20 * (kinds - named));
        }
    }

    // The gateway entries' sample: every one up to 1,024, then every 2nd, 4th… each standing for its stride, so
    // the weights of the first n entries add up to n at each doubling (the estimate is unbiased) and the measures
    // grow with log n. Edges of each stride exactly.
    void gatewayEntriesAreSampledByDoublingStrides_data()
    {
        QTest::addColumn<qint64>("index");
        QTest::addColumn<qint64>("weight");
        QTest::newRow("first") << qint64(0) << qint64(1);
        QTest::newRow("last measured whole") << qint64(1023) << qint64(1);
        QTest::newRow("first of stride 2") << qint64(1024) << qint64(2);
        QTest::newRow("skipped in stride 2") << qint64(1025) << qint64(0);
        QTest::newRow("last of stride 2") << qint64(2046) << qint64(2);
        QTest::newRow("skipped before stride 4") << qint64(2047) << qint64(0);
        QTest::newRow("first of stride 4") << qint64(2048) << qint64(4);
        QTest::newRow("skipped in stride 4") << qint64(2050) << qint64(0);
        QTest::newRow("stride 4") << qint64(2052) << qint64(4);
        QTest::newRow("first of stride 8") << qint64(4096) << qint64(8);
    }
    void gatewayEntriesAreSampledByDoublingStrides()
    {
        QFETCH(qint64, index);
        QFETCH(qint64, weight);
        QCOMPARE(ops::gatewayEntrySampleWeight(index), weight);
    }
    void gatewayEntrySampleWeightsAddUpAtEachDoubling()
    {
        qint64 sum = 0;
        qint64 measured = 0;
        for (qint64 i = 0; i < (qint64(1) << 20); ++i) {
            const qint64 w = ops::gatewayEntrySampleWeight(i);
            sum += w;
            measured += w > 0;
            if (i + 1 >= 1024 && ((i + 1) & i) == 0)
                QCOMPARE(sum, i + 1);
        }
        QCOMPARE(measured, 1024 + 10 * 512); // a million entries: 6,144 measures
    }

    // Tag indexes are compared with the entries' bytes; nothing when no entry was measured.
    void theTagIndexRatioIsOverTheEntriesBytes()
    {
        ops::OwnFootprint footprint;
        footprint.parts = {{u"tag indexes"_s, 2, 500}};
        QVERIFY(!footprint.tagIndexRatio());
        QCOMPARE(footprint.tagIndexRatioText(), QString());
        footprint.gatewayEntries = 3000;
        footprint.addGatewayEntry(redis::Reply::integer(1000), 1);
        footprint.addGatewayEntry(redis::Reply::nil(), 2); // gone since the SCAN: not counted
        footprint.addGatewayEntry(redis::Reply::integer(500), 2);
        QCOMPARE(footprint.gatewayEntriesMeasured, 2);
        QCOMPARE(footprint.gatewayEntryBytes, 2000);
        QCOMPARE(*footprint.tagIndexRatio(), 0.25);
        const QLocale locale;
        QCOMPARE(footprint.tagIndexRatioText(),
            u"tag indexes %1× the bytes of the %2 gateway entries (≈ %3)"_s.arg(
                locale.toString(0.25, 'f', 2), locale.toString(3000), locale.formattedDataSize(2000)));
    }

    void parsesInfo()
    {
        const ServerInfo parsed = info(5, 7);
        QCOMPARE(parsed.integer("keyspace_hits"), std::optional<qint64>(5));
        QCOMPARE(parsed.text("run_id"), QByteArray("r1"));
        QVERIFY(!parsed.integer("no_such_field"));
        const auto keys = parsed.keysPerDatabase();
        QCOMPARE(keys.value(0), 12);
        QCOMPARE(keys.value(3), 1);
    }

    // A cluster's masters as one (cachectl info, the admin API's stats): counters and memory add up, keys per
    // database too; a node's uptime, port and text stay the first node's, and a field only one node has is kept.
    void aClusterCombinesItsMastersFigures()
    {
        const ServerInfo combined = ServerInfo::combine({ServerInfo::parse("keyspace_hits:5\r\nused_memory:1000\r\n"
                                                                           "uptime_in_seconds:70\r\ntcp_port:7000\r\n"
                                                                           "run_id:first\r\ndb0:keys=12,expires=3\r\n"),
            ServerInfo::parse("keyspace_hits:7\r\nused_memory:500\r\nuptime_in_seconds:30\r\ntcp_port:7001\r\n"
                              "run_id:second\r\ndb0:keys=8,expires=0\r\ndb2:keys=1,expires=1\r\nrole_only:x\r\n")});
        QCOMPARE(combined.integer("keyspace_hits"), std::optional<qint64>(12));
        QCOMPARE(combined.integer("used_memory"), std::optional<qint64>(1500));
        QCOMPARE(combined.integer("uptime_in_seconds"), std::optional<qint64>(70));
        QCOMPARE(combined.integer("tcp_port"), std::optional<qint64>(7000));
        QCOMPARE(combined.text("run_id"), QByteArray("first"));
        QCOMPARE(combined.text("role_only"), QByteArray("x"));
        const QHash<int, qint64> keys = combined.keysPerDatabase();
        QCOMPARE(keys.value(0), 20);
        QCOMPARE(keys.value(2), 1);
        QCOMPARE(keys.size(), 2);
    }

    void deltaRates_data()
    {
        QTest::addColumn<qint64>("hitsBefore");
        QTest::addColumn<qint64>("missesBefore");
        QTest::addColumn<qint64>("hitsAfter");
        QTest::addColumn<qint64>("missesAfter");
        QTest::addColumn<double>("hitRate"); // -1: no traffic
        QTest::addColumn<double>("hitsPerSecond");
        QTest::addColumn<double>("missesPerSecond");
        QTest::newRow("mixed") << 100LL << 100LL << 130LL << 110LL << 0.75 << 15.0 << 5.0;
        QTest::newRow("no traffic is not 100%") << 100LL << 100LL << 100LL << 100LL << -1.0 << 0.0 << 0.0;
        QTest::newRow("only misses") << 0LL << 0LL << 0LL << 8LL << 0.0 << 0.0 << 4.0;
        QTest::newRow("restart counts from zero") << 1000LL << 10LL << 6LL << 2LL << 0.75 << 3.0 << 1.0;
    }
    void deltaRates()
    {
        QFETCH(qint64, hitsBefore);
        QFETCH(qint64, missesBefore);
        QFETCH(qint64, hitsAfter);
        QFETCH(qint64, missesAfter);
        QFETCH(double, hitRate);
        QFETCH(double, hitsPerSecond);
        QFETCH(double, missesPerSecond);
        const InfoDelta delta = infoDelta(info(hitsBefore, missesBefore), info(hitsAfter, missesAfter), 2s);
        QCOMPARE(delta.hitRate().has_value(), hitRate >= 0);
        if (hitRate >= 0)
            QCOMPARE(*delta.hitRate(), hitRate);
        QCOMPARE(delta.hitsPerSecond(), hitsPerSecond);
        QCOMPARE(delta.missesPerSecond(), missesPerSecond); // a mutant swapping its arguments survived the suite
        QCOMPARE(delta.countersReset, hitsAfter < hitsBefore);
    }

    void restartIsDetectedByRunId()
    {
        QVERIFY(infoDelta(info(1, 1, "a"), info(5, 5, "b"), 1s).countersReset);
    }

    void lifetimeRateWithoutLookupsIsUnknown()
    {
        QVERIFY(!lifetimeHitRate(info(0, 0)));
        QCOMPARE(*lifetimeHitRate(info(3, 1)), 0.75);
    }

    void summaryGroupsByTenantVenueRoute()
    {
        KeyspaceSummary summary;
        using model::GatewayKey;
        summary.add(model::buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray("t1"), QByteArray("v1")}));
        summary.add(model::buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray("t1"), QByteArray("v1")}));
        summary.add(model::buildGatewayKey({"GET", "/api/search", {{"q", "a"}}, {}, QByteArray("t1"), {}}));
        summary.add(model::buildGatewayKey({"GET", "/api/venues", {}, {}, {}, QByteArray("v9")}));
        summary.add(QList<QByteArray> {"events:1", "events:2", "session:x", "plain", QByteArray("\xff:1")});
        QCOMPARE(summary.total(), 9);
        QCOMPARE(summary.gatewayTotal(), 4);
        QCOMPARE(summary.serviceTotal(), 3);
        QCOMPARE(summary.otherTotal(), 2);
        QCOMPARE(summary.gateway().value("t1").value("v1").value("GET /api/events"), 2);
        QCOMPARE(summary.gateway().value("t1").value(KeyspaceSummary::none).value("GET /api/search"), 1);
        QCOMPARE(summary.gateway().value(KeyspaceSummary::none).value("v9").value("GET /api/venues"), 1);
        QCOMPARE(summary.services().value("events"), 2);
        QCOMPARE(summary.otherSamples().size(), 2);
        const QJsonObject json = summary.toJson();
        QCOMPARE(json.value(QStringLiteral("total")).toInteger(), 9);
    }

    // The summary's JSON whole, and the samples of keys of unknown shape: the first ten, escaped, whatever comes
    // after them (counted all the same).
    void summaryJsonIsWhole_data()
    {
        QTest::addColumn<int>("others");
        for (int n : {0, 1, 9, 10, 11, 25})
            QTest::addRow("%d others", n) << n;
    }
    void summaryJsonIsWhole()
    {
        QFETCH(int, others);
        KeyspaceSummary summary;
        summary.add(model::buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray("t1"), QByteArray("v1")}));
        summary.add(model::buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray("t1"), QByteArray("v1")}));
        summary.add(model::buildGatewayKey({"GET", "/api/venues", {}, {}, {}, {}}));
        summary.add(QList<QByteArray> {"events:1", "session:a", "session:b", "cachescope:config:routes{cachescope}"});
        QJsonArray samples;
        for (int i = 0; i < others; ++i) {
            summary.add("odd\xff" + QByteArray::number(i));
            if (i < 10)
                samples.append(u"odd\\xff%1"_s.arg(i));
        }
        QCOMPARE(summary.otherSamples().size(), std::min(others, 10));
        const QJsonObject expected {
            {u"total"_s, 7 + others},
            {u"gateway"_s,
                QJsonObject {{u"total"_s, 3},
                    {u"tenants"_s,
                        QJsonObject {
                            {u"t1"_s, QJsonObject {{u"v1"_s, QJsonObject {{u"GET /api/events"_s, 2}}}}},
                            {u"(none)"_s, QJsonObject {{u"(none)"_s, QJsonObject {{u"GET /api/venues"_s, 1}}}}},
                        }}}},
            {u"services"_s,
                QJsonObject {{u"total"_s, 3}, {u"namespaces"_s, QJsonObject {{u"events"_s, 1}, {u"session"_s, 2}}}}},
            {u"cachescope"_s, QJsonObject {{u"total"_s, 1}}},
            {u"other"_s, QJsonObject {{u"total"_s, others}, {u"samples"_s, samples}}},
        };
        QCOMPARE(summary.toJson(), expected);
    }

    void ttlAtAGlance_data()
    {
        QTest::addColumn<qint64>("pttl");
        QTest::addColumn<QString>("text");
        QTest::newRow("persistent") << qint64(-1) << QStringLiteral("no expiry");
        QTest::newRow("gone") << qint64(-2) << QStringLiteral("gone");
        QTest::newRow("last millisecond") << qint64(1) << QStringLiteral("1s");
        QTest::newRow("seconds") << qint64(45000) << QStringLiteral("45s");
        QTest::newRow("whole minutes") << qint64(600000) << QStringLiteral("10m");
        QTest::newRow("minutes") << qint64(725000) << QStringLiteral("12m 5s");
        QTest::newRow("hours") << qint64(12000000) << QStringLiteral("3h 20m");
        QTest::newRow("days") << qint64(187200000) << QStringLiteral("2d 4h");
    }
    void ttlAtAGlance()
    {
        QFETCH(qint64, pttl);
        QFETCH(QString, text);
        QCOMPARE(model::describeTtlShort(pttl), text);
    }

    // TTL and memory for a batch of keys, on a read-only connection (both are reads): a missing key is
    // "gone" with no size, binary keys work, and the order of the reply list is the order asked.
    void keyMetadataFromAServer()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.cli({QStringLiteral("SET"), QStringLiteral("persistent"), QStringLiteral("x")});
        server.cli({}, "SET expiring 12345678901234567890 EX 100\nSET \"bin\\x00\\xffkey\" v PX 5000\n");
        auto options = server.connectionOptions();
        options.readOnly = true;
        redis::Connection connection(options);
        QVERIFY(testing::openAndWait(connection));
        std::optional<QList<KeyMetadata>> result;
        const qint64 askedAt = QDateTime::currentMSecsSinceEpoch();
        qint64 answeredAt = 0;
        fetchKeyMetadata(connection, {"expiring", "persistent", "missing", QByteArray("bin\x00\xffkey", 8)}, this,
            [&result, &answeredAt](const QList<KeyMetadata>& metadata) {
                result = metadata;
                answeredAt = QDateTime::currentMSecsSinceEpoch();
            });
        QTRY_VERIFY(result.has_value());
        QCOMPARE(result->size(), 4);
        const QList<QByteArray> keys {"expiring", "persistent", "missing", QByteArray("bin\x00\xffkey", 8)};
        for (qsizetype i = 0; i < 4; ++i) {
            QCOMPARE(result->at(i).key, keys.at(i));
            QVERIFY(result->at(i).answered);
            // When the TTL was read: what "expires in" counts down from.
            QVERIFY2(result->at(i).fetchedAtMs >= askedAt && result->at(i).fetchedAtMs <= answeredAt,
                qPrintable(QString::number(result->at(i).fetchedAtMs - askedAt)));
        }
        QVERIFY(result->at(0).pttlMs > 99000 && result->at(0).pttlMs <= 100000);
        QVERIFY(result->at(0).memoryBytes.value_or(0) > 20);
        QCOMPARE(result->at(1).pttlMs, -1);
        QVERIFY(result->at(1).memoryBytes.value_or(0) > 0);
        QCOMPARE(result->at(2).pttlMs, -2);
        QVERIFY(!result->at(2).memoryBytes);
        QVERIFY(result->at(3).pttlMs > 0 && result->at(3).pttlMs <= 5000);

        // PTTL refused (an ACL without it): not answered, so neither "gone" nor timed; the size still comes.
        redis::Connection refused(userWithout(server, u"nopttl"_s, u"-pttl"_s));
        QVERIFY(testing::openAndWait(refused));
        result.reset();
        fetchKeyMetadata(refused, {"persistent"}, this, [&result](const QList<KeyMetadata>& m) { result = m; });
        QTRY_VERIFY(result.has_value());
        QCOMPARE(result->size(), 1);
        QCOMPARE(result->at(0).key, QByteArray("persistent"));
        QVERIFY(!result->at(0).answered);
        QCOMPARE(result->at(0).fetchedAtMs, 0);
        QVERIFY(result->at(0).memoryBytes.value_or(0) > 0);

        // The server goes away: an empty list, not made-up figures.
        result.reset();
        server.kill();
        fetchKeyMetadata(connection, {"expiring"}, this, [&result](const QList<KeyMetadata>& m) { result = m; });
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 10000);
        QVERIFY(result->isEmpty());
    }

    // Records written back to back reach the stream once each, in order; a record the server refuses for good
    // (NOPERM) is given up at once and told, unless it was a dry run's.
    void auditRecordsAreWrittenOnceEachInOrder()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        AuditWriter writer(&connection);
        QSignalSpy idle(&writer, &AuditWriter::idle);
        for (const QString& actor : {u"a"_s, u"b"_s, u"c"_s})
            writer.write(AuditRecord::of(AuditAction::Invalidate, AuditOutcome::Completed, actor, u"events:*"_s, 1));
        QVERIFY(!writer.isIdle());
        QTRY_VERIFY(writer.isIdle());
        QCOMPARE(idle.size(), 1);
        QCOMPARE(writer.errors(), QStringList());
        const QList<AuditRecord> written = testing::auditRecords(server.connectionOptions(), 10);
        QCOMPARE(written.size(), 3);
        QStringList actors;
        for (const AuditRecord& record : written)
            actors.append(record.actor);
        QCOMPARE(actors, (QStringList {u"c"_s, u"b"_s, u"a"_s})); // newest first

        redis::Connection refused(userWithout(server, u"noxadd"_s, u"-xadd"_s));
        QVERIFY(testing::openAndWait(refused));
        AuditWriter refusedWriter(&refused);
        AuditRecord dry = AuditRecord::of(AuditAction::Invalidate, AuditOutcome::Completed, u"d"_s, u"dry:*"_s, 0);
        dry.dryRun = true;
        refusedWriter.write(dry);
        refusedWriter.write(AuditRecord::of(AuditAction::Expire, AuditOutcome::Failed, u"e"_s, u"real:*"_s, 2));
        QTRY_VERIFY_WITH_TIMEOUT(refusedWriter.isIdle(), 2000); // not retried for the 10 s window
        QCOMPARE(refusedWriter.errors().size(), 1);
        QVERIFY2(refusedWriter.errors().first().startsWith(u"expire real:*: NOPERM "_s),
            qPrintable(refusedWriter.errors().first()));
        QCOMPARE(testing::auditRecords(server.connectionOptions(), 10).size(), 3);
    }

    // What the detail pane and `cachectl get` show of one key, per type: the type, the TTL, a string's first bytes
    // (up to the limit asked) and its length, a collection's element count; a missing key is "none" and gone.
    void inspectionReadsEachType_data()
    {
        QTest::addColumn<QByteArray>("fill"); // redis-cli lines writing the key "k"
        QTest::addColumn<int>("maxValueBytes");
        QTest::addColumn<QByteArray>("type");
        QTest::addColumn<qint64>("valueSize");
        QTest::addColumn<QByteArray>("valuePrefix");
        QTest::addColumn<bool>("truncated");
        QTest::addColumn<bool>("expiring");
        QTest::newRow("string, cut") << QByteArray("SET k \"hello\\x00world\"") << 5 << QByteArray("string")
                                     << qint64(11) << QByteArray("hello") << true << false;
        QTest::newRow("string, at the limit") << QByteArray("SET k hello") << 5 << QByteArray("string") << qint64(5)
                                              << QByteArray("hello") << false << false;
        QTest::newRow("string, whole") << QByteArray("SET k hi PX 100000") << 65536 << QByteArray("string") << qint64(2)
                                       << QByteArray("hi") << false << true;
        QTest::newRow("empty string") << QByteArray("SET k \"\"") << 5 << QByteArray("string") << qint64(0)
                                      << QByteArray() << false << false;
        QTest::newRow("hash") << QByteArray("HSET k a 1 b 2") << 5 << QByteArray("hash") << qint64(2) << QByteArray()
                              << false << false;
        QTest::newRow("list") << QByteArray("RPUSH k a b c") << 5 << QByteArray("list") << qint64(3) << QByteArray()
                              << false << false;
        QTest::newRow("set") << QByteArray("SADD k a\nEXPIRE k 100") << 5 << QByteArray("set") << qint64(1)
                             << QByteArray() << false << true;
        QTest::newRow("zset") << QByteArray("ZADD k 1 a 2 b 3 c 4 d") << 5 << QByteArray("zset") << qint64(4)
                              << QByteArray() << false << false;
        QTest::newRow("stream") << QByteArray("XADD k * f v\nXADD k * f w") << 5 << QByteArray("stream") << qint64(2)
                                << QByteArray() << false << false;
        QTest::newRow("missing") << QByteArray() << 5 << QByteArray("none") << qint64(0) << QByteArray() << false
                                 << false; // STRLEN's answer
    }
    void inspectionReadsEachType()
    {
        QFETCH(QByteArray, fill);
        QFETCH(int, maxValueBytes);
        QFETCH(QByteArray, type);
        QFETCH(qint64, valueSize);
        QFETCH(QByteArray, valuePrefix);
        QFETCH(bool, truncated);
        QFETCH(bool, expiring);
        testing::RedisServer* server = sharedServer();
        QVERIFY2(server, qPrintable(m_shared.errorString()));
        if (!fill.isEmpty())
            server->cli({}, fill + '\n');
        redis::Connection connection(server->connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        std::optional<KeyInspection> inspection;
        QString error = u"not called"_s;
        inspectKey(
            connection, "k", this,
            [&](std::optional<KeyInspection> found, const QString& why) {
                inspection = std::move(found);
                error = why;
            },
            maxValueBytes);
        QTRY_VERIFY(error != u"not called"_s);
        QCOMPARE(error, QString());
        QVERIFY(inspection);
        QCOMPARE(inspection->key, QByteArray("k"));
        QCOMPARE(inspection->type, type);
        QCOMPARE(inspection->valueSize, valueSize);
        QCOMPARE(inspection->valuePrefix, valuePrefix);
        QCOMPARE(inspection->truncated(), truncated);
        QCOMPARE(inspection->exists(), type != "none");
        if (type == "none")
            QCOMPARE(inspection->pttl, -2);
        else if (expiring)
            QVERIFY2(
                inspection->pttl > 90000 && inspection->pttl <= 100000, qPrintable(QString::number(inspection->pttl)));
        else
            QCOMPARE(inspection->pttl, -1);
        QCOMPARE(describeInspectedKey(*inspection), u"other (not a gateway or service key)"_s);
    }

    // A refused TYPE or PTTL is the answer's error, never a key shown as missing; a refused size leaves it unknown.
    void inspectionSaysWhatWasRefused_data()
    {
        QTest::addColumn<QString>("denied");
        QTest::addColumn<QString>("error"); // empty: answered
        QTest::addColumn<qint64>("valueSize");
        QTest::newRow("TYPE") << u"-type"_s << u"'type'"_s << qint64(-1);
        QTest::newRow("PTTL") << u"-pttl"_s << u"'pttl'"_s << qint64(-1);
        QTest::newRow("HLEN") << u"-hlen"_s << QString() << qint64(-1);
        QTest::newRow("nothing") << u"+ping"_s << QString() << qint64(3);
    }
    void inspectionSaysWhatWasRefused()
    {
        QFETCH(QString, denied);
        QFETCH(QString, error);
        QFETCH(qint64, valueSize);
        testing::RedisServer* server = sharedServer();
        QVERIFY2(server, qPrintable(m_shared.errorString()));
        server->cli({}, "HSET k a 1 b 2 c 3\n");
        redis::Connection connection(userWithout(*server, u"viewer"_s, denied));
        QVERIFY(testing::openAndWait(connection));
        std::optional<KeyInspection> inspection;
        QString why = u"not called"_s;
        inspectKey(connection, "k", this, [&](std::optional<KeyInspection> found, const QString& message) {
            inspection = std::move(found);
            why = message;
        });
        QTRY_VERIFY(why != u"not called"_s);
        if (!error.isEmpty()) {
            QVERIFY(!inspection);
            QVERIFY2(why.startsWith(u"NOPERM "_s) && why.contains(error), qPrintable(why));
            return;
        }
        QCOMPARE(why, QString());
        QVERIFY(inspection);
        QCOMPARE(inspection->type, QByteArray("hash"));
        QCOMPARE(inspection->pttl, -1);
        QCOMPARE(inspection->valueSize, valueSize);
    }

    // How a key's name reads, for people: every part the key model found, escaped; CacheScope's own keys by kind.
    void inspectedKeysAreDescribed_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::addColumn<QString>("text");
        QTest::newRow("gateway, every part")
            << model::buildGatewayKey({"GET", "/api/search", {{"q", "rock\x01"}, {"category", std::nullopt}},
                   QByteArray("u7"), QByteArray("acme"), QByteArray("v2")})
            << u"gateway response GET /api/search, q=rock\\x01, category=(absent), user u7, tenant acme, venue v2"_s;
        QTest::newRow("gateway, bare") << model::buildGatewayKey({"GET", "/api/events", {}, {}, {}, {}})
                                       << u"gateway response GET /api/events"_s;
        QTest::newRow("service") << QByteArray("events:42\xff") << u"service entry, namespace events, id 42\\xff"_s;
        QTest::newRow("other") << QByteArray("plain") << u"other (not a gateway or service key)"_s;
        QTest::newRow("own tag index") << QByteArray("cachescope:tag:venue%3Av1")
                                       << u"CacheScope's own data: tag indexes"_s;
        QTest::newRow("own route config")
            << QByteArray("cachescope:config:routes{cachescope}") << u"CacheScope's own data: route config"_s;
    }
    void inspectedKeysAreDescribed()
    {
        QFETCH(QByteArray, key);
        QFETCH(QString, text);
        KeyInspection inspection;
        inspection.key = key;
        inspection.parsed = model::parseKey(key);
        QCOMPARE(describeInspectedKey(inspection), text);
    }

    // Every type's members, a page at a time, binary-safe and each exactly once; each page one lookup, counted as the
    // server counts it (the dashboard takes them out of its charts).
    void memberPagesReadEveryType_data()
    {
        QTest::addColumn<QByteArray>("type");
        QTest::addColumn<QByteArray>("fill"); // a Lua body; KEYS[1] the key, 450 members, one of them binary
        QTest::newRow("hash") << QByteArray("hash")
                              << QByteArray("for i = 1, 449 do redis.call('HSET', KEYS[1], 'f' .. i, 'v' .. i) end "
                                            "redis.call('HSET', KEYS[1], '\\0\\255', 'bin')");
        QTest::newRow("set") << QByteArray("set")
                             << QByteArray("for i = 1, 449 do redis.call('SADD', KEYS[1], 'm' .. i) end "
                                           "redis.call('SADD', KEYS[1], '\\0\\255')");
        QTest::newRow("zset") << QByteArray("zset")
                              << QByteArray("for i = 1, 449 do redis.call('ZADD', KEYS[1], i, 'm' .. i) end "
                                            "redis.call('ZADD', KEYS[1], 1000, '\\0\\255')");
        QTest::newRow("list") << QByteArray("list")
                              << QByteArray("for i = 1, 449 do redis.call('RPUSH', KEYS[1], 'e' .. i) end "
                                            "redis.call('RPUSH', KEYS[1], '\\0\\255')");
        QTest::newRow("stream") << QByteArray("stream")
                                << QByteArray("for i = 1, 449 do redis.call('XADD', KEYS[1], i .. '-1', 'f', i) end "
                                              "redis.call('XADD', KEYS[1], '450-1', 'f', '\\0\\255')");
    }
    void memberPagesReadEveryType()
    {
        QFETCH(QByteArray, type);
        QFETCH(QByteArray, fill);
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        QVERIFY(!testing::runCommand(connection, {"EVAL", fill, "1", "members"}).isError());
        const redis::LookupCount serverBefore = testing::serverLookups(connection);
        const redis::LookupCount ownBefore = connection.ownLookups().current();
        QList<QList<QByteArray>> rows;
        QByteArray from;
        int pages = 0;
        do {
            std::optional<ops::MemberPage> page;
            bool answered = false;
            ops::readMemberPage(connection, "members", type, from, 200, 450, this,
                [&](std::optional<ops::MemberPage> p, const QString& error) {
                    QVERIFY2(p, qPrintable(error));
                    page = p;
                    answered = true;
                });
            QTRY_VERIFY(answered);
            QVERIFY(page);
            QCOMPARE(page->columns, ops::memberColumns(type));
            rows += page->rows;
            from = page->next;
            QVERIFY(++pages < 50);
        } while (!from.isEmpty());
        QSet<QByteArray> firsts;
        for (const QList<QByteArray>& row : std::as_const(rows))
            firsts.insert(row.value(type == "list" ? 1 : 0));
        QCOMPARE(firsts.size(), 450);
        QCOMPARE(rows.size(), 450); // no member twice (a scan may repeat one only while the server rehashes)
        const QByteArray binary("\0\xff", 2);
        const bool found = std::any_of(rows.cbegin(), rows.cend(), [&binary](const QList<QByteArray>& row) {
            return row.contains(binary) || row.value(1).endsWith(QByteArray(QByteArray("=") + binary));
        });
        QVERIFY(found);
        if (type == "zset" || type == "list") {
            QCOMPARE(rows.first().value(type == "zset" ? 0 : 1), QByteArray(type == "zset" ? "m1" : "e1"));
            QCOMPARE(rows.last().contains(binary), true); // in order: by score, by index
        }
        const redis::LookupCount counted = testing::serverLookups(connection) - serverBefore;
        const redis::LookupCount own = connection.ownLookups().current() - ownBefore;
        QCOMPARE(own.hits, counted.hits);
        QCOMPARE(own.misses, counted.misses);
        QCOMPARE(own.hits, pages); // one lookup per page, each a hit
    }

    // A chart point sums its nodes: keys exactly DBSIZE, memory and ops the node's own figures (one node here, so the
    // sums equal it), memory what INFO says within the churn of two reads.
    void anInfoSampleSumsItsNodes()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        QVERIFY(!testing::runCommand(connection, {"EVAL", "for i = 1, 123 do redis.call('SET', 'k' .. i, i) end", "0"})
                     .isError());
        ops::InfoSampler sampler(&connection);
        std::optional<ops::InfoSample> sample;
        connect(&sampler, &ops::InfoSampler::sampled, this, [&sample](const ops::InfoSample& s) { sample = s; });
        sampler.start(std::chrono::milliseconds(100));
        QTRY_VERIFY(sample);
        sampler.stop();
        QCOMPARE(sample->nodes.size(), 1);
        const ops::NodeFigures& node = sample->nodes.first();
        QCOMPARE(node.keys, 123);
        QCOMPARE(sample->keys, 123);
        QVERIFY(node.usedMemory > 0);
        QCOMPARE(sample->usedMemory, node.usedMemory);
        QCOMPARE(sample->opsPerSecond, node.opsPerSecond);
        const qint64 usedMemory =
            testing::infoInteger(testing::runCommand(connection, {"INFO", "memory"}).bytes(), "used_memory");
        QVERIFY2(qAbs(sample->usedMemory - usedMemory) < usedMemory / 10,
            qPrintable(u"%1 vs %2"_s.arg(sample->usedMemory).arg(usedMemory)));

        // Another client's lookups reach the samples' deltas exactly, each sample's delta the sum of its nodes'.
        QList<ops::InfoSample> later;
        connect(&sampler, &ops::InfoSampler::sampled, this, [&later](const ops::InfoSample& s) { later.append(s); });
        sampler.start(std::chrono::milliseconds(100));
        QTRY_VERIFY(!later.isEmpty());
        const qsizetype from = later.size();
        server.cli({}, "GET k1\nGET k2\nGET k3\nGET nothing\nGET nothing\n");
        const auto summed = [&later, from] {
            ops::InfoDelta sum;
            for (qsizetype i = from; i < later.size(); ++i)
                sum += later.at(i).delta;
            return sum;
        };
        QTRY_COMPARE(summed().hits + summed().misses, 5);
        QTest::qWait(300); // a few more samples: nothing else arrives
        sampler.stop();
        QCOMPARE(summed().hits, 3);
        QCOMPARE(summed().misses, 2);
        for (const ops::InfoSample& each : std::as_const(later)) {
            QCOMPARE(each.nodes.size(), 1);
            QCOMPARE(each.delta.hits, each.nodes.first().delta.hits);
            QCOMPARE(each.delta.misses, each.nodes.first().delta.misses);
            QCOMPARE(each.delta.commands, each.nodes.first().delta.commands);
        }
    }

    // A frozen server gets one INFO at a time, however many intervals pass: no pile of commands that would all run
    // (and all answer at once, as samples of the same instant) when it wakes; the samples go on after it.
    void aFrozenServerGetsOneInfoAtATime()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ops::InfoSampler sampler(&connection);
        int samples = 0;
        connect(&sampler, &ops::InfoSampler::sampled, this, [&samples] { ++samples; });
        sampler.start(std::chrono::milliseconds(50));
        QTRY_VERIFY(samples >= 1);
        server.pause();
        QTest::qWait(600); // twelve intervals
        const qsizetype pending = connection.pendingCount();
        server.resume();
        QCOMPARE(pending, 1);
        const int before = samples;
        QTRY_VERIFY(samples >= before + 2);
        sampler.stop();
    }

    // What the panes poll on a quiet cache exists — the stats index, whose window holds no bucket, and the audit
    // stream, with no record since the last read — so the server counts each read as a hit even when the range asked
    // for is empty. The charts take our own lookups out as we count them, so we must count them as the server does:
    // the charted hits and misses stay exactly zero. A record written meanwhile is read once by each follower.
    void watchingAQuietCacheChartsNothing()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const cache::StatsTier tier = cache::defaultStatsTiers().first();
        QCOMPARE(tier.bucket, std::chrono::seconds(1));
        const qint64 oldBucket = tier.bucketOf(QDateTime::currentSecsSinceEpoch() - 600);
        server.cli(
            {u"ZADD"_s, QString::fromUtf8(tier.indexKey()), QString::number(oldBucket), QString::number(oldBucket)});
        server.cli({u"HSET"_s, QString::fromUtf8(tier.bucketKey(oldBucket, cache::StatsDimension::Total)), u"all|hit"_s,
            u"5"_s});
        const auto addRecord = [&server] {
            return server
                .cli({u"XADD"_s, QString::fromUtf8(ops::auditStreamKey), u"*"_s, u"actor"_s, u"test"_s, u"action"_s,
                    u"invalidate"_s})
                .trimmed();
        };
        const QByteArray first = addRecord();
        QTest::qWait(5); // the next record's id is later than the time taken below
        const QByteArray startedAt = QByteArray::number(QDateTime::currentMSecsSinceEpoch()) + "-0";

        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ops::InfoSampler sampler(&connection);
        QList<ops::InfoSample> samples;
        connect(
            &sampler, &ops::InfoSampler::sampled, this, [&samples](const ops::InfoSample& s) { samples.append(s); });
        sampler.start(std::chrono::milliseconds(100));
        QTRY_VERIFY(!samples.isEmpty());
        const qsizetype from = samples.size();
        const redis::LookupCount ownBefore = connection.ownLookups().current();

        ops::AuditFollower fromTheStart; // every record
        ops::AuditFollower fromNow(startedAt); // a time, not a record: only what is written after it
        QList<QByteArray> readFromTheStart;
        QList<QByteArray> readFromNow;
        QByteArray second;
        for (int round = 0; round < 12; ++round) {
            if (round == 6)
                second = addRecord();
            int answers = 0;
            cache::readStatsWindow(connection, cache::StatsDimension::Total, 5, this,
                [&answers](std::optional<cache::StatsWindow> window, const QString& error) {
                    ++answers;
                    QVERIFY2(window, qPrintable(error));
                    QCOMPARE(window->bucketsRead, 0); // the old bucket is outside the window
                });
            const auto follow = [&answers](QList<QByteArray>& read) {
                return [&answers, &read](const QList<ops::AuditRecord>& records, bool more, const QString& error) {
                    ++answers;
                    QVERIFY2(error.isEmpty(), qPrintable(error));
                    QVERIFY(!more);
                    for (const ops::AuditRecord& record : records)
                        read.append(record.id);
                };
            };
            fromTheStart.read(connection, 10, this, follow(readFromTheStart));
            fromNow.read(connection, 10, this, follow(readFromNow));
            QTRY_COMPARE(answers, 3);
            QTest::qWait(30);
        }
        const qsizetype end = samples.size() + 2;
        QTRY_VERIFY(samples.size() >= end);
        sampler.stop();

        QCOMPARE(readFromNow, QList<QByteArray> {second});
        QCOMPARE(readFromTheStart, (QList<QByteArray> {first, second}));
        ops::InfoDelta charted;
        for (qsizetype i = from; i < samples.size(); ++i)
            charted += samples.at(i).delta;
        QCOMPARE(charted.hits, 0);
        QCOMPARE(charted.misses, 0);
        QVERIFY((connection.ownLookups().current() - ownBefore).hits >= 12 * 3); // the reads were lookups
    }

    // The audit stream lost under a follower (a restart without persistence, a FLUSHALL), then written again: every
    // record of the new stream is new, even one whose id is older than any seen before (a server whose clock is
    // behind: a record is read twice rather than missed); nothing fails, and every read is counted in our own lookups
    // exactly as the server counts it (a present stream's empty range is a hit there).
    void followingTheAuditSurvivesALostStream()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        const QString stream = QString::fromUtf8(ops::auditStreamKey);
        const auto add = [&](const QString& id) {
            return server.cli({u"XADD"_s, stream, id, u"actor"_s, u"test"_s, u"action"_s, u"invalidate"_s}).trimmed();
        };
        ops::AuditFollower follower;
        const auto read = [&] {
            QList<QByteArray> ids;
            bool answered = false;
            follower.read(
                connection, 10, this, [&](const QList<ops::AuditRecord>& records, bool, const QString& error) {
                    answered = true;
                    QVERIFY2(error.isEmpty(), qPrintable(error));
                    for (const ops::AuditRecord& record : records)
                        ids.append(record.id);
                });
            [&] { QTRY_VERIFY(answered); }();
            return ids;
        };
        const redis::LookupCount serverBefore = testing::serverLookups(connection);
        const redis::LookupCount ownBefore = connection.ownLookups().current();
        const QByteArray first = add(u"*"_s);
        QCOMPARE(read(), QList<QByteArray> {first});
        QCOMPARE(read(), QList<QByteArray>());
        server.cli({u"DEL"_s, stream});
        QCOMPARE(read(), QList<QByteArray>());
        QCOMPARE(read(), QList<QByteArray>());
        QCOMPARE(add(u"1-1"_s), QByteArray("1-1"));
        QCOMPARE(read(), QList<QByteArray> {"1-1"});
        QCOMPARE(read(), QList<QByteArray>());
        const QByteArray later = add(u"*"_s);
        QCOMPARE(read(), QList<QByteArray> {later});
        QCOMPARE(read(), QList<QByteArray>());
        QCOMPARE(connection.ownLookups().current() - ownBefore, testing::serverLookups(connection) - serverBefore);
    }

    // The slow log as the server keeps it, newest first, exact arguments (bytes that are not text included), on a
    // read-only connection; a server frozen past the timeout is an error that says so, not an empty log.
    void slowLogIsTheServersNewestFirst()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        server.cli({u"CONFIG"_s, u"SET"_s, u"slowlog-log-slower-than"_s, u"0"_s});
        server.cli({u"SLOWLOG"_s, u"RESET"_s});
        redis::Connection writer(server.connectionOptions());
        QVERIFY(testing::openAndWait(writer));
        testing::runCommand(writer, {"SET", "events:1", "a"});
        testing::runCommand(writer,
            {"SET",
                QByteArray("\xff\x00"
                           "bin",
                    5),
                "b"});
        redis::ConnectionOptions options = server.connectionOptions();
        options.readOnly = true;
        options.commandTimeout = 700ms;
        options.autoReconnect = false;
        redis::Connection reader(options);
        QVERIFY(testing::openAndWait(reader));
        std::optional<ops::SlowLog> log;
        ops::readSlowLog(reader, 50, &reader, [&log](const ops::SlowLog& read) { log = read; });
        QTRY_VERIFY(log.has_value());
        QCOMPARE(log->error, QString());
        QCOMPARE(log->nodes, QStringList {reader.describeNode(0)});
        QList<QList<QByteArray>> commands;
        for (const ops::SlowLogEntry& entry : log->entries) {
            if (entry.arguments.value(0) == "SET")
                commands.append(entry.arguments);
        }
        // Newest first: the binary key's SET before the other.
        QCOMPARE(commands,
            (QList<QList<QByteArray>> {{"SET",
                                           QByteArray("\xff\x00"
                                                      "bin",
                                               5),
                                           "b"},
                {"SET", "events:1", "a"}}));
        for (qsizetype i = 1; i < log->entries.size(); ++i)
            QVERIFY(log->entries.at(i - 1).at >= log->entries.at(i).at);

        server.pause();
        log.reset();
        ops::readSlowLog(reader, 50, &reader, [&log](const ops::SlowLog& read) { log = read; });
        QTRY_VERIFY_WITH_TIMEOUT(log.has_value(), 5000);
        server.resume();
        QVERIFY2(log->error.contains(u"no reply"_s) || log->error.contains(u"timed out"_s, Qt::CaseInsensitive),
            qPrintable(log->error));
        QVERIFY(log->entries.isEmpty());
    }

    // SLOWLOG GET's entries as another server version (or a damaged reply) may give them: with and without the client
    // fields, and the malformed ones left out, never read as zeros.
    void slowLogEntriesAreReadExactly()
    {
        const auto arguments = [](const QList<QByteArray>& words) {
            QList<redis::Reply> list;
            for (const QByteArray& word : words)
                list.append(redis::Reply::string(word));
            return testing::replyArray(list);
        };
        const auto entry = testing::replyArray;
        using redis::Reply;
        const QList<Reply> items {
            entry({Reply::integer(9), Reply::integer(1'700'000'000), Reply::integer(1500), arguments({"GET", "k\xff"}),
                Reply::string("10.0.0.1:5000"), Reply::string("gateway")}),
            entry({Reply::integer(8), Reply::integer(1'700'000'001), Reply::integer(20), arguments({"PING"})}), // 4.0
            entry({Reply::integer(7), Reply::integer(1'700'000'002), Reply::integer(1), arguments({"A"}),
                Reply::string("only the address")}), // five fields: no name, so neither is read
            entry({Reply::string("7"), Reply::integer(1), Reply::integer(1), arguments({"X"})}), // id not a number
            entry({Reply::integer(6), Reply::nil(), Reply::integer(1), arguments({"X"})}),
            entry({Reply::integer(5), Reply::integer(1), Reply::string("1"), arguments({"X"})}),
            entry({Reply::integer(4), Reply::integer(1), Reply::integer(1), Reply::string("X")}),
            entry({Reply::integer(3), Reply::integer(1), Reply::integer(1)}),
            Reply::string("not an entry"),
        };
        const Reply reply = testing::replyArray(items);
        const QList<ops::SlowLogEntry> entries = ops::parseSlowLog(reply, u"n1"_s);
        QCOMPARE(entries.size(), 3);
        QCOMPARE(entries.at(0).node, u"n1"_s);
        QCOMPARE(entries.at(0).id, 9);
        QCOMPARE(entries.at(0).at, QDateTime::fromSecsSinceEpoch(1'700'000'000, Qt::UTC));
        QCOMPARE(entries.at(0).durationUs, 1500);
        QCOMPARE(entries.at(0).arguments, (QList<QByteArray> {"GET", "k\xff"}));
        QCOMPARE(entries.at(0).clientAddress, u"10.0.0.1:5000"_s);
        QCOMPARE(entries.at(0).clientName, u"gateway"_s);
        QCOMPARE(entries.at(1).id, 8);
        QCOMPARE(entries.at(1).at, QDateTime::fromSecsSinceEpoch(1'700'000'001, Qt::UTC));
        QCOMPARE(entries.at(1).durationUs, 20);
        QCOMPARE(entries.at(1).arguments, QList<QByteArray> {"PING"});
        QCOMPARE(entries.at(1).clientAddress, QString());
        QCOMPARE(entries.at(2).id, 7);
        QCOMPARE(entries.at(2).clientAddress, QString());
        QCOMPARE(entries.at(2).clientName, QString());
        QVERIFY(ops::parseSlowLog(Reply::string("x"), u"n1"_s).isEmpty());
        QVERIFY(ops::parseSlowLog(Reply::array(0), u"n1"_s).isEmpty());
    }

    // LATENCY LATEST's entries read exactly; one too short or with a field of the wrong type is left out, never read
    // past its end or as zeros.
    void latencyEventsAreReadExactly()
    {
        using redis::Reply;
        const auto entry = testing::replyArray;
        const QList<Reply> items {
            entry({Reply::string("command"), Reply::integer(1'700'000'000), Reply::integer(250), Reply::integer(900)}),
            entry({Reply::string("fast-command"), Reply::integer(1'700'000'005), Reply::integer(3), Reply::integer(4),
                Reply::string("a later server's extra field")}),
            entry({Reply::string("too-short"), Reply::integer(1), Reply::integer(2)}),
            entry({Reply::string("bad-time"), Reply::string("1"), Reply::integer(2), Reply::integer(3)}),
            entry({Reply::string("bad-latest"), Reply::integer(1), Reply::nil(), Reply::integer(3)}),
            entry({Reply::string("bad-max"), Reply::integer(1), Reply::integer(2), Reply::string("3")}),
            Reply::integer(7),
        };
        const Reply reply = testing::replyArray(items);
        const QList<ops::LatencyEvent> events = ops::parseLatencyLatest(reply, u"n1"_s);
        QCOMPARE(events.size(), 2);
        QCOMPARE(events.at(0).node, u"n1"_s);
        QCOMPARE(events.at(0).event, u"command"_s);
        QCOMPARE(events.at(0).latestAt, QDateTime::fromSecsSinceEpoch(1'700'000'000, Qt::UTC));
        QCOMPARE(events.at(0).latestMs, 250);
        QCOMPARE(events.at(0).maxMs, 900);
        QVERIFY(events.at(0).history.isEmpty());
        QCOMPARE(events.at(1).event, u"fast-command"_s);
        QCOMPARE(events.at(1).latestAt, QDateTime::fromSecsSinceEpoch(1'700'000'005, Qt::UTC));
        QCOMPARE(events.at(1).latestMs, 3);
        QCOMPARE(events.at(1).maxMs, 4);
        QVERIFY(ops::parseLatencyLatest(Reply::nil(), u"n1"_s).isEmpty());
    }

    void latencyPercentilesAreParsedAsTheServerWritesThem()
    {
        const QList<ops::CommandLatency> commands = ops::parseLatencyStats(
            "# Latencystats\r\nlatency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=5.023\r\n"
            "latency_percentiles_usec_memory|usage:p50=0.501,p99=12.031,p99.9=40.191\r\nbogus:line\r\n",
            u"n1"_s);
        QCOMPARE(commands.size(), 2);
        QCOMPARE(commands.at(0).command, u"get"_s);
        QCOMPARE(commands.at(0).p50Us, std::optional<double>(1.003));
        QCOMPARE(commands.at(0).p999Us, std::optional<double>(5.023));
        QCOMPARE(commands.at(1).command, u"memory|usage"_s);
        QCOMPARE(commands.at(1).p99Us, std::optional<double>(12.031));
        QCOMPARE(commands.at(1).node, u"n1"_s);
    }

    // "Test connection": what the server says of itself, exactly as INFO and DBSIZE have it, in the database asked
    // for; each way of failing keeps the connection's own error, and its kind.
    void aProbeSaysWhatItFoundOrWhyNot_data()
    {
        QTest::addColumn<QString>("setUp");
        QTest::addColumn<bool>("ok");
        QTest::addColumn<int>("errorKind");
        QTest::addColumn<QString>("error");
        QTest::newRow("answers") << u"plain"_s << true << int(redis::ErrorKind::None) << QString();
        QTest::newRow("wrong password")
            << u"wrong password"_s << false << int(redis::ErrorKind::WrongPass)
            << u"authentication failed for %1: WRONGPASS invalid username-password pair or user is disabled."_s;
        QTest::newRow("INFO refused") << u"no info"_s << false << int(redis::ErrorKind::NoPerm)
                                      << u"NOPERM this user has no permissions to run the 'info' command"_s;
        QTest::newRow("a TLS port asked in plain text")
            << u"tls"_s << false << int(redis::ErrorKind::NotConnected) << u" (if this port serves TLS, turn TLS on)"_s;
        QTest::newRow("nothing listens") << u"stopped"_s << false << int(redis::ErrorKind::NotConnected) << QString();
    }
    void aProbeSaysWhatItFoundOrWhyNot()
    {
        QFETCH(QString, setUp);
        QFETCH(bool, ok);
        QFETCH(int, errorKind);
        QFETCH(QString, error);
        testing::RedisServer::Config config;
        config.tls = setUp == u"tls"_s;
        config.extraConfig = {u"user probe on >secret ~* +@all -info"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        redis::ConnectionOptions options = server.connectionOptions();
        options.database = 3;
        if (setUp == u"wrong password"_s) {
            options.username = u"probe"_s;
            options.password = u"wrong"_s;
        } else if (setUp == u"no info"_s) {
            options.username = u"probe"_s;
            options.password = u"secret"_s;
        } else if (setUp == u"tls"_s) {
            options.tls.enabled = false;
        } else if (setUp == u"stopped"_s) {
            server.stop();
        }
        if (setUp == u"plain"_s) {
            for (int i = 0; i < 5; ++i)
                server.cli({u"-n"_s, u"3"_s, u"SET"_s, u"k"_s + QString::number(i), u"v"_s});
        }
        std::optional<ops::ServerProbe> probe;
        QObject context;
        ops::probeServer(options, &context, [&](const ops::ServerProbe& found) {
            QVERIFY(!probe.has_value()); // once
            probe = found;
        });
        QVERIFY(!probe.has_value()); // never from inside the call
        QTRY_VERIFY_WITH_TIMEOUT(probe.has_value(), 10000);
        QCOMPARE(probe->ok, ok);
        QCOMPARE(int(probe->errorKind), errorKind);
        if (!ok) {
            if (setUp == u"tls"_s)
                QVERIFY2(probe->error.endsWith(error), qPrintable(probe->error));
            else if (!error.isEmpty())
                QCOMPARE(probe->error, error.contains(u"%1"_s) ? error.arg(options.displayName()) : error);
            else
                QVERIFY(!probe->error.isEmpty());
            QCOMPARE(probe->summary(3), probe->error);
            QVERIFY(!probe->error.contains(u"turn TLS on"_s) || setUp == u"tls"_s);
            return;
        }
        const ops::ServerInfo info = ops::ServerInfo::parse(server.cli({u"INFO"_s, u"server"_s}));
        QCOMPARE(probe->error, QString());
        QCOMPARE(probe->version, QString::fromUtf8(info.text("redis_version")));
        QCOMPARE(probe->mode, u"standalone"_s);
        QCOMPARE(probe->role, u"master"_s);
        QCOMPARE(probe->keys, 5);
        QVERIFY(probe->usedMemory > 0);
        QVERIFY(probe->roundTripMs > 0 && probe->roundTripMs < 5000);
        QVERIFY2(probe->summary(3).startsWith(u"Redis %1, standalone master, 5 keys in db 3, "_s.arg(probe->version)),
            qPrintable(probe->summary(3)));
        QVERIFY(probe->summary(3).endsWith(u" ms"_s));
    }

    // Newest events and slowest commands first; equal ones by node, then name, whatever order the nodes answered in
    // (every order of the input is tried).
    void latencyRowsKeepTheirOrderOnTies()
    {
        const QDateTime earlier = QDateTime::fromSecsSinceEpoch(1'700'000'000, Qt::UTC);
        const QDateTime later = earlier.addSecs(1);
        const QList<ops::LatencyEvent> events {{u"b"_s, u"command"_s, later, 5, 5, {}},
            {u"a"_s, u"fast-command"_s, later, 5, 5, {}}, {u"a"_s, u"command"_s, earlier, 9, 9, {}},
            {u"a"_s, u"command"_s, later, 7, 7, {}}, {u"b"_s, u"aof-fsync"_s, later, 1, 1, {}}};
        const QList<ops::CommandLatency> commands {{u"b"_s, u"get"_s, {}, 2.0, {}}, {u"a"_s, u"set"_s, {}, 2.0, {}},
            {u"a"_s, u"get"_s, {}, std::nullopt, {}}, {u"a"_s, u"get"_s, {}, 2.0, {}}, {u"a"_s, u"del"_s, {}, 3.0, {}}};
        std::array<int, 5> order {0, 1, 2, 3, 4};
        do {
            ops::LatencyReport report;
            for (const int i : order) {
                report.events.append(events.at(i));
                report.commands.append(commands.at(i));
            }
            ops::sortForDisplay(report);
            QStringList eventRows;
            for (const ops::LatencyEvent& event : std::as_const(report.events))
                eventRows << event.node + u' ' + event.event + u' ' + QString::number(event.latestMs);
            QCOMPARE(eventRows,
                QStringList(
                    {u"a command 7"_s, u"a fast-command 5"_s, u"b aof-fsync 1"_s, u"b command 5"_s, u"a command 9"_s}));
            QStringList commandRows;
            for (const ops::CommandLatency& command : std::as_const(report.commands))
                commandRows << command.node + u' ' + command.command;
            QCOMPARE(commandRows, QStringList({u"a del"_s, u"a get"_s, u"a set"_s, u"b get"_s, u"a get"_s}));
        } while (std::next_permutation(order.begin(), order.end()));
    }

    // A real latency event (a script that keeps the server busy past the monitor's threshold) with its history, and
    // the command percentiles of INFO latencystats; a user refused CONFIG GET still gets both, the threshold unknown.
    void latencyEventsAndPercentilesFromTheServer()
    {
        testing::RedisServer::Config config;
        config.extraConfig = {u"latency-monitor-threshold 20"_s,
            u"user nocfg on >secret ~* +@read +@connection +info +latency +eval -config"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        server.cli({u"EVAL"_s,
            u"local t = redis.call('TIME') local s = t[1] * 1000000 + t[2] "
            "repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - s > 60000"_s,
            u"0"_s});
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        std::optional<ops::LatencyReport> report;
        ops::readLatency(connection, &connection, [&report](const ops::LatencyReport& read) { report = read; });
        QTRY_VERIFY(report.has_value());
        QCOMPARE(report->error, QString());
        QCOMPARE(report->monitorThresholdMs, std::optional<qint64>(20));
        QCOMPARE(report->events.size(), 1);
        QCOMPARE(report->events.first().event, u"command"_s);
        QVERIFY2(report->events.first().maxMs >= 60, qPrintable(QString::number(report->events.first().maxMs)));
        QCOMPARE(report->events.first().history.size(), 1);
        QCOMPARE(report->events.first().history.first().second, report->events.first().latestMs);
        QVERIFY(std::any_of(report->commands.cbegin(), report->commands.cend(),
            [](const ops::CommandLatency& c) { return c.command == u"eval"_s && c.p99Us && *c.p99Us >= 60000; }));

        redis::ConnectionOptions restricted = server.connectionOptions();
        restricted.username = u"nocfg"_s;
        restricted.password = u"secret"_s;
        redis::Connection limited(restricted);
        QVERIFY(testing::openAndWait(limited));
        report.reset();
        ops::readLatency(limited, &limited, [&report](const ops::LatencyReport& read) { report = read; });
        QTRY_VERIFY(report.has_value());
        QCOMPARE(report->error, QString());
        QCOMPARE(report->monitorThresholdMs, std::nullopt);
        QCOMPARE(report->events.size(), 1);
    }
};

QTEST_GUILESS_MAIN(TestOps)
#include "tst_ops.moc"
