#pragma once

#include <QByteArray>
#include <QDateTime>
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

// One write done through CacheScope, as kept in the audit stream (a Redis stream of bounded length, so
// every tool writes and reads the same trail).
struct AuditRecord
{
    QByteArray id; // the stream entry id; empty before it is written
    QDateTime at;
    QString actor; // who: user@host, or the profile's name
    QString action; // "invalidate", "routes.save", "ttl.set", …
    QString target; // the pattern, route or key acted on
    qint64 count = -1; // keys affected, when known
    QByteArray before; // e.g. the previous route configuration
    QByteArray after;
};

// Ends in cache::opsHashTag: the route-save script appends to it beside the configuration.
inline constexpr char auditStreamKey[] = "cachescope:audit{cachescope}";
inline constexpr int auditStreamMaxLength = 10000;

// Field names and values for XADD, shared by the Lua route save and appendAudit().
QList<QByteArray> auditFields(const AuditRecord& record);

// XADD with MAXLEN ~ auditStreamMaxLength; the callback gets the entry id, or nothing and the error.
void appendAudit(redis::Client& connection, const AuditRecord& record, const QObject* context,
    std::function<void(std::optional<QByteArray> id, QString error)> callback);

// The newest `count` records, newest first.
void readAudit(redis::Client& connection, int count, const QObject* context,
    std::function<void(std::optional<QList<AuditRecord>> records, QString error)> callback);

// The actor name for this process: $USER@hostname.
QString defaultActor();

} // namespace cachescope::ops
