#include "ops/server/serverinfo.h"

#include <QList>

namespace cachescope::ops {

ServerInfo ServerInfo::parse(const QByteArray& infoText)
{
    ServerInfo info;
    const QList<QByteArray> lines = infoText.split('\n');
    for (QByteArray line : lines) {
        line = line.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            continue;
        info.m_fields.insert(line.first(colon), line.sliced(colon + 1));
    }
    return info;
}

ServerInfo ServerInfo::combine(const QList<ServerInfo>& nodes)
{
    if (nodes.isEmpty())
        return {};
    ServerInfo combined = nodes.first();
    QHash<int, qint64> keys = combined.keysPerDatabase();
    for (qsizetype n = 1; n < nodes.size(); ++n) {
        const ServerInfo& node = nodes.at(n);
        for (auto it = node.m_fields.cbegin(); it != node.m_fields.cend(); ++it) {
            bool ok = false;
            const qint64 value = it.value().toLongLong(&ok);
            auto mine = combined.m_fields.find(it.key());
            if (mine == combined.m_fields.end()) {
                combined.m_fields.insert(it.key(), it.value());
                continue;
            }
            static const QList<QByteArray> perProcess {"uptime_in_seconds", "uptime_in_days", "tcp_port", "process_id",
                "lru_clock", "server_time_usec", "hz", "configured_hz", "arch_bits", "redis_git_dirty"};
            bool mineOk = false;
            const qint64 current = mine->toLongLong(&mineOk);
            if (ok && mineOk && !perProcess.contains(it.key()))
                *mine = QByteArray::number(current + value);
        }
        const QHash<int, qint64> nodeKeys = node.keysPerDatabase();
        for (auto it = nodeKeys.cbegin(); it != nodeKeys.cend(); ++it)
            keys[it.key()] += it.value();
    }
    for (auto it = keys.cbegin(); it != keys.cend(); ++it)
        combined.m_fields.insert("db" + QByteArray::number(it.key()), "keys=" + QByteArray::number(it.value()));
    return combined;
}

std::optional<qint64> ServerInfo::integer(const QByteArray& field) const
{
    const auto it = m_fields.constFind(field);
    if (it == m_fields.cend())
        return std::nullopt;
    bool ok = false;
    const qint64 value = it->toLongLong(&ok);
    return ok ? std::optional<qint64>(value) : std::nullopt;
}

QByteArray ServerInfo::text(const QByteArray& field) const
{
    return m_fields.value(field);
}

QHash<int, qint64> ServerInfo::keysPerDatabase() const
{
    QHash<int, qint64> result;
    for (auto it = m_fields.cbegin(); it != m_fields.cend(); ++it) {
        if (!it.key().startsWith("db"))
            continue;
        bool dbOk = false;
        const int db = it.key().sliced(2).toInt(&dbOk);
        if (!dbOk)
            continue;
        for (const QByteArray& part : it.value().split(',')) {
            if (part.startsWith("keys="))
                result.insert(db, part.sliced(5).toLongLong());
        }
    }
    return result;
}

namespace {
qint64 counterDifference(const ServerInfo& before, const ServerInfo& after, const QByteArray& field, bool* reset)
{
    const qint64 a = before.integer(field).value_or(0);
    const qint64 b = after.integer(field).value_or(0);
    if (b < a) {
        *reset = true;
        return b; // counted from zero since the reset
    }
    return b - a;
}

double perSecond(qint64 count, double seconds)
{
    return seconds > 0 ? double(count) / seconds : 0.0;
}
} // namespace

InfoDelta& InfoDelta::operator+=(const InfoDelta& next)
{
    seconds += next.seconds;
    hits += next.hits;
    misses += next.misses;
    expired += next.expired;
    evicted += next.evicted;
    commands += next.commands;
    ownHits += next.ownHits;
    ownMisses += next.ownMisses;
    countersReset = countersReset || next.countersReset;
    return *this;
}

InfoDelta& InfoDelta::addNode(const InfoDelta& other)
{
    const double interval = std::max(seconds, other.seconds);
    *this += other;
    seconds = interval;
    return *this;
}

InfoDelta infoDelta(const ServerInfo& before, const ServerInfo& after, std::chrono::duration<double> elapsed)
{
    InfoDelta delta;
    delta.seconds = elapsed.count();
    bool reset = false;
    delta.hits = counterDifference(before, after, "keyspace_hits", &reset);
    delta.misses = counterDifference(before, after, "keyspace_misses", &reset);
    delta.expired = counterDifference(before, after, "expired_keys", &reset);
    delta.evicted = counterDifference(before, after, "evicted_keys", &reset);
    delta.commands = counterDifference(before, after, "total_commands_processed", &reset);
    // A restarted server also has a new run_id.
    delta.countersReset = reset || before.text("run_id") != after.text("run_id");
    return delta;
}

double InfoDelta::hitsPerSecond() const
{
    return perSecond(hits, seconds);
}

double InfoDelta::missesPerSecond() const
{
    return perSecond(misses, seconds);
}

double InfoDelta::commandsPerSecond() const
{
    return perSecond(commands, seconds);
}

std::optional<double> InfoDelta::hitRate() const
{
    const qint64 lookups = hits + misses;
    if (lookups <= 0)
        return std::nullopt;
    return double(hits) / double(lookups);
}

std::optional<double> lifetimeHitRate(const ServerInfo& info)
{
    const qint64 hits = info.integer("keyspace_hits").value_or(0);
    const qint64 misses = info.integer("keyspace_misses").value_or(0);
    if (hits + misses <= 0)
        return std::nullopt;
    return double(hits) / double(hits + misses);
}

} // namespace cachescope::ops
