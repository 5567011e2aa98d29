#pragma once

#include "redis/connectionoptions.h"

#include <QByteArray>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <QTemporaryDir>

#include <memory>
#include <vector>

namespace cachescope::testing {

// A throwaway redis-server on a free loopback port in its own temporary directory, for tests that need
// what the real server decides. Stopped (and its directory removed) when the object goes.
class RedisServer
{
public:
    struct Config
    {
        bool tls = false; // serve TLS only, with a CA and certificates made by openssl for this server
        bool requireClientCertificate = false;
        QStringList extraConfig; // redis.conf lines, e.g. "user alice on >secret ~* +@all"
        bool clusterNode = false; // cluster-enabled, on a port whose bus port (+10000) is free too
        // With tls: the CA and certificates in this directory (as makeTestCertificates() writes them), shared by
        // every node of a cluster so they trust each other; empty: made for this server alone.
        QString certificateDirectory {};
    };

    RedisServer();
    explicit RedisServer(Config config);
    ~RedisServer();
    RedisServer(const RedisServer&) = delete;
    RedisServer& operator=(const RedisServer&) = delete;

    bool start();
    // SIGTERM and wait; restart() brings it back on the same port.
    void stop();
    // SIGKILL: the server vanishes without a word, as in a crash or a network cut.
    void kill();
    bool restart();
    void pause(); // SIGSTOP: the socket stays open but nothing answers
    void resume(); // SIGCONT

    QString errorString() const
    {
        return m_error;
    }
    QString host() const
    {
        return QStringLiteral("127.0.0.1");
    }
    quint16 port() const
    {
        return m_port;
    }
    QString directory() const
    {
        return m_dir.path();
    }

    // TLS material (Config::tls).
    QString caFile() const;
    QString clientCertFile() const;
    QString clientKeyFile() const;
    QString unrelatedCaFile() const; // a CA that did not sign the server's certificate

    // Options that reach this server (with TLS and the client certificate when configured).
    redis::ConnectionOptions connectionOptions() const;

    // Runs redis-cli against this server and returns its standard output. Blocking: for setting up and
    // checking tests only, never for the code under test.
    QByteArray cli(const QStringList& arguments, const QByteArray& input = {}) const;
    QStringList cliArguments() const;

private:
    QString certificatePath(const QString& name) const;
    bool writeConfig();
    bool launch();

    Config m_config;
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_process;
    QString m_error;
};

// A test CA ("ca"), an unrelated CA ("other-ca"), and a server ("server": localhost, 127.0.0.1) and a client ("client")
// certificate signed by the first, as .crt and .key files in `directory`, made with openssl.
bool makeTestCertificates(const QString& directory, QString* error);

// A real Redis Cluster of three masters (no replicas) on loopback, made with `redis-cli --cluster create`, for
// tests of what only a cluster decides: slots, MOVED, per-node SCAN, CROSSSLOT.
class RedisCluster
{
public:
    struct Options
    {
        int replicasPerMaster = 0;
        int nodeTimeoutMs = 5000; // how soon a silent master is failed over (when it has replicas)
        bool tls = false; // TLS only, for clients, the cluster bus and replication, with one CA for every node
    };
    RedisCluster();
    explicit RedisCluster(Options options);
    ~RedisCluster();
    bool start(); // waits until cluster_state:ok and every replica's link to its master is up
    QString errorString() const
    {
        return m_error;
    }
    RedisServer& node(int i)
    {
        return *m_nodes.at(std::size_t(i));
    }
    int size() const
    {
        return int(m_nodes.size());
    }
    // Options reaching the first node as a cluster seed (options.cluster set; the tools discover the rest).
    redis::ConnectionOptions seedOptions() const;
    // redis-cli -c against the first node, for set-up and checks.
    QByteArray cli(const QStringList& arguments, const QByteArray& input = {}) const;

private:
    Options m_options;
    QTemporaryDir m_certificates; // shared by the nodes (tls)
    std::vector<std::unique_ptr<RedisServer>> m_nodes;
    QString m_error;
};

} // namespace cachescope::testing
