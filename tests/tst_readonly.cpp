#include "cache/cachemanager.h"
#include "cache/statsreader.h"
#include "cache/statsrecorder.h"
#include "ops/audit/audit.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/commandsafety.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

// A read-only connection refuses every write in core itself, whoever calls: tried here command by command
// and through each write path of the cache manager, the invalidation, the route store and the audit trail.
class TestReadOnly : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server;
    std::unique_ptr<redis::Connection> m_readOnly;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_server.cli({u"SET"_s, u"events:1"_s, u"original"_s});
        redis::ConnectionOptions options = m_server.connectionOptions();
        options.readOnly = true;
        m_readOnly = std::make_unique<redis::Connection>(options);
        QVERIFY(testing::openAndWait(*m_readOnly)); // the handshake (CLIENT SETNAME, PING) still works
    }

    void commands_data()
    {
        QTest::addColumn<QList<QByteArray>>("command");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("GET") << QList<QByteArray> {"GET", "events:1"} << true;
        QTest::newRow("SCAN") << QList<QByteArray> {"SCAN", "0"} << true;
        QTest::newRow("INFO") << QList<QByteArray> {"INFO", "stats"} << true;
        QTest::newRow("PTTL lower case") << QList<QByteArray> {"pttl", "events:1"} << true;
        QTest::newRow("CONFIG GET") << QList<QByteArray> {"CONFIG", "GET", "maxmemory"} << true;
        // The stats reader's index reads (cachectl stats, the dashboard's stats panes and alerts on a read-only
        // profile).
        QTest::newRow("ZRANGEBYSCORE") << QList<QByteArray> {"ZRANGEBYSCORE", "idx", "0", "9"} << true;
        QTest::newRow("ZREVRANGEBYSCORE")
            << QList<QByteArray> {"ZREVRANGEBYSCORE", "idx", "9", "-inf", "LIMIT", "0", "5"} << true;
        QTest::newRow("SET") << QList<QByteArray> {"SET", "events:1", "changed"} << false;
        QTest::newRow("set lower case") << QList<QByteArray> {"set", "events:1", "changed"} << false;
        QTest::newRow("DEL") << QList<QByteArray> {"DEL", "events:1"} << false;
        QTest::newRow("UNLINK") << QList<QByteArray> {"UNLINK", "events:1"} << false;
        QTest::newRow("EXPIRE") << QList<QByteArray> {"EXPIRE", "events:1", "1"} << false;
        QTest::newRow("EVAL") << QList<QByteArray> {"EVAL", "return redis.call('DEL', KEYS[1])", "1", "events:1"}
                              << false;
        QTest::newRow("FLUSHALL") << QList<QByteArray> {"FLUSHALL"} << false;
        QTest::newRow("CONFIG SET") << QList<QByteArray> {"CONFIG", "SET", "maxmemory", "1"} << false;
        QTest::newRow("CLIENT KILL") << QList<QByteArray> {"CLIENT", "KILL", "ID", "1"} << false;
        // Every subcommand that is not on the allow-list writes: an allow-list, never a deny-list.
        QTest::newRow("CONFIG REWRITE") << QList<QByteArray> {"CONFIG", "REWRITE"} << false;
        QTest::newRow("CONFIG RESETSTAT") << QList<QByteArray> {"CONFIG", "RESETSTAT"} << false;
        QTest::newRow("config resetstat") << QList<QByteArray> {"config", "resetstat"} << false;
        QTest::newRow("CONFIG alone") << QList<QByteArray> {"CONFIG"} << false;
        QTest::newRow("ACL SETUSER") << QList<QByteArray> {"ACL", "SETUSER", "x", "on"} << false;
        QTest::newRow("ACL DELUSER") << QList<QByteArray> {"ACL", "DELUSER", "x"} << false;
        QTest::newRow("ACL WHOAMI") << QList<QByteArray> {"ACL", "WHOAMI"} << true;
        QTest::newRow("CLIENT PAUSE") << QList<QByteArray> {"CLIENT", "PAUSE", "10"} << false;
        QTest::newRow("CLIENT NO-EVICT") << QList<QByteArray> {"CLIENT", "NO-EVICT", "on"} << false;
        QTest::newRow("CLIENT LIST") << QList<QByteArray> {"CLIENT", "LIST"} << true;
        QTest::newRow("SLOWLOG RESET") << QList<QByteArray> {"SLOWLOG", "RESET"} << false;
        QTest::newRow("SLOWLOG GET") << QList<QByteArray> {"SLOWLOG", "GET"} << true;
        QTest::newRow("LATENCY RESET") << QList<QByteArray> {"LATENCY", "RESET"} << false;
        QTest::newRow("XADD") << QList<QByteArray> {"XADD", "s", "*", "a", "b"} << false;
        QTest::newRow("unknown") << QList<QByteArray> {"FROBNICATE"} << false;
    }
    void commands()
    {
        QFETCH(QList<QByteArray>, command);
        QFETCH(bool, allowed);
        QCOMPARE(redis::isReadOnlyCommand(command), allowed);
        const redis::Reply reply = testing::runCommand(*m_readOnly, command);
        QCOMPARE(reply.errorKind() == redis::ErrorKind::ReadOnlyConnection, !allowed);
        QCOMPARE(m_server.cli({u"GET"_s, u"events:1"_s}).trimmed(), QByteArray("original"));
    }

    // The stats panes, the hit-rate alerts and `cachectl stats` on a read-only profile: the index and the buckets
    // are reads, and come back whole.
    void statsAreReadOnAReadOnlyConnection()
    {
        redis::Connection writer(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(writer));
        cache::StatsRecorder::Options options;
        options.flushInterval = std::chrono::hours(1); // flushed by hand
        cache::StatsRecorder recorder(&writer, options);
        for (int i = 0; i < 3; ++i)
            recorder.record({"gateway", "GET /r", "acme", "v1"}, cache::StatsEvent::Hit);
        bool flushed = false;
        recorder.flush(
            [&flushed](const cache::StatsRecorder::FlushResult& result) { flushed = result.unconfirmed == 0; });
        QTRY_VERIFY(flushed);
        QTest::qWait(1100); // a 1 s window ends at the last complete second
        std::optional<cache::StatsWindow> window;
        QString error;
        bool done = false;
        cache::readStatsWindow(*m_readOnly, cache::StatsDimension::Total, 60, this,
            [&](std::optional<cache::StatsWindow> read, const QString& why) {
                window = std::move(read);
                error = why;
                done = true;
            });
        QTRY_VERIFY(done);
        QVERIFY2(window, qPrintable(error));
        QCOMPARE(window->bucketsRead, 1);
        QCOMPARE(window->byLabel.value("all")[cache::StatsEvent::Hit], 3);
        m_server.cli({u"EVAL"_s, u"for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end"_s,
            u"0"_s, u"cachescope:stats*"_s}); // the other tests count the server's keys
    }

    void everyWritePathInCoreIsRefused()
    {
        cache::CacheManager manager(m_readOnly.get(), {});
        std::optional<QString> setError;
        manager.set("events:1", "changed", {}, this, [&setError](const QString& e) { setError = e; });
        QTRY_VERIFY(setError.has_value());
        QVERIFY2(setError->contains(u"read-only"_s), qPrintable(*setError));

        std::optional<QString> invalidateError;
        manager.invalidate(
            "events:*", this, [&invalidateError](std::optional<qint64>, const QString& e) { invalidateError = e; });
        QTRY_VERIFY(invalidateError.has_value());
        QVERIFY(invalidateError->contains(u"read-only"_s));

        ops::RouteConfigStore store(m_readOnly.get());
        std::optional<ops::RouteConfigSaveResult> saved;
        store.save(model::RouteConfig::defaults(), 0, u"t"_s, this,
            [&saved](const ops::RouteConfigSaveResult& r) { saved = r; });
        QTRY_VERIFY(saved.has_value());
        QVERIFY(!saved->saved);
        QVERIFY(saved->error.contains(u"read-only"_s));

        std::optional<QString> auditError;
        ops::appendAudit(*m_readOnly,
            ops::AuditRecord::of(ops::AuditAction::Invalidate, ops::AuditOutcome::Completed, u"t"_s, u"y"_s, 1), this,
            [&auditError](std::optional<QByteArray>, const QString& e) { auditError = e; });
        QTRY_VERIFY(auditError.has_value());
        QVERIFY(!auditError->isEmpty());

        // getOrSet still answers from the cache or the loader; it just does not store.
        std::optional<cache::CacheResult> result;
        manager.getOrSet(
            "events:2", [](cache::CacheManager::LoadDone done) { done(cache::LoadResult::found("v")); }, {}, this,
            [&result](const cache::CacheResult& r) { result = r; });
        QTRY_VERIFY(result.has_value());
        QCOMPARE(result->value, std::optional<QByteArray>("v"));
        QTest::qWait(100);
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("1"));
        QCOMPARE(m_server.cli({u"GET"_s, u"events:1"_s}).trimmed(), QByteArray("original"));
    }
};

QTEST_GUILESS_MAIN(TestReadOnly)
#include "tst_readonly.moc"
