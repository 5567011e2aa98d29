#include "model/reservedkeys.h"

#include "model/displaybytes.h"
#include "model/keyescaping.h"

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

QString describeTags(const QList<QByteArray>& tags)
{
    QStringList names;
    for (const QByteArray& tag : tags)
        names.append(displayBytes(tag));
    return names.join(QStringLiteral(", "));
}

} // namespace cachescope::model
