#include "cache/keyspace.h"

#include "model/keyescaping.h"

namespace cachescope::cache {

QList<QByteArray> builtinProtectedPatterns()
{
    return {QByteArray(configPrefix) + '*', QByteArray(statsPrefix) + '*', QByteArray(auditPrefix) + '*'};
}

QByteArray tagKey(const QByteArray& tag)
{
    return tagPrefix + model::escapeKeyComponent(tag);
}

} // namespace cachescope::cache
