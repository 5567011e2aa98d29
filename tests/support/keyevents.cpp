#include "keyevents.h"

#include "ops/server/keyspaceeventssetting.h"
#include "ops/server/serverinfo.h"
#include "redisserver.h"

#include <QDeadlineTimer>
#include <QTest>

#include <functional>

namespace cachescope::testing {

using namespace Qt::StringLiterals;

namespace {
bool waitFor(const std::function<bool()>& condition)
{
    QDeadlineTimer deadline(10000);
    while (!condition()) {
        if (deadline.hasExpired())
            return false;
        QTest::qWait(50); // the event loop runs: the watch under test keeps receiving
    }
    return true;
}
} // namespace

bool causeExpiriesAndEvictions(const RedisServer& server)
{
    server.cli({u"EVAL"_s, u"for i = 1, 50 do redis.call('SET', 'session:' .. i, 'x', 'PX', 200) end"_s, u"0"_s});
    if (!waitFor([&server] { return server.cli({u"--scan"_s, u"--pattern"_s, u"session:*"_s}).trimmed().isEmpty(); }))
        return false;
    server.cli({u"EVAL"_s,
        u"for i = 1, 1500 do redis.call('SET', 'gateway:response:GET:/api/events/' .. i .. ':tenant:t' .. (i % 3), "
        "string.rep('v', 4000), 'EX', 3600) end"_s,
        u"0"_s});
    // The server evicts a little at a time, on later commands and on a timer: wait until it is done.
    return waitFor([&server] {
        return ops::ServerInfo::parse(server.cli({u"INFO"_s, u"memory"_s})).integer("used_memory").value_or(1 << 30)
            <= 3 * 1024 * 1024;
    });
}

QByteArray keyspaceEventsSetting(const RedisServer& server)
{
    return server.cli({u"CONFIG"_s, u"GET"_s, u"notify-keyspace-events"_s}).split('\n').value(1);
}

void addStopDuringStartRows(int maxDepth)
{
    QTest::addColumn<bool>("mayChange");
    QTest::addColumn<int>("depth");
    for (int depth = 0; depth <= maxDepth; ++depth) {
        QTest::addRow("published, stop after reply %d", depth) << false << depth;
        QTest::addRow("widened, stop after reply %d", depth) << true << depth;
    }
}

void verifyNothingLeftBehind(const RedisServer& server, const QByteArray& setting, bool nothingAudited)
{
    QCOMPARE(keyspaceEventsSetting(server), setting);
    QCOMPARE(server.cli({u"CLIENT"_s, u"LIST"_s, u"TYPE"_s, u"pubsub"_s}).trimmed(), QByteArray());
    QCOMPARE(server.cli({u"EXISTS"_s, QString::fromLatin1(ops::KeyspaceEventsSetting::reservedKey)}).trimmed(),
        QByteArray("0"));
    // Stopped before anything was read, nothing was changed: not even a change and its undoing are audited.
    if (nothingAudited)
        QCOMPARE(auditRecords(server.connectionOptions()).size(), 0);
}

} // namespace cachescope::testing
