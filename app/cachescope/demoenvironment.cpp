#include "demoenvironment.h"

#include <QCoreApplication>
#include <QFileInfo>
#include <QHostAddress>
#include <QStandardPaths>
#include <QTcpServer>

namespace cachescope::app {

using namespace Qt::StringLiterals;

namespace {
QString findCachesim()
{
    const QString here = QCoreApplication::applicationDirPath();
    for (const QString& candidate : QStringList {here + u"/cachesim"_s, here + u"/../cachesim/cachesim"_s}) {
        if (QFileInfo(candidate).isExecutable())
            return candidate;
    }
    return QStandardPaths::findExecutable(u"cachesim"_s);
}
} // namespace

DemoEnvironment::DemoEnvironment() = default;

DemoEnvironment::~DemoEnvironment()
{
    for (auto* process : {m_traffic.get(), m_server.get()}) {
        if (!process)
            continue;
        process->terminate();
        if (!process->waitForFinished(3000))
            process->kill();
    }
}

bool DemoEnvironment::start(QString* error)
{
    if (!m_dir.isValid()) {
        *error = u"cannot create a temporary directory"_s;
        return false;
    }
    const QString redisServer = QStandardPaths::findExecutable(u"redis-server"_s);
    const QString cachesim = findCachesim();
    if (redisServer.isEmpty() || cachesim.isEmpty()) {
        *error = u"the demo needs redis-server and cachesim on this machine (scripts/install-deps.sh installs "
                 u"redis-server; cachesim is built with CacheScope)"_s;
        return false;
    }
    QTcpServer probe;
    probe.listen(QHostAddress::LocalHost, 0);
    m_port = probe.serverPort();
    probe.close();

    m_server = std::make_unique<QProcess>();
    m_server->start(redisServer,
        {u"--port"_s, QString::number(m_port), u"--bind"_s, u"127.0.0.1"_s, u"--dir"_s, m_dir.path(), u"--save"_s,
            u""_s, u"--appendonly"_s, u"no"_s, u"--maxmemory"_s, u"256mb"_s, u"--maxmemory-policy"_s,
            u"allkeys-lru"_s});
    if (!m_server->waitForStarted(5000)) {
        *error = u"cannot start redis-server: "_s + m_server->errorString();
        return false;
    }
    m_traffic = std::make_unique<QProcess>();
    m_traffic->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_traffic->setStandardOutputFile(QProcess::nullDevice());
    m_traffic->start(cachesim,
        {u"-p"_s, QString::number(m_port), u"--duration"_s, u"0"_s, u"--rate"_s, u"300"_s, u"--venues"_s, u"60"_s,
            u"--tenants"_s, u"4"_s, u"--fail-rate"_s, u"0.01"_s});
    if (!m_traffic->waitForStarted(5000)) {
        *error = u"cannot start cachesim: "_s + m_traffic->errorString();
        return false;
    }
    return true;
}

} // namespace cachescope::app
