#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

namespace cachescope::ui {

// How careful the dashboard must be with this connection.
struct SafetyOptions
{
    bool readOnly = false; // every write action is disabled
    bool production = false; // broad deletions need the count typed to confirm
    QList<QByteArray> protectedPatterns; // on top of CacheScope's own config, stats and audit
    QString actor; // recorded in the audit trail
    qint64 confirmAbove = 100; // on production, deleting more keys than this needs the typed count
};

} // namespace cachescope::ui
