#include "redis/connectionhealth.h"

namespace cachescope::redis {

using namespace Qt::StringLiterals;

ConnectionHealth::ConnectionHealth(Client* client, QObject* parent)
    : QObject(parent)
    , m_client(client)
{
    connect(client, &Client::stateChanged, this, &ConnectionHealth::onStateChanged);
    connect(client, &Client::errorOccurred, this, &ConnectionHealth::changed);
    if (client->isReady())
        m_everLive = true;
}

void ConnectionHealth::onStateChanged(Client::State state)
{
    if (state == Client::State::Ready) {
        const bool wasLost = m_lostSince.has_value();
        m_everLive = true;
        m_lostSince.reset();
        Q_EMIT changed();
        if (wasLost)
            Q_EMIT restored();
        return;
    }
    if (m_everLive && !m_lostSince) {
        m_lostSince = QDateTime::currentDateTime();
        ++m_losses;
        Q_EMIT changed();
        Q_EMIT lost();
        return;
    }
    Q_EMIT changed();
}

QString ConnectionHealth::reason() const
{
    if (!m_client || isLive())
        return {};
    // The server's name is beside the status already: "127.0.0.1:6379: Connection refused" reads "Connection refused".
    QString why = m_client->lastError();
    const QString prefix = m_client->options().displayName() + u": "_s;
    if (why.startsWith(prefix))
        why.remove(0, prefix.size());
    return why;
}

QString ConnectionHealth::ageText(qint64 seconds)
{
    seconds = std::max<qint64>(0, seconds);
    if (seconds < 60)
        return u"%1 s"_s.arg(seconds);
    if (seconds < 3600)
        return u"%1 min %2 s"_s.arg(seconds / 60).arg(seconds % 60);
    return u"%1 h %2 min"_s.arg(seconds / 3600).arg(seconds % 3600 / 60);
}

QString ConnectionHealth::staleLabel(const QDateTime& lastKnown, const QDateTime& now)
{
    if (!lastKnown.isValid())
        return u"not known yet"_s;
    return u"last known %1, %2 ago"_s.arg(lastKnown.toString(u"HH:mm:ss"_s), ageText(lastKnown.secsTo(now)));
}

QString ConnectionHealth::describe(const QDateTime& now) const
{
    if (!m_client)
        return u"no connection"_s;
    const Client::State state = m_client->state();
    if (!m_lostSince) {
        switch (state) {
        case Client::State::Ready:
            return u"connected"_s;
        case Client::State::Disconnected:
            return m_client->lastError().isEmpty() ? u"disconnected"_s : u"disconnected: "_s + m_client->lastError();
        default:
            return m_client->lastError().isEmpty() ? u"connecting…"_s
                                                   : u"connecting… (last try: %1)"_s.arg(m_client->lastError());
        }
    }
    QString text = u"lost since %1 (%2)"_s.arg(m_lostSince->toString(u"HH:mm:ss"_s), ageText(m_lostSince->secsTo(now)));
    if (const QString why = reason(); !why.isEmpty())
        text += u": "_s + why;
    switch (state) {
    case Client::State::Disconnected:
        text += u" · gave up (reconnect from File › Connect to…)"_s;
        break;
    case Client::State::Connecting:
    case Client::State::Handshaking:
        text += u" · reconnecting now"_s;
        break;
    case Client::State::WaitingToReconnect:
    case Client::State::Ready:
        text += u" · retrying every %1 s at most"_s.arg(
            QString::number(double(m_client->options().reconnectMaxDelay.count()) / 1000.0));
        break;
    }
    return text;
}

} // namespace cachescope::redis
