#include "ops/audit/auditwriter.h"

#include "redis/client.h"

namespace cachescope::ops {

using namespace Qt::StringLiterals;
using std::chrono::milliseconds;

namespace {
// The server is gone or not ready: the same record can be written once it is back.
bool worthRetrying(redis::ErrorKind kind)
{
    switch (kind) {
    case redis::ErrorKind::ConnectionLost:
    case redis::ErrorKind::Timeout:
    case redis::ErrorKind::NotConnected:
    case redis::ErrorKind::Loading:
    case redis::ErrorKind::Busy:
    case redis::ErrorKind::MasterDown:
    case redis::ErrorKind::TryAgain:
    case redis::ErrorKind::ClusterDown:
    case redis::ErrorKind::Unroutable:
        return true;
    default:
        return false;
    }
}
} // namespace

AuditWriter::AuditWriter(redis::Client* client, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_retryWindow(std::max(milliseconds(10000), client ? client->options().commandTimeout * 2 : milliseconds(0)))
{
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, &AuditWriter::writeNext);
}

void AuditWriter::write(AuditRecord record)
{
    record.at = QDateTime::currentDateTimeUtc();
    m_queue.push_back(std::move(record));
    writeNext();
}

void AuditWriter::writeNext()
{
    if (m_writing || m_retry.isActive() || m_queue.empty())
        return;
    if (!m_client) {
        done(u"the connection is gone"_s);
        return;
    }
    if (m_client->state() == redis::Client::State::Disconnected)
        m_client->open(); // a client without auto-reconnect gave up: the record is worth a new attempt
    m_writing = true;
    m_client->command(auditAppendCommand(m_queue.front()), this, [this](const redis::Reply& reply) {
        m_writing = false;
        if (reply.isString()) {
            done({});
            return;
        }
        if (!m_queue.front().dryRun && worthRetrying(reply.errorKind())) {
            if (!m_failingSince.isValid())
                m_failingSince.start();
            if (m_failingSince.elapsed() < m_retryWindow.count()) {
                m_retry.start(200);
                return;
            }
        }
        done(reply.isError() ? reply.errorMessage() : u"unexpected XADD reply"_s);
    });
}

void AuditWriter::done(const QString& error)
{
    const AuditRecord record = std::move(m_queue.front());
    m_queue.pop_front();
    m_failingSince.invalidate();
    if (!error.isEmpty() && !record.dryRun)
        m_errors.append(u"%1 %2: %3"_s.arg(record.action, record.target.left(200), error));
    writeNext();
    if (isIdle())
        Q_EMIT idle();
}

} // namespace cachescope::ops
