#include "toolrun.h"

#include <QProcess>

namespace cachescope::testing {

ToolRun runTool(const QString& program, const QStringList& arguments, const QStringList& environment, int timeoutMs)
{
    QProcess process;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("REDIS_URL"));
    env.remove(QStringLiteral("REDISCLI_AUTH"));
    for (const QString& entry : environment)
        env.insert(entry.section(u'=', 0, 0), entry.section(u'=', 1));
    process.setProcessEnvironment(env);
    process.start(program, arguments);
    if (!process.waitForFinished(timeoutMs)) {
        process.kill();
        process.waitForFinished();
        return {};
    }
    return {process.exitCode(), process.readAllStandardOutput(), process.readAllStandardError()};
}

} // namespace cachescope::testing
