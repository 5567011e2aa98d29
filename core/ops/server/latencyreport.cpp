#include "ops/server/latencyreport.h"

#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"
#include "redis/reply.h"

#include <QPointer>

#include <algorithm>
#include <memory>
#include <tuple>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

QList<CommandLatency> parseLatencyStats(const QByteArray& info, const QString& node)
{
    static const QByteArray prefix = "latency_percentiles_usec_";
    QList<CommandLatency> commands;
    for (QByteArray line : info.split('\n')) {
        line = line.trimmed();
        if (!line.startsWith(prefix))
            continue;
        const qsizetype colon = line.indexOf(':');
        if (colon < 0)
            continue;
        CommandLatency command;
        command.node = node;
        command.command = QString::fromUtf8(line.mid(prefix.size(), colon - prefix.size()));
        for (const QByteArray& field : line.mid(colon + 1).split(',')) {
            const qsizetype equals = field.indexOf('=');
            bool ok = false;
            const double value = field.mid(equals + 1).toDouble(&ok);
            if (equals < 0 || !ok)
                continue;
            const QByteArray name = field.left(equals);
            if (name == "p50")
                command.p50Us = value;
            else if (name == "p99")
                command.p99Us = value;
            else if (name == "p99.9")
                command.p999Us = value;
        }
        commands.append(command);
    }
    return commands;
}

QList<LatencyEvent> parseLatencyLatest(const redis::Reply& reply, const QString& node)
{
    QList<LatencyEvent> events;
    if (!reply.isArray())
        return events;
    for (const redis::Reply& item : reply.elements()) {
        const auto& fields = item.elements();
        if (!item.isArray() || fields.size() < 4 || !fields[1].isInteger() || !fields[2].isInteger()
            || !fields[3].isInteger())
            continue;
        events.append({node, QString::fromUtf8(fields[0].bytes()),
            QDateTime::fromSecsSinceEpoch(fields[1].integer(), Qt::UTC), fields[2].integer(), fields[3].integer(), {}});
    }
    return events;
}

void sortForDisplay(LatencyReport& report)
{
    std::sort(report.events.begin(), report.events.end(), [](const LatencyEvent& a, const LatencyEvent& b) {
        if (a.latestAt != b.latestAt)
            return a.latestAt > b.latestAt;
        return std::tie(a.node, a.event) < std::tie(b.node, b.event);
    });
    std::sort(report.commands.begin(), report.commands.end(), [](const CommandLatency& a, const CommandLatency& b) {
        const double slowerA = a.p99Us.value_or(-1);
        const double slowerB = b.p99Us.value_or(-1);
        if (slowerA != slowerB)
            return slowerA > slowerB;
        return std::tie(a.node, a.command) < std::tie(b.node, b.command);
    });
}

namespace {
struct LatencyRound
{
    LatencyReport report;
    std::function<void(const LatencyReport&)> done;
    int pending = 0;

    void fail(const QString& node, const redis::Reply& reply)
    {
        if (report.error.isEmpty())
            report.error = (report.nodes.size() > 1 ? node + u": "_s : QString()) + reply.errorMessage();
    }
    void finishOne()
    {
        if (--pending > 0)
            return;
        sortForDisplay(report);
        done(report);
    }
};
} // namespace

void readLatency(redis::Client& client, const QObject* context, std::function<void(const LatencyReport&)> done)
{
    auto round = std::make_shared<LatencyRound>();
    round->done = std::move(done);
    QPointer<redis::Client> guard(&client);
    redis::whenNodesKnown(&client, context, [guard, context, round](const QString& error) {
        if (!error.isEmpty() || !guard) {
            round->report.error = error.isEmpty() ? u"the connection is gone"_s : error;
            round->done(round->report);
            return;
        }
        const QList<redis::Connection*> nodes = guard->nodes();
        for (int i = 0; i < nodes.size(); ++i)
            round->report.nodes.append(guard->describeNode(i));
        round->pending = int(nodes.size());
        for (int i = 0; i < nodes.size(); ++i) {
            redis::Connection* node = nodes.at(i);
            const QString name = round->report.nodes.at(i);
            const QList<redis::AddressedCommand> commands {{node, {"LATENCY", "LATEST"}},
                {node, {"INFO", "latencystats"}}, {node, {"CONFIG", "GET", "latency-monitor-threshold"}}};
            redis::gatherReplies(commands, context, [node, name, context, round](const std::vector<redis::Reply>& r) {
                if (r[0].isError())
                    round->fail(name, r[0]);
                if (r[1].isError())
                    round->fail(name, r[1]);
                round->report.commands += parseLatencyStats(r[1].bytes(), name);
                // CONFIG GET may be refused to a restricted user: the threshold is then unknown, not an error.
                if (r[2].isArray() && r[2].elements().size() == 2)
                    round->report.monitorThresholdMs = r[2].elements()[1].bytes().toLongLong();
                QList<LatencyEvent> events = parseLatencyLatest(r[0], name);
                if (events.isEmpty()) {
                    round->finishOne();
                    return;
                }
                QList<redis::AddressedCommand> histories;
                for (const LatencyEvent& event : events)
                    histories.append({node, {"LATENCY", "HISTORY", event.event.toUtf8()}});
                redis::gatherReplies(histories, context,
                    [round, events = std::move(events)](const std::vector<redis::Reply>& replies) mutable {
                        for (std::size_t e = 0; e < replies.size(); ++e) {
                            for (const redis::Reply& sample : replies[e].elements()) {
                                const auto& pair = sample.elements();
                                if (sample.isArray() && pair.size() == 2 && pair[0].isInteger() && pair[1].isInteger())
                                    events[qsizetype(e)].history.append(
                                        {QDateTime::fromSecsSinceEpoch(pair[0].integer(), Qt::UTC), pair[1].integer()});
                            }
                        }
                        round->report.events += events;
                        round->finishOne();
                    });
            });
        }
    });
}

} // namespace cachescope::ops
