#pragma once

#include "redis/connectionoptions.h"
#include "redis/keyspacewalk.h"
#include "redis/latestrequest.h"
#include "redis/reply.h"
#include "redis/scaniterator.h"

#include <QObject>
#include <QThread>
#include <QTimer>

#include <deque>
#include <functional>
#include <memory>
#include <optional>

namespace cachescope::redis {

class BackgroundScanWorker;
class Client;

// A KeyspaceScan on a connection of its own, in a thread of its own: reading the socket and parsing the replies
// happen there, and the thread that owns this object (the GUI's) only receives pages of keys, through queued
// signals. A slow receiver holds the scan back: once maxQueuedPages pages wait to be delivered the worker stops
// asking the server for more (the pages already asked for, one per node, still come) until the receiver catches
// up, so memory stays flat however large the keyspace.
class BackgroundScan : public KeyspaceWalk
{
    Q_OBJECT
public:
    static constexpr int maxQueuedPages = 8;
    // What arrives together is handed out for at most this long per event-loop pass, the rest on the next pass, so
    // a burst of pages never keeps the receiver's thread from painting or answering input.
    static constexpr int deliveryBudgetMs = 8;

    // Scans what `client` reaches (its options are copied: the scan opens a connection like it, or a cluster client).
    BackgroundScan(const Client& client, ScanOptions scanOptions, QObject* parent = nullptr);
    // Cancels a running scan and waits for its thread to end (a few milliseconds: no network wait).
    ~BackgroundScan() override;

    // KeyspaceScan::setMaxParallelNodes(); for the next start().
    void setMaxParallelNodes(int nodes)
    {
        m_maxParallelNodes = nodes;
    }

    // Starts a fresh scan (cancelling one still running): connects, then walks the keyspace.
    void start() override;
    // No page is delivered after this returns; the worker's connection is closed in its thread.
    void cancel() override;
    bool isRunning() const override
    {
        return m_running;
    }
    qint64 keysReceived() const override
    {
        return m_keys;
    }
    // As of the last page delivered.
    double walkedShare() const override
    {
        return m_walkedShare;
    }
    // The most pages that were ever queued and not yet delivered (for tests of the back-pressure).
    int peakQueuedPages() const
    {
        return m_peakQueued;
    }

private:
    friend class BackgroundScanWorker;
    void stopWorker();
    void receive(quint64 generation, std::function<void()> event);
    void deliverReceived();
    void handOutPage(const QList<QByteArray>& keys, int queued, double walkedShare);
    void handOutEnd(const std::optional<Reply>& error);

    ConnectionOptions m_options;
    ScanOptions m_scanOptions;
    int m_maxParallelNodes = 0;
    std::unique_ptr<QThread> m_thread;
    BackgroundScanWorker* m_worker = nullptr; // lives in m_thread, deletes itself when it ends
    LatestRequest m_starts; // a page or signal from an earlier start() is dropped by it
    bool m_running = false;
    double m_walkedShare = 0;
    qint64 m_keys = 0;
    int m_peakQueued = 0;
    std::deque<std::function<void()>> m_received; // pages and node events come in, not handed out yet
    QTimer m_delivery;
};

} // namespace cachescope::redis
