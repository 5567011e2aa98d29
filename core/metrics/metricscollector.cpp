#include "metrics/metricscollector.h"

#include "cache/statsreader.h"
#include "ops/audit/audit.h"
#include "ops/server/nodesinfo.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/connectionoptions.h"
#include "redis/gather.h"

#include <algorithm>
#include <limits>

namespace cachescope::metrics {

using cache::StatsDimension;

namespace {
constexpr int auditPageSize = 1000;

// Action and outcome names as the audit stream holds them, bounded: names of other versions become "other".
QByteArray knownAction(const QString& action)
{
    using ops::AuditAction;
    for (const AuditAction known : {AuditAction::Invalidate, AuditAction::Expire, AuditAction::InvalidateTags,
             AuditAction::Refused, AuditAction::RouteSave, AuditAction::KeyspaceEvents}) {
        if (action == ops::auditActionName(known))
            return action.toUtf8();
    }
    return "other";
}

QByteArray knownOutcome(const QString& outcome)
{
    using ops::AuditOutcome;
    for (const AuditOutcome known :
        {AuditOutcome::Completed, AuditOutcome::Cancelled, AuditOutcome::Failed, AuditOutcome::Refused}) {
        if (outcome == ops::auditOutcomeName(known))
            return outcome.toUtf8();
    }
    return outcome.isEmpty() ? "unknown" : "other";
}

bool deletesOrExpires(const QByteArray& action)
{
    return action == ops::auditActionName(ops::AuditAction::Invalidate).toUtf8()
        || action == ops::auditActionName(ops::AuditAction::InvalidateTags).toUtf8()
        || action == ops::auditActionName(ops::AuditAction::Expire).toUtf8();
}
} // namespace

MetricsCollector::MetricsCollector(redis::Client* connection, Options options, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_options(std::move(options))
{
    for (const cache::StatsTier& tier : m_options.tiers) {
        if (tier.name == m_options.tier)
            m_tier = &tier;
    }
    if (!m_tier && !m_options.tiers.isEmpty())
        m_tier = &m_options.tiers.first();
    for (int d = 0; d < int(StatsDimension::Count_); ++d) {
        if (m_tier && m_tier->keeps(StatsDimension(d)))
            m_folds[std::size_t(d)] =
                std::make_unique<StatsFold>(d == int(StatsDimension::Total) ? 1 : m_options.maxLabels);
    }
    m_timer.setInterval(m_options.interval);
    connect(&m_timer, &QTimer::timeout, this, &MetricsCollector::startRound);
    if (m_connection) {
        m_routeStore = std::make_unique<ops::RouteConfigStore>(m_connection);
        m_routeMemory = std::make_unique<ops::RouteConfigMemory>(m_connection->options().displayName());
    }
}

MetricsCollector::~MetricsCollector() = default;

void MetricsCollector::start()
{
    if (!m_tier)
        return;
    m_startBucket = m_tier->bucketOf(QDateTime::currentSecsSinceEpoch());
    rankLabels();
}

void MetricsCollector::rankLabels()
{
    // The busiest labels of the last hour get their names first, so that a restart does not hand the budget to
    // whichever labels happen to come first. A failed read only loses that order.
    auto pending = std::make_shared<int>(0);
    const auto begin = [this, pending] {
        if (--*pending > 0)
            return;
        startRound();
        m_timer.start();
    };
    for (int d = 0; d < int(StatsDimension::Count_); ++d) {
        if (!m_folds[std::size_t(d)] || d == int(StatsDimension::Total) || !m_connection)
            continue;
        ++*pending;
        cache::readStatsWindow(
            *m_connection, StatsDimension(d), m_options.rankingWindow.count(), this,
            [this, d, begin](std::optional<cache::StatsWindow> window, const QString&) {
                if (window) {
                    QList<std::pair<qint64, QByteArray>> ranked;
                    for (auto it = window->byLabel.cbegin(); it != window->byLabel.cend(); ++it) {
                        if (it.key() != cache::otherLabel)
                            ranked.append({-it.value().requests(), it.key()});
                    }
                    std::sort(ranked.begin(), ranked.end());
                    QList<QByteArray> labels;
                    for (const auto& entry : ranked)
                        labels.append(entry.second);
                    m_folds[std::size_t(d)]->admitFirst(labels);
                }
                begin();
            },
            m_options.tiers);
    }
    if (*pending == 0) {
        ++*pending;
        begin();
    }
}

void MetricsCollector::startRound()
{
    if (m_pendingParts > 0) {
        ++m_health.skippedRounds;
        return;
    }
    if (!m_connection)
        return;
    m_pendingParts = 3;
    m_roundFailed = false;
    readNodes(); // then the buckets: a restarted server is known before its buckets are read
    readAudit();
    if (!m_footprintRunning
        && (!m_footprintAt.isValid()
            || m_footprintAt.secsTo(QDateTime::currentDateTimeUtc()) >= m_options.footprintInterval.count()))
        measureFootprint();
    if (!m_routeConfigReading
        && (!m_routeConfigReadAt.isValid()
            || m_routeConfigReadAt.secsTo(QDateTime::currentDateTimeUtc()) >= m_options.routeConfigInterval.count()))
        readRouteConfig();
}

void MetricsCollector::readRouteConfig()
{
    if (!m_routeStore)
        return;
    m_routeConfigReading = true;
    m_routeStore->load(this, [this](std::optional<ops::RouteConfigSnapshot> snapshot, const QString&) {
        m_routeConfigReading = false;
        if (!snapshot) {
            ++m_health.failedReads; // read again next round
            return;
        }
        m_routeConfigReadAt = QDateTime::currentDateTimeUtc();
        m_routeConfigVersion = snapshot->version;
        m_routeConfigLoss = ops::routeConfigLoss(*snapshot, m_routeMemory->lastSeen());
        if (!m_routeConfigLoss)
            m_routeMemory->remember(*snapshot);
    });
}

void MetricsCollector::partDone(bool ok)
{
    if (!ok) {
        m_roundFailed = true;
        ++m_health.failedReads;
    }
    if (--m_pendingParts > 0)
        return;
    ++m_health.rounds;
    if (!m_roundFailed)
        m_health.lastCompleteRound = QDateTime::currentDateTimeUtc();
    Q_EMIT roundFinished();
}

void MetricsCollector::readBuckets()
{
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    const qint64 current = m_tier->bucketOf(now);
    // The bucket before stays open to writers that flush late, for `settle` after it ends.
    const qint64 first = m_tier->bucketOf(now - m_options.settle.count());
    struct Read
    {
        StatsDimension dimension;
        qint64 bucket;
    };
    QList<Read> reads;
    for (int d = 0; d < int(StatsDimension::Count_); ++d) {
        if (!m_folds[std::size_t(d)])
            continue;
        for (qint64 bucket = first; bucket <= current; ++bucket)
            reads.append({StatsDimension(d), bucket});
    }
    if (reads.isEmpty())
        return partDone(true);
    // Each bucket paged with HSCAN (a fat bucket other writers made holds the server for many short commands, not
    // one long HGETALL); folded once every read of the round is in.
    struct Round
    {
        std::vector<cache::StatsBucketRead> results;
        qsizetype pending = 0;
    };
    auto round = std::make_shared<Round>();
    round->results.resize(std::size_t(reads.size()));
    round->pending = reads.size();
    for (qsizetype i = 0; i < reads.size(); ++i) {
        const Read read = reads.at(i);
        cache::readStatsBucket(*m_connection, m_tier->bucketKey(read.bucket, read.dimension),
            cache::statsBucketFieldLimit, this, [this, round, reads, first, i](cache::StatsBucketRead result) {
                round->results[std::size_t(i)] = std::move(result);
                if (--round->pending > 0)
                    return;
                bool ok = true;
                for (qsizetype r = 0; r < reads.size(); ++r) {
                    cache::StatsBucketRead& bucket = round->results[std::size_t(r)];
                    if (!bucket.error.isEmpty()) {
                        ok = false; // the next read of the bucket, if any, adds what this one missed
                        continue;
                    }
                    m_health.rejectedValues += bucket.rejectedValues;
                    m_health.unreadFields += bucket.unreadFields;
                    const Read& which = reads.at(r);
                    m_folds[std::size_t(which.dimension)]->fold(
                        which.bucket, bucket.byLabel, which.bucket <= m_startBucket);
                }
                for (auto& fold : m_folds) {
                    if (fold)
                        fold->forgetBefore(first);
                }
                partDone(ok);
            });
    }
}

void MetricsCollector::readNodes()
{
    ops::fetchNodesInfo(*m_connection, this, [this](const ops::NodesInfo& info) {
        QList<NodeFigures> nodes;
        // A node that restarted lost the counts written since its last save, or all of them: what its buckets
        // hold now is the new starting point (writes between the restart and this read are not counted; never
        // counted twice).
        bool restarted = false;
        for (qsizetype i = 0; i < info.names.size(); ++i) {
            NodeFigures figures;
            figures.node = info.names.at(i).section(u' ', 0, 0).toUtf8();
            const auto previous = std::find_if(m_nodes.cbegin(), m_nodes.cend(),
                [&figures](const NodeFigures& known) { return known.node == figures.node; });
            const bool known = previous != m_nodes.cend();
            if (i < info.nodes.size() && info.nodes.at(i)) {
                const redis::LookupCount own = info.nodes.at(i)->ownLookups().current();
                figures.ownHits = own.hits;
                figures.ownMisses = own.misses;
            }
            if (i < info.infos.size() && info.infos.at(i)) {
                const ops::ServerInfo& server = *info.infos.at(i);
                figures.up = true;
                figures.runId = server.text("run_id");
                figures.keyspaceHits = server.integer("keyspace_hits").value_or(0);
                figures.keyspaceMisses = server.integer("keyspace_misses").value_or(0);
                for (qint64 n : server.keysPerDatabase())
                    figures.keys += n;
                figures.usedMemory = server.integer("used_memory").value_or(0);
                figures.maxMemory = server.integer("maxmemory").value_or(0);
                figures.evictedKeys = server.integer("evicted_keys").value_or(0);
                figures.expiredKeys = server.integer("expired_keys").value_or(0);
                figures.commandsProcessed = server.integer("total_commands_processed").value_or(0);
                restarted = restarted || (known && !previous->runId.isEmpty() && previous->runId != figures.runId);
            } else if (known) {
                // Down: the last figures stay (a counter must not drop to 0), marked as not up.
                const qint64 ownHits = figures.ownHits;
                const qint64 ownMisses = figures.ownMisses;
                figures = *previous;
                figures.up = false;
                figures.ownHits = std::max(ownHits, previous->ownHits);
                figures.ownMisses = std::max(ownMisses, previous->ownMisses);
            }
            nodes.append(figures);
        }
        if (restarted) {
            ++m_health.serverRestarts;
            m_restartSinceAuditRead = true;
            m_routeConfigReadAt = {}; // read this round: a restart may have lost it
            m_startBucket = m_tier->bucketOf(QDateTime::currentSecsSinceEpoch());
            for (auto& fold : m_folds) {
                if (fold)
                    fold->forgetBefore(std::numeric_limits<qint64>::max());
            }
        }
        if (nodes.isEmpty()) {
            // Not connected at all: the nodes known before, marked down.
            nodes = m_nodes;
            for (NodeFigures& figures : nodes)
                figures.up = false;
        }
        m_nodes = nodes;
        readBuckets();
        partDone(info.error.isEmpty());
    });
}

void MetricsCollector::readAudit()
{
    if (!m_auditStarted || m_restartSinceAuditRead) {
        // The newest record: where counting starts, and after a restart whether the stream lost records (ids only
        // grow: a newest record older than the last one read means the records were lost).
        ops::readAudit(*m_connection, 1, this, [this](std::optional<QList<ops::AuditRecord>> read, const QString&) {
            if (!read)
                return partDone(false); // asked again next round
            const QList<ops::AuditRecord>& newest = *read;
            const QByteArray newestId = newest.isEmpty() ? QByteArray("0-0") : newest.first().id;
            if (!m_auditStarted) {
                m_audit.setAfter(newestId, !newest.isEmpty());
                m_auditStarted = true;
            } else if (ops::streamIdBefore(newestId, m_audit.after())) {
                ++m_health.auditTrailLosses;
                m_audit.setAfter(newestId, !newest.isEmpty());
            }
            m_restartSinceAuditRead = false;
            partDone(true);
        });
        return;
    }
    m_audit.read(
        *m_connection, auditPageSize, this, [this](const QList<ops::AuditRecord>& records, bool, const QString& error) {
            if (!error.isEmpty())
                return partDone(false);
            for (const ops::AuditRecord& record : records) {
                const QByteArray action = knownAction(record.action);
                ++m_auditRecords[{action, knownOutcome(record.outcome), record.dryRun}];
                const bool changedKeys = record.outcome == ops::auditOutcomeName(ops::AuditOutcome::Completed)
                    || record.outcome == ops::auditOutcomeName(ops::AuditOutcome::Cancelled)
                    || record.outcome == ops::auditOutcomeName(ops::AuditOutcome::Failed);
                if (deletesOrExpires(action) && !record.dryRun && changedKeys && record.count > 0)
                    m_auditKeys[action] += record.count;
            }
            partDone(true); // a full page leaves the rest to the next round
        });
}

void MetricsCollector::measureFootprint()
{
    m_footprintRunning = true;
    ops::measureOwnFootprint(*m_connection, this, [this](const ops::OwnFootprint& footprint) {
        m_footprintRunning = false;
        m_footprintAt = QDateTime::currentDateTimeUtc();
        if (!footprint.error.isEmpty()) {
            ++m_health.failedReads;
            return; // the last complete measure stays
        }
        m_footprint = footprint;
    });
}

} // namespace cachescope::metrics
