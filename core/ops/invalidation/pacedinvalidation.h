#pragma once

#include "redis/keypages.h"
#include "redis/reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QSet>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

struct InvalidationProgress
{
    QByteArray pattern;
    QByteArray tag; // set when the keys came from this tag's index instead of a pattern
    qint64 scanned = 0; // keys SCAN returned that matched the pattern (SCAN MATCH filters server-side), or the
                        // members of the tag's index
    qint64 matched = 0; // matching keys that are not protected: distinct in a dry run; in a real run SCAN's
                        // rare repeats count again (deleted stays exact), so memory does not grow with matches
    qint64 deleted = 0; // confirmed by UNLINK's replies (for an expire run: by EXPIRE's): exact
    qint64 unconfirmed = 0; // writes sent whose reply was lost: up to this many more may be changed
    qint64 skippedProtected = 0;
    qint64 wouldChange = 0; // a TTL dry run: the matched keys whose TTL the run would change, counted on the server
    QList<QByteArray> sample; // the first few matching keys, for a preview
    bool dryRun = false;
    bool finished = false;
    bool cancelled = false;
    std::optional<redis::Reply> error;
    QByteArray resumeCursor; // where a new run can continue (deletes are idempotent)

    // "events:*" or "tag venue:v7", escaped for display.
    QString describeTarget() const;
};

// The one paced engine under every invalidation: deletes (or sets a TTL on) the keys matching a Redis glob with
// SCAN + UNLINK (or EXPIRE), or the members of a cache-manager tag index (Options::tag) — never KEYS or a blocking
// script. The next page is in flight while the previous page's UNLINK runs, and a latency guard sizes the pages.
// Keys in protected namespaces are skipped, whichever way they were found. A dry run counts exactly (SCAN's
// duplicates removed) and keeps a sample, deleting nothing. Cancelling stops the walk and waits for the UNLINKs
// already sent, so the reported count is exact.
class PacedInvalidation : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        bool dryRun = false;
        int scanCount = 1000;
        int sampleSize = 20;
        QList<QByteArray> protectedPatterns; // globs; the built-in ones are always added
        // When set, only keys it accepts count and are deleted (an exact selection on top of the glob).
        std::function<bool(const QByteArray& key)> keyFilter;
        // When set, matching keys get this TTL instead of being deleted, as the cache manager would write it (see
        // ops/entryttl.h: an entry keeps its grace); "deleted" then counts the keys whose TTL changed, and a dry run
        // counts those it would change (wouldChange). onlyShorten keeps keys that already expire sooner.
        std::optional<qint64> expireSeconds;
        bool onlyShorten = false;
        // When set, the keys are this tag's index members (ops::TagIndexPages) and the pattern is unused. The client
        // may then be a cluster client, which splits each UNLINK per slot. Once every page was confirmed the index
        // is UNLINKed too; after a failure it is kept, so the tag can be invalidated again. A dry run counts the
        // live entries only (by the index's scores).
        QByteArray tag;
        // On a cluster node a multi-key UNLINK must stay within one hash slot: send one per slot.
        bool groupBySlot = false;
        // Latency guard: a write batch that takes longer than this halves the SCAN COUNT, a quick one doubles it
        // (between minScanCount and maxScanCount); and at most maxWritesInFlight batches wait on the server
        // before the scan pauses, so other clients never queue behind a pile of our UNLINKs (a SCAN walk's page
        // already asked for still lands: see peakWritesInFlight).
        std::chrono::milliseconds latencyGuard {5};
        int minScanCount = 100;
        int maxScanCount = 5000;
        int maxWritesInFlight = 2;
        // For KeyspaceInvalidation on a cluster: how many masters are worked on at once (0: all). One at a time
        // is gentler where masters share machines (each busy master takes a core from its neighbours).
        int maxParallelNodes = 0;
    };

    static constexpr int tagPageSize = 500; // members per UNLINK when walking a tag's index

    // `client` is one node for a pattern (SCAN walks one server); any client for a tag.
    PacedInvalidation(redis::Client* client, QByteArray pattern, Options options, QObject* parent = nullptr);
    ~PacedInvalidation() override;

    // Why a pattern is refused outright: it is empty, or it aims into a protected namespace.
    static std::optional<QString> refusal(const QByteArray& pattern, const QList<QByteArray>& protectedPatterns);
    // Why a tag is refused outright: it is empty.
    static std::optional<QString> tagRefusal(const QByteArray& tag);

    void start(const QByteArray& cursor = "0");
    void cancel();

    const InvalidationProgress& progress() const
    {
        return m_progress;
    }
    // The most write batches that waited on the server at once, kept to be seen. A tag walk keeps to
    // maxWritesInFlight. A SCAN walk asks for the next page before it sends a page's writes, so that page lands even
    // when the walk pauses: two pages' batches at most, whatever the bound (a page split per slot: one per slot).
    int peakWritesInFlight() const
    {
        return m_peakWritesInFlight;
    }

Q_SIGNALS:
    void progressed(const cachescope::ops::InvalidationProgress& progress);
    void finished(const cachescope::ops::InvalidationProgress& progress);

private:
    void onPage(const QList<QByteArray>& keys);
    void sendUnlink(QList<QByteArray> keys);
    void sendUnlinkBatch(QList<QByteArray> keys);
    void sendExpire(const QList<QByteArray>& keys);
    void onWriteFailed(const redis::Reply& reply, qint64 lostWrites);
    void onWriteSent();
    void onWriteDone(qint64 latencyNs);
    void onScanDone();
    void fail(const redis::Reply& error);
    void finishIfDone();
    bool dropsTagIndex() const;
    bool isProtected(const QByteArray& key) const;

    QPointer<redis::Client> m_connection;
    Options m_options;
    std::unique_ptr<redis::KeyPages> m_scan;
    InvalidationProgress m_progress;
    QSet<size_t> m_seen; // hashes of matched keys, for an exact dry-run count in little memory
    int m_writesInFlight = 0; // UNLINKs, or batches of EXPIREs, awaiting replies
    int m_peakWritesInFlight = 0;
    bool m_scanDone = false;
    bool m_indexDropSent = false;
};

} // namespace cachescope::ops
