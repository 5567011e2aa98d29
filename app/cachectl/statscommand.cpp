#include "statscommand.h"

#include "cliresult.h"
#include "redis/connection.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

namespace {
QString percent(std::optional<double> rate)
{
    return rate ? QString::number(*rate * 100.0, 'f', 1) + u'%' : u"no traffic"_s;
}
} // namespace

StatsCommand::StatsCommand(redis::Connection* connection, Options options, QTextStream& out, QTextStream& err)
    : m_connection(connection)
    , m_options(options)
    , m_out(out)
    , m_err(err)
{
    m_timer.setInterval(m_options.intervalMs);
    connect(&m_timer, &QTimer::timeout, this, &StatsCommand::sample);
}

void StatsCommand::start()
{
    m_clock.start();
    sample();
    if (m_options.watch)
        m_timer.start();
}

void StatsCommand::sample()
{
    m_connection->command({"INFO", "everything"}, this, [this](const redis::Reply& reply) {
        if (reply.isError()) {
            m_err << "cachectl stats: " << reply.errorMessage() << '\n';
            m_timer.stop();
            Q_EMIT finished(ExitFailure);
            return;
        }
        onInfo(ops::ServerInfo::parse(reply.bytes()));
    });
}

void StatsCommand::onInfo(const ops::ServerInfo& info)
{
    if (!m_options.watch) {
        printTotals(info);
        Q_EMIT finished(ExitOk);
        return;
    }
    if (!m_previous) {
        m_out << "Watching " << m_connection->options().displayName() << " every " << m_options.intervalMs
              << " ms (Ctrl-C to stop)\n";
        m_out << "time      hits/s  misses/s    hit rate    ops/s  expired  evicted\n";
        m_out.flush();
    } else {
        printInterval(info);
    }
    m_previous = info;
    m_previousAtMs = m_clock.elapsed();
    if (m_options.samples > 0 && m_samplesPrinted >= m_options.samples) {
        m_timer.stop();
        Q_EMIT finished(ExitOk);
    }
}

void StatsCommand::printTotals(const ops::ServerInfo& info)
{
    const qint64 hits = info.integer("keyspace_hits").value_or(0);
    const qint64 misses = info.integer("keyspace_misses").value_or(0);
    const auto keys = info.keysPerDatabase();
    if (m_options.json) {
        QJsonObject databases;
        for (auto it = keys.cbegin(); it != keys.cend(); ++it)
            databases.insert(u"db"_s + QString::number(it.key()), it.value());
        const auto rate = ops::lifetimeHitRate(info);
        const QJsonObject json {
            {u"server"_s, m_connection->options().displayName()},
            {u"redisVersion"_s, QString::fromUtf8(info.text("redis_version"))},
            {u"keyspaceHits"_s, hits},
            {u"keyspaceMisses"_s, misses},
            {u"hitRate"_s, rate ? QJsonValue(*rate) : QJsonValue()},
            {u"expiredKeys"_s, info.integer("expired_keys").value_or(0)},
            {u"evictedKeys"_s, info.integer("evicted_keys").value_or(0)},
            {u"opsPerSecond"_s, info.integer("instantaneous_ops_per_sec").value_or(0)},
            {u"usedMemoryBytes"_s, info.integer("used_memory").value_or(0)},
            {u"maxMemoryBytes"_s, info.integer("maxmemory").value_or(0)},
            {u"keys"_s, databases},
        };
        m_out << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return;
    }
    m_out << "Server:        " << m_connection->options().displayName() << " (Redis "
          << QString::fromUtf8(info.text("redis_version")) << ", up " << info.integer("uptime_in_seconds").value_or(0)
          << " s)\n";
    m_out << "Lookups:       " << hits << " hits, " << misses << " misses, hit rate "
          << percent(ops::lifetimeHitRate(info)) << " (since start or CONFIG RESETSTAT)\n";
    m_out << "Expired keys:  " << info.integer("expired_keys").value_or(0) << '\n';
    m_out << "Evicted keys:  " << info.integer("evicted_keys").value_or(0) << " (maxmemory-policy "
          << QString::fromUtf8(info.text("maxmemory_policy")) << ")\n";
    m_out << "Ops/s now:     " << info.integer("instantaneous_ops_per_sec").value_or(0) << '\n';
    m_out << "Memory:        " << QString::fromUtf8(info.text("used_memory_human")) << " used";
    if (info.integer("maxmemory").value_or(0) > 0)
        m_out << " of " << QString::fromUtf8(info.text("maxmemory_human"));
    m_out << '\n';
    for (auto it = keys.cbegin(); it != keys.cend(); ++it)
        m_out << "Keys in db" << it.key() << ":   " << it.value() << '\n';
}

void StatsCommand::printInterval(const ops::ServerInfo& info)
{
    const qint64 now = m_clock.elapsed();
    const ops::InfoDelta delta =
        ops::infoDelta(*m_previous, info, std::chrono::duration<double>((now - m_previousAtMs) / 1000.0));
    ++m_samplesPrinted;
    if (m_options.json) {
        const QJsonObject json {
            {u"seconds"_s, delta.seconds},
            {u"hitsPerSecond"_s, delta.hitsPerSecond()},
            {u"missesPerSecond"_s, delta.missesPerSecond()},
            {u"hitRate"_s, delta.hitRate() ? QJsonValue(*delta.hitRate()) : QJsonValue()},
            {u"opsPerSecond"_s, delta.commandsPerSecond()},
            {u"expired"_s, delta.expired},
            {u"evicted"_s, delta.evicted},
            {u"countersReset"_s, delta.countersReset},
        };
        m_out << QJsonDocument(json).toJson(QJsonDocument::Compact) << '\n';
    } else {
        m_out << QString::number(double(now) / 1000.0, 'f', 1).leftJustified(8)
              << QString::number(delta.hitsPerSecond(), 'f', 1).rightJustified(8)
              << QString::number(delta.missesPerSecond(), 'f', 1).rightJustified(10)
              << percent(delta.hitRate()).rightJustified(12)
              << QString::number(delta.commandsPerSecond(), 'f', 0).rightJustified(9)
              << QString::number(delta.expired).rightJustified(9) << QString::number(delta.evicted).rightJustified(9);
        if (delta.countersReset)
            m_out << "  (server restarted or stats reset)";
        m_out << '\n';
    }
    m_out.flush();
}

} // namespace cachescope::cli
