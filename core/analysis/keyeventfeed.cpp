#include "analysis/keyeventfeed.h"

#include "ops/server/serverinfo.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr auto heartbeatInterval = std::chrono::seconds(1);
}

KeyeventFeed::KeyeventFeed(redis::Client* client, QList<QByteArray> events, Handler handler, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_events(std::move(events))
    , m_handler(std::move(handler))
{
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        for (const auto& subscriber : m_subscribers) {
            subscriber->command({"PING"}, this, [this](const redis::Reply& reply) {
                if (reply.isError())
                    loseOnce(reply.errorMessage());
            });
        }
    });
}

KeyeventFeed::~KeyeventFeed() = default;

void KeyeventFeed::open()
{
    close();
    m_lost = false;
    m_drained = false;
    if (!m_client) {
        loseOnce(u"no connection"_s);
        return;
    }
    const QList<redis::Connection*> nodes = m_client->nodes();
    m_pending = int(nodes.size() * m_events.size());
    for (redis::Connection* node : nodes) {
        redis::ConnectionOptions options = node->options();
        options.autoReconnect = false;
        options.readOnly = true;
        auto subscriber = std::make_unique<redis::Connection>(options);
        subscriber->setPushHandler([this](const redis::Reply& message) {
            const auto& parts = message.elements();
            if (m_drained || m_lost || parts.size() != 3)
                return;
            const QByteArray& channel = parts[1].bytes();
            m_handler(QByteArrayView(channel).sliced(channel.lastIndexOf(':') + 1), parts[2].bytes());
        });
        connect(subscriber.get(), &redis::Connection::errorOccurred, this,
            [this](redis::ErrorKind, const QString& message) { loseOnce(message); });
        const QByteArray prefix = "__keyevent@" + QByteArray::number(options.database) + "__:";
        subscriber->open(); // the SUBSCRIBE waits for the handshake
        // One channel per SUBSCRIBE: the server confirms each channel with a reply of its own.
        for (const QByteArray& event : m_events) {
            subscriber->command({"SUBSCRIBE", prefix + event}, this, [this](const redis::Reply& reply) {
                if (reply.isError()) {
                    loseOnce(u"SUBSCRIBE failed: "_s + reply.errorMessage());
                    return;
                }
                if (--m_pending == 0 && !m_lost) {
                    m_heartbeat.start(heartbeatInterval);
                    Q_EMIT listening();
                }
            });
        }
        m_subscribers.push_back(std::move(subscriber));
    }
}

void KeyeventFeed::drain(std::function<void()> done)
{
    m_heartbeat.stop();
    auto remaining = std::make_shared<int>(int(m_subscribers.size()));
    const auto drained = [this, done = std::move(done)] {
        m_drained = true;
        close();
        done();
    };
    if (*remaining == 0 || m_lost) {
        drained();
        return;
    }
    // A PING on each subscription answers after every event the server published before it.
    for (const auto& subscriber : m_subscribers) {
        subscriber->command({"PING"}, this, [remaining, drained](const redis::Reply&) {
            if (--*remaining == 0)
                drained();
        });
    }
}

void KeyeventFeed::close()
{
    m_heartbeat.stop();
    // Deleted later: this may run inside one of their callbacks.
    for (auto& subscriber : m_subscribers) {
        subscriber->setPushHandler({});
        subscriber->disconnect(this);
        subscriber->close();
        subscriber.release()->deleteLater();
    }
    m_subscribers.clear();
}

void KeyeventFeed::loseOnce(const QString& reason)
{
    if (m_lost || m_drained)
        return;
    m_lost = true;
    close();
    Q_EMIT lost(reason);
}

void readInfoStatsSum(redis::Client* client, const QList<QByteArray>& fields, const QObject* context,
    std::function<void(std::optional<QList<qint64>>)> done)
{
    QList<redis::AddressedCommand> commands;
    for (redis::Connection* node : client ? client->nodes() : QList<redis::Connection*> {})
        commands.append({node, {"INFO", "stats"}});
    redis::gatherReplies(commands, context, [fields, done = std::move(done)](const std::vector<redis::Reply>& replies) {
        if (replies.empty() || redis::firstError(replies)) {
            done(std::nullopt);
            return;
        }
        QList<qint64> sums(fields.size(), 0);
        for (const redis::Reply& reply : replies) {
            const ops::ServerInfo info = ops::ServerInfo::parse(reply.bytes());
            for (qsizetype i = 0; i < fields.size(); ++i)
                sums[i] += info.integer(fields.at(i)).value_or(0);
        }
        done(sums);
    });
}

} // namespace cachescope::analysis
