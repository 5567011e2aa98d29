#pragma once

#include "redis/connection.h"
#include "synccommand.h"

#include <QByteArray>
#include <QCoreApplication>
#include <QEventLoop>
#include <QObject>
#include <QStringList>
#include <QTest>

namespace cachescope::testing {

class RedisServer;

// On a server started with "maxmemory 3mb" and "maxmemory-policy volatile-lru": 50 sessions that expire in 200 ms
// (namespace "session"), then 1,500 gateway entries of 4 KB with a 1 h TTL ("GET /api/events", tenants t0–t2) until
// volatile-lru evicts; returns once the sessions are gone and memory is back under the limit (false if not within
// 10 s). Only keys with a TTL are evicted, so every expiry is a session's.
bool causeExpiriesAndEvictions(const RedisServer& server);

// The server's notify-keyspace-events, as CONFIG GET reads it (redis-cli).
QByteArray keyspaceEventsSetting(const RedisServer& server);

// Rows "published|widened, stop after reply N" for N = 0…maxDepth (columns mayChange, depth), for
// stopAfterRepliesLeavesNothing().
void addStopDuringStartRows(int maxDepth);

// After the watch has finished: notify-keyspace-events is `setting`, no subscriber is left on the server, the
// watch's reserved hash is gone, and, `nothingAudited`, no audit record was written. Fails the running test if not.
void verifyNothingLeftBehind(const RedisServer& server, const QByteArray& setting, bool nothingAudited);

// Starts a keyspace-event watch (KeyEventWatch, MissWatch) on `connection` and stops it right after the depth-th
// reply from then on (afterReplies()): it must end once, without error, never start after its stop, and leave the
// server as `setting` and verifyNothingLeftBehind() say (nothing audited for a stop before any reply).
template<typename Watch>
void stopAfterRepliesLeavesNothing(
    const RedisServer& server, redis::Connection& connection, Watch& watch, int depth, const QByteArray& setting)
{
    QStringList happened;
    QObject context;
    QObject::connect(&watch, &Watch::started, &context, [&] { happened << QStringLiteral("started"); });
    QObject::connect(&watch, &Watch::finished, &context, [&] { happened << QStringLiteral("finished"); });
    watch.start();
    afterReplies(connection, depth, &context, [&] {
        happened << QStringLiteral("stop");
        watch.stop();
    });
    // The start's first command is sent from a zero timer: let it go out behind the first PING before any reply is
    // read, so reply N is the same point of the start on a busy machine as on an idle one.
    QCoreApplication::processEvents(QEventLoop::ExcludeSocketNotifiers);
    QTRY_VERIFY_WITH_TIMEOUT(happened.contains(QStringLiteral("finished")), 5000);
    QTest::qWait(300); // whatever the start had in flight has come back
    QCOMPARE(happened.constLast(), QStringLiteral("finished"));
    QCOMPARE(happened.count(QStringLiteral("finished")), 1);
    // Stopped before it started, it never says "started": a subscription confirmed after the stop is not a start.
    if (happened.contains(QStringLiteral("started")))
        QCOMPARE_LT(happened.indexOf(QStringLiteral("started")), happened.indexOf(QStringLiteral("stop")));
    QCOMPARE(watch.report().error, QString());
    QVERIFY(!watch.isRunning());
    verifyNothingLeftBehind(server, setting, depth == 0);
}

} // namespace cachescope::testing
