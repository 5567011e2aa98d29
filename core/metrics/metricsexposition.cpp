#include "metrics/metricsexposition.h"

#include "metrics/metricscollector.h"
#include "metrics/prometheustext.h"

#include <QDateTime>

#include <algorithm>

namespace cachescope::metrics {

using cache::StatsCounters;
using cache::StatsDimension;
using cache::StatsEvent;

namespace {
// Series in a stable order, so that two scrapes diff cleanly.
QList<std::pair<QByteArray, StatsCounters>> sortedTotals(const StatsFold& fold)
{
    QList<std::pair<QByteArray, StatsCounters>> rows;
    for (auto it = fold.totals().cbegin(); it != fold.totals().cend(); ++it)
        rows.append({it.key(), it.value()});
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    return rows;
}

void writeDimension(PrometheusText& out, StatsDimension dimension, const StatsFold& fold)
{
    const bool total = dimension == StatsDimension::Total;
    const QByteArray labelName =
        dimension == StatsDimension::Namespace ? "namespace" : cache::statsDimensionName(dimension);
    const QByteArray prefix = total ? QByteArray("cachescope_") : "cachescope_" + labelName + '_';
    const auto rows = sortedTotals(fold);
    const auto labels = [&](const QByteArray& label, PrometheusText::Labels more = {}) {
        if (!total)
            more.prepend({labelName, label});
        return more;
    };

    out.family(prefix + "requests_total", "counter",
        "Requests CacheScope clients answered, by result: hit, negative_hit (a cached 'not found'), miss, bypass (the "
        "gateway policy neither read nor stored).");
    for (const auto& [label, c] : rows) {
        out.sample(prefix + "requests_total", labels(label, {{"result", "hit"}}), c[StatsEvent::Hit]);
        out.sample(prefix + "requests_total", labels(label, {{"result", "negative_hit"}}), c[StatsEvent::NegativeHit]);
        out.sample(prefix + "requests_total", labels(label, {{"result", "miss"}}), c[StatsEvent::Miss]);
        out.sample(prefix + "requests_total", labels(label, {{"result", "bypass"}}), c[StatsEvent::Bypass]);
    }
    out.family(prefix + "stale_served_total", "counter",
        "Misses whose reload failed and were answered with the stale copy (also counted as misses).");
    for (const auto& [label, c] : rows)
        out.sample(prefix + "stale_served_total", labels(label), c[StatsEvent::StaleServed]);
    out.family(prefix + "stores_total", "counter", "Values written to the cache.");
    for (const auto& [label, c] : rows)
        out.sample(prefix + "stores_total", labels(label), c[StatsEvent::Set]);
    out.family(prefix + "loads_total", "counter", "Loads from the origin after a miss, by outcome (ok, failed).");
    for (const auto& [label, c] : rows) {
        out.sample(prefix + "loads_total", labels(label, {{"outcome", "ok"}}), c[StatsEvent::Load]);
        out.sample(prefix + "loads_total", labels(label, {{"outcome", "failed"}}), c[StatsEvent::LoadFailure]);
    }
    const QByteArray duration = prefix + "load_duration_seconds";
    out.family(duration, "histogram", "How long loads from the origin took, failed ones included: the cost of a miss.");
    for (const auto& [label, c] : rows) {
        const qint64 count = c[StatsEvent::Load] + c[StatsEvent::LoadFailure];
        qint64 cumulative = 0;
        const std::pair<const char*, StatsEvent> bins[] = {{"0.01", StatsEvent::LoadWithin10ms},
            {"0.1", StatsEvent::LoadWithin100ms}, {"1", StatsEvent::LoadWithin1s}};
        for (const auto& [le, bin] : bins) {
            cumulative += c[bin];
            // Bins and counts are folded counter by counter: never let a bucket pass the count.
            out.sample(duration + "_bucket", labels(label, {{"le", le}}), std::min(cumulative, count));
        }
        out.sample(duration + "_bucket", labels(label, {{"le", "+Inf"}}), count);
        out.sample(duration + "_sum", labels(label), double(c.loadMsTotal) / 1000.0);
        out.sample(duration + "_count", labels(label), count);
    }
}

void writeNodes(PrometheusText& out, const QList<MetricsCollector::NodeFigures>& nodes)
{
    struct Field
    {
        const char* name;
        const char* type;
        const char* help;
        qint64 MetricsCollector::NodeFigures::*value;
    };
    using N = MetricsCollector::NodeFigures;
    const Field fields[] = {
        {"cachescope_redis_keyspace_hits_total", "counter",
            "keyspace_hits from INFO, as the server counts them: CacheScope's own lookups included (see "
            "cachescope_own_keyspace_lookups_total).",
            &N::keyspaceHits},
        {"cachescope_redis_keyspace_misses_total", "counter",
            "keyspace_misses from INFO, CacheScope's own lookups included.", &N::keyspaceMisses},
        {"cachescope_redis_keys", "gauge", "Keys in every database of the node.", &N::keys},
        {"cachescope_redis_memory_used_bytes", "gauge", "used_memory from INFO.", &N::usedMemory},
        {"cachescope_redis_memory_max_bytes", "gauge", "maxmemory from INFO (0: no limit).", &N::maxMemory},
        {"cachescope_redis_evicted_keys_total", "counter", "Keys evicted for maxmemory (INFO evicted_keys).",
            &N::evictedKeys},
        {"cachescope_redis_expired_keys_total", "counter", "Keys removed on expiry (INFO expired_keys).",
            &N::expiredKeys},
        {"cachescope_redis_commands_processed_total", "counter", "Commands the node processed.", &N::commandsProcessed},
    };
    out.family("cachescope_redis_up", "gauge", "1 when the node answered INFO in the last round.");
    for (const N& node : nodes)
        out.sample("cachescope_redis_up", {{"node", node.node}}, qint64(node.up));
    for (const Field& field : fields) {
        out.family(field.name, field.type, field.help);
        for (const N& node : nodes)
            out.sample(field.name, {{"node", node.node}}, node.*field.value);
    }
    out.family("cachescope_own_keyspace_lookups_total", "counter",
        "Keyspace lookups this process made on the node (reading stats and the audit trail): take them out of "
        "the server's figures.");
    for (const N& node : nodes) {
        out.sample("cachescope_own_keyspace_lookups_total", {{"node", node.node}, {"result", "hit"}}, node.ownHits);
        out.sample("cachescope_own_keyspace_lookups_total", {{"node", node.node}, {"result", "miss"}}, node.ownMisses);
    }
}

void writeAudit(PrometheusText& out, const MetricsCollector& collector)
{
    out.family("cachescope_audit_records_total", "counter",
        "Writes done through CacheScope (any tool) since this process started, from the audit trail, by action, "
        "outcome and dry run.");
    for (const auto& [key, count] : collector.auditRecords()) {
        const auto& [action, outcome, dryRun] = key;
        out.sample("cachescope_audit_records_total",
            {{"action", action}, {"outcome", outcome}, {"dry_run", dryRun ? "true" : "false"}}, count);
    }
    out.family("cachescope_invalidated_keys_total", "counter",
        "Keys deleted (invalidate, invalidate tags) or given a TTL (expire) by runs since this process started, dry "
        "runs excluded.");
    for (const auto& [action, count] : collector.auditKeys())
        out.sample("cachescope_invalidated_keys_total", {{"action", action}}, count);
}

void writeOwnFootprint(PrometheusText& out, const MetricsCollector& collector)
{
    out.single("cachescope_footprint_budget_bytes", "gauge",
        "The size CacheScope's own keys may take in the monitored Redis (--footprint-budget).", collector.options().footprintBudgetBytes);
    const auto& footprint = collector.footprint();
    if (!footprint)
        return;
    out.family("cachescope_footprint_bytes", "gauge",
        "CacheScope's own keys in the monitored Redis (MEMORY USAGE summed), by kind.");
    for (const ops::FootprintPart& part : footprint->parts)
        out.sample("cachescope_footprint_bytes", {{"kind", part.kind.toUtf8()}}, part.bytes);
    out.family("cachescope_footprint_keys", "gauge", "CacheScope's own keys in the monitored Redis, by kind.");
    for (const ops::FootprintPart& part : footprint->parts)
        out.sample("cachescope_footprint_keys", {{"kind", part.kind.toUtf8()}}, part.keys);
    out.family("cachescope_footprint_measured_timestamp_seconds", "gauge", "When the footprint was last measured.");
    out.sample(
        "cachescope_footprint_measured_timestamp_seconds", {}, collector.footprintMeasuredAt().toSecsSinceEpoch());
}

void writeHealth(PrometheusText& out, const MetricsCollector& collector)
{
    const MetricsCollector::Health& health = collector.health();
    out.single("cachescope_metrics_rounds_total", "counter", "Background reads of stats, INFO and audit finished.", health.rounds);
    out.single("cachescope_metrics_failed_reads_total", "counter",
        "Reads that failed (a stats bucket, INFO, the audit trail or the footprint); figures may lag or be short.", health.failedReads);
    out.single("cachescope_metrics_skipped_rounds_total", "counter",
        "Rounds not started because the previous one had not finished (a slow or frozen server).", health.skippedRounds);
    out.single("cachescope_metrics_server_restarts_total", "counter",
        "Restarts of a node seen (its run id changed); writes between a restart and the next read are not counted.", health.serverRestarts);
    out.single("cachescope_stats_rejected_values_total", "counter",
        "Stats bucket values read that were no count (negative, not a number: left out) or too large (held at 2^40).", health.rejectedValues);
    out.single("cachescope_stats_unread_fields_total", "counter",
        "Stats bucket fields past a bucket's read limit (32,768 fields): their counts are missing from the counters.", health.unreadFields);
    out.single("cachescope_audit_trail_losses_total", "counter",
        "Restarts after which the audit stream ended before the last record read: its records were lost.", health.auditTrailLosses);
    if (const std::optional<qint64> version = collector.routeConfigVersion()) {
        out.single("cachescope_route_config_version", "gauge",
            "The stored route configuration's version (0: none stored, the defaults apply).", *version);
        out.single("cachescope_route_config_lost", "gauge",
            "1 while the server holds an older route configuration than one seen before (a restart without "
            "persistence, a FLUSHALL, a deleted key): `cachectl routes restore` puts it back.", qint64(collector.routeConfigLoss() ? 1 : 0));
        if (const auto& loss = collector.routeConfigLoss()) {
            out.single("cachescope_route_config_lost_version", "gauge", "The version the server lost.", loss->lastSeen.version);
        }
    }
    if (health.lastCompleteRound.isValid()) {
        out.family("cachescope_metrics_last_complete_round_timestamp_seconds", "gauge",
            "When every read of a round last succeeded.");
        out.sample("cachescope_metrics_last_complete_round_timestamp_seconds", {},
            health.lastCompleteRound.toSecsSinceEpoch());
    }
    out.family("cachescope_metrics_label_budget", "gauge",
        "Label values kept by name per dimension; the rest are summed under \"(other)\".");
    for (const StatsDimension dimension :
        {StatsDimension::Route, StatsDimension::Tenant, StatsDimension::Venue, StatsDimension::Namespace}) {
        if (const StatsFold* fold = collector.fold(dimension))
            out.sample("cachescope_metrics_label_budget",
                {{"dimension",
                    dimension == StatsDimension::Namespace ? "namespace" : cache::statsDimensionName(dimension)}},
                qint64(fold->maxLabels()));
    }
}
} // namespace

QByteArray renderMetrics(const MetricsCollector& collector)
{
    PrometheusText out;
    for (const StatsDimension dimension : {StatsDimension::Total, StatsDimension::Route, StatsDimension::Tenant,
             StatsDimension::Venue, StatsDimension::Namespace}) {
        if (const StatsFold* fold = collector.fold(dimension))
            writeDimension(out, dimension, *fold);
    }
    writeNodes(out, collector.nodes());
    writeAudit(out, collector);
    writeOwnFootprint(out, collector);
    writeHealth(out, collector);
    return out.text();
}

} // namespace cachescope::metrics
