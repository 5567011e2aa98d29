#pragma once

#include "redis/connectionoptions.h"
#include "redis/reply.h"

#include <QObject>
#include <QString>

#include <functional>

namespace cachescope::ops {

// What "Test connection" reports: whether the server answered with these options, and
// enough about it to tell the right server from the wrong one.
struct ServerProbe
{
    bool ok = false;
    redis::ErrorKind errorKind = redis::ErrorKind::None;
    QString error; // the connection's own message (wrong password, TLS failure, refused, timed out…)
    QString version; // redis_version
    QString mode; // standalone, cluster, sentinel
    QString role; // master, slave
    qint64 keys = 0; // in the selected database
    qint64 usedMemory = 0;
    double roundTripMs = 0; // one INFO, after the handshake

    // One line for a status label: "Redis 7.0.15, standalone master, 308 keys in db 0, 1.2 ms".
    QString summary(int database) const;
};

// Connects once with `options` (no retries, no reconnect), reads INFO and disconnects; `done` gets the result
// on the event loop. The probe's connection belongs to `context`: destroying it abandons the probe.
void probeServer(redis::ConnectionOptions options, QObject* context, std::function<void(const ServerProbe&)> done);

} // namespace cachescope::ops
