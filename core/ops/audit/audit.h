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

// What was done: every writer names its action with this, never with a hand-typed string.
enum class AuditAction
{
    Invalidate, // "invalidate": keys matching a pattern deleted (or counted, in a dry run)
    Expire, // "expire": a TTL set on the keys matching a pattern
    InvalidateTags, // "invalidate tags": the keys of tag indexes
    Refused, // "refused": a request refused before anything ran (protected pattern, read-only, …)
    RouteSave, // "routes.save": written by the route-save script beside the configuration
    KeyspaceEvents, // "config.keyspace-events": notify-keyspace-events changed for a watch of evictions, or restored
};
QString auditActionName(AuditAction action);

// How it ended.
enum class AuditOutcome
{
    Completed,
    Cancelled,
    Failed,
    Refused,
};
QString auditOutcomeName(AuditOutcome outcome);

// One write (or dry run of one) done through CacheScope, as kept in the audit stream (a Redis stream of bounded
// length, so every tool writes and reads the same trail).
struct AuditRecord
{
    QByteArray id; // the stream entry id; empty before it is written
    QDateTime at;
    QString actor; // who: user@host, or the profile's name
    QString action; // auditActionName(); records of other versions may hold other names
    QString target; // the pattern (escaped), route or key acted on
    qint64 count = -1; // keys affected (a dry run: keys that would be), when known
    QByteArray before; // e.g. the previous route configuration
    QByteArray after;
    bool dryRun = false;
    QString outcome; // auditOutcomeName(); empty in records of earlier versions
    QString detail; // e.g. "ttl 90s LT", "unconfirmed 12", the reason of a refusal or failure
    // An invalidation's run as the miss watch tells its deletions from other clients': when it began, and the exact
    // pattern or tag it deleted by (the target may be a description). Empty in other records and earlier versions.
    QDateTime startedAt;
    QByteArray pattern;
    QByteArray tag;

    static AuditRecord of(AuditAction action, AuditOutcome outcome, QString actor, QString target, qint64 count);
    // "invalidate (dry run) ttl 90s — cancelled": the action as a person reads it.
    QString summary() const;
};

// Ends in model::opsHashTag: the route-save script appends to it beside the configuration.
inline constexpr char auditStreamKey[] = "cachescope:audit{cachescope}";
inline constexpr int auditStreamMaxLength = 10000;

// Field names and values for XADD, shared by the Lua route save and appendAudit().
QList<QByteArray> auditFields(const AuditRecord& record);

// The XADD (MAXLEN ~ auditStreamMaxLength) that appends `record`: the one way every writer adds to the stream.
QList<QByteArray> auditAppendCommand(const AuditRecord& record);

// XADD with MAXLEN ~ auditStreamMaxLength; the callback gets the entry id, or nothing and the error.
void appendAudit(redis::Client& connection, const AuditRecord& record, const QObject* context,
    std::function<void(std::optional<QByteArray> id, QString error)> callback);

// The records in an XRANGE or XREVRANGE reply, in its order.
QList<AuditRecord> auditRecordsIn(const redis::Reply& entries);

// Stream ids ("<ms>-<seq>") in the order the server gives them; an id that does not parse sorts first.
bool streamIdBefore(const QByteArray& a, const QByteArray& b);

// The newest `count` records, newest first.
void readAudit(redis::Client& connection, int count, const QObject* context,
    std::function<void(std::optional<QList<AuditRecord>> records, QString error)> callback);

// The actor name for this process: $USER@hostname.
QString defaultActor();

} // namespace cachescope::ops
