#include "cache/cacheenvelope.h"
#include "cache/statstiers.h"
#include "hostiledata.h"
#include "model/gatewaykey.h"
#include "model/reservedkeys.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"
#include "toolrun.h"

#include <QDateTime>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QTemporaryDir>
#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

// Runs the real cachectl binary against a real redis-server, as a shell user would.
class TestCachectl : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server;

    using Run = testing::ToolRun;

    static Run cachectl(const QStringList& arguments, const QStringList& environment = {})
    {
        return testing::runTool(QStringLiteral(CACHECTL_PATH), arguments, environment);
    }

    QStringList at() const
    {
        return {u"-h"_s, m_server.host(), u"-p"_s, QString::number(m_server.port())};
    }

    void seed()
    {
        m_server.cli({u"FLUSHALL"_s});
        QByteArray commands;
        auto set = [&commands](const QByteArray& key) { commands += "SET \"" + key + "\" \"{\\\"ok\\\":true}\"\n"; };
        for (int venue = 0; venue < 3; ++venue)
            for (const char* tenant : {"acme", "globex"})
                set(model::buildGatewayKey(
                    {"GET", "/api/events", {}, {}, QByteArray(tenant), QByteArray("v") + QByteArray::number(venue)}));
        for (int i = 0; i < 25; ++i)
            set("events:" + QByteArray::number(i));
        set("loose");
        m_server.cli({}, commands);
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("32"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        seed();
    }

    // Restricted ACL users, as the README documents them: a bare +@read user (no PING, no INFO) can still scan and
    // preview; the documented read-only user also gets stats; the documented writer invalidates and audits; a user
    // who may delete but not write the audit stream gets the deletion done and exit 1, never a silent gap.
    void restrictedAclUsers_data()
    {
        QTest::addColumn<QString>("rules");
        QTest::addColumn<QStringList>("command");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("field"); // a field of the JSON report, or a line of standard error
        QTest::addColumn<int>("value");
        const QStringList preview {u"invalidate"_s, u"events:*"_s, u"--json"_s};
        QTest::newRow("+@read previews") << u"~* +@read"_s << preview << 0 << u"matched"_s << 25;
        QTest::newRow("+@read +@connection previews")
            << u"~* +@read +@connection"_s << preview << 0 << u"matched"_s << 25;
        QTest::newRow("documented read-only: stats")
            << u"~* +@read +@connection +info"_s << QStringList {u"stats"_s, u"--json"_s} << 0 << u"keys"_s << -1;
        QTest::newRow("documented read-only cannot delete")
            << u"~* +@read +@connection +info"_s
            << QStringList {u"invalidate"_s, u"events:1*"_s, u"--yes"_s, u"--json"_s} << 1 << u"invalidated"_s << 0;
        QTest::newRow("documented writer")
            << u"~* +@read +@connection +info +unlink +expire +xadd"_s
            << QStringList {u"invalidate"_s, u"events:1*"_s, u"--yes"_s, u"--json"_s} << 0 << u"invalidated"_s << 11;
        QTest::newRow("writer without the audit stream")
            << u"~* +@read +@connection +unlink"_s << QStringList {u"invalidate"_s, u"events:2*"_s, u"--yes"_s} << 1
            << u"cachectl invalidate: the audit record could not be written: invalidate events:2*: "_s << 6;
        QTest::newRow("documented route editor")
            << u"~* +@read +@connection +info +unlink +expire +xadd +eval +hset +publish &cachescope:*"_s
            << QStringList {u"routes"_s, u"set"_s, u"/api/acl-test"_s, u"--ttl"_s, u"5"_s} << 0 << QString() << -2;
    }
    void restrictedAclUsers()
    {
        QFETCH(QString, rules);
        QFETCH(QStringList, command);
        QFETCH(int, exitCode);
        QFETCH(QString, field);
        QFETCH(int, value);
        m_server.cli(QStringList {u"ACL"_s, u"SETUSER"_s, u"restricted"_s, u"reset"_s, u"on"_s, u">restricted-pw"_s}
            + rules.split(u' '));
        const Run run =
            cachectl(at() + QStringList {u"--user"_s, u"restricted"_s} + command, {u"REDISCLI_AUTH=restricted-pw"_s});
        QVERIFY2(run.exitCode == exitCode, run.err.constData());
        if (field.startsWith(u"cachectl "_s)) {
            QVERIFY2(run.err.contains(field.toUtf8()), run.err.constData());
            QCOMPARE(m_server.cli({u"KEYS"_s, u"events:2*"_s}).trimmed(), QByteArray()); // deleted all the same
        } else if (value == -2) {
            QVERIFY2(run.err.isEmpty(), run.err.constData());
        } else if (value >= 0) {
            QCOMPARE(QJsonDocument::fromJson(run.out).object()[field].toInt(-1), value);
        } else {
            QVERIFY2(QJsonDocument::fromJson(run.out).object().contains(field), run.out.constData());
        }
        m_server.cli({u"ACL"_s, u"DELUSER"_s, u"restricted"_s});
        seed();
    }

    // Setting TTLs runs one script per key (an entry keeps its grace): the documented ACL rules for it work, and a
    // user allowed EXPIRE but no scripts is told why it cannot, instead of a run that half happens.
    void expiryNeedsItsScriptAndSaysSo()
    {
        const auto asUser = [this](const QString& rules, const QStringList& command) {
            m_server.cli(QStringList {u"ACL"_s, u"SETUSER"_s, u"restricted"_s, u"reset"_s, u"on"_s, u">restricted-pw"_s}
                + rules.split(u' '));
            const Run run = cachectl(
                at() + QStringList {u"--user"_s, u"restricted"_s} + command, {u"REDISCLI_AUTH=restricted-pw"_s});
            m_server.cli({u"ACL"_s, u"DELUSER"_s, u"restricted"_s});
            return run;
        };
        const Run allowed =
            asUser(u"~* +@read +@connection +info +unlink +xadd +eval +eval_ro +setrange +pexpireat +time"_s,
                {u"expire"_s, u"events:1*"_s, u"--ttl"_s, u"100"_s, u"--yes"_s, u"--json"_s});
        QVERIFY2(allowed.exitCode == 0, allowed.err.constData());
        QCOMPARE(QJsonDocument::fromJson(allowed.out).object()[u"expired"_s].toInt(-1), 11);
        const Run denied = asUser(u"~* +@read +@connection +info +unlink +expire +xadd"_s,
            {u"expire"_s, u"events:2*"_s, u"--ttl"_s, u"100"_s, u"--yes"_s});
        QCOMPARE(denied.exitCode, 1);
        QVERIFY2(
            denied.err.contains("cachectl expire: failed: ") && denied.err.contains("'eval'"), denied.err.constData());
        QCOMPARE(m_server.cli({u"TTL"_s, u"events:2"_s}).trimmed(), QByteArray("-1"));
        seed();
    }

    // Arguments are bytes: one that is not UTF-8 (typed in a shell) reaches Redis as typed, and redis-cli's quoted
    // form names bytes a shell cannot pass (NUL). Dry run and real run match the same keys; the audit shows the
    // exact pattern, escaped.
    void binaryKeysAndPatternsAreByteExact()
    {
        m_server.cli({}, "SET \"bin:\\xff\\xfe\" v1\nSET \"bin:\\x00\\xff\" v2\nSET \"bin:\\xef\\xbf\\xbd\" v3\n");
        QCOMPARE(m_server.cli({u"EXISTS"_s, u"bin:\uFFFD"_s}).trimmed(), QByteArray("1")); // U+FFFD's own bytes
        // Through a shell, so argv holds the raw bytes \xff\xfe (QProcess would re-encode them as UTF-8).
        const auto shell = [this](const QString& script) {
            QProcess process;
            process.start(u"/bin/sh"_s,
                {u"-c"_s, u"exec \"$0\" -p "_s + QString::number(m_server.port()) + u' ' + script,
                    QStringLiteral(CACHECTL_PATH)});
            process.waitForFinished(30000);
            return Run {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
        };
        Run dry = shell(u"invalidate \"$(printf 'bin:\\377*')\" --json"_s);
        QCOMPARE(dry.exitCode, 0);
        QJsonObject report = QJsonDocument::fromJson(dry.out).object();
        QCOMPARE(report[u"matched"_s].toInt(), 1);
        QCOMPARE(report[u"patterns"_s][0][u"pattern"_s].toString(), u"bin:\\xff*"_s);
        QCOMPARE(report[u"patterns"_s][0][u"sample"_s][0].toString(), u"bin:\\xff\\xfe"_s);
        const Run get = shell(u"get \"$(printf 'bin:\\377\\376')\""_s);
        QCOMPARE(get.exitCode, 0);
        QVERIFY2(get.out.contains("v1"), get.out.constData());

        // The quoted form: NUL included. Dry run and real run agree, and exactly that key goes.
        dry = cachectl(at() + QStringList {u"invalidate"_s, u"\"bin:\\x00*\""_s, u"--json"_s});
        QCOMPARE(QJsonDocument::fromJson(dry.out).object()[u"matched"_s].toInt(), 1);
        const Run real = cachectl(at() + QStringList {u"invalidate"_s, u"\"bin:\\x00*\""_s, u"--yes"_s, u"--json"_s});
        QCOMPARE(real.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(real.out).object()[u"invalidated"_s].toInt(), 1);
        QCOMPARE(m_server.cli({u"--scan"_s, u"--pattern"_s, u"bin:*"_s}).split('\n').size() - 1, 2);
        const ops::AuditRecord record = testing::auditRecords(m_server.connectionOptions(), 1).value(0);
        QCOMPARE(record.target, u"bin:\\x00*"_s);
        QCOMPARE(record.count, 1);

        const Run malformed = cachectl(at() + QStringList {u"invalidate"_s, u"\"bin:\\q\""_s});
        QCOMPARE(malformed.exitCode, 2);
        QVERIFY2(malformed.err.contains("unknown escape"), malformed.err.constData());
        m_server.cli({u"DEL"_s, u"bin:\uFFFD"_s});
        seed();
    }

    // The design's runbook example, from the shell: the warning and the pattern that would match beside the count,
    // exit 1 (even with --yes nothing is deleted), and --allow-no-match to run it anyway.
    void unmatchablePatternsSaySo()
    {
        const Run run = cachectl(at() + QStringList {u"invalidate"_s, u"gateway:response:/api/events*"_s, u"--yes"_s});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.contains("  warning: gateway keys are gateway:response:{METHOD}:{path}"), run.out.constData());
        QVERIFY2(run.out.contains("  try gateway:response:*:/api/events* (6 matching keys)\n"), run.out.constData());
        QVERIFY2(run.err.contains("every pattern matches no key the gateway writes"), run.err.constData());
        QCOMPARE(m_server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:*"_s}).split('\n').size() - 1, 6);
        const Run allowed =
            cachectl(at() + QStringList {u"invalidate"_s, u"gateway:response:/api/events*"_s, u"--allow-no-match"_s});
        QCOMPARE(allowed.exitCode, 0);
        const Run fine = cachectl(at() + QStringList {u"invalidate"_s, u"gateway:response:GET:/api/events*"_s});
        QCOMPARE(fine.exitCode, 0);
        QVERIFY2(!fine.out.contains("warning"), fine.out.constData());
        // A path no live route rule covers: a warning (keys of earlier rules may exist), not a refusal.
        const Run misspelt = cachectl(at() + QStringList {u"invalidate"_s, u"gateway:response:GET:/api/evnts*"_s});
        QCOMPARE(misspelt.exitCode, 0);
        QVERIFY2(
            misspelt.out.contains("  warning: no route rule covers the path '/api/evnts'"), misspelt.out.constData());
        QVERIFY2(misspelt.out.contains("  try gateway:response:GET:/api/events* (6 matching keys)\n"),
            misspelt.out.constData());
        seed(); // the dry runs' audit records go with it
    }

    void keysCountsByTenantVenueRoute()
    {
        const Run run = cachectl(at() + QStringList {u"keys"_s, u"--json"_s, u"--count"_s, u"7"_s});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(json[u"total"_s].toInt(), 32);
        const QJsonObject tenants = json[u"gateway"_s][u"tenants"_s].toObject();
        QCOMPARE(tenants.keys(), QStringList({u"acme"_s, u"globex"_s}));
        QCOMPARE(tenants[u"acme"_s][u"v1"_s][u"GET /api/events"_s].toInt(), 1);
        QCOMPARE(json[u"services"_s][u"namespaces"_s][u"events"_s].toInt(), 25);
        QCOMPARE(json[u"other"_s][u"total"_s].toInt(), 1);
    }

    void keysListWithPattern()
    {
        const Run run = cachectl(at() + QStringList {u"keys"_s, u"--match"_s, u"events:1*"_s, u"--list"_s});
        QCOMPARE(run.exitCode, 0);
        QList<QByteArray> lines = run.out.trimmed().split('\n');
        std::sort(lines.begin(), lines.end());
        QCOMPARE(lines,
            QList<QByteArray>({"events:1", "events:10", "events:11", "events:12", "events:13", "events:14", "events:15",
                "events:16", "events:17", "events:18", "events:19"}));
    }

    void urlFromEnvironment()
    {
        const QString url = u"redis://%1:%2/0"_s.arg(m_server.host()).arg(m_server.port());
        const Run run = cachectl({u"keys"_s, u"--json"_s}, {u"REDIS_URL="_s + url});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(run.out).object()[u"total"_s].toInt(), 32);
    }

    void getShowsValueAndParts()
    {
        const QByteArray key =
            model::buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray("acme"), QByteArray("v2")});
        const Run run = cachectl(at() + QStringList {u"get"_s, QString::fromUtf8(key)});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("tenant acme, venue v2"), run.out.constData());
        QVERIFY(run.out.contains("\"ok\": true"));
        const Run missing = cachectl(at() + QStringList {u"get"_s, u"nope"_s});
        QCOMPARE(missing.exitCode, 1);
        QVERIFY(missing.err.contains("no such key"));
    }

    // A cache-manager entry is decoded: freshness against the key's TTL, load time, compression, and the body
    // (inflated, JSON in its own key order); --json carries the same.
    void getDecodesCacheManagerEntries()
    {
        cache::CacheEnvelope envelope;
        envelope.payload = "{\"zone\":\"B\",\"seats\":\"" + QByteArray(2000, 's') + "\"}";
        envelope.expiresAtMs = QDateTime::currentMSecsSinceEpoch() + 300000;
        envelope.loadMs = 17;
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        QVERIFY(testing::runCommand(connection, {"SET", "events:enveloped", envelope.encode(100), "PX", "360000"})
                    .isStatus("OK"));
        const Run text = cachectl(at() + QStringList {u"get"_s, u"events:enveloped"_s});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.contains("Entry: fresh for 5m, then stale for 1m of grace\n"), text.out.constData());
        QVERIFY2(text.out.contains("       zlib-compressed: "), text.out.constData());
        QVERIFY2(text.out.contains("       loaded in 17 ms\n"), text.out.constData());
        QVERIFY2(text.out.contains("Value:\n{\n  \"zone\": \"B\",\n  \"seats\": \"sss"), text.out.constData());
        const Run json = cachectl(at() + QStringList {u"get"_s, u"events:enveloped"_s, u"--json"_s});
        QCOMPARE(json.exitCode, 0);
        const QJsonObject view = QJsonDocument::fromJson(json.out).object()[u"view"_s].toObject();
        const QJsonObject decoded = view[u"envelope"_s].toObject();
        QCOMPARE(decoded[u"loadMs"_s].toInt(), 17);
        QCOMPARE(decoded[u"compressed"_s].toBool(), true);
        QCOMPARE(decoded[u"payloadBytes"_s].toInt(), envelope.payload.size());
        QCOMPARE(decoded[u"logicalExpiryMs"_s].toInteger(), envelope.expiresAtMs);
        QVERIFY(view[u"body"_s].toString().startsWith(u"{\n  \"zone\": \"B\""_s));
        testing::runCommand(connection, {"DEL", "events:enveloped"});
    }

    // 60 KB stored that inflates to 60 MiB of zeros: `get` prints at most 64 KiB (here the first 16 KiB of the inflated
    // body, escaped four characters a byte) and says so, text and JSON (it printed 251 MB at 1.3 GB of memory before).
    void getShowsADecompressionBombInPart()
    {
        const QByteArray bomb = testing::compressedBombEntry(60 * 1024 * 1024);
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        QVERIFY(testing::runCommand(connection, {"SET", "events:bomb", bomb, "EX", "600"}).isStatus("OK"));
        const Run text = cachectl(at() + QStringList {u"get"_s, u"events:bomb"_s});
        QCOMPARE(text.exitCode, 0);
        QVERIFY2(text.out.size() < 64 * 1024 + 2048, qPrintable(QString::number(text.out.size())));
        const QByteArray note = QByteArray("… first ") + QLocale().formattedDataSize(16 * 1024).toUtf8() + " of "
            + QLocale().toString(60 * 1024 * 1024).toUtf8() + " bytes";
        QVERIFY2(text.out.trimmed().endsWith(note), text.out.right(200).constData());
        const Run json = cachectl(at() + QStringList {u"get"_s, u"events:bomb"_s, u"--json"_s});
        QCOMPARE(json.exitCode, 0);
        QVERIFY2(json.out.size() < 3 * 64 * 1024, qPrintable(QString::number(json.out.size())));
        const QJsonObject view = QJsonDocument::fromJson(json.out).object()[u"view"_s].toObject();
        QCOMPARE(view[u"bodyComplete"_s].toBool(true), false);
        testing::runCommand(connection, {"DEL", "events:bomb"});
    }

    void statsShowNoTrafficThenRates()
    {
        m_server.cli({u"CONFIG"_s, u"RESETSTAT"_s});
        Run run = cachectl(at() + QStringList {u"stats"_s, u"--json"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(QJsonDocument::fromJson(run.out).object()[u"hitRate"_s].isNull()); // not 100%
        m_server.cli({}, "GET events:1\nGET events:2\nGET events:3\nGET nothing\n");
        run = cachectl(at() + QStringList {u"stats"_s, u"--json"_s});
        QCOMPARE(QJsonDocument::fromJson(run.out).object()[u"hitRate"_s].toDouble(), 0.75);
    }

    // --footprint counts CacheScope's keys by kind, with MEMORY USAGE's own figures, and costs the server no lookup.
    void statsFootprintCountsOwnKeysWithoutLookups()
    {
        // Two stats tiers' keys with their indexes, a tag index, the audit stream, the route config, a per-second
        // bucket of an earlier version, and data that is not CacheScope's.
        m_server.cli({},
            "HSET cachescope:stats:{1s:100}:total all|hit 1\nHSET cachescope:stats:{1s:100}:route r|hit 1\n"
            "ZADD cachescope:stats:1s:index 100 100\nHSET cachescope:stats:{1m:7}:venue v|hit 1\n"
            "ZADD cachescope:stats:1m:index 7 7\nZADD cachescope:tag:venue:v1 1 k\n"
            "XADD cachescope:audit{cachescope} * a b\nHSET cachescope:config:routes v 1\n"
            "HSET cachescope:stats:1s:1700000000 total|all|hit 1\n");
        const QByteArray before = m_server.cli({u"INFO"_s, u"stats"_s});
        const Run run = cachectl(at() + QStringList {u"stats"_s, u"--footprint"_s, u"--json"_s});
        QCOMPARE(run.exitCode, 0);
        const QByteArray after = m_server.cli({u"INFO"_s, u"stats"_s});
        const redis::LookupCount lookupsBefore = testing::keyspaceLookupsIn(before);
        QVERIFY(lookupsBefore.hits >= 0 && lookupsBefore.misses >= 0);
        QCOMPARE(testing::keyspaceLookupsIn(after), lookupsBefore);
        const QJsonObject answer = QJsonDocument::fromJson(run.out).object();
        QMap<QString, qint64> keysByKind;
        qint64 bytes = 0;
        for (const QJsonValue& part : answer[u"parts"_s].toArray()) {
            keysByKind.insert(part[u"kind"_s].toString(), part[u"keys"_s].toInteger());
            bytes += part[u"bytes"_s].toInteger();
        }
        const QMap<QString, qint64> expected {{u"stats 1s"_s, 3}, {u"stats 1m"_s, 2}, {u"tag indexes"_s, 1},
            {u"audit"_s, 1}, {u"route config"_s, 1}, {u"stats (earlier version, expires within 24 h)"_s, 1}};
        QCOMPARE(keysByKind, expected);
        QCOMPARE(answer[u"keys"_s].toInteger(), 9);
        QCOMPARE(answer[u"bytes"_s].toInteger(), bytes);
        const qint64 auditBytes =
            m_server.cli({u"MEMORY"_s, u"USAGE"_s, u"cachescope:audit{cachescope}"_s, u"SAMPLES"_s, u"0"_s})
                .trimmed()
                .toLongLong();
        QVERIFY(auditBytes > 0 && bytes > auditBytes);
        // The gateway entries the tag indexes are compared with: under 1,024, every one measured, so exact.
        QList<QByteArray> gatewayKeys =
            m_server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:*"_s}).split('\n');
        gatewayKeys.removeAll(QByteArray());
        QVERIFY(!gatewayKeys.isEmpty());
        qint64 gatewayBytes = 0;
        for (const QByteArray& key : std::as_const(gatewayKeys))
            gatewayBytes += m_server.cli({u"MEMORY"_s, u"USAGE"_s, QString::fromLatin1(key)}).trimmed().toLongLong();
        const QJsonObject entries = answer[u"gatewayEntries"_s].toObject();
        QCOMPARE(entries[u"keys"_s].toInteger(), gatewayKeys.size());
        QCOMPARE(entries[u"measured"_s].toInteger(), gatewayKeys.size());
        QCOMPARE(entries[u"bytes"_s].toInteger(), gatewayBytes);
        const qint64 tagBytes =
            m_server.cli({u"MEMORY"_s, u"USAGE"_s, u"cachescope:tag:venue:v1"_s}).trimmed().toLongLong();
        QCOMPARE(answer[u"tagIndexRatio"_s].toDouble(), double(tagBytes) / double(gatewayBytes));
        const Run text = cachectl(at() + QStringList {u"stats"_s, u"--footprint"_s});
        QVERIFY2(text.out.endsWith(QStringLiteral("tag indexes %1× the bytes of the %2 gateway entries (%3)\n")
                                       .arg(QLocale().toString(double(tagBytes) / double(gatewayBytes), 'f', 2))
                                       .arg(gatewayKeys.size())
                                       .arg(QLocale().formattedDataSize(gatewayBytes))
                                       .toUtf8()),
            text.out.constData());
        seed(); // the tests after this one expect the seeded keyspace alone
    }

    // --help lists every command of the table; COMMAND --help that command's own options and no other's.
    void helpComesFromTheCommandTable()
    {
        const Run general = cachectl({u"--help"_s});
        QCOMPARE(general.exitCode, 0);
        for (const char* command : {"keys", "get", "key", "stats", "invalidate", "expire", "routes", "audit", "serve"})
            QVERIFY2(general.out.contains(QByteArray(QByteArray("\n  ") + command + ' ')), command);
        const Run keys = cachectl({u"keys"_s, u"--help"_s});
        QCOMPARE(keys.exitCode, 0);
        QVERIFY(keys.out.contains("--count <n>            SCAN COUNT hint per page (default 1000)."));
        QVERIFY(!keys.out.contains("--yes"));
        const Run audit = cachectl({u"audit"_s, u"--help"_s});
        QVERIFY(audit.out.contains("--count <n>  Records to show (default 20)."));
    }

private:
    // docs/json-output.md: per command heading, the fields always there and every field it may hold.
    struct DocumentedShape
    {
        QSet<QString> always;
        QSet<QString> all;
    };
    static QHash<QString, DocumentedShape> documentedShapes()
    {
        QFile file(qEnvironmentVariable("CACHESCOPE_SOURCE_DIR") + u"/docs/json-output.md"_s);
        if (!file.open(QIODevice::ReadOnly))
            return {};
        QHash<QString, DocumentedShape> shapes;
        QString heading;
        QString condition; // of the bullet being read: "always", "dry run"…; empty outside a bullet
        static const QRegularExpression quoted(u"`([^`]+)`"_s);
        for (const QString& line : QString::fromUtf8(file.readAll()).split(u'\n')) {
            QString fieldsText;
            if (line.startsWith(u"### "_s)) {
                heading = quoted.match(line).captured(1);
                condition.clear();
            } else if (line.startsWith(u"- "_s) && !heading.isEmpty()) {
                condition = line.section(u':', 0, 0).sliced(2);
                fieldsText = line.section(u':', 1);
            } else if (line.startsWith(u"  "_s) && !condition.isEmpty()) {
                fieldsText = line; // the bullet goes on
            } else {
                condition.clear();
            }
            for (auto it = quoted.globalMatch(fieldsText); it.hasNext();) {
                const QString field = it.next().captured(1);
                shapes[heading].all.insert(field);
                if (condition == u"always")
                    shapes[heading].always.insert(field);
            }
        }
        return shapes;
    }

private Q_SLOTS:
    // Each command's --json output has the shape docs/json-output.md gives it: every field it says is always
    // there is, and no field it does not name appears.
    void jsonShapesAreTheDocumentedOnes_data()
    {
        QTest::addColumn<QString>("heading");
        QTest::addColumn<QStringList>("arguments");
        const QString key = QString::fromUtf8(model::buildGatewayKey({"GET", "/api/events", {}, {}, "acme", "v1"}));
        const auto row = [](const char* name, const QString& heading, const QStringList& arguments) {
            QTest::newRow(name) << heading << arguments;
        };
        row("keys", u"cachectl keys --json"_s, {u"keys"_s, u"--json"_s});
        row("analyze", u"cachectl analyze --json"_s, {u"analyze"_s, u"--json"_s});
        row("get", u"cachectl get KEY --json"_s, {u"get"_s, key, u"--json"_s});
        row("key, cached", u"cachectl key METHOD URL --json"_s, {u"key"_s, u"GET"_s, u"/api/events/1"_s, u"--json"_s});
        row("key, bypassed", u"cachectl key METHOD URL --json"_s, {u"key"_s, u"POST"_s, u"/api/events"_s, u"--json"_s});
        row("stats", u"cachectl stats --json"_s, {u"stats"_s, u"--json"_s});
        row("stats by route", u"cachectl stats --by DIMENSION --json"_s,
            {u"stats"_s, u"--by"_s, u"route"_s, u"--json"_s});
        row("footprint", u"cachectl stats --footprint --json"_s, {u"stats"_s, u"--footprint"_s, u"--json"_s});
        row("invalidate, dry run", u"cachectl invalidate PATTERN…|--tag TAG… --json"_s,
            {u"invalidate"_s, u"events:*"_s, u"--json"_s});
        row("invalidate, refused", u"cachectl invalidate PATTERN…|--tag TAG… --json"_s,
            {u"invalidate"_s, u"cachescope:stats:*"_s, u"--json"_s});
        row("expire, dry run", u"cachectl expire PATTERN…|--tag TAG… --ttl N --json"_s,
            {u"expire"_s, u"events:*"_s, u"--ttl"_s, u"60"_s, u"--json"_s});
        row("routes", u"cachectl routes get --json"_s, {u"routes"_s, u"get"_s, u"--json"_s});
        row("audit", u"cachectl audit --json"_s, {u"audit"_s, u"--json"_s});
        row("evictions", u"cachectl evictions --json"_s, {u"evictions"_s, u"--seconds"_s, u"1"_s, u"--json"_s});
        row("slowlog", u"cachectl slowlog --json"_s, {u"slowlog"_s, u"--json"_s});
        row("latency", u"cachectl latency --json"_s, {u"latency"_s, u"--json"_s});
    }

    void jsonShapesAreTheDocumentedOnes()
    {
        QFETCH(QString, heading);
        QFETCH(QStringList, arguments);
        const QHash<QString, DocumentedShape> shapes = documentedShapes();
        QVERIFY2(shapes.contains(heading), qPrintable(u"not documented: "_s + heading));
        const DocumentedShape shape = shapes.value(heading);
        if (arguments.first() == u"audit")
            cachectl(at() + QStringList {u"invalidate"_s, u"events:*"_s}); // a record to show (a dry run's)
        const Run run = cachectl(at() + arguments);
        seed(); // dry runs write audit records: the tests after this one start from the seeded keys alone
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(run.out, &error);
        QVERIFY2(error.error == QJsonParseError::NoError, run.out.constData());
        QList<QJsonObject> objects;
        if (document.isArray()) {
            for (const QJsonValue& element : document.array())
                objects.append(element.toObject());
            QVERIFY(!objects.isEmpty());
        } else {
            objects.append(document.object());
        }
        for (const QJsonObject& object : std::as_const(objects)) {
            const QStringList keys = object.keys();
            const QSet<QString> fields(keys.cbegin(), keys.cend());
            for (const QString& field : shape.always)
                QVERIFY2(fields.contains(field), qPrintable(u"missing: "_s + field));
            for (const QString& field : fields)
                QVERIFY2(shape.all.contains(field), qPrintable(u"not documented: "_s + field));
        }
    }

    // The bash completion cachectl writes from its command table, run by bash with bash-completion's helpers:
    // the words typed, then what a Tab offers.
    void bashCompletion_data()
    {
        QTest::addColumn<QStringList>("words");
        QTest::addColumn<QStringList>("offered");
        QTest::newRow("a command") << QStringList {u"cachectl"_s, u"inv"_s} << QStringList {u"invalidate"_s};
        QTest::newRow("after connection options")
            << QStringList {u"cachectl"_s, u"-p"_s, u"6379"_s, u"rou"_s} << QStringList {u"routes"_s};
        QTest::newRow("a command's own option")
            << QStringList {u"cachectl"_s, u"serve"_s, u"--metrics-t"_s} << QStringList {u"--metrics-token-file"_s};
        QTest::newRow("not another command's option")
            << QStringList {u"cachectl"_s, u"keys"_s, u"--metrics-t"_s} << QStringList {};
        QTest::newRow("connection options after a command")
            << QStringList {u"cachectl"_s, u"keys"_s, u"--tl"_s} << QStringList {u"--tls"_s};
        QTest::newRow("--by values") << QStringList {u"cachectl"_s, u"analyze"_s, u"--by"_s, u"t"_s}
                                     << QStringList {u"tenant"_s};
        QTest::newRow("routes' verbs") << QStringList {u"cachectl"_s, u"routes"_s, u"ex"_s}
                                       << QStringList {u"export"_s};
        QTest::newRow("a value is not completed")
            << QStringList {u"cachectl"_s, u"keys"_s, u"--match"_s, u"g"_s} << QStringList {};
    }

    void bashCompletion()
    {
        QFETCH(QStringList, words);
        QFETCH(QStringList, offered);
        QVERIFY(QFile::exists(u"/usr/share/bash-completion/bash_completion"_s));
        const testing::ToolRun script = testing::runTool(QStringLiteral(CACHECTL_PATH), {u"--bash-completion"_s});
        QCOMPARE(script.exitCode, 0);
        QTemporaryDir dir;
        QFile file(dir.filePath(u"cachectl"_s));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(script.out);
        file.close();
        QProcess bash;
        bash.start(u"bash"_s,
            QStringList {u"-c"_s,
                u"source /usr/share/bash-completion/bash_completion; source \"$0\"; COMP_WORDS=(\"$@\"); "
                u"COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; _cachectl; "
                u"printf '%s\\n' \"${COMPREPLY[@]}\""_s,
                file.fileName()}
                + words);
        QVERIFY(bash.waitForFinished(10000));
        QCOMPARE(bash.readAllStandardError(), QByteArray());
        QStringList got = QString::fromUtf8(bash.readAllStandardOutput()).split(u'\n', Qt::SkipEmptyParts);
        QCOMPARE(got, offered);
    }

    void failuresHaveExitCodes_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QByteArray>("message");
        QTest::newRow("no command") << QStringList() << 2 << QByteArray("no command");
        QTest::newRow("unknown command") << QStringList {u"frobnicate"_s} << 2 << QByteArray("unknown command");
        QTest::newRow("bad port") << QStringList {u"-p"_s, u"99999"_s, u"keys"_s} << 2 << QByteArray("not a port");
        QTest::newRow("bad count") << QStringList {u"keys"_s, u"--count"_s, u"0"_s} << 2 << QByteArray("at least 1");
        // --rows was read with toInt(): "abc" printed every group, as 0 does.
        QTest::newRow("rows not a number") << QStringList {u"analyze"_s, u"--rows"_s, u"abc"_s} << 2
                                           << QByteArray("--rows needs a whole number of at least 0, got 'abc'");
        QTest::newRow("rows negative") << QStringList {u"evictions"_s, u"--rows"_s, u"-1"_s} << 2
                                       << QByteArray("--rows needs a whole number of at least 0, got '-1'");
        // Options are scoped per command: another command's option is a usage error, not silently ignored.
        QTest::newRow("another command's option")
            << QStringList {u"audit"_s, u"--footprint"_s} << 2
            << QByteArray("--footprint is not an option of audit (cachectl audit --help lists them)");
        QTest::newRow("a write option on a read command")
            << QStringList {u"keys"_s, u"--yes"_s} << 2 << QByteArray("--yes is not an option of keys");
        QTest::newRow("tls file without tls")
            << QStringList {u"--cacert"_s, u"x"_s, u"keys"_s} << 2 << QByteArray("need --tls");
        QTest::newRow("bad url") << QStringList {u"-u"_s, u"http://x"_s, u"keys"_s} << 2 << QByteArray("redis://");
        QTest::newRow("nobody listening")
            << QStringList {u"-p"_s, u"1"_s, u"keys"_s} << 1 << QByteArray("Connection refused");
    }
    void failuresHaveExitCodes()
    {
        QFETCH(QStringList, arguments);
        QFETCH(int, exitCode);
        QFETCH(QByteArray, message);
        const Run run = cachectl(arguments);
        QCOMPARE(run.exitCode, exitCode);
        QVERIFY2(run.err.contains(message), run.err.constData());
    }

    void keyDecisionWithoutAServer()
    {
        const Run run =
            cachectl({u"key"_s, u"GET"_s, u"/api/search?category=music&q=rock"_s, u"--venue"_s, u"v2"_s, u"--json"_s});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject json = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(json[u"key"_s].toString(), u"gateway:response:GET:/api/search:q:rock:category:music:venue:v2"_s);
        QCOMPARE(json[u"headers"_s][u"Cache-Control"_s].toString(), u"public, max-age=300"_s);
        const Run bypass = cachectl({u"key"_s, u"DELETE"_s, u"/api/events/1"_s});
        QCOMPARE(bypass.exitCode, 0);
        QVERIFY(bypass.out.contains("Bypass: method DELETE is never cached"));
    }

    void invalidateDryRunThenExecuteAndAudit()
    {
        const QStringList pattern {u"invalidate"_s, u"gateway:response:GET:/api/events:tenant:acme:*"_s};
        const Run dry = cachectl(at() + pattern + QStringList {u"--json"_s});
        QCOMPARE(dry.exitCode, 0);
        QJsonObject json = QJsonDocument::fromJson(dry.out).object();
        QCOMPARE(json[u"dryRun"_s].toBool(), true);
        QCOMPARE(json[u"matched"_s].toInt(), 3);
        // Nothing deleted; one key more: the audit stream, which holds the dry run's record.
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("33"));
        QCOMPARE(m_server.cli({u"XLEN"_s, u"cachescope:audit{cachescope}"_s}).trimmed(), QByteArray("1"));

        const Run real = cachectl(at() + pattern + QStringList {u"--yes"_s, u"--json"_s, u"--actor"_s, u"oncall"_s});
        QCOMPARE(real.exitCode, 0);
        json = QJsonDocument::fromJson(real.out).object();
        QCOMPARE(json[u"success"_s].toBool(), true); // the design's admin endpoint shape
        QCOMPARE(json[u"invalidated"_s].toInt(), 3);
        QCOMPARE(m_server.cli({u"EXISTS"_s, u"gateway:response:GET:/api/events:tenant:acme:venue:v1"_s}).trimmed(),
            QByteArray("0"));

        const Run audit = cachectl(at() + QStringList {u"audit"_s, u"--json"_s});
        QCOMPARE(audit.exitCode, 0);
        const QJsonObject newest = QJsonDocument::fromJson(audit.out).array().first().toObject();
        QCOMPARE(newest[u"actor"_s].toString(), u"oncall"_s);
        QCOMPARE(newest[u"action"_s].toString(), u"invalidate"_s);
        QCOMPARE(newest[u"count"_s].toInt(), 3);
        seed(); // put the keys back for the other tests
    }

    void expireSetsTtlsAfterADryRunAndAudits()
    {
        const QStringList pattern {
            u"expire"_s, u"gateway:response:GET:/api/events:tenant:acme:*"_s, u"--ttl"_s, u"90"_s};
        const Run dry = cachectl(at() + pattern);
        QCOMPARE(dry.exitCode, 0);
        QVERIFY2(dry.out.contains(": 3 matched, 3 would get the new TTL\n"), dry.out.constData());
        const QByteArray key = "gateway:response:GET:/api/events:tenant:acme:venue:v1";
        QCOMPARE(m_server.cli({u"TTL"_s, QString::fromUtf8(key)}).trimmed(), QByteArray("-1"));

        const Run real = cachectl(at() + pattern + QStringList {u"--yes"_s, u"--json"_s});
        QCOMPARE(real.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(real.out).object()[u"expired"_s].toInt(), 3);
        const int ttl = m_server.cli({u"TTL"_s, QString::fromUtf8(key)}).trimmed().toInt();
        QVERIFY2(ttl > 85 && ttl <= 90, QByteArray::number(ttl).constData());
        QCOMPARE(
            m_server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("33")); // nothing deleted; one more: the audit stream

        const Run audit = cachectl(at() + QStringList {u"audit"_s, u"--json"_s});
        const QJsonObject newest = QJsonDocument::fromJson(audit.out).array().first().toObject();
        QCOMPARE(newest[u"action"_s].toString(), u"expire"_s);
        QCOMPARE(newest[u"detail"_s].toString(), u"ttl 90s"_s);
        QCOMPARE(newest[u"outcome"_s].toString(), u"completed"_s);
        QCOMPARE(newest[u"count"_s].toInt(), 3);

        const Run noTtl = cachectl(at() + QStringList {u"expire"_s, u"events:*"_s});
        QCOMPARE(noTtl.exitCode, 2);
        QVERIFY(noTtl.err.contains("--ttl"));
        seed();
    }

    // By tag index: a dry run counts the live entries the index holds, --yes deletes exactly them (and the
    // index), expired index entries are not counted.
    void invalidateByTagIndex()
    {
        const QByteArray index = model::tagKey("venue:v1");
        const QByteArray future = QByteArray::number(QDateTime::currentMSecsSinceEpoch() + 3600000);
        for (const char* tenant : {"acme", "globex"})
            m_server.cli({u"ZADD"_s, QString::fromUtf8(index), QString::fromUtf8(future),
                QString::fromUtf8(
                    model::buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray(tenant), QByteArray("v1")}))});
        m_server.cli({u"ZADD"_s, QString::fromUtf8(index), u"1000"_s, u"long:gone"_s}); // expired long ago
        const Run dry = cachectl(at() + QStringList {u"invalidate"_s, u"--tag"_s, u"venue:v1"_s, u"--json"_s});
        QCOMPARE(dry.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(dry.out).object()[u"matched"_s].toInt(), 2);
        // + the index and the audit stream: a tag's dry run is audited like a pattern's (the admin API always did;
        // cachectl's own tag command did not, before both became the one run).
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("34"));
        const ops::AuditRecord dryRecord = testing::auditRecords(m_server.connectionOptions(), 1).value(0);
        QCOMPARE(dryRecord.action, u"invalidate tags"_s);
        QCOMPARE(dryRecord.target, u"venue:v1"_s);
        QCOMPARE(dryRecord.dryRun, true);
        QCOMPARE(dryRecord.count, 2);
        const Run real =
            cachectl(at() + QStringList {u"invalidate"_s, u"--tag"_s, u"venue:v1"_s, u"--yes"_s, u"--json"_s});
        QCOMPARE(real.exitCode, 0);
        QCOMPARE(QJsonDocument::fromJson(real.out).object()[u"invalidated"_s].toInt(), 2);
        QCOMPARE(m_server.cli({u"EXISTS"_s, u"gateway:response:GET:/api/events:tenant:acme:venue:v1"_s}).trimmed(),
            QByteArray("0"));
        QCOMPARE(m_server.cli({u"EXISTS"_s, QString::fromUtf8(index)}).trimmed(), QByteArray("0"));
        QCOMPARE(m_server.cli({u"EXISTS"_s, u"gateway:response:GET:/api/events:tenant:acme:venue:v2"_s}).trimmed(),
            QByteArray("1"));
        seed();
    }

    void invalidateRefusesProtectedNamespaces_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::newRow("config") << QStringList {u"invalidate"_s, u"cachescope:config:*"_s, u"--yes"_s};
        QTest::newRow("tag indexes") << QStringList {u"invalidate"_s, u"cachescope:tag:*"_s, u"--yes"_s};
        QTest::newRow("audit among others")
            << QStringList {u"invalidate"_s, u"events:*"_s, u"cachescope:audit{cachescope}"_s, u"--yes"_s};
        QTest::newRow("user protected") << QStringList {
            u"invalidate"_s, u"session:*"_s, u"--protect"_s, u"session:*"_s, u"--yes"_s};
    }
    void invalidateRefusesProtectedNamespaces()
    {
        QFETCH(QStringList, arguments);
        m_server.cli({u"DEL"_s, u"cachescope:audit{cachescope}"_s});
        const QByteArray before = m_server.cli({u"DBSIZE"_s});
        const Run run = cachectl(at() + arguments);
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("refused"), run.err.constData());
        // Nothing at all was deleted; the refusal itself is audited.
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed().toInt(), before.trimmed().toInt() + 1);
        const ops::AuditRecord refusal = testing::auditRecords(m_server.connectionOptions(), 1).value(0);
        QCOMPARE(refusal.action, u"refused"_s);
        QCOMPARE(refusal.outcome, u"refused"_s);
        QCOMPARE(refusal.count, 0);
    }

    void routesSetShowsTheChangeAndImportValidates()
    {
        Run run = cachectl(at()
            + QStringList {
                u"routes"_s, u"set"_s, u"/api/orders"_s, u"--ttl"_s, u"45"_s, u"--private"_s, u"--vary"_s, u"page"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("+ /api/orders: ttl 45s, vary by page, private"), run.out.constData());
        run = cachectl(at() + QStringList {u"routes"_s, u"get"_s, u"--json"_s});
        QVERIFY(run.out.contains("/api/orders"));

        QTemporaryDir dir;
        const QString bad = dir.filePath(u"bad.json"_s);
        QFile file(bad);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(R"({"routes":[{"path":"/api/x","ttl":0}]})");
        file.close();
        run = cachectl(at() + QStringList {u"routes"_s, u"import"_s, bad});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.err.contains("routes[0].ttl"), run.err.constData());
        run = cachectl(at() + QStringList {u"routes"_s, u"set"_s, u"/api/new"_s});
        QCOMPARE(run.exitCode, 2);
        QVERIFY(run.err.contains("needs --ttl"));
    }

    // Two operators set the same rule at the same moment, many times over. Whatever the interleaving, no save goes
    // unannounced: each one that lands names the value it replaced, and that value is what the version before it
    // held (a blind last-writer-wins would name a value someone else had already replaced); the others are refused
    // with the version that beat them. Checked against the server's own record (the audit trail's before/after).
    void concurrentSavesOfOneRuleAreNeverSilentlyOverwritten()
    {
        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
        QCOMPARE(cachectl(at() + QStringList {u"routes"_s, u"set"_s, u"/api/race"_s, u"--ttl"_s, u"10"_s}).exitCode, 0);
        const QRegularExpression savedLine(u"^Saved version (\\d+):\n  ~ /api/race: ttl (\\d+)s → ttl (\\d+)s\n$"_s);
        QMap<int, QPair<int, int>> savedByVersion; // version → (ttl replaced, ttl written), as each tool said
        int refused = 0;
        int nextTtl = 11;
        for (int round = 0; round < 8; ++round) {
            std::vector<std::unique_ptr<QProcess>> tools;
            for (int i = 0; i < 3; ++i) {
                auto tool = std::make_unique<QProcess>();
                tool->setProgram(QStringLiteral(CACHECTL_PATH));
                tool->setArguments(at()
                    + QStringList {u"--actor"_s, u"op%1"_s.arg(i), u"routes"_s, u"set"_s, u"/api/race"_s, u"--ttl"_s,
                        QString::number(nextTtl++)});
                tools.push_back(std::move(tool));
            }
            for (auto& tool : tools)
                tool->start();
            for (auto& tool : tools) {
                QVERIFY(tool->waitForFinished(30000));
                const QString out = QString::fromUtf8(tool->readAllStandardOutput());
                const QByteArray err = tool->readAllStandardError();
                if (tool->exitCode() == 0) {
                    const QRegularExpressionMatch match = savedLine.match(out);
                    QVERIFY2(match.hasMatch(), qPrintable(out));
                    const int version = match.captured(1).toInt();
                    QVERIFY2(!savedByVersion.contains(version), "two tools said they saved the same version");
                    savedByVersion.insert(version, {match.captured(2).toInt(), match.captured(3).toInt()});
                } else {
                    QCOMPARE(tool->exitCode(), 1);
                    QVERIFY2(err.startsWith("cachectl routes: not saved: the route configuration was changed by "
                                            "someone else (now version "),
                        err.constData());
                    ++refused;
                }
            }
        }
        // Every save the tools announced is on the server, one version each, in a chain with no gap.
        QCOMPARE(savedByVersion.size() + refused, 24);
        QVERIFY(savedByVersion.size() >= 8); // at least one of each round lands
        const int last = savedByVersion.lastKey();
        QCOMPARE(savedByVersion.firstKey(), 2);
        QCOMPARE(last, savedByVersion.size() + 1);
        int held = 10;
        for (auto it = savedByVersion.cbegin(); it != savedByVersion.cend(); ++it) {
            QCOMPARE(it.value().first, held); // the value it said it replaced is the one the version before held
            held = it.value().second;
        }
        const QByteArray stored = m_server.cli({u"HGET"_s, u"cachescope:config:routes{cachescope}"_s, u"version"_s});
        QCOMPARE(stored.trimmed().toInt(), last);
        const QByteArray json = m_server.cli({u"HGET"_s, u"cachescope:config:routes{cachescope}"_s, u"json"_s});
        const QJsonArray routes = QJsonDocument::fromJson(json).object().value(u"routes"_s).toArray();
        const auto race = std::find_if(routes.begin(), routes.end(),
            [](const QJsonValue& rule) { return rule.toObject().value(u"path"_s).toString() == u"/api/race"_s; });
        QVERIFY(race != routes.end());
        QCOMPARE((*race).toObject().value(u"ttl"_s).toInt(), held);
        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
    }

    // A restart without persistence took the route configuration: `routes get` says it was lost (stderr, exit 3)
    // instead of showing the defaults as if nothing had been saved, and `routes restore` puts the version this
    // machine saw back, numbered past it and audited as a restore.
    void routesLostByTheServerAreNamedAndRestored()
    {
        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
        Run run = cachectl(at()
            + QStringList {u"--actor"_s, u"ana@ops"_s, u"routes"_s, u"set"_s, u"/api/lost"_s, u"--ttl"_s, u"77"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.startsWith("Saved version 1:"), run.out.constData());
        run = cachectl(at() + QStringList {u"routes"_s, u"get"_s});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.err, QByteArray());

        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s}); // what a restart without data does
        run = cachectl(at() + QStringList {u"routes"_s, u"get"_s});
        QCOMPARE(run.exitCode, 3);
        QVERIFY2(run.out.startsWith("Route configuration version 0 (nothing stored: the defaults apply)"),
            run.out.constData());
        QVERIFY2(run.err.startsWith("cachectl routes: The route configuration was lost from the server: it holds no "
                                    "configuration now (the defaults apply) where version 1 was, saved by ana@ops at "),
            run.err.constData());
        QVERIFY2(run.err.trimmed().endsWith("`cachectl routes restore` puts version 1 back."), run.err.constData());

        run = cachectl(at() + QStringList {u"--actor"_s, u"oncall@ops"_s, u"routes"_s, u"restore"_s});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out, QByteArray("Restored version 1 as version 2 (audited as a restore).\n"));
        const ops::AuditRecord restore = testing::auditRecords(m_server.connectionOptions(), 1).value(0);
        QCOMPARE(restore.actor, u"oncall@ops"_s);
        QCOMPARE(restore.action, u"routes.save"_s);
        QVERIFY2(
            restore.detail.startsWith(u"restore of version 1 (saved by ana@ops at "_s), qPrintable(restore.detail));
        run = cachectl(at() + QStringList {u"routes"_s, u"get"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains("/api/lost"), run.out.constData());
        run = cachectl(at() + QStringList {u"routes"_s, u"restore"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.startsWith("Nothing to restore: the server holds version 2"), run.out.constData());
        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
    }

    // Text other writers stored (an audit record's fields, a route save's updatedBy) never reaches the terminal raw:
    // OSC 52 would write the operator's clipboard, ESC[2J clear the screen, bidi controls reorder the line.
    void storedTextNeverReachesTheTerminalRaw()
    {
        const QString osc52 = u"A\x1b]52;c;cHduZWQ=\x07"_s;
        const QString clear = u"\x1b[2J\u202e"_s;
        m_server.cli({u"XADD"_s, u"cachescope:audit{cachescope}"_s, u"*"_s, u"at"_s, u"2026-12-06T03:00:00Z"_s,
            u"actor"_s, osc52, u"action"_s, u"invalidate\x1b[31m"_s, u"target"_s, clear, u"count"_s, u"3"_s,
            u"detail"_s, QString(QChar(0x9b)) + u"2J"_s, u"outcome"_s, u"completed"_s});
        Run run = cachectl(at() + QStringList {u"audit"_s, u"--count"_s, u"1"_s});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out.count('\x1b'), 0);
        QCOMPARE(run.out.count('\x07'), 0);
        QVERIFY(!run.out.contains("\xc2\x9b")); // C1 CSI, as UTF-8
        QVERIFY(!run.out.contains("\xe2\x80\xae")); // RIGHT-TO-LEFT OVERRIDE, as UTF-8
        QVERIFY2(run.out.contains("A\\x1b]52;c;cHduZWQ=\\x07"), run.out.constData());
        QVERIFY2(run.out.contains("\\x1b[2J\\u{202e}"), run.out.constData());
        QVERIFY2(run.out.contains("\\x9b2J"), run.out.constData());

        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
        run = cachectl(
            at() + QStringList {u"--actor"_s, osc52, u"routes"_s, u"set"_s, u"/api/esc"_s, u"--ttl"_s, u"5"_s});
        QCOMPARE(run.exitCode, 0);
        run = cachectl(at() + QStringList {u"routes"_s, u"get"_s});
        QCOMPARE(run.exitCode, 0);
        QCOMPARE(run.out.count('\x1b'), 0);
        QVERIFY2(run.out.contains("saved by A\\x1b]52;c;cHduZWQ=\\x07 at "), run.out.constData());
        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
    }

    // `get` says each type's size the way its type counts it: bytes of a string, fields, elements, members,
    // entries (a generated mutant that skipped the collections' own size command survived the suite).
    void getSaysEachTypesSize_data()
    {
        QTest::addColumn<QStringList>("create");
        QTest::addColumn<QString>("type");
        QTest::addColumn<int>("size");
        QTest::newRow("string") << QStringList {u"SET"_s, u"size:k"_s, u"hello"_s} << u"string"_s << 5;
        QTest::newRow("hash") << QStringList {u"HSET"_s, u"size:k"_s, u"a"_s, u"1"_s, u"b"_s, u"2"_s, u"c"_s, u"3"_s}
                              << u"hash"_s << 3;
        QTest::newRow("list") << QStringList {u"RPUSH"_s, u"size:k"_s, u"a"_s, u"b"_s} << u"list"_s << 2;
        QTest::newRow("set") << QStringList {u"SADD"_s, u"size:k"_s, u"a"_s, u"b"_s, u"c"_s, u"d"_s} << u"set"_s << 4;
        QTest::newRow("zset") << QStringList {u"ZADD"_s, u"size:k"_s, u"1"_s, u"a"_s} << u"zset"_s << 1;
        QTest::newRow("stream") << QStringList {u"XADD"_s, u"size:k"_s, u"*"_s, u"f"_s, u"v"_s} << u"stream"_s << 1;
    }
    void getSaysEachTypesSize()
    {
        QFETCH(QStringList, create);
        QFETCH(QString, type);
        QFETCH(int, size);
        m_server.cli({u"DEL"_s, u"size:k"_s});
        m_server.cli(create);
        const Run run = cachectl(at() + QStringList {u"get"_s, u"size:k"_s, u"--json"_s});
        m_server.cli({u"DEL"_s, u"size:k"_s});
        QCOMPARE(run.exitCode, 0);
        const QJsonObject answer = QJsonDocument::fromJson(run.out).object();
        QCOMPARE(answer.value(u"type"_s).toString(), type);
        QCOMPARE(answer.value(u"size"_s).toInt(), size);
    }

    // Every command that prints what other writers stored, with escape bytes in each such field: key names, values,
    // stats labels, audit fields, a route save's author, slow-log arguments. Nothing reaches the terminal raw (no ESC,
    // BEL, C1 CSI, RIGHT-TO-LEFT OVERRIDE); each is shown escaped.
    void everyCommandEscapesWhatOtherWritersStored_data()
    {
        QTest::addColumn<QStringList>("command");
        QTest::newRow("keys --list") << QStringList {u"keys"_s, u"--list"_s};
        QTest::newRow("get, the key's value") << QStringList {u"get"_s, u"\"evil:\\x1b]52;c;eA==\\x07\""_s};
        QTest::newRow("stats --by route") << QStringList {u"stats"_s, u"--by"_s, u"route"_s, u"--window"_s, u"3600"_s};
        QTest::newRow("audit") << QStringList {u"audit"_s};
        QTest::newRow("routes get") << QStringList {u"routes"_s, u"get"_s};
        QTest::newRow("slowlog") << QStringList {u"slowlog"_s};
        QTest::newRow("analyze") << QStringList {u"analyze"_s, u"--by"_s, u"route"_s};
    }
    void everyCommandEscapesWhatOtherWritersStored()
    {
        QFETCH(QStringList, command);
        const QByteArray hostile = "\x1b]52;c;eA==\x07\x1b[2J\xc2\x9b"
                                   "2J\xe2\x80\xae";
        // A key, a value, a gateway key whose route carries the bytes, a stats label, an audit record, a route save.
        m_server.cli({u"SET"_s, u"evil:\x1b]52;c;eA==\x07"_s, QString::fromUtf8(hostile)});
        m_server.cli(
            {u"SET"_s, QString::fromUtf8("gateway:response:GET:/api/" + hostile + ":tenant:t:venue:v"), u"{}"_s});
        const cache::StatsTier tier = cache::defaultStatsTiers().at(1);
        const qint64 bucket = tier.bucketOf(QDateTime::currentSecsSinceEpoch());
        m_server.cli({u"HSET"_s, QString::fromUtf8(tier.bucketKey(bucket, cache::StatsDimension::Route)),
            QString::fromUtf8("GET /api/" + hostile + "|hit"), u"3"_s});
        m_server.cli({u"ZADD"_s, QString::fromUtf8(tier.indexKey()), QString::number(bucket), QString::number(bucket)});
        m_server.cli({u"XADD"_s, u"cachescope:audit{cachescope}"_s, u"*"_s, u"at"_s, u"2026-12-06T03:00:00Z"_s,
            u"actor"_s, QString::fromUtf8(hostile), u"action"_s, QString::fromUtf8("invalidate" + hostile), u"target"_s,
            QString::fromUtf8(hostile), u"count"_s, u"3"_s, u"detail"_s, QString::fromUtf8(hostile), u"outcome"_s,
            QString::fromUtf8("completed" + hostile)});
        QCOMPARE(cachectl(at()
                     + QStringList {u"--actor"_s, QString::fromUtf8(hostile), u"routes"_s, u"set"_s, u"/api/esc"_s,
                         u"--ttl"_s, u"5"_s})
                     .exitCode,
            0);
        m_server.cli({u"CONFIG"_s, u"SET"_s, u"slowlog-log-slower-than"_s, u"0"_s});
        m_server.cli({u"ECHO"_s, QString::fromUtf8(hostile)});
        m_server.cli({u"CONFIG"_s, u"SET"_s, u"slowlog-log-slower-than"_s, u"10000"_s});
        const Run run = cachectl(at() + command);
        m_server.cli({u"SLOWLOG"_s, u"RESET"_s});
        seed();
        QVERIFY2(run.exitCode == 0, run.err.constData());
        for (const QByteArray& raw : {"\x1b"_ba, "\x07"_ba, "\xc2\x9b"_ba, "\xe2\x80\xae"_ba})
            QVERIFY2(
                !run.out.contains(raw) && !run.err.contains(raw), QByteArray(raw.toHex() + ": " + run.out).constData());
        QVERIFY2(run.out.contains("\\x1b]52;c;eA==\\x07"), run.out.constData()); // shown, escaped
    }

    // By pattern or by tag (whose own command once ignored --read-only): refused whole, nothing written, not even
    // the audit trail; the dry run still counts.
    void readOnlyFlagRefusesWrites_data()
    {
        QTest::addColumn<QStringList>("target");
        QTest::addColumn<QByteArray>("dryLine");
        QTest::newRow("pattern") << QStringList {u"events:*"_s} << QByteArray("events:* : 25 would be deleted");
        QTest::newRow("tag") << QStringList {u"--tag"_s, u"venue:ro"_s}
                             << QByteArray("tag venue:ro : 3 would be deleted");
    }
    void readOnlyFlagRefusesWrites()
    {
        QFETCH(QStringList, target);
        QFETCH(QByteArray, dryLine);
        const QString future = QString::number(QDateTime::currentMSecsSinceEpoch() + 3600000);
        for (const char* key : {"events:1", "events:2", "events:3"})
            m_server.cli({u"ZADD"_s, QString::fromUtf8(model::tagKey("venue:ro")), future, QString::fromUtf8(key)});
        const QByteArray before = m_server.cli({u"DBSIZE"_s});
        Run run = cachectl(at() + QStringList {u"--read-only"_s, u"invalidate"_s} + target + QStringList {u"--yes"_s});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.out.contains("read-only") || run.err.contains("read-only"), run.out.constData());
        QCOMPARE(m_server.cli({u"DBSIZE"_s}), before);
        run = cachectl(at() + QStringList {u"--read-only"_s, u"invalidate"_s} + target); // a dry run reads
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.out.contains(dryLine.replace(" : ", ": ")), run.out.constData());
        m_server.cli({u"DEL"_s, QString::fromUtf8(model::tagKey("venue:ro"))});
    }

    void passwordOnCommandLineWarnsAndIsNeverPrinted()
    {
        testing::RedisServer secured({false, false, {u"requirepass hunter2hunter2"_s}});
        QVERIFY(secured.start());
        const QStringList where {u"-p"_s, QString::number(secured.port())};
        Run run = cachectl(where + QStringList {u"-a"_s, u"hunter2hunter2"_s, u"stats"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.err.contains("REDISCLI_AUTH"));
        run = cachectl(where + QStringList {u"stats"_s}, {u"REDISCLI_AUTH=hunter2hunter2"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY(run.err.isEmpty());
        run = cachectl(where + QStringList {u"-a"_s, u"wrong-password"_s, u"keys"_s});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.err.contains("WRONGPASS") || run.err.contains("authentication failed"), run.err.constData());
        QVERIFY(!run.err.contains("wrong-password") && !run.out.contains("wrong-password"));

        // Writes with the password in a URL: nothing printed or audited holds it.
        const QString url = u"redis://:hunter2hunter2@127.0.0.1:%1/0"_s.arg(secured.port());
        QByteArray written;
        for (const QStringList& arguments : {QStringList {u"invalidate"_s, u"x*"_s, u"--yes"_s},
                 QStringList {u"routes"_s, u"set"_s, u"/api/x"_s, u"--ttl"_s, u"5"_s},
                 QStringList {u"audit"_s, u"--json"_s}, QStringList {u"--verbose-nonexistent-flag"_s}}) {
            run = cachectl(QStringList {u"-u"_s, url} + arguments);
            written += run.out + run.err;
        }
        QVERIFY2(written.contains("routes.save") && written.contains("invalidate"), written.constData());
        QVERIFY2(!written.contains("hunter2"), written.constData());
        // -u with a password warns as -a does.
        run = cachectl(QStringList {u"-u"_s, url, u"stats"_s});
        QCOMPARE(run.exitCode, 0);
        QVERIFY2(run.err.contains("Warning: a password given in -u can be seen by other users"), run.err.constData());

        // A malformed URL is reported without its password, however it is malformed.
        for (const QString& bad : {u"redis://user:hunter2hunter2@127.0.0.1:99999"_s,
                 u"redis://user:hunter2hunter2@127.0.0.1:6379/x"_s, u"redis://:hunter2hunter2@[::1"_s,
                 u"redis://user:hunter2@hunter2@127.0.0.1"_s, u"http://:hunter2hunter2@127.0.0.1"_s}) {
            run = cachectl(QStringList {u"-u"_s, bad, u"keys"_s});
            QCOMPARE(run.exitCode, 2);
            QVERIFY2(run.err.startsWith("cachectl: -u: "), run.err.constData());
            QVERIFY2(!run.err.contains("hunter2"), run.err.constData());
        }
    }
};

QTEST_GUILESS_MAIN(TestCachectl)
#include "tst_cachectl.moc"
