#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace cachescope::redis {
class Client;
class Reply;
}

namespace cachescope::ops {

// What CacheScope's own keys cost in the monitored Redis, by kind, so an operator can see it is bounded.
struct FootprintPart
{
    QString kind; // "stats 1s", "stats 1m"…, "tag indexes", "audit", "route config", "stats (earlier version)"
    qint64 keys = 0;
    qint64 bytes = 0; // MEMORY USAGE summed: the server's own estimate, overheads included
};

struct OwnFootprint
{
    QList<FootprintPart> parts; // sorted by kind; kinds without keys left out
    qint64 keys = 0;
    qint64 bytes = 0;
    qint64 unmeasured = 0; // keys gone between SCAN and MEMORY USAGE, or refused
    QString error; // set when the walk failed; the figures are then partial

    QString summary() const; // "1,234 keys, 12.3 MiB: stats 1s 3,600 keys 4.1 MiB, …"
    // Counts one key of `kind` by its MEMORY USAGE reply (an error or a nil: unmeasured).
    void add(const QString& kind, const redis::Reply& size);
};

// The kind a key of CacheScope's belongs to; empty for keys that are not CacheScope's.
QString footprintKind(const QByteArray& key);

// SCAN MATCH cachescope:* over every node, and MEMORY USAGE for each key found: neither counts as a keyspace hit or
// miss, so measuring does not show in the hit rate. Calls back once, never from inside this call.
void measureOwnFootprint(redis::Client& client, QObject* context, std::function<void(const OwnFootprint&)> done);

} // namespace cachescope::ops
