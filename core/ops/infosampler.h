#pragma once

#include "ops/serverinfo.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <optional>

namespace cachescope::redis {
class Connection;
}

namespace cachescope::ops {

// One point of the live charts: what happened on the server during one sampling interval.
struct InfoSample
{
    QDateTime at;
    InfoDelta delta;
    qint64 usedMemory = 0;
    qint64 opsPerSecond = 0; // the server's own instantaneous figure
    qint64 keys = 0; // all databases
};

// Samples INFO at a fixed interval and reports the change between samples: the rates the charts plot.
// At most one INFO is in flight; a sample that comes late is measured over the real elapsed time.
class InfoSampler : public QObject
{
    Q_OBJECT
public:
    explicit InfoSampler(redis::Connection* connection, QObject* parent = nullptr);

    void start(std::chrono::milliseconds interval = std::chrono::milliseconds(1000));
    void stop();
    bool isRunning() const
    {
        return m_timer.isActive();
    }

Q_SIGNALS:
    void sampled(const cachescope::ops::InfoSample& sample);
    void failed(const QString& error);

private:
    void poll();

    QPointer<redis::Connection> m_connection;
    QTimer m_timer;
    QElapsedTimer m_clock;
    std::optional<ServerInfo> m_previous;
    qint64 m_previousAtMs = 0;
    bool m_inFlight = false;
};

} // namespace cachescope::ops

Q_DECLARE_METATYPE(cachescope::ops::InfoSample)
