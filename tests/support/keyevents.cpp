#include "keyevents.h"

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

} // namespace cachescope::testing
