#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// What the key browser shows beside a key: its TTL and its memory as MEMORY USAGE reports it.
struct KeyMetadata
{
    QByteArray key;
    qint64 pttlMs = -2; // -1: no expiry, -2: the key is gone
    std::optional<qint64> memoryBytes; // nothing when the server refused MEMORY USAGE
    qint64 fetchedAtMs = 0; // QDateTime::currentMSecsSinceEpoch() when the reply came
    // False when PTTL got no answer (a timeout, a refusal): pttlMs says nothing then, and the key is not "gone".
    bool answered = true;
};

// PTTL and MEMORY USAGE for each key, pipelined on the connection; `done` gets one entry per key in order
// (an empty list when the connection went away). Both commands are reads: allowed on read-only connections.
void fetchKeyMetadata(redis::Client& connection, const QList<QByteArray>& keys, QObject* context,
    std::function<void(const QList<KeyMetadata>& metadata)> done);

} // namespace cachescope::ops
