#include "cache/cachemanager.h"
#include "cache/responsecachepolicy.h"
#include "ops/audit/audit.h"
#include "ops/routes/routeconfigloss.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "scriptedserver.h"
#include "synccommand.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace cachescope;
using namespace cachescope::ops;
using namespace Qt::StringLiterals;

class TestRouteConfigStore : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server;
    std::unique_ptr<redis::Connection> m_connection;

    RouteConfigSnapshot loadNow(RouteConfigStore& store)
    {
        std::optional<RouteConfigSnapshot> snapshot;
        bool done = false;
        store.load(this, [&](std::optional<RouteConfigSnapshot> s, const QString&) {
            snapshot = std::move(s);
            done = true;
        });
        if (!QTest::qWaitFor([&done] { return done; }, 5000))
            qWarning("load timed out");
        return snapshot.value_or(RouteConfigSnapshot {{}, -1, {}, {}});
    }

    RouteConfigSaveResult saveNow(RouteConfigStore& store, const model::RouteConfig& config, qint64 expected)
    {
        std::optional<RouteConfigSaveResult> result;
        store.save(config, expected, u"tester@host"_s, this, [&result](const RouteConfigSaveResult& r) { result = r; });
        if (!QTest::qWaitFor([&result] { return result.has_value(); }, 5000))
            qWarning("save timed out");
        return result.value_or(RouteConfigSaveResult {false, -1, false, u"timeout"_s});
    }

    static model::RouteConfig withEventsTtl(int ttl)
    {
        model::RouteConfig config = model::RouteConfig::defaults();
        config.routes[0].ttlSeconds = ttl;
        return config;
    }

private Q_SLOTS:
    // A lower version than one seen before is a loss, and only that: said with what was lost, by whom and when,
    // other writers' bytes escaped.
    void aLowerVersionIsALoss_data()
    {
        QTest::addColumn<qint64>("seen"); // -1: nothing seen
        QTest::addColumn<qint64>("now");
        QTest::addColumn<QString>("by");
        QTest::addColumn<bool>("timed");
        QTest::addColumn<QString>("text"); // empty: no loss
        QTest::newRow("nothing seen") << qint64(-1) << qint64(0) << QString() << true << QString();
        QTest::newRow("seen version 0") << qint64(0) << qint64(0) << QString() << true << QString();
        QTest::newRow("the same") << qint64(5) << qint64(5) << u"ana"_s << true << QString();
        QTest::newRow("a newer save") << qint64(5) << qint64(6) << u"ana"_s << true << QString();
        QTest::newRow("one version back")
            << qint64(5) << qint64(4) << u"ana@ops"_s << true
            << u"The route configuration was lost from the server: it holds version 4 now where version 5 was, saved "
               u"by ana@ops at %1. Lost state (a restart without persistence, a flush), not a save."_s;
        QTest::newRow("gone, by nobody known, at no known time")
            << qint64(1) << qint64(0) << QString() << false
            << u"The route configuration was lost from the server: it holds no configuration now (the defaults "
               u"apply) where version 1 was, saved by someone unknown at an unknown time. Lost state (a restart "
               u"without persistence, a flush), not a save."_s;
        QTest::newRow("a saver's control bytes")
            << qint64(3) << qint64(0) << u"x\u001b[2Jy"_s << true
            << u"The route configuration was lost from the server: it holds no configuration now (the defaults "
               u"apply) where version 3 was, saved by x\\x1b[2Jy at %1. Lost state (a restart without persistence, "
               u"a flush), not a save."_s;
    }
    void aLowerVersionIsALoss()
    {
        QFETCH(qint64, seen);
        QFETCH(qint64, now);
        QFETCH(QString, by);
        QFETCH(bool, timed);
        QFETCH(QString, text);
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(1'700'000'000'123, Qt::UTC);
        std::optional<RouteConfigSnapshot> lastSeen;
        if (seen >= 0)
            lastSeen = RouteConfigSnapshot {model::RouteConfig::defaults(), seen, by, timed ? at : QDateTime()};
        RouteConfigSnapshot current;
        current.version = now;
        const auto loss = routeConfigLoss(current, lastSeen);
        QCOMPARE(loss.has_value(), !text.isEmpty());
        if (!loss)
            return;
        QCOMPARE(loss->versionNow, now);
        QCOMPARE(loss->lastSeen.version, seen);
        QCOMPARE(loss->describe(), text.arg(at.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s)));
    }

    // What this machine saw last of a server's configuration: one file per server, named after it; only versions
    // that grow are remembered (a lower one is the loss, kept until forgotten); a damaged, empty-versioned or
    // oversized file is nothing seen, never read whole.
    void theLastSeenConfigurationIsRemembered()
    {
        QTemporaryDir directory;
        RouteConfigMemory memory(u"127.0.0.1:6379/2 (TLS)"_s, directory.path());
        QCOMPARE(memory.path(), directory.path() + u"/route-config/127.0.0.1_6379_2__TLS_.json"_s);
        QVERIFY(!memory.lastSeen());
        model::RouteConfig config = model::RouteConfig::defaults();
        config.routes.first().ttlSeconds = 42;
        const QDateTime at = QDateTime::fromMSecsSinceEpoch(1'700'000'000'123, Qt::UTC);
        memory.remember({config, 0, u"nobody"_s, at}); // nothing stored: nothing to remember
        QVERIFY(!QFile::exists(memory.path()));
        memory.remember({config, 3, u"ana\u00e9"_s, at});
        auto seen = memory.lastSeen();
        QVERIFY(seen);
        QCOMPARE(seen->version, 3);
        QCOMPARE(seen->config, config);
        QCOMPARE(seen->updatedBy, u"ana\u00e9"_s);
        QCOMPARE(seen->updatedAt, at);
        memory.remember({model::RouteConfig::defaults(), 2, u"older"_s, at}); // a loss: not remembered
        QCOMPARE(memory.lastSeen()->version, 3);
        memory.remember({model::RouteConfig::defaults(), 3, u"same"_s, at});
        QCOMPARE(memory.lastSeen()->updatedBy, u"ana\u00e9"_s);
        memory.remember({model::RouteConfig::defaults(), 4, u"newer"_s, at});
        QCOMPARE(memory.lastSeen()->version, 4);
        QCOMPARE(memory.lastSeen()->config, model::RouteConfig::defaults());
        // Another server's memory is its own.
        QVERIFY(!RouteConfigMemory(u"127.0.0.1:6380"_s, directory.path()).lastSeen());
        memory.forget();
        QVERIFY(!memory.lastSeen());

        const auto write = [&memory](const QByteArray& bytes) {
            QFile file(memory.path());
            QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
            file.write(bytes);
        };
        write("{not json");
        QVERIFY(!memory.lastSeen());
        const auto stored = [](const QByteArray& routes, qint64 version) {
            return QJsonDocument(QJsonObject {{u"json"_s, QString::fromUtf8(routes)}, {u"version"_s, version}})
                .toJson(QJsonDocument::Compact);
        };
        write(stored(R"({"routes":[]})", 0));
        QVERIFY(!memory.lastSeen());
        write(stored(R"({"routes":[{"path":"/a","ttl":0}]})", 7)); // a rule no gateway takes
        QVERIFY(!memory.lastSeen());
        write(stored(R"({"routes":[]})", 7));
        QCOMPARE(memory.lastSeen()->version, 7);
        const qint64 limit = 4 * 1024 * 1024;
        const QByteArray atLimit = stored(R"({"routes":[]})", 8);
        write(atLimit + QByteArray(limit - atLimit.size(), ' '));
        QCOMPARE(QFileInfo(memory.path()).size(), limit);
        QCOMPARE(memory.lastSeen()->version, 8); // at the limit: read
        const QByteArray overLimit = stored(R"({"routes":[]})", 9);
        write(overLimit + QByteArray(limit + 1 - overLimit.size(), ' '));
        QVERIFY(!memory.lastSeen()); // one byte over: not read at all
    }

    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_connection = std::make_unique<redis::Connection>(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(*m_connection));
    }
    void init()
    {
        QVERIFY(testing::runCommand(*m_connection, {"FLUSHALL"}).isStatus("OK"));
    }

    void emptyStoreGivesDefaults()
    {
        RouteConfigStore store(m_connection.get());
        const RouteConfigSnapshot snapshot = loadNow(store);
        QCOMPARE(snapshot.version, 0);
        QCOMPARE(snapshot.config, model::RouteConfig::defaults());
    }

    void saveBumpsVersionAndAudits()
    {
        RouteConfigStore store(m_connection.get());
        const RouteConfigSaveResult first = saveNow(store, withEventsTtl(120), 0);
        QVERIFY2(first.saved, qPrintable(first.error));
        QCOMPARE(first.version, 1);
        const RouteConfigSnapshot snapshot = loadNow(store);
        QCOMPARE(snapshot.version, 1);
        QCOMPARE(snapshot.config.routes[0].ttlSeconds, 120);
        QCOMPARE(snapshot.updatedBy, u"tester@host"_s);
        QVERIFY(snapshot.updatedAt.secsTo(QDateTime::currentDateTimeUtc()) < 10);

        QVERIFY(saveNow(store, withEventsTtl(90), 1).saved);
        std::optional<QList<AuditRecord>> records;
        readAudit(*m_connection, 10, this,
            [&records](std::optional<QList<AuditRecord>> r, const QString&) { records = std::move(r); });
        QTRY_VERIFY(records.has_value());
        QCOMPARE(records->size(), 2);
        const AuditRecord& newest = records->first();
        QCOMPARE(newest.action, u"routes.save"_s);
        QCOMPARE(newest.actor, u"tester@host"_s);
        QVERIFY(newest.before.contains("\"ttl\": 120"));
        QVERIFY(newest.after.contains("\"ttl\": 90"));
        QVERIFY(records->last().before.isEmpty());
    }

    // The save script reads the stored version (and the configuration it replaces): keyspace lookups, which it
    // reports so that the dashboard keeps them out of the hit rate it charts. Checked against the server's own
    // counters for a first save (misses), a save (hits) and a refused one.
    void saveLookupsAreCountedAsTheServerCountsThem()
    {
        RouteConfigStore store(m_connection.get());
        for (const qint64 expected : {qint64(0), qint64(1), qint64(0)}) {
            const redis::LookupCount serverBefore = testing::serverLookups(*m_connection);
            const redis::LookupCount ownBefore = m_connection->ownLookups().current();
            saveNow(store, withEventsTtl(int(100 + expected)), expected);
            const redis::LookupCount server = testing::serverLookups(*m_connection) - serverBefore;
            const redis::LookupCount own = m_connection->ownLookups().current() - ownBefore;
            QVERIFY2(server.total() > 0, "the save made no lookup: the check would prove nothing");
            QCOMPARE(own.hits, server.hits);
            QCOMPARE(own.misses, server.misses);
        }
    }

    void concurrentEditIsRejectedNotOverwritten()
    {
        RouteConfigStore alice(m_connection.get());
        RouteConfigStore bob(m_connection.get());
        QVERIFY(saveNow(alice, withEventsTtl(100), 0).saved);
        const qint64 base = loadNow(bob).version;
        QVERIFY(saveNow(alice, withEventsTtl(200), base).saved);
        const RouteConfigSaveResult late = saveNow(bob, withEventsTtl(300), base);
        QVERIFY(!late.saved);
        QVERIFY(late.conflict);
        QCOMPARE(late.version, base + 1);
        QVERIFY(late.error.contains(u"changed by someone else"_s));
        QCOMPARE(loadNow(bob).config.routes[0].ttlSeconds, 200);
    }

    void invalidConfigIsNotWritten()
    {
        RouteConfigStore store(m_connection.get());
        const RouteConfigSaveResult result = saveNow(store, withEventsTtl(0), 0);
        QVERIFY(!result.saved);
        QVERIFY(result.error.contains(u"routes[0].ttl"_s));
        QCOMPARE(testing::runCommand(*m_connection, {"EXISTS", store.configKey()}).integer(), 0);
    }

    // A save script's answer of another shape (a proxy or a Redis-alike that runs scripts its own way) is an error
    // that shows the answer: neither a save nor someone else's edit.
    void aSaveAnsweredOddlyIsNeitherSavedNorAConflict_data()
    {
        QTest::addColumn<QByteArray>("answer");
        QTest::addColumn<QString>("error");
        QTest::newRow("an integer") << QByteArray(":1\r\n") << u"unexpected reply from the save script: (integer) 1"_s;
        QTest::newRow("nil") << QByteArray("$-1\r\n") << u"unexpected reply from the save script: (nil)"_s;
        QTest::newRow("four elements")
            << QByteArray("*4\r\n:1\r\n:1\r\n:1\r\n:1\r\n")
            << u"unexpected reply from the save script: [(integer) 1, (integer) 1, (integer) 1, (integer) 1]"_s;
        QTest::newRow("a status") << QByteArray("+OK\r\n") << u"unexpected reply from the save script: OK"_s;
    }
    void aSaveAnsweredOddlyIsNeitherSavedNorAConflict()
    {
        QFETCH(QByteArray, answer);
        QFETCH(QString, error);
        testing::ScriptedServer server;
        server.answer = [&answer](const QList<QByteArray>&) { return answer; };
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        RouteConfigStore store(&connection);
        const RouteConfigSaveResult result = saveNow(store, withEventsTtl(60), 0);
        QCOMPARE(result.error, error);
        QCOMPARE(result.saved, false);
        QCOMPARE(result.conflict, false);
    }

    void damagedStoredConfigIsReported()
    {
        RouteConfigStore store(m_connection.get());
        testing::runCommand(*m_connection, {"HSET", store.configKey(), "json", "{not json", "version", "3"});
        std::optional<QString> error;
        store.load(this, [&error](std::optional<RouteConfigSnapshot>, const QString& e) { error = e; });
        QTRY_VERIFY(error.has_value());
        QVERIFY(error->contains(u"invalid"_s));
    }

    // Another process's ResponseCache policy picks up a save within a second.
    void editReachesAnotherPolicyWithinASecond()
    {
        auto commands = std::make_unique<redis::Connection>(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(*commands));
        RouteConfigWatcher watcher(commands.get(), std::make_unique<redis::Connection>(m_server.connectionOptions()));
        cache::ResponseCachePolicy policy;
        connect(&watcher, &RouteConfigWatcher::configChanged, this,
            [&policy](const RouteConfigSnapshot& s) { policy.setConfig(s.config); });
        QSignalSpy changes(&watcher, &RouteConfigWatcher::configChanged);
        watcher.start(std::chrono::milliseconds(5000)); // polling too slow to pass: pub/sub must do it
        QTRY_COMPARE(changes.size(), 1); // the initial load
        const auto request = cache::GatewayRequest::fromUrl("GET", u"/api/events"_s);
        QCOMPARE(policy.decide(request).ttlSeconds, 600);

        RouteConfigStore editor(m_connection.get());
        QElapsedTimer clock;
        clock.start();
        QVERIFY(saveNow(editor, withEventsTtl(45), 0).saved);
        QTRY_COMPARE_WITH_TIMEOUT(policy.decide(request).ttlSeconds, 45, 1000);
        qInfo("change applied after %lld ms", clock.elapsed());
    }

    // A reload asked for while a load is in flight runs once, after it: its answer may predate the change that asked.
    // start() with a subscriber already ready asks twice at once (the subscription's catch-up read and the first
    // read), so exactly two HGETALLs reach the server, and no more follow while nothing is announced.
    void aReloadAskedDuringALoadRunsOnceAfterIt()
    {
        const auto loadsSent = [this] { return testing::commandCalls(*m_connection, "hgetall"); };
        auto commands = std::make_unique<redis::Connection>(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(*commands));
        auto subscriber = std::make_unique<redis::Connection>(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(*subscriber));
        RouteConfigWatcher watcher(commands.get(), std::move(subscriber));
        QSignalSpy changes(&watcher, &RouteConfigWatcher::configChanged);
        const qint64 before = loadsSent();
        watcher.start(std::chrono::milliseconds(60'000));
        QTRY_COMPARE(changes.size(), 1);
        QTRY_COMPARE(loadsSent() - before, 2);
        QTest::qWait(300);
        QCOMPARE(loadsSent() - before, 2);
        QCOMPARE(changes.size(), 1); // the same version twice is one change
    }

    void changesMissedWhileDisconnectedArrive()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::ConnectionOptions options = server.connectionOptions();
        options.reconnectInitialDelay = std::chrono::milliseconds(50);
        auto commands = std::make_unique<redis::Connection>(options);
        QVERIFY(testing::openAndWait(*commands));
        RouteConfigWatcher watcher(commands.get(), std::make_unique<redis::Connection>(options));
        QSignalSpy changes(&watcher, &RouteConfigWatcher::configChanged);
        watcher.start(std::chrono::milliseconds(300));
        QTRY_COMPARE(changes.size(), 1);
        server.stop();
        QVERIFY(server.restart()); // empty again, so a fresh save is version 1
        redis::Connection editorConnection(server.connectionOptions());
        QVERIFY(testing::openAndWait(editorConnection));
        RouteConfigStore editor(&editorConnection);
        QVERIFY(saveNow(editor, withEventsTtl(33), 0).saved);
        QTRY_VERIFY_WITH_TIMEOUT(watcher.current() && watcher.current()->config.routes[0].ttlSeconds == 33, 5000);
    }

    void invalidateAllKeepsConfigAndAudit()
    {
        RouteConfigStore store(m_connection.get());
        QVERIFY(saveNow(store, withEventsTtl(77), 0).saved);
        testing::runCommand(*m_connection, {"SET", "events:1", "x"});
        cache::CacheManager manager(m_connection.get(), {});
        std::optional<qint64> deleted;
        manager.invalidate("*", this, [&deleted](std::optional<qint64> n, const QString&) { deleted = n; });
        QTRY_VERIFY(deleted.has_value());
        QCOMPARE(*deleted, 1);
        QCOMPARE(loadNow(store).config.routes[0].ttlSeconds, 77);
        QCOMPARE(testing::runCommand(*m_connection, {"XLEN", auditStreamKey}).integer(), 1);
    }
};

QTEST_GUILESS_MAIN(TestRouteConfigStore)
#include "tst_routeconfigstore.moc"
