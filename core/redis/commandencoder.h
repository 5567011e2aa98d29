#pragma once

#include <QByteArray>
#include <QList>

namespace cachescope::redis {

// A command as RESP bytes, ready for the socket: "*<argc>\r\n" then "$<length>\r\n<bytes>\r\n" per argument.
// Arguments are binary-safe. Written here rather than by hiredis's redisFormatCommandArgv, which formats every
// length with sprintf and cost 3,000 instructions of a 9,000-instruction cached getOrSet (bench/RESULTS.md); the
// fuzz target fuzz_commandencoder checks that both give the same bytes.
QByteArray encodeCommand(const QList<QByteArray>& arguments);

// The same, appended to `out` (one allocation at most, none when `out` has room).
void appendCommand(QByteArray& out, const QList<QByteArray>& arguments);

} // namespace cachescope::redis
