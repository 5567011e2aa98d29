#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace cachescope::model {

// Where CacheScope keeps its own data in the cache's Redis. Config, stats, audit and tag indexes are protected:
// invalidation by pattern never deletes them (a tag index goes with its tag's invalidation).
inline constexpr char internalPrefix[] = "cachescope:";
inline constexpr char configPrefix[] = "cachescope:config:";
inline constexpr char statsPrefix[] = "cachescope:stats:";
inline constexpr char auditPrefix[] = "cachescope:audit";
inline constexpr char tagPrefix[] = "cachescope:tag:";
// On a Redis Cluster, keys one command touches together must share a hash slot. The route configuration and the
// audit stream are written by one script, so both end in this hash tag (and keep their readable prefixes). Stats
// buckets and tag indexes are deliberately untagged: each is written on its own, so they spread over the masters.
inline constexpr char opsHashTag[] = "{cachescope}";

// Glob patterns of the protected namespaces.
QList<QByteArray> builtinProtectedPatterns();

QByteArray tagKey(const QByteArray& tag);
// Whether invalidation leaves `key` alone: it is in a built-in protected namespace or matches one of the globs.
bool isProtectedKey(const QByteArray& key, const QList<QByteArray>& protectedPatterns = {});

} // namespace cachescope::model
