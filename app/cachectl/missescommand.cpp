#include "missescommand.h"

#include "cliresult.h"

#include "model/displaybytes.h"
#include "ops/routes/routeconfigstore.h"
#include "ops/server/keyspaceeventssetting.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>

namespace cachescope::cli {

using namespace Qt::StringLiterals;
using analysis::MissCounts;
using analysis::MissReason;

namespace {
constexpr auto liveInterval = std::chrono::seconds(5);

QString percentOf(qint64 part, qint64 whole)
{
    return whole > 0 ? QLocale().toString(100.0 * double(part) / double(whole), 'f', 0) + u" %"_s : u"–"_s;
}

QString reasonsLine(const MissCounts& counts)
{
    const QLocale locale;
    QStringList parts;
    for (int i = 0; i < analysis::missReasonCount; ++i) {
        const qint64 n = counts.reasons[std::size_t(i)];
        parts.append(u"%1 %2 (%3)"_s.arg(
            analysis::missReasonName(MissReason(i)), locale.toString(n), percentOf(n, counts.misses)));
    }
    return parts.join(u", "_s);
}

QString timeOf(qint64 ms)
{
    return QDateTime::fromMSecsSinceEpoch(ms).toString(u"HH:mm:ss"_s);
}

QJsonValue optionalNumber(const std::optional<double>& value)
{
    return value ? QJsonValue(*value) : QJsonValue(QJsonValue::Null);
}
} // namespace

MissesCommand::MissesCommand(redis::Client* client, Options options, QTextStream& out, QTextStream& err)
    : m_client(client)
    , m_options(std::move(options))
    , m_out(out)
    , m_err(err)
{
    m_duration.setSingleShot(true);
    connect(&m_live, &QTimer::timeout, this, &MissesCommand::printLive);
}

MissesCommand::~MissesCommand() = default;

void MissesCommand::start()
{
    if (m_options.restore) {
        ops::KeyspaceEventsSetting::restoreAbandoned(
            m_client, m_options.watch.actor, this, [this](const QString& note, const QString& error) {
                if (!error.isEmpty()) {
                    m_err << "cachectl misses --restore: " << error << '\n' << Qt::flush;
                    Q_EMIT finished(ExitFailure);
                    return;
                }
                m_out << note << '\n' << Qt::flush;
                Q_EMIT finished(ExitOk);
            });
        return;
    }
    // The live rules give each key its route and TTL (the defaults when nothing is stored).
    m_routes = std::make_unique<ops::RouteConfigStore>(m_client);
    m_routes->load(this, [this](std::optional<ops::RouteConfigSnapshot> snapshot, const QString& error) {
        if (!snapshot) {
            m_err << "cachectl misses: the route rules could not be read (" << model::displayText(error)
                  << "); the defaults place and time the keys\n"
                  << Qt::flush;
        } else {
            m_options.watch.anatomy.routes = snapshot->config;
        }
        startWatch();
    });
}

void MissesCommand::startWatch()
{
    if (m_cancelled) {
        Q_EMIT finished(ExitInterrupted);
        return;
    }
    m_watch = std::make_unique<analysis::MissWatch>(m_client, m_options.watch);
    connect(&m_duration, &QTimer::timeout, m_watch.get(), &analysis::MissWatch::stop);
    connect(m_watch.get(), &analysis::MissWatch::started, this, [this] {
        if (!m_options.json)
            m_err << "watching misses for " << m_options.seconds << " s (Ctrl-C ends it early)\n" << Qt::flush;
        m_watched = true;
        m_duration.start(std::chrono::seconds(m_options.seconds));
        if (!m_options.json)
            m_live.start(liveInterval);
    });
    connect(m_watch.get(), &analysis::MissWatch::gapStarted, this, [this](const QString& reason) {
        if (!m_options.json)
            m_err << timeOf(QDateTime::currentMSecsSinceEpoch()) << " the subscription was lost ("
                  << model::displayText(reason)
                  << "); reopening every 2 s, misses after it are told from what comes after\n"
                  << Qt::flush;
    });
    connect(m_watch.get(), &analysis::MissWatch::gapEnded, this, [this] {
        if (!m_options.json)
            m_err << timeOf(QDateTime::currentMSecsSinceEpoch()) << " subscribed again\n" << Qt::flush;
    });
    connect(m_watch.get(), &analysis::MissWatch::finished, this, [this] {
        m_live.stop();
        const analysis::MissWatch::Report report = m_watch->report();
        if (m_options.json)
            printJson(report);
        else if (m_watched)
            print(report);
        if (report.configChanged && !report.configNote.isEmpty())
            m_err << model::displayText(report.configNote) << '\n';
        if (!report.error.isEmpty())
            m_err << "cachectl misses: " << model::displayText(report.error) << '\n';
        m_err.flush();
        Q_EMIT finished(!report.error.isEmpty() ? ExitFailure : m_cancelled ? ExitInterrupted : ExitOk);
    });
    m_watch->start();
}

void MissesCommand::cancel()
{
    m_cancelled = true;
    m_duration.stop();
    if (m_watch)
        m_watch->stop();
}

void MissesCommand::printLive()
{
    const auto report = m_watch->report();
    m_err << timeOf(QDateTime::currentMSecsSinceEpoch()) << ' ' << QLocale().toString(report.anatomy.total.misses)
          << " misses: " << reasonsLine(report.anatomy.total) << '\n'
          << Qt::flush;
}

void MissesCommand::print(const analysis::MissWatch::Report& report)
{
    const QLocale locale;
    const auto& anatomy = report.anatomy;
    m_out << "In " << locale.toString(double(anatomy.endedMs - anatomy.startedMs) / 1000, 'f', 1)
          << " s: " << locale.toString(anatomy.total.misses) << " misses";
    if (report.serverMisses)
        m_out << " (the server counted " << locale.toString(*report.serverMisses) << ", "
              << locale.toString(anatomy.ownKeys) << " of them on CacheScope's own keys)";
    m_out << "\n  " << reasonsLine(anatomy.total) << '\n';
    for (const auto& gap : report.gaps)
        m_out << "  events lost " << timeOf(gap.fromMs) << "–" << timeOf(gap.toMs) << " ("
              << model::displayText(gap.reason, 200) << "): misses after it are told from what came after\n";
    if (anatomy.droppedRemovals > 0)
        m_out << "  " << locale.toString(anatomy.droppedRemovals)
              << " removals fell out of the watch's bounded memory: later misses on them are unknown\n";
    const qint64 invalidated = anatomy.total.reasons[std::size_t(MissReason::Invalidated)];
    if (invalidated > 0) {
        m_out << "\nInvalidated:\n";
        for (const auto& run : anatomy.invalidatedByRuns)
            m_out << "  " << locale.toString(run.misses).rightJustified(8) << "  by "
                  << model::displayText(run.record.actor, 80) << ", " << model::displayText(run.record.target, 120)
                  << " (audit " << model::displayBytes(run.record.auditId) << ")\n";
        if (anatomy.invalidatedByOthers > 0)
            m_out << "  " << locale.toString(anatomy.invalidatedByOthers).rightJustified(8)
                  << "  by other clients (no CacheScope run's record covers the deletion)\n";
        if (anatomy.invalidatedPending > 0)
            m_out << "  " << locale.toString(anatomy.invalidatedPending).rightJustified(8)
                  << "  not attributed (too many waiting for a record)\n";
    }
    const auto rows = analysis::rankedByMisses(anatomy.groups[std::size_t(m_options.by)]);
    QStringList header {u"misses"_s};
    for (int i = 0; i < analysis::missReasonCount; ++i)
        header.append(analysis::missReasonName(MissReason(i)));
    m_out << '\n' << QString(u"by "_s + analysis::dimensionName(m_options.by)).leftJustified(36);
    for (const QString& name : header)
        m_out << name.rightJustified(12);
    m_out << "   expired late by " << analysis::latenessBucketName(0);
    for (int i = 1; i < analysis::latenessBucketCount; ++i)
        m_out << " / " << analysis::latenessBucketName(i);
    m_out << '\n';
    const qsizetype shown = m_options.rows > 0 ? std::min<qsizetype>(m_options.rows, rows.size()) : rows.size();
    for (qsizetype i = 0; i < shown; ++i) {
        const auto& [label, counts] = rows.at(i);
        m_out << model::displayBytes(label).leftJustified(36, u' ', true)
              << locale.toString(counts.misses).rightJustified(12);
        for (int r = 0; r < analysis::missReasonCount; ++r)
            m_out << locale.toString(counts.reasons[std::size_t(r)]).rightJustified(12);
        m_out << "   ";
        for (int b = 0; b < analysis::latenessBucketCount; ++b)
            m_out << (b > 0 ? " / " : "") << locale.toString(counts.lateness[std::size_t(b)]);
        m_out << '\n';
    }
    if (shown < rows.size())
        m_out << "… " << rows.size() - shown << " more (--rows 0 shows every one)\n";
    if (m_options.whatIf) {
        m_out << "\nTTL what-if per route (expired misses that came within the longer TTL become hits, if memory "
                 "holds them; "
              << model::displayText(report.statsNote) << "):\n";
        const auto routes = analysis::rankedByMisses(anatomy.groups[std::size_t(analysis::Dimension::Route)]);
        for (qsizetype i = 0; i < std::min<qsizetype>(routes.size(), shown); ++i) {
            const QList<analysis::TtlWhatIf> rowsOfRoute = report.whatIf(routes.at(i).first);
            if (rowsOfRoute.isEmpty())
                continue;
            m_out << "  " << model::displayBytes(routes.at(i).first) << '\n';
            for (const analysis::TtlWhatIf& row : rowsOfRoute) {
                m_out << "    " << QString(locale.toString(row.ttlSeconds) + u" s"_s).rightJustified(10)
                      << (row.current ? u"  (now)"_s : u"       "_s)
                      << (row.hitRate ? locale.toString(100 * *row.hitRate, 'f', 1) + u" % hits"_s : u"–"_s)
                             .rightJustified(13)
                      << (row.missesAvoided ? locale.toString(*row.missesAvoided, 'f', 0) + u" misses avoided"_s
                                            : QString())
                             .rightJustified(22)
                      << (row.extraBytes ? (*row.extraBytes >= 0 ? u"  +"_s : u"  -"_s)
                                     + analysis::describeBytes(std::abs(*row.extraBytes))
                                         : QString());
                if (!row.needs.isEmpty())
                    m_out << "  (needs " << row.needs << ')';
                m_out << '\n';
            }
        }
    }
    m_out.flush();
}

void MissesCommand::printJson(const analysis::MissWatch::Report& report)
{
    const auto& anatomy = report.anatomy;
    QJsonObject json = analysis::missCountsToJson(anatomy.total);
    json.insert(u"seconds"_s, double(anatomy.endedMs - anatomy.startedMs) / 1000);
    json.insert(u"ownKeys"_s, anatomy.ownKeys);
    json.insert(u"server"_s,
        report.serverMisses ? QJsonValue(QJsonObject {{u"misses"_s, *report.serverMisses}}) : QJsonValue());
    QJsonArray runs;
    for (const auto& run : anatomy.invalidatedByRuns)
        runs.append(QJsonObject {{u"auditId"_s, QString::fromLatin1(run.record.auditId)},
            {u"actor"_s, model::displayText(run.record.actor)}, {u"target"_s, model::displayText(run.record.target)},
            {u"misses"_s, run.misses}});
    json.insert(u"invalidated"_s,
        QJsonObject {{u"byRuns"_s, runs}, {u"byOtherClients"_s, anatomy.invalidatedByOthers},
            {u"notAttributed"_s, anatomy.invalidatedPending}});
    QJsonArray gaps;
    for (const auto& gap : report.gaps)
        gaps.append(
            QJsonObject {{u"from"_s, QDateTime::fromMSecsSinceEpoch(gap.fromMs, Qt::UTC).toString(Qt::ISODateWithMs)},
                {u"to"_s, QDateTime::fromMSecsSinceEpoch(gap.toMs, Qt::UTC).toString(Qt::ISODateWithMs)},
                {u"reason"_s, model::displayText(gap.reason)}});
    json.insert(u"gaps"_s, gaps);
    json.insert(u"droppedRemovals"_s, anatomy.droppedRemovals);
    json.insert(u"stateBytes"_s, anatomy.stateBytes);
    QJsonObject groups;
    for (int d = 0; d < analysis::dimensionCount; ++d) {
        QJsonObject labels;
        const auto& table = anatomy.groups[std::size_t(d)];
        for (auto it = table.cbegin(); it != table.cend(); ++it)
            labels.insert(model::displayBytes(it.key()), analysis::missCountsToJson(*it));
        groups.insert(analysis::dimensionName(analysis::Dimension(d)), labels);
    }
    json.insert(u"groups"_s, groups);
    if (m_options.whatIf) {
        QJsonObject routes;
        for (auto it = anatomy.routes.cbegin(); it != anatomy.routes.cend(); ++it) {
            QJsonArray rows;
            for (const analysis::TtlWhatIf& row : report.whatIf(it.key())) {
                QJsonObject entry {{u"ttlSeconds"_s, row.ttlSeconds}, {u"current"_s, row.current},
                    {u"hitRate"_s, optionalNumber(row.hitRate)},
                    {u"missesAvoided"_s, optionalNumber(row.missesAvoided)},
                    {u"extraBytes"_s, optionalNumber(row.extraBytes)}};
                if (!row.needs.isEmpty())
                    entry.insert(u"needs"_s, row.needs);
                rows.append(entry);
            }
            if (!rows.isEmpty())
                routes.insert(model::displayBytes(it.key()), rows);
        }
        json.insert(u"whatIf"_s, QJsonObject {{u"route"_s, routes}});
        json.insert(u"lookups"_s, report.statsNote);
    }
    json.insert(u"configChanged"_s, report.configChanged);
    json.insert(u"config"_s, report.configNote);
    json.insert(u"error"_s, report.error);
    m_out << QJsonDocument(json).toJson(QJsonDocument::Indented);
    m_out.flush();
}

PreparedCommand prepareMisses(CommandInput& input)
{
    MissesCommand::Options options;
    if (!readWatchOptions(input, u"misses"_s, options))
        return {};
    options.whatIf = input.parser.isSet(u"what-if"_s);
    options.restore = input.parser.isSet(u"restore"_s);
    options.watch.anatomy.graceMs = qint64(input.atLeast(u"grace"_s, 60, 0)) * 1000;
    return prepareObject(new MissesCommand(input.connection, options, input.out, input.err), true);
}

} // namespace cachescope::cli
