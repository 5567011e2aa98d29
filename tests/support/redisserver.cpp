#include "redisserver.h"

#include <QTemporaryDir>

#include <QDeadlineTimer>
#include <QFile>
#include <QHostAddress>
#include <QRandomGenerator>
#include <QTcpServer>
#include <QThread>

#include <csignal>

namespace {
// What the tools remember of a server between runs (the route configuration they saw) belongs to this test process
// alone: another run on a reused port must not find it.
const bool stateDirIsPrivate = [] {
    static QTemporaryDir directory;
    qputenv("CACHESCOPE_STATE_DIR", directory.path().toUtf8());
    return true;
}();
} // namespace

namespace cachescope::testing {

using namespace Qt::StringLiterals;

namespace {
quint16 freeLoopbackPort()
{
    QTcpServer probe;
    if (!probe.listen(QHostAddress::LocalHost, 0))
        return 0;
    return probe.serverPort();
}

// A cluster node also listens on port + 10000 (its bus): both must be free, so the port stays below 55536.
quint16 freeClusterPort()
{
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto port = quint16(20000 + QRandomGenerator::global()->bounded(30000));
        QTcpServer client;
        QTcpServer bus;
        if (client.listen(QHostAddress::LocalHost, port) && bus.listen(QHostAddress::LocalHost, port + 10000))
            return port;
    }
    return 0;
}

bool run(const QString& program, const QStringList& arguments, const QString& workingDirectory, QString* error)
{
    QProcess process;
    process.setWorkingDirectory(workingDirectory);
    process.start(program, arguments);
    if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0) {
        *error = u"%1 %2 failed: %3"_s.arg(
            program, arguments.join(u' '), QString::fromLocal8Bit(process.readAllStandardError()));
        return false;
    }
    return true;
}
} // namespace

RedisServer::RedisServer()
    : RedisServer(Config())
{
}

RedisServer::RedisServer(Config config)
    : m_config(std::move(config))
{
}

RedisServer::~RedisServer()
{
    stop();
}

QString RedisServer::caFile() const
{
    return certificatePath(u"ca.crt"_s);
}

QString RedisServer::clientCertFile() const
{
    return certificatePath(u"client.crt"_s);
}

QString RedisServer::clientKeyFile() const
{
    return certificatePath(u"client.key"_s);
}

QString RedisServer::unrelatedCaFile() const
{
    return certificatePath(u"other-ca.crt"_s);
}

QString RedisServer::certificatePath(const QString& name) const
{
    return m_config.certificateDirectory.isEmpty() ? m_dir.filePath(name) : m_config.certificateDirectory + u'/' + name;
}

bool RedisServer::writeConfig()
{
    QStringList lines {u"bind 127.0.0.1"_s, u"dir "_s + m_dir.path(), u"save \"\""_s, u"appendonly no"_s,
        u"daemonize no"_s, u"logfile "_s + m_dir.filePath(u"redis.log"_s)};
    if (m_config.tls) {
        lines << u"port 0"_s << u"tls-port %1"_s.arg(m_port) << u"tls-cert-file "_s + certificatePath(u"server.crt"_s)
              << u"tls-key-file "_s + certificatePath(u"server.key"_s) << u"tls-ca-cert-file "_s + caFile()
              << (m_config.requireClientCertificate ? u"tls-auth-clients yes"_s : u"tls-auth-clients no"_s);
    } else {
        lines << u"port %1"_s.arg(m_port);
    }
    if (m_config.clusterNode)
        lines << u"cluster-enabled yes"_s << u"cluster-config-file "_s + m_dir.filePath(u"nodes.conf"_s)
              << u"cluster-node-timeout 5000"_s;
    lines += m_config.extraConfig;
    QFile file(m_dir.filePath(u"redis.conf"_s));
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)) {
        m_error = u"cannot write redis.conf: "_s + file.errorString();
        return false;
    }
    file.write(lines.join(u'\n').toUtf8() + '\n');
    return true;
}

bool RedisServer::start()
{
    if (!m_dir.isValid()) {
        m_error = u"cannot create a temporary directory"_s;
        return false;
    }
    if (m_config.tls && !QFile::exists(caFile()) && !makeTestCertificates(m_dir.path(), &m_error))
        return false;
    // Another process may take the port between the probe and the server's bind: try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
        m_port = m_config.clusterNode ? freeClusterPort() : freeLoopbackPort();
        if (m_port != 0 && writeConfig() && launch())
            return true;
    }
    return false;
}

bool RedisServer::launch()
{
    QFile::remove(m_dir.filePath(u"redis.log"_s));
    m_process = std::make_unique<QProcess>();
    m_process->setProcessChannelMode(QProcess::ForwardedErrorChannel);
    m_process->start(u"redis-server"_s, {m_dir.filePath(u"redis.conf"_s)});
    if (!m_process->waitForStarted(5000)) {
        m_error = u"cannot start redis-server: "_s + m_process->errorString();
        return false;
    }
    const QDeadlineTimer deadline(10000);
    while (!deadline.hasExpired()) {
        QFile log(m_dir.filePath(u"redis.log"_s));
        if (log.open(QIODevice::ReadOnly)) {
            const QByteArray text = log.readAll();
            if (text.contains("Ready to accept connections"))
                return true;
            if (m_process->state() == QProcess::NotRunning) {
                m_error = u"redis-server exited: "_s + QString::fromUtf8(text.right(2000));
                return false;
            }
        }
        QThread::msleep(10);
    }
    m_error = u"redis-server did not become ready within 10 s"_s;
    return false;
}

void RedisServer::stop()
{
    if (!m_process)
        return;
    resume(); // a stopped process cannot handle SIGTERM
    m_process->terminate();
    if (!m_process->waitForFinished(10000)) {
        m_process->kill();
        m_process->waitForFinished(5000);
    }
    m_process.reset();
}

void RedisServer::kill()
{
    if (!m_process)
        return;
    m_process->kill();
    m_process->waitForFinished(5000);
    m_process.reset();
}

bool RedisServer::restart()
{
    stop();
    return launch();
}

void RedisServer::pause()
{
    if (m_process)
        ::kill(pid_t(m_process->processId()), SIGSTOP);
}

void RedisServer::resume()
{
    if (m_process)
        ::kill(pid_t(m_process->processId()), SIGCONT);
}

redis::ConnectionOptions RedisServer::connectionOptions() const
{
    redis::ConnectionOptions options;
    options.host = host();
    options.port = m_port;
    options.connectTimeout = std::chrono::milliseconds(3000);
    options.commandTimeout = std::chrono::milliseconds(3000);
    if (m_config.tls) {
        options.tls.enabled = true;
        options.tls.caFile = caFile();
        if (m_config.requireClientCertificate) {
            options.tls.certFile = clientCertFile();
            options.tls.keyFile = clientKeyFile();
        }
    }
    return options;
}

QStringList RedisServer::cliArguments() const
{
    QStringList arguments {u"-h"_s, host(), u"-p"_s, QString::number(m_port)};
    if (m_config.tls) {
        arguments << u"--tls"_s << u"--cacert"_s << caFile();
        if (m_config.requireClientCertificate)
            arguments << u"--cert"_s << clientCertFile() << u"--key"_s << clientKeyFile();
    }
    return arguments;
}

QByteArray RedisServer::cli(const QStringList& arguments, const QByteArray& input) const
{
    QProcess process;
    process.start(u"redis-cli"_s, cliArguments() + arguments);
    process.waitForStarted(5000);
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    process.waitForFinished(60000);
    return process.readAllStandardOutput();
}

bool makeTestCertificates(const QString& dir, QString* error)
{
    const QStringList ecKey {u"-newkey"_s, u"ec"_s, u"-pkeyopt"_s, u"ec_paramgen_curve:prime256v1"_s, u"-nodes"_s};
    auto selfSigned = [&](const QString& name, const QString& subject) {
        return run(u"openssl"_s,
            QStringList {u"req"_s, u"-x509"_s} + ecKey
                + QStringList {u"-keyout"_s, name + u".key"_s, u"-out"_s, name + u".crt"_s, u"-days"_s, u"2"_s,
                    u"-subj"_s, subject},
            dir, error);
    };
    auto signedBy = [&](const QString& name, const QString& subject, const QString& extension) {
        QFile ext(dir + u'/' + name + u".ext"_s);
        if (!ext.open(QIODevice::WriteOnly) || ext.write(extension.toUtf8()) < 0)
            return false;
        ext.close();
        return run(u"openssl"_s,
                   QStringList {u"req"_s} + ecKey
                       + QStringList {u"-keyout"_s, name + u".key"_s, u"-out"_s, name + u".csr"_s, u"-subj"_s, subject},
                   dir, error)
            && run(u"openssl"_s,
                QStringList {u"x509"_s, u"-req"_s, u"-in"_s, name + u".csr"_s, u"-CA"_s, u"ca.crt"_s, u"-CAkey"_s,
                    u"ca.key"_s, u"-CAcreateserial"_s, u"-out"_s, name + u".crt"_s, u"-days"_s, u"2"_s, u"-extfile"_s,
                    name + u".ext"_s},
                dir, error);
    };
    return selfSigned(u"ca"_s, u"/CN=CacheScope Test CA"_s) && selfSigned(u"other-ca"_s, u"/CN=Unrelated CA"_s)
        && signedBy(u"server"_s, u"/CN=localhost"_s, u"subjectAltName=DNS:localhost,IP:127.0.0.1\n"_s)
        && signedBy(u"client"_s, u"/CN=cachescope-test-client"_s, u"extendedKeyUsage=clientAuth\n"_s);
}

RedisCluster::RedisCluster() = default;
RedisCluster::RedisCluster(Options options)
    : m_options(options)
{
}
RedisCluster::~RedisCluster() = default;

bool RedisCluster::start()
{
    QStringList addresses;
    for (int i = 0; i < 3 * (1 + m_options.replicasPerMaster); ++i) {
        RedisServer::Config config;
        config.clusterNode = true;
        config.extraConfig << u"cluster-node-timeout %1"_s.arg(m_options.nodeTimeoutMs);
        if (m_options.tls) {
            if (i == 0 && !makeTestCertificates(m_certificates.path(), &m_error))
                return false;
            config.tls = true;
            config.certificateDirectory = m_certificates.path();
            config.extraConfig << u"tls-cluster yes"_s << u"tls-replication yes"_s;
        }
        auto node = std::make_unique<RedisServer>(config);
        if (!node->start()) {
            m_error = node->errorString();
            return false;
        }
        addresses.append(u"127.0.0.1:%1"_s.arg(node->port()));
        m_nodes.push_back(std::move(node));
    }
    QProcess create;
    QStringList tls;
    if (m_options.tls)
        tls << u"--tls"_s << u"--cacert"_s << m_nodes.front()->caFile();
    create.start(u"redis-cli"_s,
        tls + QStringList {u"--cluster"_s, u"create"_s} + addresses
            + QStringList {u"--cluster-replicas"_s, QString::number(m_options.replicasPerMaster), u"--cluster-yes"_s});
    if (!create.waitForFinished(60000) || create.exitCode() != 0) {
        m_error = u"redis-cli --cluster create failed: "_s + QString::fromLocal8Bit(create.readAll());
        return false;
    }
    for (int wait = 0; wait < 400; ++wait) {
        bool ok = true;
        for (const auto& node : m_nodes) {
            ok = ok && node->cli({u"CLUSTER"_s, u"INFO"_s}).contains("cluster_state:ok");
            const QByteArray replication = node->cli({u"INFO"_s, u"replication"_s});
            ok = ok && (!replication.contains("role:slave") || replication.contains("master_link_status:up"));
        }
        if (ok)
            return true;
        QThread::msleep(50);
    }
    m_error = u"the cluster did not reach cluster_state:ok"_s;
    return false;
}

redis::ConnectionOptions RedisCluster::seedOptions() const
{
    redis::ConnectionOptions options = m_nodes.front()->connectionOptions();
    options.cluster = true;
    return options;
}

QByteArray RedisCluster::cli(const QStringList& arguments, const QByteArray& input) const
{
    return m_nodes.front()->cli(QStringList {u"-c"_s} + arguments, input);
}

} // namespace cachescope::testing
