#include "cache/hitratealerts.h"
#include "cache/statsreader.h"
#include "cache/statsrecorder.h"
#include "cache/statstiers.h"
#include "ops/audit/audit.h"
#include "ops/invalidation/pacedinvalidation.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/backgroundscan.h"
#include "redis/connection.h"
#include "redis/scaniterator.h"
#include "redisserver.h"
#include "synccommand.h"
#include "toolrun.h"

#include <QElapsedTimer>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTest>
#include <csignal>
#include <sys/types.h>

using namespace cachescope;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

// What the tools do when the server misbehaves under them: killed, frozen (SIGSTOP) or restarted in the middle
// of a scan, an invalidation, a route save or a stats flush, and the errors a real server answers with (OOM,
// READONLY, NOAUTH). Reported, never a wrong count, no crash, no hang past the timeouts.
class TestFaults : public QObject
{
    Q_OBJECT
private:
    static redis::ConnectionOptions impatient(const testing::RedisServer& server)
    {
        redis::ConnectionOptions options = server.connectionOptions();
        options.commandTimeout = 700ms; // a frozen server is declared dead quickly
        options.autoReconnect = true;
        options.reconnectInitialDelay = 50ms;
        options.reconnectMaxDelay = 200ms;
        return options;
    }

    // events:0 … events:N-1, made server-side (one round trip, not one per key).
    static void seed(testing::RedisServer& server, int keys)
    {
        server.cli({u"EVAL"_s, u"for i = 0, tonumber(ARGV[1]) - 1 do redis.call('SET', 'events:' .. i, 'x') end"_s,
            u"0"_s, QString::number(keys)});
    }

    using Cli = testing::ToolRun;
    static Cli cachectl(const QStringList& arguments)
    {
        return testing::runTool(QStringLiteral(CACHECTL_PATH), arguments);
    }

    // A server whose acknowledged writes survive SIGKILL (AOF, fsync before each reply), so that after a restart
    // the keys really gone can be counted and compared with what the tool reported.
    static testing::RedisServer::Config durable()
    {
        testing::RedisServer::Config config;
        config.extraConfig = {u"appendonly yes"_s, u"appendfsync always"_s};
        return config;
    }

    // Keys that are not CacheScope's own (the audit stream comes and goes with the records).
    static qint64 dataKeys(testing::RedisServer& server)
    {
        return server.cli({u"DBSIZE"_s}).trimmed().toLongLong()
            - server.cli({u"EXISTS"_s, QString::fromLatin1(ops::auditStreamKey)}).trimmed().toLongLong();
    }

    // `cachectl serve` on `server` with a 700 ms command timeout and `token`; its HTTP port, 0 when it did not start.
    static quint16 startServe(QProcess& serve, testing::RedisServer& server, const QByteArray& token)
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"CACHESCOPE_ADMIN_TOKEN"_s, QString::fromLatin1(token));
        serve.setProcessEnvironment(env);
        serve.start(QStringLiteral(CACHECTL_PATH),
            {u"-p"_s, QString::number(server.port()), u"--timeout"_s, u"700"_s, u"serve"_s, u"--http-port"_s, u"0"_s});
        if (!serve.waitForStarted() || !QTest::qWaitFor([&serve] { return serve.canReadLine(); }, 10000))
            return 0;
        const QByteArray line = serve.readLine().trimmed();
        if (!line.startsWith("listening on http://127.0.0.1:"))
            return 0;
        return quint16(line.sliced(line.lastIndexOf(':') + 1).toUInt());
    }

    // Freezes (SIGSTOP past the timeout, then SIGCONT) or kills and restarts the server.
    static void fault(testing::RedisServer& server, bool kill)
    {
        if (kill) {
            server.kill();
            QTest::qWait(1500);
            QVERIFY2(server.restart(), qPrintable(server.errorString()));
        } else {
            server.pause();
            QTest::qWait(2000); // well past the 700 ms command timeout
            server.resume();
        }
    }

private Q_SLOTS:
    // The server freezes mid-invalidation: the job stops at the command timeout; what it reports as deleted
    // is confirmed, and the truth lies between that and deleted + unconfirmed (the frozen UNLINKs may still run
    // when the server wakes).
    void invalidationWhileFrozen()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        seed(server, 20000);
        redis::Connection connection(impatient(server));
        QVERIFY(testing::openAndWait(connection));
        ops::PacedInvalidation::Options options;
        options.scanCount = 200;
        ops::PacedInvalidation job(&connection, "events:*", options);
        QSignalSpy finished(&job, &ops::PacedInvalidation::finished);
        bool frozen = false;
        connect(&job, &ops::PacedInvalidation::progressed, this, [&](const ops::InvalidationProgress& p) {
            if (!frozen && p.deleted > 0) {
                frozen = true;
                server.pause();
            }
        });
        QElapsedTimer clock;
        clock.start();
        job.start();
        QVERIFY(finished.wait(10000));
        QVERIFY2(clock.elapsed() < 5000, "the job must give up at the command timeout, not hang");
        const ops::InvalidationProgress p = job.progress();
        QVERIFY(p.error.has_value());
        QCOMPARE(p.error->errorKind(), redis::ErrorKind::Timeout);
        QVERIFY(!p.resumeCursor.isEmpty());
        server.resume();
        QTest::qWait(300);
        const qint64 gone = 20000 - server.cli({u"DBSIZE"_s}).trimmed().toLongLong();
        QVERIFY2(p.deleted <= gone && gone <= p.deleted + p.unconfirmed,
            qPrintable(u"deleted %1, unconfirmed %2, really gone %3"_s.arg(p.deleted).arg(p.unconfirmed).arg(gone)));

        // Deletes are idempotent: resuming from the saved cursor finishes the job on the reconnected connection.
        ops::PacedInvalidation resumed(&connection, "events:*", options);
        QSignalSpy resumedDone(&resumed, &ops::PacedInvalidation::finished);
        resumed.start(p.resumeCursor);
        QVERIFY(resumedDone.wait(15000));
        QVERIFY(!resumed.progress().error);
        // SCAN guarantees every key present for the whole scan: the keys before the cursor went in the first run.
        QCOMPARE(server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("0"));
    }

    // `cachectl invalidate|expire --yes` when the server freezes past the timeout or is killed mid-run: no crash
    // (this once ended in SIGSEGV: the audit record was written to a socket already dropped), exit 1 with the
    // error, a count bracketed by deleted and deleted + unconfirmed, and the audit record written once the server
    // is back, saying the run failed and what it confirmed.
    void cachectlWriteWhenTheServerFails_data()
    {
        QTest::addColumn<bool>("expire");
        QTest::addColumn<bool>("kill");
        QTest::newRow("invalidate, frozen") << false << false;
        QTest::newRow("invalidate, killed") << false << true;
        QTest::newRow("expire, frozen") << true << false;
        QTest::newRow("expire, killed") << true << true;
    }
    void cachectlWriteWhenTheServerFails()
    {
        QFETCH(bool, expire);
        QFETCH(bool, kill);
        testing::RedisServer server(durable());
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        constexpr int seeded = 100000;
        seed(server, seeded);
        QCOMPARE(dataKeys(server), seeded);
        QStringList arguments {u"-p"_s, QString::number(server.port()), u"--timeout"_s, u"700"_s,
            expire ? u"expire"_s : u"invalidate"_s, u"events:*"_s, u"--yes"_s, u"--json"_s, u"--actor"_s,
            u"fault-test"_s};
        if (expire)
            arguments << u"--ttl"_s << u"100000"_s;
        QProcess process;
        process.start(QStringLiteral(CACHECTL_PATH), arguments);
        QVERIFY(process.waitForStarted());
        // Strike once the run has confirmed some writes, long before it could finish.
        QTRY_VERIFY_WITH_TIMEOUT(dataKeys(server) < seeded || expire, 10000);
        if (expire)
            QTRY_VERIFY_WITH_TIMEOUT(server.cli({u"TTL"_s, u"events:1"_s}).trimmed() != "-1"
                    || server.cli({u"TTL"_s, u"events:59999"_s}).trimmed() != "-1"
                    || process.state() == QProcess::NotRunning,
                10000);
        QVERIFY2(process.state() == QProcess::Running, "the run ended before the fault: seed more keys");
        fault(server, kill);
        // (It may have ended while fault() waited; waitForFinished() is false for a process already seen to end.)
        QVERIFY(process.state() == QProcess::NotRunning || process.waitForFinished(30000));
        const QByteArray out = process.readAllStandardOutput();
        const QByteArray err = process.readAllStandardError();
        QCOMPARE(process.exitStatus(), QProcess::NormalExit); // no crash
        QCOMPARE(process.exitCode(), 1);
        QVERIFY2(err.contains(expire ? "cachectl expire: failed: " : "cachectl invalidate: failed: "), err.constData());
        QVERIFY2(!err.contains("audit record could not be written"), err.constData());
        const QJsonObject report = QJsonDocument::fromJson(out).object();
        QCOMPARE(report[u"success"_s].toBool(true), false);
        const qint64 done = report[expire ? u"expired"_s : u"invalidated"_s].toInteger(-1);
        const qint64 unconfirmed = report[u"unconfirmed"_s].toInteger(-1);
        QVERIFY(done > 0 && unconfirmed >= 0);
        // The truth, counted by the server once it is back.
        QTest::qWait(200);
        qint64 truth = 0;
        if (expire) {
            const QByteArray script = "local n = 0 for _, k in ipairs(redis.call('KEYS', 'events:*')) do "
                                      "if redis.call('PTTL', k) > 0 then n = n + 1 end end return n";
            truth = server.cli({u"EVAL"_s, QString::fromLatin1(script), u"0"_s}).trimmed().toLongLong();
        } else {
            truth = seeded - dataKeys(server);
        }
        QVERIFY2(done <= truth && truth <= done + unconfirmed,
            qPrintable(u"reported %1 (+ up to %2 unconfirmed), really %3"_s.arg(done).arg(unconfirmed).arg(truth)));
        const ops::AuditRecord record = testing::auditRecords(server.connectionOptions(), 1).value(0);
        QCOMPARE(record.action, expire ? u"expire"_s : u"invalidate"_s);
        QCOMPARE(record.outcome, u"failed"_s);
        QCOMPARE(record.actor, u"fault-test"_s);
        QCOMPARE(record.target, u"events:*"_s);
        QCOMPARE(record.count, done);
        QCOMPARE(record.dryRun, false);
    }

    // `cachectl invalidate --tag … --yes` when the server freezes past the timeout or is killed mid-run: exit 1, the
    // count bracketed, the index kept (the tag can be invalidated again), the audit record written once it is back.
    void tagInvalidationWhenTheServerFails_data()
    {
        QTest::addColumn<bool>("kill");
        QTest::newRow("frozen") << false;
        QTest::newRow("killed") << true;
    }
    void tagInvalidationWhenTheServerFails()
    {
        QFETCH(bool, kill);
        testing::RedisServer server(durable());
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        constexpr int seeded = 150000;
        // 150,000 entries in one tag index (scores: expiry in ms, far ahead), as the cache manager writes them.
        server.cli({u"EVAL"_s,
            u"for i = 0, tonumber(ARGV[1]) - 1 do redis.call('SET', 'events:' .. i, 'x') "
            u"redis.call('ZADD', KEYS[1], 99999999999999, 'events:' .. i) end"_s,
            u"1"_s, u"cachescope:tag:venue%3Abig"_s, QString::number(seeded)});
        const auto remaining = [&server] {
            return int(server.cli({u"EVAL"_s, u"return #redis.call('KEYS', 'events:*')"_s, u"0"_s}).trimmed().toInt());
        };
        QCOMPARE(remaining(), seeded);
        const auto dbsize = [&server] { return server.cli({u"DBSIZE"_s}).trimmed().toInt(); }; // O(1), for polling
        QProcess process;
        process.start(QStringLiteral(CACHECTL_PATH),
            {u"-p"_s, QString::number(server.port()), u"--timeout"_s, u"700"_s, u"invalidate"_s, u"--tag"_s,
                u"venue:big"_s, u"--yes"_s, u"--json"_s, u"--actor"_s, u"tag-fault"_s});
        QVERIFY(process.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(dbsize() < seeded + 1, 10000); // + 1: the index
        QVERIFY2(process.state() == QProcess::Running, "the run ended before the fault: seed more keys");
        fault(server, kill);
        // (It may have ended while fault() waited; waitForFinished() is false for a process already seen to end.)
        QVERIFY(process.state() == QProcess::NotRunning || process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 1);
        const QByteArray err = process.readAllStandardError();
        QVERIFY2(err.contains("cachectl invalidate --tag: failed: "), err.constData());
        QVERIFY2(!err.contains("audit record could not be written"), err.constData());
        const QJsonObject report = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
        QCOMPARE(report[u"success"_s].toBool(true), false);
        const qint64 done = report[u"invalidated"_s].toInteger(-1);
        const qint64 unconfirmed = report[u"unconfirmed"_s].toInteger(-1);
        QTest::qWait(200);
        const qint64 truth = seeded - remaining();
        QVERIFY2(done > 0 && done <= truth && truth <= done + unconfirmed,
            qPrintable(u"reported %1 (+ up to %2 unconfirmed), really %3"_s.arg(done).arg(unconfirmed).arg(truth)));
        QCOMPARE(server.cli({u"EXISTS"_s, u"cachescope:tag:venue%3Abig"_s}).trimmed(), QByteArray("1"));
        const ops::AuditRecord record = testing::auditRecords(server.connectionOptions(), 1).value(0);
        QCOMPARE(record.action, u"invalidate tags"_s);
        QCOMPARE(record.outcome, u"failed"_s);
        QCOMPARE(record.actor, u"tag-fault"_s);
        QCOMPARE(record.count, done);
    }

    // Ctrl-C during `cachectl invalidate --yes`: the UNLINKs already sent are waited for, so the count is exact;
    // the run is audited as cancelled with that count, and the exit code is 130 (the user's doing, not a failure).
    void cachectlCancelledRunIsExactAndAudited()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        // Enough keys that the run is still going when the test has seen it start and sent SIGINT (100,000 were
        // sometimes all gone by then, once the connection's write path got faster).
        constexpr int seeded = 400000;
        seed(server, seeded);
        server.cli({u"SET"_s, u"later:1"_s, u"x"_s});
        QProcess process;
        process.start(QStringLiteral(CACHECTL_PATH),
            {u"-p"_s, QString::number(server.port()), u"invalidate"_s, u"events:*"_s, u"later:*"_s, u"--yes"_s,
                u"--json"_s, u"--actor"_s, u"ctrl-c"_s});
        QVERIFY(process.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(dataKeys(server) < seeded, 10000);
        ::kill(pid_t(process.processId()), SIGINT);
        QVERIFY(process.waitForFinished(15000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 130);
        const QJsonObject report = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
        QCOMPARE(report[u"cancelled"_s].toBool(), true);
        QCOMPARE(report[u"success"_s].toBool(), true); // nothing failed: it was stopped
        const qint64 deleted = report[u"invalidated"_s].toInteger(-1);
        QVERIFY2(deleted > 0 && deleted < seeded, qPrintable(QString::number(deleted)));
        QCOMPARE(seeded + 1 - dataKeys(server), deleted); // later:1 stays
        // The pattern after the cancelled one is named as not run, and was not.
        QCOMPARE(report[u"patterns"_s].toArray().size(), 1);
        QCOMPARE(report[u"notRun"_s].toArray(), QJsonArray {u"later:*"_s});
        QCOMPARE(server.cli({u"EXISTS"_s, u"later:1"_s}).trimmed(), QByteArray("1"));
        const ops::AuditRecord record = testing::auditRecords(server.connectionOptions(), 1).value(0);
        QCOMPARE(record.action, u"invalidate"_s);
        QCOMPARE(record.outcome, u"cancelled"_s);
        QCOMPARE(record.actor, u"ctrl-c"_s);
        QCOMPARE(record.count, deleted);
    }

    // The server never comes back: the run still ends (no hang), says the audit record could not be written,
    // and exits non-zero.
    void cachectlSaysWhenTheAuditRecordIsLost()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        // Enough keys that the run is still going when the test sees it started: since the connection's write path
        // got faster, 60,000 were sometimes all gone before the test noticed (exit code 0, 1 run in 3).
        constexpr int seeded = 400000;
        seed(server, seeded);
        QProcess process;
        process.start(QStringLiteral(CACHECTL_PATH),
            {u"-p"_s, QString::number(server.port()), u"--timeout"_s, u"500"_s, u"invalidate"_s, u"events:*"_s,
                u"--yes"_s});
        QVERIFY(process.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(dataKeys(server) < seeded, 10000);
        server.kill();
        QVERIFY(process.state() == QProcess::NotRunning || process.waitForFinished(30000));
        const QByteArray err = process.readAllStandardError();
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 1);
        QVERIFY2(err.contains("cachectl invalidate: the audit record could not be written: invalidate events:*: "),
            err.constData());
    }

    // `GET /healthz` tells what Redis is doing, at once and exactly: PONG while it answers; 503 with why while it is
    // frozen past the timeout, killed, and until it is back — never a hang, never a stale 200.
    void healthzSaysWhatRedisIsDoing()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QProcess serve;
        const quint16 port = startServe(serve, server, "health-test-token-0123456789");
        QVERIFY(port != 0);
        QNetworkAccessManager http;
        struct Health
        {
            int status = 0;
            QJsonObject body;
            qint64 tookMs = -1;
        };
        const auto health = [&http, port]() {
            QElapsedTimer clock;
            clock.start();
            QNetworkReply* reply = http.get(QNetworkRequest(QUrl(u"http://127.0.0.1:%1/healthz"_s.arg(port))));
            QSignalSpy finished(reply, &QNetworkReply::finished);
            Health answer;
            if (!reply->isFinished() && !finished.wait(10000))
                return answer;
            answer.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
            answer.body = QJsonDocument::fromJson(reply->readAll()).object();
            answer.tookMs = clock.elapsed();
            reply->deleteLater();
            return answer;
        };
        const QJsonObject up {{u"ok"_s, true}, {u"redis"_s, u"PONG"_s}};
        const QJsonObject down {{u"ok"_s, false}, {u"redis"_s, u"not connected"_s}};
        QTRY_COMPARE_WITH_TIMEOUT(health().status, 200, 10000);
        QCOMPARE(health().body, up);

        server.pause();
        for (int i = 0; i < 3; ++i) {
            const Health frozen = health();
            QCOMPARE(frozen.status, 503);
            QCOMPARE(frozen.body.value(u"ok"_s), QJsonValue(false));
            const QString why = frozen.body.value(u"redis"_s).toString();
            QVERIFY2(why == u"not connected"_s || why.startsWith(u"no reply from "_s), qPrintable(why));
            QVERIFY2(frozen.tookMs < 3000, qPrintable(QString::number(frozen.tookMs)));
        }
        server.resume();
        QTRY_COMPARE_WITH_TIMEOUT(health().status, 200, 10000);
        QCOMPARE(health().body, up);

        server.kill();
        QTRY_COMPARE_WITH_TIMEOUT(health().body, down, 10000);
        const Health killed = health();
        QCOMPARE(killed.status, 503);
        QCOMPARE(killed.body, down);
        QVERIFY2(killed.tookMs < 1000, qPrintable(QString::number(killed.tookMs)));
        QVERIFY2(server.restart(), qPrintable(server.errorString()));
        QTRY_COMPARE_WITH_TIMEOUT(health().status, 200, 15000);
        QCOMPARE(health().body, up);
        serve.terminate();
        QVERIFY(serve.waitForFinished(10000));
    }

    // `cachectl serve` during an API invalidation: the caller gets a 502 JSON answer with the confirmed count and
    // the bound, the audit record is written once Redis is back, and serve keeps answering everyone afterwards.
    void serveWhenTheServerFailsMidInvalidation_data()
    {
        QTest::addColumn<bool>("kill");
        QTest::newRow("frozen") << false;
        QTest::newRow("killed") << true;
    }
    void serveWhenTheServerFailsMidInvalidation()
    {
        QFETCH(bool, kill);
        testing::RedisServer server(durable());
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        constexpr int seeded = 100000;
        seed(server, seeded);
        const QByteArray token = "fault-test-token-0123456789";
        QProcess serve;
        const quint16 port = startServe(serve, server, token);
        QVERIFY(port != 0);

        QNetworkAccessManager http;
        QNetworkRequest post(QUrl(u"http://127.0.0.1:%1/admin/cache/invalidate"_s.arg(port)));
        post.setRawHeader("Authorization", "Bearer " + token);
        post.setRawHeader("Content-Type", "application/json");
        post.setTransferTimeout(60000);
        QNetworkReply* reply = http.post(post, QByteArray(R"({"patterns": ["events:*"]})"));
        QTRY_VERIFY_WITH_TIMEOUT(dataKeys(server) < seeded, 10000);
        QVERIFY2(!reply->isFinished(), "the invalidation ended before the fault: seed more keys");
        fault(server, kill);
        QSignalSpy answered(reply, &QNetworkReply::finished);
        QVERIFY(reply->isFinished() || answered.wait(30000));
        QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 502);
        const QJsonObject answer = QJsonDocument::fromJson(reply->readAll()).object();
        QCOMPARE(answer[u"success"_s].toBool(true), false);
        QVERIFY(!answer[u"error"_s].toString().isEmpty());
        QVERIFY(!answer.contains(u"auditError"_s));
        const qint64 done = answer[u"invalidated"_s].toInteger(-1);
        const qint64 unconfirmed = answer[u"unconfirmed"_s].toInteger(-1);
        const qint64 truth = seeded - dataKeys(server);
        QVERIFY2(done > 0 && done <= truth && truth <= done + unconfirmed,
            qPrintable(u"reported %1 (+ up to %2 unconfirmed), really %3"_s.arg(done).arg(unconfirmed).arg(truth)));
        const ops::AuditRecord record = testing::auditRecords(server.connectionOptions(), 1).value(0);
        QCOMPARE(record.action, u"invalidate"_s);
        QCOMPARE(record.outcome, u"failed"_s);
        QCOMPARE(record.count, done);

        // serve is still there for everyone, and the next invalidation finishes the job.
        QCOMPARE(serve.state(), QProcess::Running);
        QNetworkReply* health = http.get(QNetworkRequest(QUrl(u"http://127.0.0.1:%1/healthz"_s.arg(port))));
        QSignalSpy healthDone(health, &QNetworkReply::finished);
        QVERIFY(healthDone.wait(5000));
        QCOMPARE(health->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QNetworkReply* again = http.post(post, QByteArray(R"({"patterns": ["events:*"]})"));
        QSignalSpy againDone(again, &QNetworkReply::finished);
        QVERIFY(againDone.wait(30000));
        QCOMPARE(again->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
        QCOMPARE(dataKeys(server), 0);
        serve.terminate();
        QVERIFY(serve.waitForFinished(10000));
    }

    // Killed, then restarted, during a scan: the scan reports the loss (no hang, no partial "finished"), and the
    // reconnected connection serves a new scan.
    void scanWhenTheServerDiesAndReturns()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        seed(server, 20000);
        redis::Connection connection(impatient(server));
        QVERIFY(testing::openAndWait(connection));
        redis::ScanIterator scan(&connection, {{}, 100, {}});
        QSignalSpy failed(&scan, &redis::ScanIterator::failed);
        QSignalSpy finished(&scan, &redis::ScanIterator::finished);
        int pages = 0;
        connect(&scan, &redis::ScanIterator::page, this, [&](const QList<QByteArray>&) {
            if (++pages == 3)
                server.kill();
        });
        scan.start();
        QVERIFY(failed.wait(10000));
        QCOMPARE(finished.size(), 0);
        QVERIFY2(server.restart(), qPrintable(server.errorString()));
        seed(server, 50);
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 10000);
        redis::ScanIterator again(&connection, {{}, 100, {}});
        qsizetype keys = 0;
        connect(
            &again, &redis::ScanIterator::page, this, [&keys](const QList<QByteArray>& page) { keys += page.size(); });
        QSignalSpy againDone(&again, &redis::ScanIterator::finished);
        again.start();
        QVERIFY(againDone.wait(10000));
        QCOMPARE(keys, 50);
    }

    // The browser's scan, in its own thread on its own connection, when the server is killed or frozen under it:
    // the error arrives like the pages (no hang past the command timeout, no "finished"), the keys already delivered
    // stay with the receiver, and a new start() on a server that is back scans it whole.
    void backgroundScanWhenTheServerFails_data()
    {
        QTest::addColumn<bool>("freeze");
        QTest::newRow("killed") << false;
        QTest::newRow("frozen") << true;
    }
    void backgroundScanWhenTheServerFails()
    {
        QFETCH(bool, freeze);
        testing::RedisServer server;
        QVERIFY(server.start());
        seed(server, 20000);
        redis::Connection connection(impatient(server)); // its options (the 700 ms timeout) go to the scan's own
        redis::BackgroundScan scan(connection, {{}, 100, {}});
        QSignalSpy failed(&scan, &redis::BackgroundScan::failed);
        QSignalSpy finished(&scan, &redis::BackgroundScan::finished);
        qsizetype delivered = 0;
        connect(&scan, &redis::BackgroundScan::page, this, [&](const QList<QByteArray>& page) {
            delivered += page.size();
            if (delivered >= 300 && delivered - page.size() < 300)
                freeze ? server.pause() : server.kill();
        });
        QElapsedTimer clock;
        clock.start();
        scan.start();
        QVERIFY(failed.wait(10000));
        QVERIFY2(clock.elapsed() < 5000, "the scan must give up at the command timeout, not hang");
        QCOMPARE(finished.size(), 0);
        QVERIFY(!scan.isRunning());
        QVERIFY(delivered >= 300 && delivered < 20000);
        const auto kind = failed.first().first().value<redis::Reply>().errorKind();
        // Frozen: the command in flight times out. Killed: the one in flight is lost, or, when none was (the scan
        // held back for the receiver), the next one finds no server until the timeout.
        const QList<redis::ErrorKind> expected = freeze
            ? QList {redis::ErrorKind::Timeout}
            : QList {redis::ErrorKind::ConnectionLost, redis::ErrorKind::NotConnected, redis::ErrorKind::Timeout};
        QVERIFY2(expected.contains(kind), qPrintable(redis::errorKindName(kind)));

        if (freeze)
            server.resume();
        else
            QVERIFY2(server.restart(), qPrintable(server.errorString()));
        server.cli({u"FLUSHALL"_s});
        seed(server, 50);
        delivered = 0;
        scan.start();
        QVERIFY(finished.wait(10000));
        QCOMPARE(delivered, 50);
    }

    // A route save sent to a frozen server times out and says it may or may not have been applied; after the
    // server wakes, the stored version tells which, and a save based on the old version is refused, not lost.
    void routeSaveWhileFrozen()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::Connection connection(impatient(server));
        QVERIFY(testing::openAndWait(connection));
        ops::RouteConfigStore store(&connection);
        model::RouteConfig config = model::RouteConfig::defaults();
        config.routes[0].ttlSeconds = 77;
        server.pause();
        std::optional<ops::RouteConfigSaveResult> result;
        store.save(config, 0, u"fault@test"_s, this, [&result](const ops::RouteConfigSaveResult& r) { result = r; });
        QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 5000);
        QVERIFY(!result->saved);
        QVERIFY2(result->error.contains(u"may or may not have run"_s), qPrintable(result->error));
        server.resume();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 10000);
        std::optional<ops::RouteConfigSnapshot> stored;
        store.load(this, [&stored](std::optional<ops::RouteConfigSnapshot> s, const QString&) { stored = s; });
        QTRY_VERIFY_WITH_TIMEOUT(stored.has_value(), 5000);
        // The frozen EVAL ran when the server woke, or the connection dropped it: either way the store is whole.
        QVERIFY(stored->version == 0 || (stored->version == 1 && stored->config.routes[0].ttlSeconds == 77));
        std::optional<ops::RouteConfigSaveResult> retry;
        store.save(config, 0, u"fault@test"_s, this, [&retry](const ops::RouteConfigSaveResult& r) { retry = r; });
        QTRY_VERIFY_WITH_TIMEOUT(retry.has_value(), 5000);
        QCOMPARE(retry->saved, stored->version == 0); // a save that did land makes the retry a conflict
        QCOMPARE(retry->conflict, stored->version == 1);
    }

    // The dashboard's hit-rate alerts with the server frozen past the timeout, then killed: each check that cannot
    // read says so (failed), the alerts shown stay as they were (never cleared by a failed read, never doubled), no
    // check stacks on one still waiting, and once the server answers again the alerts are read afresh.
    void hitRateWatchWhenTheServerFails()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        // GET /x: 90 % hits for the hour before, 10 % in the last five minutes.
        const cache::StatsTier tier = cache::defaultStatsTiers().at(1);
        const qint64 current = tier.bucketOf(QDateTime::currentSecsSinceEpoch());
        QByteArray history;
        for (qint64 bucket = current - 60; bucket <= current; ++bucket) {
            const bool recent = bucket > current - 5;
            const QByteArray key = tier.bucketKey(bucket, cache::StatsDimension::Route);
            history += "HINCRBY \"" + key + "\" \"GET /x|hit\" " + (recent ? "10" : "90") + "\n";
            history += "HINCRBY \"" + key + "\" \"GET /x|miss\" " + (recent ? "90" : "10") + "\n";
            history +=
                "ZADD " + tier.indexKey() + ' ' + QByteArray::number(bucket) + ' ' + QByteArray::number(bucket) + '\n';
        }
        server.cli({}, history);
        redis::Connection connection(impatient(server));
        QVERIFY(testing::openAndWait(connection));
        cache::HitRateWatch watch(&connection, {});
        QSignalSpy changed(&watch, &cache::HitRateWatch::alertsChanged);
        QSignalSpy failed(&watch, &cache::HitRateWatch::failed);
        watch.check();
        QVERIFY(changed.wait(5000));
        QCOMPARE(watch.alerts().size(), 1);
        QCOMPARE(watch.alerts().first().label, QByteArray("GET /x"));

        server.pause();
        watch.check();
        watch.check(); // still waiting for the first: not a second read
        QVERIFY(failed.wait(5000));
        QTest::qWait(1000); // past the timeout again: one failure for the one check
        QCOMPARE(failed.size(), 1);
        QCOMPARE(watch.alerts().size(), 1);
        server.resume();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 10000);
        // The route recovers meanwhile: the next check reads it, so checking was not left stuck by the freeze.
        server.cli({u"HINCRBY"_s, QString::fromUtf8(tier.bucketKey(current, cache::StatsDimension::Route)),
            u"GET /x|hit"_s, u"5000"_s});
        changed.clear();
        failed.clear();
        watch.check();
        QVERIFY(changed.wait(5000));
        QCOMPARE(failed.size(), 0);
        QCOMPARE(watch.alerts().size(), 0);
        server.cli({u"HINCRBY"_s, QString::fromUtf8(tier.bucketKey(current, cache::StatsDimension::Route)),
            u"GET /x|miss"_s, u"50000"_s});
        watch.check();
        QVERIFY(changed.wait(5000));
        QCOMPARE(watch.alerts().size(), 1);

        server.stop();
        QTRY_VERIFY_WITH_TIMEOUT(!connection.isReady(), 5000);
        watch.check(); // not ready: nothing sent, nothing cleared
        QTest::qWait(300);
        QCOMPARE(watch.alerts().size(), 1);
    }

    // Stats flushed to a dead server: one report for the flush, saying how many increments are unconfirmed;
    // after a restart the recorder writes again and nothing is counted twice.
    void statsFlushWhileDead()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::Connection connection(impatient(server));
        QVERIFY(testing::openAndWait(connection));
        cache::StatsRecorder::Options statsOptions;
        statsOptions.flushInterval = std::chrono::hours(1); // flushed by hand
        cache::StatsRecorder recorder(&connection, statsOptions);
        QSignalSpy failed(&recorder, &cache::StatsRecorder::flushFailed);
        const cache::StatsLabels labels {"events", "/api/events", "acme", "v1"};
        recorder.record(labels, cache::StatsEvent::Hit);
        server.kill();
        recorder.flush();
        QVERIFY(failed.wait(5000));
        QTest::qWait(200);
        QCOMPARE(failed.size(), 1); // once per flush, not once per increment
        const int unconfirmed = failed.first().at(0).toInt();
        QVERIFY(unconfirmed > 0 && unconfirmed == failed.first().at(1).toInt());
        QVERIFY(server.restart());
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 10000);
        for (int i = 0; i < 3; ++i)
            recorder.record(labels, cache::StatsEvent::Hit);
        recorder.flush();
        std::optional<cache::StatsWindow> window;
        QTRY_VERIFY_WITH_TIMEOUT(
            [&] {
                cache::readStatsWindow(connection, cache::StatsDimension::Route, 60, this,
                    [&window](std::optional<cache::StatsWindow> w, const QString&) { window = w; });
                QTest::qWait(100);
                return window && window->total()[cache::StatsEvent::Hit] > 0;
            }(),
            5000);
        QCOMPARE(window->total()[cache::StatsEvent::Hit], 3); // the lost flush is not replayed
        QCOMPARE(failed.size(), 1);
    }

    // Inputs at the edges, each with its expected outcome: odd keys and values through cachectl, odd patterns
    // through the invalidation engine (a dry run must count exactly what the server's own SCAN MATCH selects).
    void oddKeysAndValues()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        const QByteArray bigKey = "big:" + QByteArray(1024 * 1024, 'k');
        const QByteArray binaryKey("bin:\x00\xff\r\n\x1b[31m", 12);
        QVERIFY(testing::runCommand(connection, {"SET", "", "empty key"}).isStatus("OK"));
        QVERIFY(testing::runCommand(connection, {"SET", bigKey, "1 MB key"}).isStatus("OK"));
        QVERIFY(testing::runCommand(connection, {"SET", binaryKey, QByteArray("\x00\x01\xfe", 3)}).isStatus("OK"));
        QVERIFY(
            testing::runCommand(connection, {"SET", "value:10mb", QByteArray(10 * 1024 * 1024, 'v')}).isStatus("OK"));
        const QStringList at {u"-h"_s, server.host(), u"-p"_s, QString::number(server.port())};

        // Every key is listed, control bytes escaped so a terminal shows them and does not obey them.
        Cli keys = cachectl(at + QStringList {u"keys"_s, u"--list"_s});
        QCOMPARE(keys.exitCode, 0);
        QVERIFY(!keys.out.contains("\x1b"));
        QVERIFY2(keys.out.contains("bin:\\x00\\xff"), keys.out.left(2000).constData());
        QVERIFY(keys.out.contains("kkkk")); // the 1 MB key, shown (shortened)

        // A 10 MB value: the first 64 KiB and how much there is.
        const Cli big = cachectl(at + QStringList {u"get"_s, u"value:10mb"_s});
        QCOMPARE(big.exitCode, 0);
        const QString cut =
            u"… first %1 of %2 bytes"_s.arg(QLocale().formattedDataSize(65536), QLocale().toString(10485760));
        QVERIFY2(QString::fromUtf8(big.out).contains(cut), big.out.right(200).constData());
        QVERIFY(big.out.size() < 200 * 1024);

        // The empty key exists and can be read; as a pattern, the empty string is refused, not "everything".
        const Cli empty = cachectl(at + QStringList {u"get"_s, QString()});
        QCOMPARE(empty.exitCode, 0);
        QVERIFY(empty.out.contains("empty key"));
        const Cli refused = cachectl(at + QStringList {u"invalidate"_s, QString(), u"--yes"_s});
        QCOMPARE(refused.exitCode, 1);
        QVERIFY(refused.err.contains("empty pattern"));

        // The 1 MB key as an exact pattern (escaped) deletes that key and nothing else.
        ops::PacedInvalidation exact(&connection, bigKey, {});
        QSignalSpy done(&exact, &ops::PacedInvalidation::finished);
        exact.start();
        QVERIFY(done.wait(10000));
        QCOMPARE(exact.progress().deleted, 1);
        QCOMPARE(testing::runCommand(connection, {"DBSIZE"}).integer(), 4); // 3 keys and the audit stream
        QCOMPARE(testing::runCommand(connection, {"EXISTS", bigKey}).integer(), 0);
    }

    void oddPatternsCountExactlyWhatRedisMatches_data()
    {
        QTest::addColumn<QByteArray>("pattern");
        QTest::newRow("lone [") << QByteArray("[");
        QTest::newRow("unterminated set") << QByteArray("a[bc");
        QTest::newRow("lone backslash") << QByteArray("\\");
        QTest::newRow("trailing backslash") << QByteArray("a\\");
        QTest::newRow("escaped star") << QByteArray("a\\*");
        QTest::newRow("binary") << QByteArray("bin:\x00*", 6);
        QTest::newRow("10k characters of stars") << QByteArray("*a").repeated(5000);
        QTest::newRow("10k literal characters") << QByteArray(10000, 'a');
    }
    void oddPatternsCountExactlyWhatRedisMatches()
    {
        QFETCH(QByteArray, pattern);
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        for (const QByteArray& key : {QByteArray("["), QByteArray("a[bc"), QByteArray("ab"), QByteArray("\\"),
                 QByteArray("a\\"), QByteArray("a*"), QByteArray("ax"), QByteArray("bin:\x00z", 6),
                 QByteArray(10000, 'a'), QByteArray("a").repeated(6000)})
            testing::runCommand(connection, {"SET", key, "x"});
        // The server's own answer: SCAN MATCH over the whole keyspace.
        redis::Reply error;
        const QSet<QByteArray> expected = testing::scanAll(connection, pattern, &error);
        QVERIFY2(!error.isError(), qPrintable(error.errorMessage()));
        ops::PacedInvalidation::Options options;
        options.dryRun = true;
        ops::PacedInvalidation dry(&connection, pattern, options);
        QSignalSpy done(&dry, &ops::PacedInvalidation::finished);
        dry.start();
        QVERIFY(done.wait(10000));
        QVERIFY(!dry.progress().error);
        QCOMPARE(dry.progress().matched, qint64(expected.size()));
    }

    // What a real server answers when it cannot do what the tools ask, as cachectl shows it.
    void serverErrorsAreExplained_data()
    {
        QTest::addColumn<QStringList>("config");
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<QString>("explanation");
        QTest::newRow("OOM") << QStringList {u"maxmemory 1"_s, u"maxmemory-policy noeviction"_s}
                             << QStringList {u"routes"_s, u"set"_s, u"/api/x"_s, u"--ttl"_s, u"5"_s}
                             << u"at maxmemory"_s;
        QTest::newRow("NOAUTH") << QStringList {u"requirepass s3cret-never-shown"_s} << QStringList {u"keys"_s}
                                << u"needs a password"_s;
        QTest::newRow("READONLY replica")
            << QStringList {u"replicaof 127.0.0.1 1"_s, u"replica-serve-stale-data yes"_s}
            << QStringList {u"invalidate"_s, u"events:*"_s, u"--yes"_s} << u"read-only replica"_s;
    }
    void serverErrorsAreExplained()
    {
        QFETCH(QStringList, config);
        QFETCH(QStringList, arguments);
        QFETCH(QString, explanation);
        testing::RedisServer server({false, false, config});
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        if (QTest::currentDataTag() == QByteArray("READONLY replica")) {
            // A replica of nothing reachable still holds keys for SCAN to find, and refuses writes.
            server.cli({u"REPLICAOF"_s, u"NO"_s, u"ONE"_s});
            seed(server, 10);
            server.cli({u"REPLICAOF"_s, u"127.0.0.1"_s, u"1"_s});
        }
        const Cli run =
            cachectl(QStringList {u"-h"_s, server.host(), u"-p"_s, QString::number(server.port())} + arguments);
        const QByteArray written = run.out + run.err;
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(written.contains(explanation.toUtf8()), written.constData());
        QVERIFY(!written.contains("s3cret-never-shown"));
    }
};

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
