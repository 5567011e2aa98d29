#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace cachescope::ops {

// How careful every front end must be with a connection: one struct, read by the one invalidation run, so the
// dialog, cachectl and the admin API cannot disagree.
struct SafetyPolicy
{
    bool readOnly = false; // nothing is written; dry runs still work
    bool production = false; // the dashboard asks for a broad deletion's count to be typed
    QList<QByteArray> protectedPatterns; // on top of CacheScope's own namespaces (always protected)
    QString actor; // recorded in the audit trail
    qint64 confirmAbove = 100; // on production, deleting more keys than this needs the typed count
};

} // namespace cachescope::ops
