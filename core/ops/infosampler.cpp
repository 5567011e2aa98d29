#include "ops/infosampler.h"

#include "redis/connection.h"

namespace cachescope::ops {

InfoSampler::InfoSampler(redis::Connection* connection, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
{
    connect(&m_timer, &QTimer::timeout, this, &InfoSampler::poll);
}

void InfoSampler::start(std::chrono::milliseconds interval)
{
    m_clock.start();
    m_timer.start(interval);
    poll();
}

void InfoSampler::stop()
{
    m_timer.stop();
    m_previous.reset();
}

void InfoSampler::poll()
{
    if (m_inFlight || !m_connection)
        return; // a slow server gets no pile of INFO commands
    m_inFlight = true;
    // The default sections hold every figure the charts use; "everything" would add per-command tables to a
    // reply fetched every second from a production server.
    m_connection->command({"INFO"}, this, [this](const redis::Reply& reply) {
        m_inFlight = false;
        if (reply.isError()) {
            m_previous.reset(); // the next good sample starts a new interval
            Q_EMIT failed(reply.errorMessage());
            return;
        }
        const ServerInfo info = ServerInfo::parse(reply.bytes());
        const qint64 now = m_clock.elapsed();
        if (m_previous) {
            InfoSample sample;
            sample.at = QDateTime::currentDateTime();
            sample.delta =
                infoDelta(*m_previous, info, std::chrono::duration<double>(double(now - m_previousAtMs) / 1000.0));
            sample.usedMemory = info.integer("used_memory").value_or(0);
            sample.opsPerSecond = info.integer("instantaneous_ops_per_sec").value_or(0);
            for (qint64 keys : info.keysPerDatabase())
                sample.keys += keys;
            Q_EMIT sampled(sample);
        }
        m_previous = info;
        m_previousAtMs = now;
    });
}

} // namespace cachescope::ops
