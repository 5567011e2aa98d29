#pragma once

#include "analysis/analysisreport.h"
#include "model/keygrouping.h"
#include "model/routeconfig.h"
#include "redis/keyspacescan.h"

#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <chrono>
#include <deque>
#include <functional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::analysis {

// "What is eating my cache?": walks the keyspace with SCAN (every master of a cluster side by side), counts every
// key by tenant, venue, route rule and namespace (model::KeyGrouping, the key tree's grouping), and measures the
// keys — every one, or one in `sampleEvery` — with MEMORY USAGE and PTTL, pipelined. MEMORY USAGE and SCAN make no
// keyspace lookup; PTTL makes one per key, which the connection counts as its own so the dashboard's charts leave
// it out (redis::OwnLookupCounter). Only reads: allowed on read-only connections.
//
// On a single server a batch is one read-only script (EVAL_RO, `no-writes`) that runs MEMORY USAGE and PTTL for each
// of its keys and reports its lookups: the server skips parsing and answering each command apart, so the TTLs cost
// little more than the memory alone. Where scripts are refused (an ACL without +eval_ro, scripting disabled) or on a
// cluster (a batch's keys span nodes), the same reads go as pipelined commands.
//
// Pacing: at most two batches of measurements are in flight; a batch that takes longer than the latency guard
// halves the next ones, a quick one doubles them (up to maxBatch keys), so other clients wait at most about one small
// batch for the server. The scan pauses while keys wait to be measured, so memory does not grow with the keyspace.
class KeyspaceAnalysis : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QByteArray match; // SCAN MATCH; empty: every key
        // Of the keys SCAN MATCH returns, those analysed (nothing: all): a key tree node's exact selection, whose
        // glob only narrows (ops::KeySelection). `scope` names it in the report ("tenant acme").
        std::function<bool(const QByteArray& key)> accepts;
        QString scope;
        int sampleEvery = 1; // measure one key in this many (chosen by a hash of the key); 1: every key
        int topKeys = 10; // biggest keys kept per group
        int scanCount = 1000;
        int mastersAtOnce = 0; // 0: every master of a cluster at once
        std::chrono::milliseconds latencyGuard {10};
        int maxBatch = 250; // keys per batch at most: a script batch holds the server for about 1 ms
        model::RouteConfig routes = model::RouteConfig::defaults();
        bool useScript = true; // on a single server; false: pipelined commands only
        // false: MEMORY USAGE alone, no PTTL: no keyspace lookup at all and about half the server's work at 10M keys
        // (PTTL is a second lookup, in the expires table); the report then has no TTL figures.
        bool measureTtl = true;
        std::chrono::milliseconds progressInterval {250}; // progressed() at most this often (0: after every page)
    };

    KeyspaceAnalysis(redis::Client* client, Options options, QObject* parent = nullptr);
    ~KeyspaceAnalysis() override;

    void start();
    // Stops at once: replies still in flight are ignored; the report keeps what was counted, not complete.
    void cancel();
    bool isRunning() const
    {
        return m_running;
    }
    // The figures so far; complete after finished() without an error.
    const AnalysisReport& report() const
    {
        return m_report;
    }
    int batchSize() const
    {
        return m_batch;
    }
    // The most batches that waited on the server at once since start(): the pacing's bound (two), kept to be seen.
    int peakBatchesInFlight() const
    {
        return m_peakBatchesInFlight;
    }
    // The most sampled keys that waited to be measured at once since start(): the scan pauses past four pages of them,
    // so this stays near that bound however slow the measuring is.
    qsizetype peakKeysWaiting() const
    {
        return m_peakKeysWaiting;
    }
    // True while batches go as one script each (see above); false once refused, and on a cluster.
    bool measuresByScript() const
    {
        return m_useScript;
    }
    // A key's bytes and PTTL from its MEMORY USAGE and PTTL replies (neither an error); nothing when the key was gone
    // by then. MEMORY USAGE does not check expiry, so a key past its TTL but not yet reclaimed still has a size:
    // PTTL's -2 says it is gone.
    static constexpr qint64 ttlNotRead = -3;
    struct Measurement
    {
        qint64 bytes = 0;
        qint64 pttlMs = -1; // ttlNotRead when the TTL was not asked for (a nil in place of PTTL's reply)
    };
    static std::optional<Measurement> measurementOf(const redis::Reply& memory, const redis::Reply& pttl);
    // True when the analysis chooses `key` for measuring with one-in-`sampleEvery` sampling.
    static bool isSampled(const QByteArray& key, int sampleEvery);

Q_SIGNALS:
    void progressed(); // new figures, at most once per progressInterval
    void finished(); // once; report().complete, or report().error says why not

private:
    void onPage(const QList<QByteArray>& keys);
    GroupFigures& group(Dimension dimension, QByteArrayView label);
    void count(const QByteArray& key);
    void sendBatches();
    void sendScriptBatch(const QList<QByteArray>& keys);
    void sendPipelinedBatch(const QList<QByteArray>& keys);
    // Each key's MEMORY USAGE and PTTL replies, in key order (2 per key).
    void onBatch(
        quint64 generation, const QList<QByteArray>& keys, const std::vector<redis::Reply>& replies, qint64 elapsedMs);
    void measure(const QByteArray& key, qint64 bytes, qint64 pttlMs);
    bool mustExpire(const model::KeyPlace& place) const;
    void maybeFinish();
    void fail(const QString& error);
    void end();
    void reportProgress(bool force = false);

    QPointer<redis::Client> m_client;
    Options m_options;
    model::KeyGrouping m_grouping;
    redis::KeyspaceScan m_scan;
    AnalysisReport m_report;
    std::deque<QByteArray> m_waiting; // keys chosen for measuring, not sent yet
    int m_batchesInFlight = 0;
    int m_peakBatchesInFlight = 0;
    qsizetype m_peakKeysWaiting = 0;
    int m_batch = 200;
    bool m_running = false;
    bool m_scanDone = false;
    bool m_scanPaused = false;
    bool m_useScript = true;
    quint64 m_generation = 0; // replies of an earlier start() or of a cancelled run are dropped
    QElapsedTimer m_sinceProgress;
};

} // namespace cachescope::analysis
