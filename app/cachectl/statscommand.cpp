#include "statscommand.h"
#include "model/optionaljson.h"

#include "cliresult.h"

#include "cache/statsreader.h"
#include "model/displaybytes.h"
#include "ops/server/nodesinfo.h"
#include "ops/server/ownfootprint.h"
#include "redis/client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLocale>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

namespace {
QString percent(std::optional<double> rate)
{
    return rate ? QString::number(*rate * 100.0, 'f', 1) + u'%' : u"no traffic"_s;
}
} // namespace

StatsCommand::StatsCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_connection(connection)
    , m_options(options)
    , m_out(out)
    , m_err(err)
    , m_sampler(connection)
{
    connect(&m_sampler, &ops::InfoSampler::sampled, this, &StatsCommand::printInterval);
    connect(&m_sampler, &ops::InfoSampler::failed, this, [this](const QString& error) {
        m_err << "cachectl stats: " << error << '\n';
        m_sampler.stop();
        Q_EMIT finished(ExitFailure);
    });
}

void StatsCommand::start()
{
    if (m_options.footprint) {
        printFootprint();
        return;
    }
    if (m_options.by) {
        printBreakdown();
        return;
    }
    if (m_options.watch) {
        if (!m_options.json) {
            m_out << "Watching " << m_connection->options().displayName() << " every " << m_options.intervalMs
                  << " ms (Ctrl-C to stop)\n";
            m_out << "time      hits/s  misses/s    hit rate    ops/s  expired  evicted\n";
            m_out.flush();
        }
        m_clock.start();
        m_sampler.start(std::chrono::milliseconds(m_options.intervalMs));
        return;
    }
    ops::fetchNodesInfo(*m_connection, this, [this](const ops::NodesInfo& nodes) {
        if (!nodes.error.isEmpty()) {
            m_err << "cachectl stats: " << nodes.error << '\n';
            Q_EMIT finished(ExitFailure);
            return;
        }
        printTotals(nodes.combined()); // a cluster's masters summed
        Q_EMIT finished(ExitOk);
    });
}

void StatsCommand::printFootprint()
{
    const auto report = [this](const ops::OwnFootprint& footprint) {
        if (m_options.json) {
            QJsonArray parts;
            for (const ops::FootprintPart& part : footprint.parts)
                parts.append(QJsonObject {{u"kind"_s, part.kind}, {u"keys"_s, part.keys}, {u"bytes"_s, part.bytes}});
            QJsonObject answer {{u"keys"_s, footprint.keys}, {u"bytes"_s, footprint.bytes},
                {u"unmeasured"_s, footprint.unmeasured}, {u"parts"_s, parts},
                {u"gatewayEntries"_s,
                    QJsonObject {{u"keys"_s, footprint.gatewayEntries},
                        {u"measured"_s, footprint.gatewayEntriesMeasured}, {u"bytes"_s, footprint.gatewayEntryBytes}}}};
            if (const std::optional<double> ratio = footprint.tagIndexRatio())
                answer.insert(u"tagIndexRatio"_s, *ratio);
            if (!footprint.error.isEmpty())
                answer.insert(u"error"_s, footprint.error);
            m_out << QJsonDocument(answer).toJson(QJsonDocument::Indented);
        } else {
            const QLocale locale;
            m_out << "CacheScope's own keys in " << m_connection->options().displayName() << '\n';
            m_out << QString(u"kind"_s).leftJustified(48) << "      keys       bytes\n";
            for (const ops::FootprintPart& part : footprint.parts)
                m_out << part.kind.leftJustified(48) << QString::number(part.keys).rightJustified(10)
                      << locale.formattedDataSize(part.bytes).rightJustified(12) << '\n';
            m_out << QString(u"all"_s).leftJustified(48) << QString::number(footprint.keys).rightJustified(10)
                  << locale.formattedDataSize(footprint.bytes).rightJustified(12) << '\n';
            if (footprint.unmeasured > 0)
                m_out << footprint.unmeasured << " keys went away before they were measured\n";
            if (const QString ratio = footprint.tagIndexRatioText(); !ratio.isEmpty())
                m_out << ratio << '\n';
        }
        if (!footprint.error.isEmpty())
            m_err << "cachectl stats: the walk stopped early, the figures are partial: " << footprint.error << '\n';
        Q_EMIT finished(footprint.error.isEmpty() ? ExitOk : ExitFailure);
    };
    ops::measureOwnFootprint(*m_connection, this, report, ops::FootprintScope::WithGatewayEntries);
}

void StatsCommand::printBreakdown()
{
    const cache::StatsDimension dimension = *m_options.by;
    cache::readStatsWindow(*m_connection, dimension, m_options.windowSeconds, this,
        [this, dimension](std::optional<cache::StatsWindow> window, const QString& error) {
            if (!window) {
                m_err << "cachectl stats: " << error << '\n';
                Q_EMIT finished(ExitFailure);
                return;
            }
            // Busiest first (what an engineer on call looks at), at most --top: other writers decide how many
            // labels there are.
            const cache::StatsWindow::Ranked ranked = window->ranked(m_options.top);
            if (m_options.json) {
                QJsonObject rows;
                for (const auto& [label, counters] : ranked.rows)
                    rows.insert(model::displayBytes(label), cache::statsCountersToJson(counters));
                QJsonObject answer {{u"dimension"_s, QString::fromUtf8(cache::statsDimensionName(dimension))},
                    {u"windowSeconds"_s, window->seconds}, {u"source"_s, cache::statsWindowSourceToJson(*window)},
                    {u"rows"_s, rows}, {u"labelsNotListed"_s, ranked.otherLabels}};
                if (ranked.otherLabels > 0)
                    answer.insert(u"notListed"_s, cache::statsCountersToJson(ranked.other));
                m_out << QJsonDocument(answer).toJson(QJsonDocument::Indented);
                Q_EMIT finished(ExitOk);
                return;
            }
            m_out << "Last " << window->seconds << " s by " << cache::statsDimensionName(dimension) << " ("
                  << window->describe() << ")\n";
            if (ranked.rows.isEmpty()) {
                m_out << "No cache activity recorded by CacheScope clients in this window.\n";
                Q_EMIT finished(ExitOk);
                return;
            }
            QList<QStringList> table {
                {u"label"_s, u"hits"_s, u"misses"_s, u"hit rate"_s, u"loads"_s, u"fails"_s, u"stale"_s, u"avg load"_s}};
            const auto row = [](const QString& label, const cache::StatsCounters& c) {
                const auto averageLoad = cache::averageLoadMs(c);
                return QStringList {label, QString::number(c[cache::StatsEvent::Hit]),
                    QString::number(c[cache::StatsEvent::Miss]), percent(cache::hitRate(c)),
                    QString::number(c[cache::StatsEvent::Load]), QString::number(c[cache::StatsEvent::LoadFailure]),
                    QString::number(c[cache::StatsEvent::StaleServed]),
                    averageLoad ? QString::number(*averageLoad) + u" ms"_s : u"-"_s};
            };
            for (const auto& [label, counters] : ranked.rows)
                table.append(row(model::displayBytes(label, 60), counters));
            if (ranked.otherLabels > 0)
                table.append(row(u"(%1 more labels)"_s.arg(ranked.otherLabels), ranked.other));
            // Each column as wide as its widest cell, two spaces apart: no figure runs into the next.
            QList<qsizetype> widths(table.first().size(), 0);
            for (const QStringList& cells : table) {
                for (qsizetype c = 0; c < cells.size(); ++c)
                    widths[c] = std::max(widths[c], cells.at(c).size());
            }
            for (const QStringList& cells : table) {
                QString line = cells.first().leftJustified(widths.first());
                for (qsizetype c = 1; c < cells.size(); ++c)
                    line += u"  "_s + cells.at(c).rightJustified(widths.at(c));
                m_out << line << '\n';
            }
            if (ranked.otherLabels > 0)
                m_out << "The busiest " << ranked.rows.size() << " of " << window->byLabel.size()
                      << " labels are listed (--top N lists more).\n";
            Q_EMIT finished(ExitOk);
        });
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
            {u"hitRate"_s, model::optionalNumber(rate)},
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

void StatsCommand::printInterval(const ops::InfoSample& sample)
{
    const qint64 now = m_clock.elapsed();
    const ops::InfoDelta& delta = sample.delta;
    ++m_samplesPrinted;
    if (m_options.json) {
        const QJsonObject json {
            {u"seconds"_s, delta.seconds},
            {u"hitsPerSecond"_s, delta.hitsPerSecond()},
            {u"missesPerSecond"_s, delta.missesPerSecond()},
            {u"hitRate"_s, model::optionalNumber(delta.hitRate())},
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
    if (m_options.samples > 0 && m_samplesPrinted >= m_options.samples) {
        m_sampler.stop();
        Q_EMIT finished(ExitOk);
    }
}

PreparedCommand prepareStats(CommandInput& input)
{
    if (!input.arguments.isEmpty()) {
        input.usage(u"stats takes no arguments"_s);
        return {};
    }
    const QCommandLineParser& parser = input.parser;
    StatsCommand::Options options;
    options.json = input.json();
    options.watch = parser.isSet(u"watch"_s) || parser.isSet(u"samples"_s);
    options.intervalMs = input.positive(u"interval"_s, 1000);
    options.samples = parser.isSet(u"samples"_s) ? input.positive(u"samples"_s, 0) : 0;
    options.windowSeconds = input.positive(u"window"_s, 60);
    options.top = input.positive(u"top"_s, 50);
    options.footprint = parser.isSet(u"footprint"_s);
    if (options.footprint && (options.watch || parser.isSet(u"by"_s)))
        input.usage(u"--footprint stands alone: not with --watch, --samples or --by"_s);
    if (parser.isSet(u"by"_s)) {
        const QString by = parser.value(u"by"_s);
        for (int d = 0; d < int(cache::StatsDimension::Count_); ++d) {
            if (QString::fromUtf8(cache::statsDimensionName(cache::StatsDimension(d))) == by)
                options.by = cache::StatsDimension(d);
        }
        if (!options.by || by == u"total")
            input.usage(u"--by takes route, tenant, venue or ns"_s);
    }
    return prepareObject(new StatsCommand(input.connection, options, input.out, input.err));
}

} // namespace cachescope::cli
