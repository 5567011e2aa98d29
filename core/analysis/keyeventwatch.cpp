#include "analysis/keyeventwatch.h"

#include "ops/audit.h"
#include "ops/serverinfo.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"

#include <algorithm>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr auto heartbeatInterval = std::chrono::seconds(1);

// The server keeps the flags in an order of its own ("Exe" reads back as "xeE").
bool sameFlags(QByteArray a, QByteArray b)
{
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    return a == b;
}

QByteArray channelPrefix(int database)
{
    return "__keyevent@" + QByteArray::number(database) + "__:";
}
} // namespace

KeyEventWatch::KeyEventWatch(redis::Client* client, Options options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
    , m_grouping(m_options.routes)
{
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        m_attributedThisSecond = 0;
        for (const auto& subscriber : m_subscribers) {
            subscriber->command({"PING"}, this, [this](const redis::Reply& reply) {
                if (reply.isError())
                    fail(u"the subscription was lost: "_s + reply.errorMessage());
            });
        }
    });
}

KeyEventWatch::~KeyEventWatch() = default;

QByteArray KeyEventWatch::withKeyEvents(const QByteArray& current)
{
    QByteArray flags = current;
    const bool all = flags.contains('A'); // A: every class of event, x and e among them
    if (!flags.contains('E'))
        flags += 'E';
    if (!all && !flags.contains('x'))
        flags += 'x';
    if (!all && !flags.contains('e'))
        flags += 'e';
    return flags;
}

void KeyEventWatch::start()
{
    if (m_running || !m_client)
        return;
    m_report = Report {};
    m_report.startedAt = QDateTime::currentDateTimeUtc();
    m_running = true;
    m_stopping = false;
    m_drained = false;
    m_subscribers.clear();
    redis::whenNodesKnown(m_client, this, [this](const QString& error) {
        if (!error.isEmpty())
            fail(error);
        else
            readConfig();
    });
}

void KeyEventWatch::readConfig()
{
    QList<redis::AddressedCommand> commands;
    for (redis::Connection* node : m_client->nodes())
        commands.append({node, {"CONFIG", "GET", "notify-keyspace-events"}});
    redis::gatherReplies(commands, this, [this](const std::vector<redis::Reply>& replies) {
        if (const redis::Reply* refused = redis::firstError(replies)) {
            fail(u"CONFIG GET notify-keyspace-events failed: "_s + refused->errorMessage());
            return;
        }
        QList<QByteArray> wanted;
        bool missing = false;
        for (const redis::Reply& reply : replies) {
            const QByteArray current = reply.elements().size() == 2 ? reply.elements()[1].bytes() : QByteArray();
            m_report.configBefore.append(QString::fromUtf8(current));
            wanted.append(withKeyEvents(current));
            missing = missing || wanted.constLast() != current;
        }
        if (!missing) {
            m_report.configNote = u"notify-keyspace-events already publishes expiries and evictions; left as it was"_s;
            subscribe();
            return;
        }
        const QString current = m_report.configBefore.value(0);
        const QString needed = QString::fromUtf8(wanted.value(0));
        if (m_client->options().readOnly) {
            fail(u"the server does not publish expiries and evictions (notify-keyspace-events is \"%1\"), and this "
                 u"connection is read-only: it never changes the server's settings"_s.arg(current));
            return;
        }
        if (!m_options.mayChangeConfig) {
            fail(
                u"the server does not publish expiries and evictions (notify-keyspace-events is \"%1\"); with consent "
                u"(--enable-events) the watch sets it to \"%2\" while it runs, restores it afterwards and audits both"_s
                    .arg(current, needed));
            return;
        }
        changeConfig(wanted);
    });
}

void KeyEventWatch::changeConfig(const QList<QByteArray>& wanted)
{
    QList<redis::AddressedCommand> commands;
    const QList<redis::Connection*> nodes = m_client->nodes();
    for (int i = 0; i < nodes.size(); ++i)
        commands.append({nodes.at(i), {"CONFIG", "SET", "notify-keyspace-events", wanted.at(i)}});
    redis::gatherReplies(commands, this, [this, wanted](const std::vector<redis::Reply>& replies) {
        // Whatever was set on some node is put back, even when another node refused.
        m_configAfter = wanted;
        m_report.configChanged = true;
        audit(u"set for a watch of expiries and evictions"_s, m_report.configBefore.join(u',').toUtf8(),
            QByteArray(wanted.join(',')));
        if (const redis::Reply* refused = redis::firstError(replies)) {
            fail(u"CONFIG SET notify-keyspace-events failed: "_s + refused->errorMessage());
            return;
        }
        subscribe();
    });
}

void KeyEventWatch::listening()
{
    m_heartbeat.start(heartbeatInterval);
    Q_EMIT started();
}

void KeyEventWatch::subscribe()
{
    // The server's counters are read before subscribing and after the subscriptions are drained, so the window they
    // cover holds the one watched: the totals received are at most the server's, never more.
    readServerCounters([this](std::optional<Counts> before) {
        m_serverBefore = before;
        const QList<redis::Connection*> nodes = m_client->nodes();
        auto remaining = std::make_shared<int>(2 * int(nodes.size()));
        for (redis::Connection* node : nodes) {
            redis::ConnectionOptions options = node->options();
            options.autoReconnect = false; // a lost subscription loses events: said, never papered over
            options.readOnly = true;
            auto subscriber = std::make_unique<redis::Connection>(options);
            subscriber->setPushHandler([this](const redis::Reply& message) { onEvent(message); });
            connect(subscriber.get(), &redis::Connection::errorOccurred, this,
                [this](redis::ErrorKind, const QString& message) { fail(u"the subscription was lost: "_s + message); });
            const QByteArray prefix = channelPrefix(options.database);
            subscriber->open(); // the SUBSCRIBE waits for the handshake
            // One channel per SUBSCRIBE: the server confirms each channel with a reply of its own.
            for (const char* event : {"expired", "evicted"}) {
                subscriber->command({"SUBSCRIBE", prefix + event}, this, [this, remaining](const redis::Reply& reply) {
                    if (reply.isError()) {
                        fail(u"SUBSCRIBE failed: "_s + reply.errorMessage());
                        return;
                    }
                    if (--*remaining == 0 && m_running)
                        listening();
                });
            }
            m_subscribers.push_back(std::move(subscriber));
        }
    });
}

void KeyEventWatch::onEvent(const redis::Reply& message)
{
    const auto& parts = message.elements();
    if (!m_running || m_drained || parts.size() != 3)
        return;
    const QByteArray& channel = parts[1].bytes();
    const bool evicted = channel.endsWith(":evicted");
    if (!evicted && !channel.endsWith(":expired"))
        return;
    (evicted ? m_report.total.evicted : m_report.total.expired) += 1;
    if (m_attributedThisSecond >= m_options.maxAttributedPerSecond) {
        ++m_report.unattributed;
        return;
    }
    ++m_attributedThisSecond;
    const QByteArray& key = parts[2].bytes();
    const model::KeyPlace place = m_grouping.place(key);
    // Grouped as the analysis groups: every dimension adds up to the events placed.
    const auto labels = groupLabelsOf(place);
    for (int d = 0; d < dimensionCount; ++d) {
        Counts& counts = m_report.groups[std::size_t(d)][labels[std::size_t(d)].toByteArray()];
        (evicted ? counts.evicted : counts.expired) += 1;
    }
}

void KeyEventWatch::stop()
{
    if (m_running && !m_stopping)
        finish();
}

void KeyEventWatch::fail(const QString& error)
{
    if (!m_running || m_stopping)
        return;
    m_report.error = error;
    finish();
}

void KeyEventWatch::finish()
{
    m_stopping = true;
    m_heartbeat.stop();
    m_report.endedAt = QDateTime::currentDateTimeUtc();
    const auto drained = [this] {
        // Nothing published after the drain is counted; the server's counters are read after it.
        m_drained = true;
        for (const auto& subscriber : m_subscribers)
            subscriber->close();
        readServerCounters([this](std::optional<Counts> after) {
            if (m_serverBefore && after)
                m_report.serverDelta =
                    Counts {after->expired - m_serverBefore->expired, after->evicted - m_serverBefore->evicted};
            restoreConfig();
        });
    };
    // A PING on each subscription answers after every event the server published before it.
    auto remaining = std::make_shared<int>(int(m_subscribers.size()));
    if (*remaining == 0 || !m_report.error.isEmpty()) {
        drained();
        return;
    }
    for (const auto& subscriber : m_subscribers) {
        subscriber->command({"PING"}, this, [remaining, drained](const redis::Reply&) {
            if (--*remaining == 0)
                drained();
        });
    }
}

void KeyEventWatch::restoreConfig()
{
    const auto done = [this] {
        m_running = false;
        Q_EMIT finished();
    };
    if (!m_report.configChanged || !m_client) {
        done();
        return;
    }
    // Put back only what is still ours: a value someone set meanwhile is theirs to keep.
    const QList<redis::Connection*> nodes = m_client->nodes();
    QList<redis::AddressedCommand> reads;
    for (redis::Connection* node : nodes)
        reads.append({node, {"CONFIG", "GET", "notify-keyspace-events"}});
    redis::gatherReplies(reads, this, [this, nodes, done](const std::vector<redis::Reply>& now) {
        QList<redis::AddressedCommand> writes;
        QStringList changedMeanwhile;
        for (int i = 0; i < nodes.size(); ++i) {
            const redis::Reply& reply = now[std::size_t(i)];
            const QByteArray current = reply.elements().size() == 2 ? reply.elements()[1].bytes() : QByteArray();
            if (reply.isError())
                continue;
            if (!sameFlags(current, m_configAfter.value(i))) {
                changedMeanwhile.append(QString::fromUtf8(current));
                continue;
            }
            writes.append(
                {nodes.at(i), {"CONFIG", "SET", "notify-keyspace-events", m_report.configBefore.at(i).toUtf8()}});
        }
        redis::gatherReplies(writes, this, [this, now, changedMeanwhile, done](const std::vector<redis::Reply>& set) {
            const redis::Reply* failed = redis::firstError(set);
            if (!failed)
                failed = redis::firstError(now);
            const QString before = m_report.configBefore.value(0);
            if (failed) {
                m_report.configNote = u"notify-keyspace-events could not be restored (%1): set it back with CONFIG SET "
                                      u"notify-keyspace-events \"%2\""_s.arg(failed->errorMessage(), before);
            } else if (!changedMeanwhile.isEmpty()) {
                m_report.configNote = u"notify-keyspace-events was changed by someone else meanwhile (now \"%1\"); "
                                      u"left as they set it"_s.arg(changedMeanwhile.first());
            } else {
                m_report.configNote = u"notify-keyspace-events restored to \"%1\""_s.arg(before);
            }
            audit(m_report.configNote, QByteArray(m_configAfter.join(',')), m_report.configBefore.join(u',').toUtf8(),
                done);
        });
    });
}

void KeyEventWatch::readServerCounters(std::function<void(std::optional<Counts>)> done)
{
    QList<redis::AddressedCommand> commands;
    for (redis::Connection* node : m_client ? m_client->nodes() : QList<redis::Connection*> {})
        commands.append({node, {"INFO", "stats"}});
    redis::gatherReplies(commands, this, [done = std::move(done)](const std::vector<redis::Reply>& replies) {
        if (replies.empty() || redis::firstError(replies)) {
            done(std::nullopt);
            return;
        }
        Counts counts;
        for (const redis::Reply& reply : replies) {
            const ops::ServerInfo info = ops::ServerInfo::parse(reply.bytes());
            counts.expired += info.integer("expired_keys").value_or(0);
            counts.evicted += info.integer("evicted_keys").value_or(0);
        }
        done(counts);
    });
}

void KeyEventWatch::audit(
    const QString& detail, const QByteArray& before, const QByteArray& after, std::function<void()> written)
{
    if (!m_client) {
        if (written)
            written();
        return;
    }
    ops::AuditRecord record = ops::AuditRecord::of(ops::AuditAction::KeyspaceEvents, ops::AuditOutcome::Completed,
        m_options.actor.isEmpty() ? ops::defaultActor() : m_options.actor, u"notify-keyspace-events"_s, -1);
    record.before = before;
    record.after = after;
    record.detail = detail;
    ops::appendAudit(*m_client, record, this,
        [this, written = std::move(written)](std::optional<QByteArray> id, const QString& error) {
            if (!id)
                m_report.configNote += u" (the audit record could not be written: %1)"_s.arg(error);
            if (written)
                written();
        });
}

} // namespace cachescope::analysis
