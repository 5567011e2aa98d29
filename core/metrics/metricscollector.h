#pragma once

#include "cache/statscounters.h"
#include "cache/statstiers.h"
#include "metrics/statsfold.h"
#include "ops/audit/auditfollower.h"
#include "ops/routes/routeconfigloss.h"
#include "ops/server/ownfootprint.h"

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <array>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <tuple>

namespace cachescope::redis {
class Client;
}

namespace cachescope::metrics {

// The figures /metrics serves, read in the background so that a scrape costs O(labels) from memory and never a
// keyspace scan, whoever scrapes how often:
// - every `interval`: the stats buckets CacheScope clients write (the open bucket of `tier` and, while writers may
//   still be adding to it, the one before), folded into counters that only grow (StatsFold); INFO of every node;
//   the audit records appended since the last read;
// - every `footprintInterval`: CacheScope's own keys in the monitored Redis (a SCAN MATCH walk, not a lookup).
// Reading the buckets and the audit stream are keyspace lookups: they are counted per node as CacheScope's own
// (cachescope_own_keyspace_lookups_total), so a hit rate from the server's INFO can leave them out.
class MetricsCollector : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int maxLabels = 20; // per dimension, kept by name; the rest summed in "(other)"
        std::chrono::milliseconds interval {1000};
        std::chrono::seconds footprintInterval {300};
        qint64 footprintBudgetBytes = 64LL << 20; // exported, for the alert on CacheScope's own footprint
        QList<cache::StatsTier> tiers = cache::defaultStatsTiers();
        QByteArray tier = "1m"; // the tier folded: it keeps every dimension
        // A bucket is read this long after it ends, for writers that flush late; later additions are not seen.
        std::chrono::seconds settle {10};
        std::chrono::seconds rankingWindow {3600}; // the busiest labels of this window are kept by name first
        // The route configuration is read this often (one GET, a lookup counted as CacheScope's own) and after every
        // restart seen, to say when the server lost it.
        std::chrono::seconds routeConfigInterval {30};
    };

    struct NodeFigures
    {
        QByteArray node; // "host:port"
        bool up = false;
        qint64 keyspaceHits = 0;
        qint64 keyspaceMisses = 0;
        qint64 keys = 0;
        qint64 usedMemory = 0;
        qint64 maxMemory = 0;
        qint64 evictedKeys = 0;
        qint64 expiredKeys = 0;
        qint64 commandsProcessed = 0;
        qint64 ownHits = 0; // lookups this process made on the node
        qint64 ownMisses = 0;
        QByteArray runId; // a change means the node restarted
    };

    // Audit records since start, by action (invalidate, expire, invalidate tags, refused…), outcome and dry run.
    using AuditKey = std::tuple<QByteArray, QByteArray, bool>;

    MetricsCollector(redis::Client* connection, Options options, QObject* parent = nullptr);
    ~MetricsCollector() override;

    void start();

    const Options& options() const
    {
        return m_options;
    }
    // Folded counters of a dimension the tier keeps (Total holds one label, "all"); nothing for others.
    const StatsFold* fold(cache::StatsDimension dimension) const
    {
        return m_folds[std::size_t(dimension)].get();
    }
    const QList<NodeFigures>& nodes() const
    {
        return m_nodes;
    }
    const std::map<AuditKey, qint64>& auditRecords() const
    {
        return m_auditRecords;
    }
    // Keys deleted (or given a TTL) by completed or cancelled runs, dry runs excluded, by action.
    const std::map<QByteArray, qint64>& auditKeys() const
    {
        return m_auditKeys;
    }
    const std::optional<ops::OwnFootprint>& footprint() const
    {
        return m_footprint;
    }
    QDateTime footprintMeasuredAt() const
    {
        return m_footprintAt;
    }
    // How reading went, for the collector's own metrics.
    struct Health
    {
        qint64 rounds = 0; // rounds finished
        qint64 failedReads = 0; // bucket, INFO, audit or footprint reads that failed
        qint64 skippedRounds = 0; // rounds not started because the previous one had not finished (a slow server)
        qint64 serverRestarts = 0; // a node's run id changed: the buckets' counts were taken as a new start
        qint64 auditTrailLosses = 0; // after a restart the audit stream ended before the last record read
        // Bucket reads: stored values that were no count (left out) or too large (held), and fields past a fat
        // bucket's read limit (their counts missing from the counters).
        qint64 rejectedValues = 0;
        qint64 unreadFields = 0;
        QDateTime lastCompleteRound; // every read of the round answered
    };
    const Health& health() const
    {
        return m_health;
    }
    // The stored route configuration as last read: its version (0: nothing stored), and whether it is older than one
    // this machine saw before (ops::RouteConfigMemory, shared with cachectl and the dashboard). Unset until read.
    std::optional<qint64> routeConfigVersion() const
    {
        return m_routeConfigVersion;
    }
    const std::optional<ops::RouteConfigLoss>& routeConfigLoss() const
    {
        return m_routeConfigLoss;
    }

Q_SIGNALS:
    void roundFinished(); // after every round, for tests and logs

private:
    void rankLabels();
    void startRound();
    void readBuckets();
    void readNodes();
    void readAudit();
    void measureFootprint();
    void readRouteConfig();
    void partDone(bool ok);

    QPointer<redis::Client> m_connection;
    Options m_options;
    const cache::StatsTier* m_tier = nullptr;
    QTimer m_timer;
    qint64 m_startBucket = 0; // buckets up to this one held counts before the fold began
    std::array<std::unique_ptr<StatsFold>, std::size_t(cache::StatsDimension::Count_)> m_folds;
    QList<NodeFigures> m_nodes;
    ops::AuditFollower m_audit; // from the newest record at the first read
    bool m_auditStarted = false;
    std::map<AuditKey, qint64> m_auditRecords;
    std::map<QByteArray, qint64> m_auditKeys;
    std::optional<ops::OwnFootprint> m_footprint;
    QDateTime m_footprintAt;
    bool m_footprintRunning = false;
    std::unique_ptr<ops::RouteConfigStore> m_routeStore;
    std::unique_ptr<ops::RouteConfigMemory> m_routeMemory;
    std::optional<qint64> m_routeConfigVersion;
    std::optional<ops::RouteConfigLoss> m_routeConfigLoss;
    QDateTime m_routeConfigReadAt;
    bool m_routeConfigReading = false;
    bool m_restartSinceAuditRead = false;
    int m_pendingParts = 0;
    bool m_roundFailed = false;
    Health m_health;
};

} // namespace cachescope::metrics
