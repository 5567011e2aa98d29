#pragma once

#include "ops/audit/audit.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/ownlookups.h"
#include "redis/reply.h"

#include <QList>
#include <QSet>

#include <functional>

namespace cachescope::testing {

// An array reply holding `elements` in order: a reply as a server (or a damaged one) might send it, for parsers.
redis::Reply replyArray(const QList<redis::Reply>& elements);

// Sends one command and spins an event loop until its reply: for test set-up and checks only.
redis::Reply runCommand(redis::Client& connection, const QList<QByteArray>& arguments, int timeoutMs = 10000);

// Every key the server's own SCAN MATCH selects (the whole keyspace, duplicates removed). A failed page ends
// the scan and sets `error` (when given) to the reply.
QSet<QByteArray> scanAll(redis::Connection& connection, const QByteArray& pattern = "*", redis::Reply* error = nullptr);

// Opens the connection and waits until it is ready (or has given up); true when ready.
bool openAndWait(redis::Client& connection, int timeoutMs = 10000);

// keyspace_hits and keyspace_misses from the text of INFO (or INFO stats).
redis::LookupCount keyspaceLookupsIn(const QByteArray& info);
// The server's keyspace_hits and keyspace_misses now (INFO stats, itself no lookup).
redis::LookupCount serverLookups(redis::Client& connection);
// One integer field of INFO's text ("used_memory"), -1 when it is missing.
qint64 infoInteger(const QByteArray& info, const QByteArray& name);
// One field of a command's line in INFO commandstats ("scan", "calls"): 0 for a command the server never ran (it has no
// line then), -1 for a field its line lacks.
qint64 commandStat(const QByteArray& info, const QByteArray& command, const QByteArray& field);
// How often the server has run `command` ("scan", "hgetall") so far: INFO commandstats, itself no lookup.
qint64 commandCalls(redis::Client& connection, const QByteArray& command);

// Calls `then` right after the connection's count-th reply from now (at once for 0), whatever commands others queue
// meanwhile: a chain of PINGs, each sent when the one before is answered. Replies come in order, so `then` runs between
// the same two replies of an operation started just before, every time (a stop between an operation's steps).
void afterReplies(redis::Client& connection, int count, QObject* context, std::function<void()> then);

} // namespace cachescope::testing

namespace cachescope::testing {

// The audit stream's records, newest first, read with core's reader (exact fields, never a substring of the raw
// reply). Empty when the stream is missing or the read fails.
QList<ops::AuditRecord> auditRecords(const redis::ConnectionOptions& options, int count = 20);

} // namespace cachescope::testing
