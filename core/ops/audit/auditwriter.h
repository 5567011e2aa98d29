#pragma once

#include "ops/audit/audit.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QTimer>

#include <chrono>
#include <deque>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// Writes audit records in order and makes a write's record survive a server that stalls or restarts: a record
// lost because the server is gone or not ready is retried (reconnecting a client that gave up) until it lands or
// `retryWindow` has passed — 10 s, or twice the command timeout when that is longer. A dry run's record is best
// effort (a read-only ACL user may not write it): it is tried once. What could not be written is in errors().
class AuditWriter : public QObject
{
    Q_OBJECT
public:
    explicit AuditWriter(redis::Client* client, QObject* parent = nullptr);

    void setRetryWindow(std::chrono::milliseconds window)
    {
        m_retryWindow = window;
    }
    // Stamps the record with the time of the call, not of the attempt that lands.
    void write(AuditRecord record);
    bool isIdle() const
    {
        return m_queue.empty() && !m_writing;
    }
    // "invalidate events:*: <why>" for each write's record that could not be written.
    const QStringList& errors() const
    {
        return m_errors;
    }

Q_SIGNALS:
    void idle(); // every record so far is written or given up

private:
    void writeNext();
    void done(const QString& error);

    QPointer<redis::Client> m_client;
    std::deque<AuditRecord> m_queue;
    bool m_writing = false;
    QElapsedTimer m_failingSince; // invalid while the head record has not failed yet
    std::chrono::milliseconds m_retryWindow;
    QTimer m_retry;
    QStringList m_errors;
};

} // namespace cachescope::ops
