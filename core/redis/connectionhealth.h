#pragma once

#include "redis/client.h"

#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>

#include <optional>

namespace cachescope::redis {

// Whether what a tool shows from a client is live: the one place that decides "live", "lost since 03:34:52 and
// why" and "back", so that every pane presents the same answer. Lost is any state but Ready after the client was
// Ready once (before that the panes are empty, not stale); the reason is the client's last error.
class ConnectionHealth : public QObject
{
    Q_OBJECT
public:
    explicit ConnectionHealth(Client* client, QObject* parent = nullptr);

    bool isLive() const
    {
        return !m_lostSince && m_everLive;
    }
    bool everLive() const
    {
        return m_everLive;
    }
    // When the client last stopped being Ready; nothing while live.
    std::optional<QDateTime> lostSince() const
    {
        return m_lostSince;
    }
    // Why, as the client said it ("127.0.0.1:6379: Connection refused"); empty while live.
    QString reason() const;
    // The status line: "connected", "connecting…", or "lost since 03:34:52 (35 s): <reason> · reconnecting, retrying
    // every ≤ 5 s".
    QString describe(const QDateTime& now = QDateTime::currentDateTime()) const;
    // How many times the connection was lost since it was first live.
    int losses() const
    {
        return m_losses;
    }

    // "last known 14:02:11, 35 s ago": how a figure that is no longer live says so.
    static QString staleLabel(const QDateTime& lastKnown, const QDateTime& now = QDateTime::currentDateTime());
    // "35 s", "4 min 10 s", "2 h 5 min".
    static QString ageText(qint64 seconds);

Q_SIGNALS:
    void lost(); // live → not live
    void restored(); // Ready again after a loss: what went stale should be read again
    void changed(); // any change of state or reason

private:
    void onStateChanged(Client::State state);

    QPointer<Client> m_client;
    bool m_everLive = false;
    std::optional<QDateTime> m_lostSince;
    int m_losses = 0;
};

} // namespace cachescope::redis
