#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace cachescope::redis {
class Client;
class Reply;
}

namespace cachescope::ops {

// A latency event the server's monitor recorded (LATENCY LATEST, with LATENCY HISTORY's samples), per node. The
// monitor records only with latency-monitor-threshold set (0, the default, records nothing: said as such).
struct LatencyEvent
{
    QString node;
    QString event; // "command", "fast-command", "expire-cycle", "eviction-cycle"…
    QDateTime latestAt; // UTC
    qint64 latestMs = 0;
    qint64 maxMs = 0;
    QList<std::pair<QDateTime, qint64>> history; // (when, ms), oldest first
};

// A command's latency percentiles from INFO latencystats (Redis 7), per node.
struct CommandLatency
{
    QString node;
    QString command; // "get", "memory|usage"
    std::optional<double> p50Us;
    std::optional<double> p99Us;
    std::optional<double> p999Us;
};

struct LatencyReport
{
    QList<LatencyEvent> events; // newest first
    QList<CommandLatency> commands; // the slowest p99 first
    QStringList nodes;
    std::optional<qint64> monitorThresholdMs; // latency-monitor-threshold, when CONFIG GET was allowed
    QString error; // the first node that failed, named; the figures are then the other nodes'
};

// LATENCY LATEST, LATENCY HISTORY per event, INFO latencystats and CONFIG GET latency-monitor-threshold from every
// node (all reads; a refused CONFIG GET leaves the threshold unknown). Calls back once, never from inside this call.
void readLatency(redis::Client& client, const QObject* context, std::function<void(const LatencyReport&)> done);

// The commands of an INFO latencystats text: "latency_percentiles_usec_get:p50=1.003,p99=2.007,p99.9=5.023".
QList<CommandLatency> parseLatencyStats(const QByteArray& info, const QString& node);
// The events of a LATENCY LATEST reply.
QList<LatencyEvent> parseLatencyLatest(const redis::Reply& reply, const QString& node);
// Newest events and slowest commands first; ties by node, then name, so that a refresh does not reorder equal rows.
void sortForDisplay(LatencyReport& report);

} // namespace cachescope::ops
