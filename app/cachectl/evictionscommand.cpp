#include "evictionscommand.h"

#include "cliresult.h"

#include "model/displaybytes.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

#include <algorithm>

namespace cachescope::cli {

using namespace Qt::StringLiterals;
using Counts = analysis::KeyEventWatch::Counts;

EvictionsCommand::EvictionsCommand(redis::Client* client, Options options, QTextStream& out, QTextStream& err)
    : m_options(std::move(options))
    , m_out(out)
    , m_err(err)
    , m_watch(client, m_options.watch)
{
    m_duration.setSingleShot(true);
    connect(&m_duration, &QTimer::timeout, &m_watch, &analysis::KeyEventWatch::stop);
    connect(&m_watch, &analysis::KeyEventWatch::started, this, [this] {
        if (!m_options.json)
            m_err << "watching expiries and evictions for " << m_options.seconds << " s (Ctrl-C ends it early)\n"
                  << Qt::flush;
        m_watched = true;
        m_duration.start(std::chrono::seconds(m_options.seconds));
    });
    connect(&m_watch, &analysis::KeyEventWatch::finished, this, [this] {
        const auto& report = m_watch.report();
        if (m_watched || m_options.json)
            print();
        if (!report.configNote.isEmpty() && report.configChanged)
            m_err << report.configNote << '\n';
        if (!report.error.isEmpty())
            m_err << "cachectl evictions: " << report.error << '\n';
        m_err.flush();
        Q_EMIT finished(!report.error.isEmpty() ? ExitFailure : m_cancelled ? ExitInterrupted : ExitOk);
    });
}

void EvictionsCommand::start()
{
    m_watch.start();
}

void EvictionsCommand::cancel()
{
    m_cancelled = true;
    m_duration.stop();
    m_watch.stop();
}

void EvictionsCommand::print()
{
    const auto& report = m_watch.report();
    const auto& groups = report.groups[std::size_t(m_options.by)];
    QList<std::pair<QByteArray, Counts>> rows;
    for (auto it = groups.cbegin(); it != groups.cend(); ++it)
        rows.append({it.key(), *it});
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
        const qint64 left = a.second.expired + a.second.evicted;
        const qint64 right = b.second.expired + b.second.evicted;
        return left != right ? left > right : a.first < b.first;
    });
    if (m_options.json) {
        QJsonArray array;
        for (const auto& [label, counts] : rows)
            array.append(QJsonObject {{u"label"_s, model::displayBytes(label)}, {u"expired"_s, counts.expired},
                {u"evicted"_s, counts.evicted}, {u"evictedShare"_s, counts.evictedShare()}});
        QJsonObject json {{u"by"_s, analysis::dimensionName(m_options.by)},
            {u"seconds"_s, double(report.startedAt.msecsTo(report.endedAt)) / 1000},
            {u"expired"_s, report.total.expired}, {u"evicted"_s, report.total.evicted},
            {u"unattributed"_s, report.unattributed}, {u"groups"_s, array}, {u"configChanged"_s, report.configChanged},
            {u"config"_s, report.configNote}, {u"error"_s, report.error}};
        if (report.serverDelta)
            json.insert(u"server"_s,
                QJsonObject {{u"expired"_s, report.serverDelta->expired}, {u"evicted"_s, report.serverDelta->evicted}});
        m_out << QJsonDocument(json).toJson(QJsonDocument::Indented);
        m_out.flush();
        return;
    }
    const QLocale locale;
    m_out << "In " << locale.toString(double(report.startedAt.msecsTo(report.endedAt)) / 1000, 'f', 1)
          << " s: " << locale.toString(report.total.expired) << " keys expired, "
          << locale.toString(report.total.evicted) << " evicted";
    if (report.serverDelta)
        m_out << " (the server counted " << locale.toString(report.serverDelta->expired) << " and "
              << locale.toString(report.serverDelta->evicted) << ")";
    if (report.unattributed > 0)
        m_out << "; " << locale.toString(report.unattributed) << " over the rate limit, counted but not placed";
    m_out << "\n\n"
          << QString(u"by "_s + analysis::dimensionName(m_options.by)).leftJustified(36)
          << u"expired"_s.rightJustified(10) << u"evicted"_s.rightJustified(10)
          << "  lost to eviction before their TTL\n";
    const qsizetype shown = m_options.rows > 0 ? std::min<qsizetype>(m_options.rows, rows.size()) : rows.size();
    for (qsizetype i = 0; i < shown; ++i) {
        const auto& [label, counts] = rows.at(i);
        m_out << model::displayBytes(label).leftJustified(36, u' ', true)
              << locale.toString(counts.expired).rightJustified(10)
              << locale.toString(counts.evicted).rightJustified(10) << "  "
              << locale.toString(100 * counts.evictedShare(), 'f', 0) << " %\n";
    }
    if (shown < rows.size())
        m_out << "… " << rows.size() - shown << " more (--rows 0 shows every one)\n";
    m_out.flush();
}

PreparedCommand prepareEvictions(CommandInput& input)
{
    EvictionsCommand::Options options;
    if (!readWatchOptions(input, u"evictions"_s, options))
        return {};
    return prepareObject(new EvictionsCommand(input.connection, options, input.out, input.err), true);
}

} // namespace cachescope::cli
