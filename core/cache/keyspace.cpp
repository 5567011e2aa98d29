#include "cache/keyspace.h"

#include "model/keyescaping.h"
#include "redis/reply.h"

namespace cachescope::cache {

QList<QByteArray> builtinProtectedPatterns()
{
    // Tag indexes too: deleting one by pattern would silently break invalidation by that tag.
    return {QByteArray(configPrefix) + '*', QByteArray(statsPrefix) + '*', QByteArray(auditPrefix) + '*',
        QByteArray(tagPrefix) + '*'};
}

QByteArray tagKey(const QByteArray& tag)
{
    return tagPrefix + model::escapeKeyComponent(tag);
}

QString describeTags(const QList<QByteArray>& tags)
{
    QStringList names;
    for (const QByteArray& tag : tags)
        names.append(redis::displayBytes(tag));
    return names.join(QStringLiteral(", "));
}

} // namespace cachescope::cache
