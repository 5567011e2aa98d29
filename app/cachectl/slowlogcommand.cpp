#include "slowlogcommand.h"
#include "model/optionaljson.h"

#include "cliresult.h"

#include "model/displaybytes.h"
#include "ops/server/latencyreport.h"
#include "ops/server/slowlog.h"
#include "redis/client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

namespace {

QString microseconds(const std::optional<double>& value)
{
    return value ? QString::number(*value, 'f', 1) : u"–"_s;
}
} // namespace

void runSlowLogCommand(
    redis::Client& connection, int count, bool json, QTextStream& out, QTextStream& err, std::function<void(int)> done)
{
    ops::readSlowLog(
        connection, count, &connection, [json, &out, &err, done = std::move(done)](const ops::SlowLog& log) {
            if (json) {
                QJsonArray entries;
                for (const ops::SlowLogEntry& entry : log.entries) {
                    QJsonArray arguments;
                    for (const QByteArray& argument : entry.arguments)
                        arguments.append(model::displayBytes(argument));
                    entries.append(QJsonObject {{u"node"_s, entry.node}, {u"id"_s, entry.id},
                        {u"at"_s, entry.at.toString(Qt::ISODate)}, {u"durationUs"_s, entry.durationUs},
                        {u"command"_s, arguments}, {u"client"_s, entry.clientAddress},
                        {u"clientName"_s, entry.clientName}});
                }
                out << QJsonDocument(QJsonObject {{u"entries"_s, entries}, {u"error"_s, log.error}})
                           .toJson(QJsonDocument::Indented);
            } else {
                const QLocale locale;
                const bool cluster = log.nodes.size() > 1;
                for (const ops::SlowLogEntry& entry : log.entries) {
                    QStringList command;
                    for (const QByteArray& argument : entry.arguments)
                        command.append(model::displayBytes(argument, 60));
                    out << entry.at.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) << "  "
                        << QString(locale.toString(entry.durationUs) + u" µs"_s).rightJustified(12) << "  ";
                    if (cluster)
                        out << entry.node << "  ";
                    out << command.join(u' ') << "  (" << entry.clientAddress
                        << (entry.clientName.isEmpty() ? QString() : u" "_s + entry.clientName) << ")\n";
                }
                if (log.entries.isEmpty() && log.error.isEmpty())
                    out << "The slow log is empty (entries above slowlog-log-slower-than are kept).\n";
            }
            if (!log.error.isEmpty())
                err << "cachectl slowlog: " << log.error << '\n';
            out.flush();
            done(log.error.isEmpty() ? ExitOk : ExitFailure);
        });
}

void runLatencyCommand(
    redis::Client& connection, bool json, QTextStream& out, QTextStream& err, std::function<void(int)> done)
{
    ops::readLatency(
        connection, &connection, [json, &out, &err, done = std::move(done)](const ops::LatencyReport& report) {
            if (json) {
                QJsonArray events;
                for (const ops::LatencyEvent& event : report.events) {
                    QJsonArray history;
                    for (const auto& [at, ms] : event.history)
                        history.append(QJsonArray {at.toString(Qt::ISODate), ms});
                    events.append(QJsonObject {{u"node"_s, event.node}, {u"event"_s, event.event},
                        {u"latestAt"_s, event.latestAt.toString(Qt::ISODate)}, {u"latestMs"_s, event.latestMs},
                        {u"maxMs"_s, event.maxMs}, {u"history"_s, history}});
                }
                QJsonArray commands;
                for (const ops::CommandLatency& command : report.commands)
                    commands.append(QJsonObject {{u"node"_s, command.node}, {u"command"_s, command.command},
                        {u"p50Us"_s, model::optionalNumber(command.p50Us)},
                        {u"p99Us"_s, model::optionalNumber(command.p99Us)},
                        {u"p999Us"_s, model::optionalNumber(command.p999Us)}});
                out << QJsonDocument(QJsonObject {{u"events"_s, events}, {u"commands"_s, commands},
                                         {u"monitorThresholdMs"_s, model::optionalNumber(report.monitorThresholdMs)},
                                         {u"error"_s, report.error}})
                           .toJson(QJsonDocument::Indented);
            } else {
                const bool cluster = report.nodes.size() > 1;
                out << "Latency monitor: ";
                if (!report.monitorThresholdMs)
                    out << "threshold unknown (CONFIG GET refused)\n";
                else if (*report.monitorThresholdMs == 0)
                    out << "off (latency-monitor-threshold 0: no events are recorded)\n";
                else
                    out << "events of " << *report.monitorThresholdMs << " ms and more\n";
                for (const ops::LatencyEvent& event : report.events) {
                    out << "  " << event.event.leftJustified(20) << " latest " << event.latestMs << " ms at "
                        << event.latestAt.toLocalTime().toString(u"HH:mm:ss"_s) << ", max " << event.maxMs << " ms, "
                        << event.history.size() << " samples";
                    if (cluster)
                        out << "  " << event.node;
                    out << '\n';
                }
                out << "\nCommands, slowest p99 first (INFO latencystats, µs):\n"
                    << u"  command"_s.leftJustified(28) << u"p50"_s.rightJustified(10) << u"p99"_s.rightJustified(10)
                    << u"p99.9"_s.rightJustified(10) << (cluster ? u"  node"_s : QString()) << '\n';
                for (const ops::CommandLatency& command : report.commands) {
                    out << "  " << command.command.leftJustified(26) << microseconds(command.p50Us).rightJustified(10)
                        << microseconds(command.p99Us).rightJustified(10)
                        << microseconds(command.p999Us).rightJustified(10);
                    if (cluster)
                        out << "  " << command.node;
                    out << '\n';
                }
            }
            if (!report.error.isEmpty())
                err << "cachectl latency: " << report.error << '\n';
            out.flush();
            done(report.error.isEmpty() ? ExitOk : ExitFailure);
        });
}

PreparedCommand prepareSlowLog(CommandInput& input)
{
    const int count = input.positive(u"count"_s, 20);
    const bool json = input.json();
    return runFunction(input, u"slowlog"_s,
        [count, json](redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done) {
            runSlowLogCommand(connection, count, json, out, err, std::move(done));
        });
}

PreparedCommand prepareLatency(CommandInput& input)
{
    const bool json = input.json();
    return runFunction(input, u"latency"_s,
        [json](redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done) {
            runLatencyCommand(connection, json, out, err, std::move(done));
        });
}

} // namespace cachescope::cli
