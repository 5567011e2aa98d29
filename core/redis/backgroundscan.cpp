#include "redis/backgroundscan.h"

#include "redis/client.h"
#include "redis/keyspacescan.h"

#include <QElapsedTimer>
#include <QPointer>

namespace cachescope::redis {

// Runs in the scan's thread: its client, its KeyspaceScan, and the count of pages handed over and not yet
// delivered. Everything it tells the BackgroundScan goes through queued calls carrying the generation it was
// started for, which the BackgroundScan checks (it never touches the worker's members, nor the worker its own).
class BackgroundScanWorker : public QObject
{
public:
    BackgroundScanWorker(
        BackgroundScan* receiver, quint64 generation, ConnectionOptions options, ScanOptions scanOptions, int parallel)
        : m_receiver(receiver)
        , m_generation(generation)
        , m_options(std::move(options))
        , m_scanOptions(std::move(scanOptions))
        , m_parallel(parallel)
    {
    }

    void run()
    {
        m_client = Client::create(m_options);
        m_scan = std::make_unique<KeyspaceScan>(m_client.get(), m_scanOptions);
        m_scan->setMaxParallelNodes(m_parallel);
        BackgroundScan* receiver = m_receiver;
        connect(m_scan.get(), &KeyspaceScan::nodeStarted, this,
            [this, receiver](int index, int count, const QString& description) {
                post(
                    [receiver, index, count, description] { Q_EMIT receiver->nodeStarted(index, count, description); });
            });
        connect(m_scan.get(), &KeyspaceScan::nodeFinished, this, [this, receiver](int index, qint64 keys) {
            post([receiver, index, keys] { Q_EMIT receiver->nodeFinished(index, keys); });
        });
        connect(m_scan.get(), &KeyspaceScan::page, this, [this, receiver](const QList<QByteArray>& keys) {
            const int queued = ++m_queued;
            if (queued >= BackgroundScan::maxQueuedPages)
                m_scan->pause();
            post([receiver, keys, queued, walked = m_scan->walkedShare()] {
                receiver->handOutPage(keys, queued, walked);
            });
        });
        connect(m_scan.get(), &KeyspaceScan::finished, this,
            [this, receiver] { post([receiver] { receiver->handOutEnd(std::nullopt); }); });
        connect(m_scan.get(), &KeyspaceScan::failed, this,
            [this, receiver](const Reply& error) { post([receiver, error] { receiver->handOutEnd(error); }); });
        m_client->open();
        m_scan->start();
    }

    // The receiver has taken a page: below half the limit, ask the server again.
    void pageDelivered()
    {
        --m_queued;
        if (m_scan && m_queued <= BackgroundScan::maxQueuedPages / 2)
            m_scan->resume();
    }

    // Closes the connection here, in the thread its socket belongs to, and ends the thread.
    void stop()
    {
        if (m_scan)
            m_scan->cancel();
        m_scan.reset();
        if (m_client)
            m_client->close();
        m_client.reset();
        thread()->quit();
    }

private:
    // Everything reaches the receiver in the order it happened, through one queue in the receiver's thread.
    void post(std::function<void()> event)
    {
        BackgroundScan* receiver = m_receiver;
        QMetaObject::invokeMethod(
            receiver,
            [receiver, generation = m_generation, event = std::move(event)]() mutable {
                receiver->receive(generation, std::move(event));
            },
            Qt::QueuedConnection);
    }

    BackgroundScan* const m_receiver; // outlives this: it waits for the thread to end before it goes
    const quint64 m_generation;
    const ConnectionOptions m_options;
    const ScanOptions m_scanOptions;
    const int m_parallel;
    std::unique_ptr<Client> m_client;
    std::unique_ptr<KeyspaceScan> m_scan;
    int m_queued = 0;
};

BackgroundScan::BackgroundScan(const Client& client, ScanOptions scanOptions, QObject* parent)
    : KeyspaceWalk(parent)
    , m_options(client.options())
    , m_scanOptions(std::move(scanOptions))
{
    m_options.cluster = client.isCluster(); // a ClusterClient made directly may carry its seed's plain options
    m_delivery.setSingleShot(true);
    m_delivery.setInterval(0);
    connect(&m_delivery, &QTimer::timeout, this, &BackgroundScan::deliverReceived);
}

BackgroundScan::~BackgroundScan()
{
    stopWorker();
}

void BackgroundScan::start()
{
    stopWorker();
    m_starts.next();
    m_running = true;
    m_keys = 0;
    m_walkedShare = 0;
    m_peakQueued = 0;
    m_thread = std::make_unique<QThread>();
    m_thread->setObjectName(QStringLiteral("keyspace scan"));
    m_worker = new BackgroundScanWorker(this, m_starts.current(), m_options, m_scanOptions, m_maxParallelNodes);
    m_worker->moveToThread(m_thread.get());
    BackgroundScanWorker* worker = m_worker;
    connect(m_thread.get(), &QThread::started, worker, [worker] { worker->run(); });
    connect(m_thread.get(), &QThread::finished, worker, &QObject::deleteLater);
    m_thread->start();
}

void BackgroundScan::cancel()
{
    m_running = false;
    stopWorker();
}

void BackgroundScan::stopWorker()
{
    m_starts.dropAll(); // what the old worker already queued is dropped
    m_received.clear();
    m_delivery.stop();
    if (!m_thread)
        return;
    BackgroundScanWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->stop(); }, Qt::QueuedConnection);
    m_thread->wait(); // short: the worker never waits on the network, only finishes the reply it is reading
    m_thread.reset();
    m_worker = nullptr;
}

void BackgroundScan::receive(quint64 generation, std::function<void()> event)
{
    if (!m_starts.isCurrent(generation))
        return; // from a worker since stopped
    m_received.push_back(std::move(event));
    if (!m_delivery.isActive())
        m_delivery.start();
}

void BackgroundScan::deliverReceived()
{
    QElapsedTimer clock;
    clock.start();
    const quint64 generation = m_starts.current();
    while (!m_received.empty()) {
        if (clock.elapsed() >= deliveryBudgetMs) {
            m_delivery.start(); // the rest on the next pass
            return;
        }
        const std::function<void()> event = std::move(m_received.front());
        m_received.pop_front();
        const QPointer<BackgroundScan> self(this);
        event();
        if (!self || !m_starts.isCurrent(generation))
            return; // deleted, cancelled or restarted by the receiver: the rest is dropped
    }
}

void BackgroundScan::handOutPage(const QList<QByteArray>& keys, int queued, double walkedShare)
{
    m_walkedShare = std::max(m_walkedShare, walkedShare); // never backwards, should the table be resized meanwhile
    m_peakQueued = std::max(m_peakQueued, queued);
    m_keys += keys.size();
    BackgroundScanWorker* worker = m_worker;
    QMetaObject::invokeMethod(
        worker, [worker] { worker->pageDelivered(); }, Qt::QueuedConnection);
    Q_EMIT page(keys);
}

void BackgroundScan::handOutEnd(const std::optional<Reply>& error)
{
    m_running = false;
    if (!error)
        m_walkedShare = 1.0;
    stopWorker();
    if (error)
        Q_EMIT failed(*error);
    else
        Q_EMIT finished();
}

} // namespace cachescope::redis
