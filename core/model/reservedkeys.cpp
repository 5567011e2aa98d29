#include "model/reservedkeys.h"

#include "model/keyescaping.h"
#include "model/redisglob.h"

namespace cachescope::model {

QList<QByteArray> builtinProtectedPatterns()
{
    // Tag indexes too: deleting one by pattern would silently break invalidation by that tag.
    return {QByteArray(configPrefix) + '*', QByteArray(statsPrefix) + '*', QByteArray(auditPrefix) + '*',
        QByteArray(tagPrefix) + '*'};
}

QByteArray tagKey(const QByteArray& tag)
{
    return tagPrefix + escapeKeyComponent(tag);
}

bool isProtectedKey(const QByteArray& key, const QList<QByteArray>& protectedPatterns)
{
    const auto matches = [&key](const QByteArray& guarded) { return redisGlobMatches(guarded, key); };
    const QList<QByteArray> builtin = builtinProtectedPatterns();
    return std::any_of(builtin.cbegin(), builtin.cend(), matches)
        || std::any_of(protectedPatterns.cbegin(), protectedPatterns.cend(), matches);
}

} // namespace cachescope::model
