#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace cachescope::model {

// Where CacheScope keeps its own data in the cache's Redis. Config, stats and audit are protected:
// invalidation never deletes them, whatever the pattern. Tag indexes are not: they are cache, too.
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
// "venue:v7, tenant:acme": tags as an audit record or a report names them.
QString describeTags(const QList<QByteArray>& tags);

} // namespace cachescope::model
