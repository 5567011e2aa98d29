#pragma once

#include <QByteArray>
#include <QStringList>

namespace cachescope::testing {

// What one of our command-line tools did: its exit code (-1 when it did not finish in time) and its output.
struct ToolRun
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;
};

// Runs `program` with `arguments` in the test's environment without REDIS_URL and REDISCLI_AUTH (so a developer's
// shell cannot point it elsewhere), plus `environment` ("NAME=value" entries). Blocking: for tests only.
ToolRun runTool(
    const QString& program, const QStringList& arguments, const QStringList& environment = {}, int timeoutMs = 30000);

} // namespace cachescope::testing
