#pragma once

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

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
    // Kinds past the first maxParts (only keys other writers made under the prefix can make so many) are summed as
    // "other kinds".
    static constexpr qsizetype maxParts = 32;
    QList<FootprintPart> parts; // sorted by kind; kinds without keys left out
    qint64 keys = 0;
    qint64 bytes = 0;
    qint64 unmeasured = 0; // keys gone between SCAN and MEMORY USAGE, or refused
    QString error; // set when the walk failed; the figures are then partial

    // The gateway's cached responses, which the tag indexes list: their count, and their bytes estimated from a
    // sample (every entry up to 1,024, then every 2nd, 4th… as the count doubles, each weighted by its stride, so
    // the estimate is exact up to 1,024 entries and costs O(log n) measures beyond).
    qint64 gatewayEntries = 0;
    qint64 gatewayEntriesMeasured = 0;
    qint64 gatewayEntryBytes = 0;

    QString summary() const; // "1,234 keys, 12.3 MiB: stats 1s 3,600 keys 4.1 MiB, …"
    // Tag indexes' bytes over the gateway entries' bytes; nothing when there are no entries to compare with.
    std::optional<double> tagIndexRatio() const;
    // "tag indexes 0.28× the bytes of the 7,936 gateway entries (≈ 2.62 MiB)"; empty without entries.
    QString tagIndexRatioText() const;
    // Counts one key of `kind` by its MEMORY USAGE reply (an error or a nil: unmeasured).
    void add(const QString& kind, const redis::Reply& size);
    // Counts one measured gateway entry standing for `weight` entries.
    void addGatewayEntry(const redis::Reply& size, qint64 weight);
};

// How many entries the `index`-th gateway entry met (from 0) stands for in the sample; 0: not measured.
qint64 gatewayEntrySampleWeight(qint64 index);

// The kind a key of CacheScope's belongs to; empty for keys that are not CacheScope's.
QString footprintKind(const QByteArray& key);

// What a footprint walk reads besides CacheScope's own keys.
enum class FootprintScope
{
    OwnKeys, // SCAN MATCH cachescope:*: the server walks every key, but only CacheScope's come back
    WithGatewayEntries, // every key comes back, and a sample of the gateway entries is measured too (the tag-index
                        // ratio): what an operator asks for, not what a periodic reader should cost a big keyspace
};

// SCAN over every node, and MEMORY USAGE for each of CacheScope's keys (and, by `scope`, a sample of the gateway
// entries): neither counts as a keyspace hit or miss, so measuring does not show in the hit rate. Calls back once,
// never from inside this call.
void measureOwnFootprint(redis::Client& client, QObject* context, std::function<void(const OwnFootprint&)> done,
    FootprintScope scope = FootprintScope::OwnKeys);

} // namespace cachescope::ops
