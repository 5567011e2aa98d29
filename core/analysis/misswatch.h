#pragma once

#include "analysis/keyeventfeed.h"
#include "analysis/missanatomy.h"
#include "ops/audit/auditfollower.h"

#include <QDateTime>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>
#include <vector>

namespace cachescope::redis {
class Client;
class Connection;
class Reply;
}

namespace cachescope::ops {
class KeyspaceEventsSetting;
}

namespace cachescope::analysis {

// Why lookups miss, live: subscribes on every master to the keyevent channels keymiss, expired, evicted, del,
// rename_from and set, and feeds them to a MissAnatomy in the order each server published them. No keyspace lookup
// is made for it (CacheScope's own reads — the audit stream polled for invalidation runs, the stats read at the
// end — are counted as its own and left out of the charts).
//
// The setting notify-keyspace-events must publish m, x, e, g and $ (ops::KeyspaceEventsSetting widens it with
// consent, restores it, audits both, and recovers after a watch that died). A lost subscription (a killed
// connection, a frozen server past the timeout, a restart) is reopened every two seconds while the watch runs; the
// misses after it are told only from what came after (MissAnatomy::lostEventsUntil), and the gap is reported.
class MissWatch : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        bool mayChangeConfig = false;
        QString actor;
        MissAnatomy::Options anatomy;
        bool readStats = true; // the routes' lookups from CacheScope stats at the end, for the what-if's hit rates
        int sizeSamplesPerRoute = 8; // MEMORY USAGE (no lookup) of recently written keys, for the what-if's bytes
    };
    struct Gap
    {
        qint64 fromMs = 0;
        qint64 toMs = 0; // 0: not over when the watch ended
        QString reason;
    };
    struct Report
    {
        MissAnatomy::Report anatomy;
        QList<Gap> gaps;
        // The server's keyspace_misses over the watch, summed over the masters (INFO, read before subscribing and
        // after the drain): the misses told are at most these; nothing when a read failed.
        std::optional<qint64> serverMisses;
        QHash<QByteArray, std::pair<qint64, qint64>> routeLookups; // route → (hits, misses) from CacheScope stats
        QHash<QByteArray, HitLeftCounts> routeHitsLeft; // route → its hits by remaining life, where recorded
        QHash<QByteArray, std::pair<qint64, qint64>> routeHalfTtl; // route → requests, misses at half the TTL
        QString statsNote; // where the lookups came from, or why there are none
        QHash<QByteArray, double> meanEntryBytes; // route → mean MEMORY USAGE of the samples
        QStringList configBefore;
        bool configChanged = false;
        QString configNote;
        QString error;
        QList<TtlWhatIf> whatIf(const QByteArray& route) const;
    };

    MissWatch(redis::Client* client, Options options, QObject* parent = nullptr);
    ~MissWatch() override;

    void start();
    void stop();
    // Reads the routes' lookups (CacheScope stats) and entry sizes (MEMORY USAGE) now, for a live what-if; they are
    // read at the end anyway. Does nothing while a read is under way.
    void refreshEstimates();
    bool isRunning() const
    {
        return m_running;
    }
    // The report so far (live), or the final one after finished().
    Report report() const;

Q_SIGNALS:
    void started();
    void gapStarted(const QString& reason);
    void gapEnded();
    void finished();

private:
    void acquireSetting();
    void subscribe();
    void listening();
    void onEvent(QByteArrayView event, const QByteArray& key);
    void lose(const QString& reason);
    void readAudit();
    void fail(const QString& error);
    void finish();
    void measureSizes(std::function<void()> done);
    void readLookups(std::function<void()> done);
    void release();
    void readServerMisses(std::function<void(std::optional<qint64>)> done);

    QPointer<redis::Client> m_client;
    Options m_options;
    std::unique_ptr<MissAnatomy> m_anatomy;
    std::unique_ptr<ops::KeyspaceEventsSetting> m_setting;
    KeyeventFeed m_feed;
    Report m_report;
    std::optional<qint64> m_serverBefore;
    ops::AuditFollower m_audit;
    bool m_auditReading = false;
    QHash<QByteArray, QList<QByteArray>> m_sizeSamples; // route → recently written keys (1,000 routes at most)
    qint64 m_startedMs = 0;
    bool m_serverDown = false;
    bool m_refreshing = false; // a gap was open when the watch ended: nothing more is asked of the server
    QTimer m_heartbeat;
    QTimer m_retry;
    bool m_running = false;
    bool m_listening = false;
    bool m_stopping = false;
};

} // namespace cachescope::analysis
