#include "model/keyparser.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace cachescope;
using namespace Qt::StringLiterals;

// Runs the real cachesim binary against a real redis-server.
class TestCachesim : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Issue 32's traffic (40 tenants × 2,000 venues at 600 requests a second, shortened to 6 s): the tag indexes take
    // at most half the bytes of the entries they list, as `cachectl stats --footprint` measures them, and none is a
    // route's. Whole keys in three indexes each took 1.86× the entries.
    void tagIndexesCostLessThanHalfTheirEntries()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"600"_s, u"--duration"_s, u"6"_s, u"--tenants"_s,
                u"40"_s, u"--venues"_s, u"2000"_s});
        QVERIFY(sim.waitForFinished(60000));
        QCOMPARE(sim.exitCode(), 0);
        QVERIFY(server.cli({u"--scan"_s, u"--pattern"_s, u"cachescope:tag:route*"_s}).trimmed().isEmpty());
        QProcess ctl;
        ctl.start(QStringLiteral(CACHECTL_PATH),
            {u"-p"_s, QString::number(server.port()), u"stats"_s, u"--footprint"_s, u"--json"_s});
        QVERIFY(ctl.waitForFinished(30000));
        QCOMPARE(ctl.exitCode(), 0);
        const QJsonObject footprint = QJsonDocument::fromJson(ctl.readAllStandardOutput()).object();
        const qint64 entries = footprint[u"gatewayEntries"_s][u"keys"_s].toInteger();
        QVERIFY2(entries > 1500, QByteArray::number(entries).constData());
        const double ratio = footprint[u"tagIndexRatio"_s].toDouble();
        qInfo("tag indexes: %.2fx the bytes of %lld gateway entries", ratio, entries);
        QVERIFY2(ratio > 0.05 && ratio <= 0.5, QByteArray::number(ratio).constData());
    }

    void simulatesAGatewayAndLeavesStats()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"400"_s, u"--duration"_s, u"3"_s, u"--venues"_s,
                u"20"_s, u"--db-latency"_s, u"5"_s, u"--json"_s});
        QVERIFY(sim.waitForFinished(30000));
        QCOMPARE(sim.exitCode(), 0);
        const QJsonObject report = QJsonDocument::fromJson(sim.readAllStandardOutput()).object();
        const int requests = report[u"requests"_s].toInt();
        QVERIFY2(requests >= 1000 && requests <= 1300, QByteArray::number(requests).constData());
        const double hitRate = report[u"hitRate"_s].toDouble();
        QVERIFY2(hitRate > 0.2 && hitRate < 1.0, QByteArray::number(hitRate).constData());
        QStringList routes;
        for (const QJsonValue& route : report[u"routes"_s].toArray())
            routes.append(route[u"route"_s].toString());
        QVERIFY(routes.contains(u"GET /api/search"_s));

        // The key reads it reports are the server's own count of lookups: nothing else read this server yet.
        const redis::LookupCount counted = testing::keyspaceLookupsIn(server.cli({u"INFO"_s, u"stats"_s}));
        const QJsonObject keyReads = report[u"keyReads"_s].toObject();
        QCOMPARE(keyReads[u"hits"_s].toInteger(), counted.hits);
        QCOMPARE(keyReads[u"misses"_s].toInteger(), counted.misses);
        QCOMPARE(report[u"statsUnconfirmedWrites"_s].toInt(), 0);

        // What it wrote is shaped like the design's keys, with tenant and venue.
        const QList<QByteArray> keys = server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:*"_s}).split('\n');
        int gateway = 0;
        for (const QByteArray& key : keys) {
            if (key.isEmpty())
                continue;
            const model::ParsedKey parsed = model::parseKey(key);
            QCOMPARE(parsed.kind, model::ParsedKey::Kind::GatewayResponse);
            QVERIFY(parsed.gateway.tenantId && parsed.gateway.venueId);
            ++gateway;
        }
        QVERIFY(gateway > 50);
        QVERIFY(!server.cli({u"--scan"_s, u"--pattern"_s, u"cachescope:stats:{1s:*"_s}).trimmed().isEmpty());
        QVERIFY(!server.cli({u"--scan"_s, u"--pattern"_s, u"cachescope:tag:*"_s}).trimmed().isEmpty());

        // cachectl reads the per-route figures every CacheScope process writes.
        QProcess ctl;
        ctl.start(QStringLiteral(CACHECTL_PATH),
            {u"-p"_s, QString::number(server.port()), u"stats"_s, u"--by"_s, u"route"_s, u"--window"_s, u"600"_s,
                u"--json"_s});
        QVERIFY(ctl.waitForFinished(10000));
        QCOMPARE(ctl.exitCode(), 0);
        const QJsonObject rows = QJsonDocument::fromJson(ctl.readAllStandardOutput()).object()[u"rows"_s].toObject();
        const QJsonObject search = rows[u"GET /api/search"_s].toObject();
        QVERIFY(search[u"hits"_s].toInt() + search[u"misses"_s].toInt() > 50);
        QVERIFY(search[u"hitRate"_s].isDouble());
        // What is stored equals what cachesim counted, route by route: the last interval is flushed, and answered,
        // before it reports; coalesced requests count once each on both sides.
        for (const QJsonValue& route : report[u"routes"_s].toArray()) {
            const QJsonObject stored = rows[route[u"route"_s].toString()].toObject();
            QCOMPARE(stored[u"hits"_s].toInt(), route[u"hits"_s].toInt());
            QCOMPARE(stored[u"misses"_s].toInt(), route[u"misses"_s].toInt());
        }
    }

    // Started before its server listens (as the demo starts it), cachesim waits and retries instead of exiting
    // with "Connection refused", and runs once the server is there.
    // Under OOM (maxmemory with noeviction) the writes the server refuses are said as refused — the cache entries
    // not stored, the stats short — never as merely unconfirmed, with the server's reason; a stored route
    // configuration that cannot be used is said on stderr.
    void refusedWritesAndAnUnusableConfigAreSaid()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.cli({u"SET"_s, u"cachescope:config:routes{cachescope}"_s, u"x"_s}); // not even a hash
        server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
        server.cli({u"HSET"_s, u"cachescope:config:routes{cachescope}"_s, u"json"_s, u"{\"routes\": 5}"_s, u"version"_s,
            u"3"_s});
        server.cli({u"CONFIG"_s, u"SET"_s, u"maxmemory-policy"_s, u"noeviction"_s});
        server.cli({u"CONFIG"_s, u"SET"_s, u"maxmemory"_s, u"1"_s}); // every write is refused from now on
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"200"_s, u"--duration"_s, u"2"_s, u"--json"_s});
        QVERIFY(sim.waitForFinished(30000));
        server.cli({u"CONFIG"_s, u"SET"_s, u"maxmemory"_s, u"0"_s});
        QCOMPARE(sim.exitCode(), 0);
        const QByteArray errors = sim.readAllStandardError();
        QVERIFY2(errors.contains("cachesim: the route configuration could not be used, the previous one stays in use: "
                                 "the stored route configuration is invalid: routes: "),
            errors.constData());
        const QJsonObject report = QJsonDocument::fromJson(sim.readAllStandardOutput()).object();
        QVERIFY(report[u"requests"_s].toInt() > 100);
        QVERIFY2(report[u"failedStores"_s].toInt() > 50, QJsonDocument(report).toJson().constData());
        QVERIFY(report[u"statsRefusedWrites"_s].toInt() > 0);
        QCOMPARE(report[u"statsRefusedWrites"_s].toInt(), report[u"statsUnconfirmedWrites"_s].toInt());
        QVERIFY2(
            report[u"firstError"_s].toString().startsWith(u"OOM "_s), qPrintable(report[u"firstError"_s].toString()));
        QCOMPARE(server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("1")); // the configuration alone: nothing was stored

        // The text report says the same in words.
        server.cli({u"CONFIG"_s, u"SET"_s, u"maxmemory"_s, u"1"_s});
        QProcess text;
        text.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"100"_s, u"--duration"_s, u"1"_s});
        QVERIFY(text.waitForFinished(30000));
        server.cli({u"CONFIG"_s, u"SET"_s, u"maxmemory"_s, u"0"_s});
        const QByteArray out = text.readAllStandardOutput();
        QVERIFY2(out.contains("entry writes failed (first: OOM command not allowed when used memory > 'maxmemory'."),
            out.constData());
        QVERIFY2(out.contains("): those requests were answered, not cached\n"), out.constData());
        QVERIFY2(out.contains(" writes refused by the server (first: OOM "), out.constData());
        QVERIFY2(!out.contains("unanswered"), out.constData());
    }

    void waitsForAServerThatIsStarting()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.stop(); // its port is known and nobody listens on it
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"50"_s, u"--duration"_s, u"1"_s, u"--json"_s});
        QVERIFY(sim.waitForStarted());
        QTest::qWait(1500);
        QCOMPARE(sim.state(), QProcess::Running);
        QVERIFY2(server.restart(), qPrintable(server.errorString()));
        QVERIFY(sim.state() == QProcess::NotRunning || sim.waitForFinished(30000));
        QCOMPARE(sim.exitCode(), 0);
        QVERIFY(QJsonDocument::fromJson(sim.readAllStandardOutput()).object()[u"requests"_s].toInt() > 0);
        const QByteArray err = sim.readAllStandardError();
        QCOMPARE(err.count("(waiting for the server)"), 1); // said once, not once per attempt
    }

#ifdef CACHESCOPE_PATH
    // On a machine kept busy by two spinning processes, `cachescope --demo` still shows gateway keys in its tree and
    // traffic in its charts within 20 s: the demo waits for its server, cachesim for its first connection, and the
    // tree looks again until the traffic has made keys.
    void demoShowsTrafficOnABusyMachine()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        QList<QProcess*> spinners;
        for (int i = 0; i < 2; ++i) {
            auto* spinner = new QProcess(this);
            spinner->start(u"sh"_s, {u"-c"_s, u"while :; do :; done"_s});
            QVERIFY(spinner->waitForStarted());
            spinners.append(spinner);
        }
        QProcess dashboard;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        env.insert(u"HOME"_s, dir.path());
        dashboard.setProcessEnvironment(env);
        dashboard.start(QStringLiteral(CACHESCOPE_PATH),
            {u"--demo"_s, u"--screenshot"_s, dir.filePath(u"demo.png"_s), u"--screenshot-delay"_s, u"20000"_s,
                u"--state"_s, dir.filePath(u"state.json"_s)});
        const bool finished = dashboard.waitForFinished(60000);
        for (QProcess* spinner : spinners) {
            spinner->kill();
            spinner->waitForFinished(5000);
            delete spinner;
        }
        QVERIFY(finished);
        QCOMPARE(dashboard.exitCode(), 0);
        QFile stateFile(dir.filePath(u"state.json"_s));
        QVERIFY(stateFile.open(QIODevice::ReadOnly));
        const QJsonObject state = QJsonDocument::fromJson(stateFile.readAll()).object();
        qInfo("%s", QJsonDocument(state).toJson(QJsonDocument::Compact).constData());
        QVERIFY2(state[u"gatewayKeys"_s].toInteger() > 0, "the tree holds gateway keys");
        QVERIFY2(state[u"chartedLookups"_s].toInteger() > 0, "the charts have traffic");
        QVERIFY(QFile::exists(dir.filePath(u"demo.png"_s)));
    }

    // `cachescope --demo` stopped with SIGTERM or SIGINT (Ctrl-C) leaves no redis-server or cachesim behind.
    void demoStopsItsChildren_data()
    {
        QTest::addColumn<int>("signal");
        QTest::newRow("SIGTERM") << SIGTERM;
        QTest::newRow("SIGINT") << SIGINT;
    }
    void demoStopsItsChildren()
    {
        QFETCH(int, signal);
        QProcess dashboard;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"QT_QPA_PLATFORM"_s, u"offscreen"_s);
        env.insert(u"HOME"_s, QDir::tempPath()); // no saved profiles or settings of the user's
        dashboard.setProcessEnvironment(env);
        dashboard.start(QStringLiteral(CACHESCOPE_PATH), {u"--demo"_s});
        QVERIFY(dashboard.waitForStarted());
        const auto children = [&dashboard] {
            QFile file(u"/proc/%1/task/%1/children"_s.arg(dashboard.processId()));
            if (!file.open(QIODevice::ReadOnly))
                return QList<QByteArray>();
            QList<QByteArray> pids = file.readAll().trimmed().split(' ');
            pids.removeAll(QByteArray());
            return pids;
        };
        QTRY_COMPARE_WITH_TIMEOUT(children().size(), 2, 15000); // redis-server and cachesim
        const QList<QByteArray> started = children();
        QTest::qWait(500);
        ::kill(pid_t(dashboard.processId()), signal);
        QVERIFY(dashboard.state() == QProcess::NotRunning || dashboard.waitForFinished(15000));
        QCOMPARE(dashboard.exitStatus(), QProcess::NormalExit);
        for (const QByteArray& pid : started) {
            // Gone, or at most a zombie waiting for init to reap it: never a running process.
            QFile status(u"/proc/%1/stat"_s.arg(QString::fromLatin1(pid)));
            if (!status.open(QIODevice::ReadOnly))
                continue;
            const QByteArray stat = status.readAll();
            const char state = stat.at(stat.lastIndexOf(')') + 2);
            QVERIFY2(state == 'Z' || state == 'X', stat.constData());
        }
    }
#endif

    void badArgumentsAreUsageErrors()
    {
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH), {u"--rate"_s, u"0"_s});
        QVERIFY(sim.waitForFinished(10000));
        QCOMPARE(sim.exitCode(), 2);
        QVERIFY(sim.readAllStandardError().contains("--rate"));
    }
};

QTEST_GUILESS_MAIN(TestCachesim)
#include "tst_cachesim.moc"
