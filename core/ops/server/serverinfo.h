#pragma once

#include <QByteArray>
#include <QHash>
#include <QList>
#include <QString>

#include <chrono>
#include <optional>

namespace cachescope::ops {

// One INFO reply, parsed. Counters are kept as text and read on demand, since INFO has hundreds of fields
// and the tools use a handful.
class ServerInfo
{
public:
    static ServerInfo parse(const QByteArray& infoText);
    // The figures of a cluster's masters as one: integer fields add up (counters, memory, keys per database);
    // per-process ones (uptime, port, pid, clock) and text fields are the first node's.
    static ServerInfo combine(const QList<ServerInfo>& nodes);

    std::optional<qint64> integer(const QByteArray& field) const;
    QByteArray text(const QByteArray& field) const;
    bool contains(const QByteArray& field) const
    {
        return m_fields.contains(field);
    }
    // Keys per database from the Keyspace section ("db0:keys=12,expires=3,…").
    QHash<int, qint64> keysPerDatabase() const;

private:
    QHash<QByteArray, QByteArray> m_fields;
};

// What happened between two INFO samples. Rates come from counter differences, so they describe the
// interval, not the server's lifetime; an interval without lookups has no hit rate at all.
struct InfoDelta
{
    double seconds = 0;
    qint64 hits = 0;
    qint64 misses = 0;
    qint64 expired = 0;
    qint64 evicted = 0;
    qint64 commands = 0;
    // CacheScope's own lookups in this interval, already taken out of hits and misses (see InfoSampler).
    qint64 ownHits = 0;
    qint64 ownMisses = 0;
    bool countersReset = false; // the server restarted (or CONFIG RESETSTAT) between the samples

    double hitsPerSecond() const;
    double missesPerSecond() const;
    double commandsPerSecond() const;
    // In [0, 1]; nothing when there were no lookups ("no traffic", never 100%).
    std::optional<double> hitRate() const;
    // Joins consecutive intervals into one (for downsampled charts): counts and seconds add up.
    InfoDelta& operator+=(const InfoDelta& next);
    // Joins the same interval seen on another node (a cluster's masters): counts add up, seconds do not.
    InfoDelta& addNode(const InfoDelta& other);
};

InfoDelta infoDelta(const ServerInfo& before, const ServerInfo& after, std::chrono::duration<double> elapsed);

// Lifetime hit rate from one sample; nothing when the server has seen no lookups.
std::optional<double> lifetimeHitRate(const ServerInfo& info);

} // namespace cachescope::ops
