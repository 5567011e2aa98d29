#include "ops/server/serverprobe.h"

#include "ops/server/serverinfo.h"
#include "redis/connection.h"

#include <QElapsedTimer>
#include <QLocale>

#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

QString ServerProbe::summary(int database) const
{
    if (!ok)
        return error;
    return u"Redis %1, %2 %3, %4 keys in db %5, %6 used, %7 ms"_s.arg(version, mode, role)
        .arg(QLocale().toString(keys))
        .arg(database)
        .arg(QLocale().formattedDataSize(usedMemory))
        .arg(roundTripMs, 0, 'f', 1);
}

void probeServer(redis::ConnectionOptions options, QObject* context, std::function<void(const ServerProbe&)> done)
{
    options.autoReconnect = false;
    options.retryInitialConnect = false;
    const int database = options.database;
    const bool tls = options.tls.enabled;
    auto* connection = new redis::Connection(std::move(options), context);
    auto finished = std::make_shared<bool>(false);
    auto finish = [connection, finished, done](const ServerProbe& probe) {
        if (*finished)
            return;
        *finished = true;
        connection->close();
        connection->deleteLater();
        done(probe);
    };
    auto reachedHandshake = std::make_shared<bool>(false);
    QObject::connect(
        connection, &redis::Connection::stateChanged, connection, [reachedHandshake](redis::Connection::State state) {
            if (state == redis::Connection::State::Handshaking)
                *reachedHandshake = true;
        });
    QObject::connect(connection, &redis::Connection::errorOccurred, connection,
        [finish, tls, reachedHandshake](redis::ErrorKind kind, const QString& message) {
            ServerProbe probe;
            probe.errorKind = kind;
            probe.error = message;
            // A TLS-only port hangs up on a plain-text handshake without a word: say what it most likely means.
            if (!tls && *reachedHandshake
                && (kind == redis::ErrorKind::ConnectionLost || kind == redis::ErrorKind::NotConnected))
                probe.error += u" (if this port serves TLS, turn TLS on)"_s;
            finish(probe);
        });
    QObject::connect(connection, &redis::Connection::ready, connection, [connection, finish, database] {
        auto clock = std::make_shared<QElapsedTimer>();
        clock->start();
        connection->command({"INFO"}, connection, [finish, clock, database](const redis::Reply& reply) {
            ServerProbe probe;
            if (!reply.isString()) {
                probe.errorKind = reply.isError() ? reply.errorKind() : redis::ErrorKind::Protocol;
                probe.error = reply.isError() ? reply.errorMessage() : u"INFO did not return text"_s;
                finish(probe);
                return;
            }
            const ServerInfo info = ServerInfo::parse(reply.bytes());
            probe.ok = true;
            probe.roundTripMs = double(clock->nsecsElapsed()) / 1e6;
            probe.version = QString::fromUtf8(info.text("redis_version"));
            probe.mode = QString::fromUtf8(info.text("redis_mode"));
            probe.role = QString::fromUtf8(info.text("role"));
            probe.keys = info.keysPerDatabase().value(database);
            probe.usedMemory = info.integer("used_memory").value_or(0);
            finish(probe);
        });
    });
    connection->open();
}

} // namespace cachescope::ops
