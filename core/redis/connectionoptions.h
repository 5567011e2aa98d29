#pragma once

#include <QString>

#include <chrono>
#include <optional>

namespace cachescope::redis {

struct TlsOptions
{
    bool enabled = false;
    QString caFile; // PEM; empty: the system's trust store
    QString certFile; // client certificate (PEM), for servers with tls-auth-clients
    QString keyFile; // its private key (PEM, RSA or EC)
    QString serverName; // name to verify the certificate against; empty: the host
    bool verifyPeer = true;
};

struct ConnectionOptions
{
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    int database = 0;
    QString username; // ACL user; empty: the default user
    QString password; // empty: no AUTH
    TlsOptions tls;
    QString clientName = QStringLiteral("cachescope");
    bool cluster = false; // a Redis Cluster: host and port name one node, the others are found from it
    bool readOnly = false; // refuse every command that is not on the read-only allow-list (commandsafety.h)
    // CLIENT NO-TOUCH ON at connect: this connection's reads leave keys' LRU/LFU clock alone, so browsing does not
    // reorder what the server evicts. Redis 7.2+; an older server (Debian's 7.0) refuses it and it is skipped.
    // For the tools that look at a cache, never for the clients that use it.
    bool noTouch = false;

    std::chrono::milliseconds connectTimeout {5000};
    // A connection with commands in flight that receives nothing for this long is considered dead.
    std::chrono::milliseconds commandTimeout {5000};

    bool autoReconnect = true; // after a connection that was ready drops
    bool retryInitialConnect = false; // keep trying when the very first attempt fails
    std::chrono::milliseconds reconnectInitialDelay {100};
    std::chrono::milliseconds reconnectMaxDelay {5000};

    // "host:port/db" for status bars and logs; never contains the password.
    QString displayName() const;
};

struct UrlParseResult
{
    std::optional<ConnectionOptions> options;
    QString error;
};

// redis://[[user]:password@]host[:port][/db] and rediss:// (TLS), as redis-cli's -u takes them.
// Fields not in the URL keep the values of `base`.
UrlParseResult parseRedisUrl(const QString& url, const ConnectionOptions& base = {});

} // namespace cachescope::redis
