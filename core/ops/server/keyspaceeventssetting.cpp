#include "ops/server/keyspaceeventssetting.h"

#include "ops/audit/audit.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"

#include <QDateTime>
#include <QHash>
#include <QUuid>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

namespace {
constexpr char setting[] = "notify-keyspace-events";

// The server keeps the flags in an order of its own ("Exe" reads back as "xeE").
bool sameFlags(QByteArray a, QByteArray b)
{
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
}

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

QByteArray addressOf(const redis::Connection* node)
{
    return node->options().host.toUtf8() + ':' + QByteArray::number(node->options().port);
}

QByteArray settingIn(const redis::Reply& reply)
{
    return reply.elements().size() == 2 ? reply.elements()[1].bytes() : QByteArray();
}

QList<redis::AddressedCommand> readsOnEveryNode(redis::Client* client)
{
    QList<redis::AddressedCommand> commands;
    for (redis::Connection* node : client->nodes())
        commands.append({node, {"CONFIG", "GET", setting}});
    return commands;
}

// What the reserved hash holds: the value each node had before any watch changed it, what was set, and the leases.
struct Kept
{
    QHash<QByteArray, QByteArray> before; // node address → value
    QHash<QByteArray, QByteArray> after;
    QList<QByteArray> liveLeases; // field names
    QList<QByteArray> deadLeases;
    bool empty() const
    {
        return before.isEmpty() && after.isEmpty() && liveLeases.isEmpty() && deadLeases.isEmpty();
    }
};

// Another writer may have put anything there: only the known fields count, and at most a few hundred of them.
Kept keptIn(const redis::Reply& reply, const QByteArray& ownLease)
{
    Kept kept;
    const auto& parts = reply.elements();
    const std::size_t read = std::min<std::size_t>(parts.size(), 512);
    const qint64 now = nowMs();
    for (std::size_t i = 0; i + 1 < read; i += 2) {
        const QByteArray& field = parts[i].bytes();
        const QByteArray& value = parts[i + 1].bytes();
        if (field.startsWith("before:"))
            kept.before.insert(field.mid(7), value.left(64));
        else if (field.startsWith("after:"))
            kept.after.insert(field.mid(6), value.left(64));
        else if (field.startsWith("lease:") && field != ownLease) {
            bool ok = false;
            const qint64 until = value.toLongLong(&ok);
            (ok && until > now ? kept.liveLeases : kept.deadLeases).append(field);
        }
    }
    return kept;
}

// Per node, in the client's order: the value to put back (what the server kept, else what this watch saw, else
// nothing: that node is left alone) and the value a watch set there.
std::pair<QList<std::optional<QByteArray>>, QList<QByteArray>> perNode(const Kept& kept,
    const QList<redis::Connection*>& nodes, const QList<QByteArray>& seenBefore, const QList<QByteArray>& seenAfter)
{
    QList<std::optional<QByteArray>> before;
    QList<QByteArray> after;
    for (int i = 0; i < nodes.size(); ++i) {
        const QByteArray address = addressOf(nodes.at(i));
        if (kept.before.contains(address))
            before.append(kept.before.value(address));
        else if (i < seenBefore.size())
            before.append(seenBefore.at(i));
        else
            before.append(std::nullopt);
        after.append(kept.after.value(address, seenAfter.value(i)));
    }
    return {before, after};
}

void auditChange(redis::Client* client, const QString& actor, const QString& detail, const QByteArray& before,
    const QByteArray& after, const QObject* context, std::function<void(QString error)> written)
{
    AuditRecord record = AuditRecord::of(AuditAction::KeyspaceEvents, AuditOutcome::Completed,
        actor.isEmpty() ? defaultActor() : actor, QString::fromLatin1(setting), -1);
    record.before = before;
    record.after = after;
    record.detail = detail;
    appendAudit(
        *client, record, context, [written = std::move(written)](std::optional<QByteArray> id, const QString& error) {
            written(id ? QString() : error);
        });
}

// Sets each node back to `before` where it still holds what a watch set (`after`), then drops the reserved hash.
// Nodes without a known `before` are left alone. The callback gets the note for people and the values (joined by
// ',') for the audit record.
void putBack(redis::Client* client, const QList<std::optional<QByteArray>>& before, const QList<QByteArray>& after,
    const QObject* context, std::function<void(QString note, QByteArray from, QByteArray to)> done)
{
    const QList<redis::Connection*> nodes = client->nodes();
    redis::gatherReplies(readsOnEveryNode(client), context,
        [client, nodes, before, after, context, done = std::move(done)](const std::vector<redis::Reply>& now) {
            QList<redis::AddressedCommand> writes;
            QStringList changedMeanwhile;
            QList<QByteArray> from;
            QList<QByteArray> to;
            for (int i = 0; i < nodes.size() && i < int(now.size()); ++i) {
                const redis::Reply& reply = now[std::size_t(i)];
                if (reply.isError() || !before.value(i))
                    continue;
                const QByteArray current = settingIn(reply);
                if (!sameFlags(current, after.value(i))) {
                    changedMeanwhile.append(QString::fromUtf8(current));
                    continue;
                }
                writes.append({nodes.at(i), {"CONFIG", "SET", setting, *before.value(i)}});
                from.append(after.value(i));
                to.append(*before.value(i));
            }
            QByteArray firstBefore;
            for (const auto& value : before) {
                if (value) {
                    firstBefore = *value;
                    break;
                }
            }
            redis::gatherReplies(writes, context,
                [client, now, changedMeanwhile, firstBefore, from, to, context, done](
                    const std::vector<redis::Reply>& set) {
                    const redis::Reply* failed = redis::firstError(set);
                    if (!failed)
                        failed = redis::firstError(now);
                    QString note;
                    if (failed) {
                        note = u"notify-keyspace-events could not be restored (%1): set it back with CONFIG SET "
                               u"notify-keyspace-events \"%2\""_s.arg(
                                   failed->errorMessage(), QString::fromUtf8(firstBefore));
                    } else if (!changedMeanwhile.isEmpty()) {
                        note = u"notify-keyspace-events was changed by someone else meanwhile (now \"%1\"); left as "
                               u"they set it"_s.arg(changedMeanwhile.first());
                    } else {
                        note = u"notify-keyspace-events restored to \"%1\""_s.arg(QString::fromUtf8(firstBefore));
                    }
                    const QByteArray joinedFrom = from.join(',');
                    const QByteArray joinedTo = to.join(',');
                    if (failed) {
                        done(note, joinedFrom, joinedTo);
                        return;
                    }
                    // Nothing of the watches is left to remember once the setting is back (or someone else's).
                    client->command({"DEL", KeyspaceEventsSetting::reservedKey}, context,
                        [note, joinedFrom, joinedTo, done](const redis::Reply&) { done(note, joinedFrom, joinedTo); });
                });
        });
}
} // namespace

KeyspaceEventsSetting::KeyspaceEventsSetting(redis::Client* client, Options options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
    , m_leaseField("lease:" + QUuid::createUuid().toByteArray(QUuid::WithoutBraces))
{
}

KeyspaceEventsSetting::~KeyspaceEventsSetting() = default;

QByteArray KeyspaceEventsSetting::withFlags(const QByteArray& current, const QByteArray& flags)
{
    static constexpr QByteArrayView coveredByA = "g$lshzxetd";
    QByteArray result = current;
    const bool all = result.contains('A');
    if (!result.contains('E'))
        result += 'E';
    for (const char flag : flags) {
        if (!result.contains(flag) && !(all && coveredByA.contains(flag)))
            result += flag;
    }
    return result;
}

void KeyspaceEventsSetting::acquire()
{
    if (!m_client) {
        Q_EMIT failed(u"no connection"_s);
        return;
    }
    m_acquiring = true;
    redis::gatherReplies(readsOnEveryNode(m_client), this, [this](const std::vector<redis::Reply>& replies) {
        if (const redis::Reply* refused = redis::firstError(replies)) {
            acquired(u"CONFIG GET notify-keyspace-events failed: "_s + refused->errorMessage());
            return;
        }
        QList<QByteArray> current;
        for (const redis::Reply& reply : replies)
            current.append(settingIn(reply));
        m_client->command({"HGETALL", reservedKey}, this, [this, current](const redis::Reply& reply) {
            // A server that refuses the read (NOPERM on the key) still gets a watch; only the crash recovery is lost.
            const Kept kept = reply.isError() ? Kept {} : keptIn(reply, m_leaseField);
            const QList<redis::Connection*> nodes = m_client->nodes();
            QList<QByteArray> original;
            QList<QByteArray> wanted;
            bool missing = false;
            for (int i = 0; i < nodes.size() && i < current.size(); ++i) {
                original.append(kept.before.value(addressOf(nodes.at(i)), current.at(i)));
                wanted.append(withFlags(current.at(i), m_options.flags));
                missing = missing || wanted.constLast() != current.at(i);
            }
            m_before.clear();
            for (const QByteArray& value : original)
                m_before.append(QString::fromUtf8(value));
            if (!missing) {
                m_note = u"notify-keyspace-events already publishes %1; left as it was"_s.arg(m_options.purpose);
                if (kept.before.isEmpty()) {
                    acquired({});
                    return;
                }
                // Widened by another watch (running, or gone without putting it back): this one holds a lease too,
                // so the setting goes back to the original when the last of them ends.
                m_after = current;
                m_leased = true;
                renew();
                acquired({});
                return;
            }
            const QString found = QString::fromUtf8(current.value(0));
            if (m_client->options().readOnly) {
                acquired(
                    u"the server does not publish %1 (notify-keyspace-events is \"%2\"), and this "
                    u"connection is read-only: it never changes the server's settings"_s.arg(m_options.purpose, found));
                return;
            }
            if (!m_options.mayChangeConfig) {
                acquired(u"the server does not publish %1 (notify-keyspace-events is \"%2\"); with consent "
                         u"(--enable-events) the watch sets it to \"%3\" while it runs, restores it afterwards "
                         u"and audits both"_s.arg(m_options.purpose, found, QString::fromUtf8(wanted.value(0))));
                return;
            }
            for (const QByteArray& dead : kept.deadLeases)
                m_client->command({"HDEL", reservedKey, dead}, nullptr, nullptr);
            change(current, original, wanted);
        });
    });
}

void KeyspaceEventsSetting::change(
    const QList<QByteArray>& current, const QList<QByteArray>& original, const QList<QByteArray>& wanted)
{
    // The original is written before the setting changes: a watch killed between the two leaves a hash to restore
    // from, never a changed setting without one.
    const QList<redis::Connection*> nodes = m_client->nodes();
    QList<QByteArray> remember {"HSET", reservedKey, m_leaseField, QByteArray::number(nowMs() + leaseMs)};
    for (int i = 0; i < nodes.size(); ++i)
        remember << "after:" + addressOf(nodes.at(i)) << wanted.value(i);
    for (int i = 0; i < nodes.size(); ++i)
        m_client->command(
            {"HSETNX", reservedKey, "before:" + addressOf(nodes.at(i)), original.value(i)}, nullptr, nullptr);
    m_client->command(remember, nullptr, nullptr);
    m_leased = true;
    QList<redis::AddressedCommand> commands;
    for (int i = 0; i < nodes.size(); ++i)
        commands.append({nodes.at(i), {"CONFIG", "SET", setting, wanted.at(i)}});
    redis::gatherReplies(commands, this, [this, current, wanted](const std::vector<redis::Reply>& replies) {
        // Whatever was set on some node is put back, even when another node refused.
        m_after = wanted;
        m_changed = true;
        const redis::Reply* refused = redis::firstError(replies);
        const QString error =
            refused ? u"CONFIG SET notify-keyspace-events failed: "_s + refused->errorMessage() : QString();
        auditChange(m_client, m_options.actor, u"set for a watch of "_s + m_options.purpose, current.join(','),
            wanted.join(','), this, [this, error](const QString&) { acquired(error); });
    });
}

void KeyspaceEventsSetting::acquired(const QString& error)
{
    m_acquiring = false;
    // A release asked for meanwhile (the watch stopped during its start) comes first: whatever this acquisition
    // set is put back, and nobody is told the setting is ready.
    if (m_releaseWhenAcquired) {
        release(std::exchange(m_releaseWhenAcquired, nullptr));
        return;
    }
    if (error.isEmpty())
        Q_EMIT ready();
    else
        Q_EMIT failed(error);
}

void KeyspaceEventsSetting::renew()
{
    if (m_leased && m_client)
        m_client->command({"HSET", reservedKey, m_leaseField, QByteArray::number(nowMs() + leaseMs)}, nullptr, nullptr);
}

void KeyspaceEventsSetting::release(std::function<void()> done)
{
    if (m_acquiring) {
        m_releaseWhenAcquired = std::move(done);
        return;
    }
    if (!m_leased || !m_client) {
        if (m_leased) {
            m_leased = false;
            m_note = u"notify-keyspace-events left as this watch set it: its connection was closed before the end; "
                     "once its lease runs out (%1 s) the next watch, or `cachectl misses --restore`, puts the original "
                     "back"_s.arg(leaseMs / 1000);
        }
        done();
        return;
    }
    m_leased = false;
    m_client->command({"HDEL", reservedKey, m_leaseField}, nullptr, nullptr);
    m_client->command({"HGETALL", reservedKey}, this, [this, done = std::move(done)](const redis::Reply& reply) {
        const Kept kept = reply.isError() ? Kept {} : keptIn(reply, m_leaseField);
        if (!kept.liveLeases.isEmpty()) {
            m_note =
                u"notify-keyspace-events left as it is: %1 other watch(es) still need it"_s.arg(kept.liveLeases.size());
            done();
            return;
        }
        // What the server kept is the truth (it may predate this watch); what this watch saw is the fallback for a
        // server that lost the hash (restarted without persistence) or cannot be read.
        const QList<redis::Connection*> nodes = m_client->nodes();
        QList<QByteArray> seenBefore;
        if (m_changed) {
            for (const QString& value : std::as_const(m_before))
                seenBefore.append(value.toUtf8());
        }
        const auto [before, after] = perNode(kept, nodes, seenBefore, m_after);
        if (std::none_of(before.cbegin(), before.cend(), [](const auto& value) { return value.has_value(); })) {
            done();
            return;
        }
        putBack(m_client, before, after, this,
            [this, done](const QString& note, const QByteArray& from, const QByteArray& to) {
                m_note = note;
                auditChange(m_client, m_options.actor, note, from.isEmpty() ? m_after.join(',') : from,
                    to.isEmpty() ? m_before.join(u',').toUtf8() : to, this, [this, done](const QString& error) {
                        if (!error.isEmpty())
                            m_note += u" (the audit record could not be written: %1)"_s.arg(error);
                        done();
                    });
            });
    });
}

void KeyspaceEventsSetting::restoreAbandoned(redis::Client* client, const QString& actor, const QObject* context,
    std::function<void(QString note, QString error)> callback)
{
    redis::whenNodesKnown(client, context, [client, actor, context, callback](const QString& error) {
        if (!error.isEmpty()) {
            callback({}, error);
            return;
        }
        client->command(
            {"HGETALL", reservedKey}, context, [client, actor, context, callback](const redis::Reply& reply) {
                if (reply.isError()) {
                    callback(
                        {}, u"HGETALL %1 failed: %2"_s.arg(QString::fromLatin1(reservedKey), reply.errorMessage()));
                    return;
                }
                const Kept kept = keptIn(reply, {});
                if (!kept.liveLeases.isEmpty()) {
                    callback({},
                        u"%1 watch(es) still running (their lease is renewed every second); nothing "
                        u"restored"_s.arg(kept.liveLeases.size()));
                    return;
                }
                if (kept.before.isEmpty()) {
                    callback(u"nothing to restore: no watch left notify-keyspace-events changed"_s, {});
                    return;
                }
                const auto [before, after] = perNode(kept, client->nodes(), {}, {});
                putBack(client, before, after, context,
                    [client, actor, context, callback](
                        const QString& note, const QByteArray& from, const QByteArray& to) {
                        const QString detail = note + u" (a watch had ended without putting it back)"_s;
                        auditChange(
                            client, actor, detail, from, to, context, [detail, callback](const QString& auditError) {
                                callback(auditError.isEmpty()
                                        ? detail
                                        : detail + u" (the audit record could not be written: %1)"_s.arg(auditError),
                                    {});
                            });
                    });
            });
    });
}

} // namespace cachescope::ops
