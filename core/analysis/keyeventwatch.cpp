#include "analysis/keyeventwatch.h"

#include "ops/keyspaceeventssetting.h"
#include "ops/serverinfo.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"

#include <algorithm>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr auto heartbeatInterval = std::chrono::seconds(1);

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
        if (m_setting)
            m_setting->renew();
        for (const auto& subscriber : m_subscribers) {
            subscriber->command({"PING"}, this, [this](const redis::Reply& reply) {
                if (reply.isError())
                    fail(u"the subscription was lost: "_s + reply.errorMessage());
            });
        }
    });
}

KeyEventWatch::~KeyEventWatch() = default;

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
            acquireSetting();
    });
}

void KeyEventWatch::acquireSetting()
{
    ops::KeyspaceEventsSetting::Options options;
    options.mayChangeConfig = m_options.mayChangeConfig;
    options.actor = m_options.actor;
    options.purpose = u"expiries and evictions"_s;
    options.flags = "xe";
    m_setting = std::make_unique<ops::KeyspaceEventsSetting>(m_client, options);
    connect(m_setting.get(), &ops::KeyspaceEventsSetting::ready, this, [this] {
        m_report.configBefore = m_setting->before();
        m_report.configChanged = m_setting->changed();
        m_report.configNote = m_setting->note();
        subscribe();
    });
    connect(m_setting.get(), &ops::KeyspaceEventsSetting::failed, this, [this](const QString& message) {
        m_report.configBefore = m_setting->before();
        m_report.configChanged = m_setting->changed();
        fail(message);
    });
    m_setting->acquire();
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
        if (m_setting) {
            m_report.configChanged = m_setting->changed();
            if (m_setting->changed() || !m_setting->note().isEmpty())
                m_report.configNote = m_setting->note();
        }
        m_running = false;
        Q_EMIT finished();
    };
    if (!m_setting)
        done();
    else
        m_setting->release(done);
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

} // namespace cachescope::analysis
