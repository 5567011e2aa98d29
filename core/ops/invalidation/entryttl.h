#pragma once

#include <QByteArray>
#include <QList>

#include <optional>

namespace cachescope::redis {
class Reply;
}

namespace cachescope::ops {

// A new TTL for keys already cached, applied the way the cache manager would have written them. A cache-manager
// entry (cache::CacheEnvelope) carries a logical expiry in its header and lives `grace` longer in Redis, so that a
// stale value can still be served while it reloads: a plain EXPIRE of the route's TTL would cut that grace off (and
// with LT, never lengthen anything). Here an entry gets a new logical expiry, and the key its grace on top; other
// values get the TTL as EXPIRE would set it.
//
// The new logical expiry is what a write now would give (now + TTL): an entry does not record when it was written, so
// its age cannot be kept. The grace is each key's own (its expiry minus its logical expiry), since it is a setting of
// whichever service wrote it.
struct EntryTtlChange
{
    qint64 ttlSeconds = 0;
    bool onlyShorten = false; // keep keys that would expire later than they do now
};

// One key, atomically on the server (a script: the value can be rewritten by the cache manager between a read and a
// write otherwise). A dry run changes nothing and runs read-only (EVAL_RO), so a read-only connection can preview.
// The script reports the keyspace lookups it makes (see redis/ownlookups.h), so they stay out of the charts.
QList<QByteArray> entryTtlCommand(const QByteArray& key, const EntryTtlChange& change, bool dryRun);

// Whether the key's TTL changed (or would change, in a dry run); nothing when the reply is not the script's.
std::optional<bool> entryTtlChanged(const redis::Reply& reply);

} // namespace cachescope::ops
