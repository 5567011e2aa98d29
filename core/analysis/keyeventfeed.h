#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace cachescope::redis {
class Client;
class Connection;
}

namespace cachescope::analysis {

// The keyevent notifications (__keyevent@DB__:EVENT) of every master, in the order each server published them:
// one subscriber connection per master, which never reconnects by itself (a lost subscription loses events: the
// watch says so). A PING a second on each notices a frozen server within the command timeout; drain() waits
// until every event published before it has arrived.
class KeyeventFeed : public QObject
{
    Q_OBJECT
public:
    using Handler = std::function<void(QByteArrayView event, const QByteArray& key)>;

    KeyeventFeed(redis::Client* client, QList<QByteArray> events, Handler handler, QObject* parent = nullptr);
    ~KeyeventFeed() override;

    // Subscribes on every master; emits listening() when each channel is confirmed, or lost(reason).
    void open();
    // Calls `done` once every event published before the call has been handled; nothing is handled after it.
    void drain(std::function<void()> done);
    void close();

Q_SIGNALS:
    void listening();
    void lost(const QString& reason);

private:
    void loseOnce(const QString& reason);

    QPointer<redis::Client> m_client;
    QList<QByteArray> m_events;
    Handler m_handler;
    std::vector<std::unique_ptr<redis::Connection>> m_subscribers;
    QTimer m_heartbeat;
    int m_pending = 0;
    bool m_lost = false;
    bool m_drained = false;
};

// The sum over every master of some INFO stats counters (expired_keys, keyspace_misses…); nothing when a read
// failed. What a watch's totals are checked against.
void readInfoStatsSum(redis::Client* client, const QList<QByteArray>& fields, const QObject* context,
    std::function<void(std::optional<QList<qint64>>)> done);

} // namespace cachescope::analysis
