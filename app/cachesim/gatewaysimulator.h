#pragma once

#include "zipf.h"

#include "cache/cachemanager.h"
#include "cache/responsecachepolicy.h"

#include <QElapsedTimer>
#include <QMap>
#include <QObject>
#include <QTimer>

#include <random>

namespace cachescope::sim {

// Drives the gateway's response cache and the services' cache manager like a busy ticketing platform:
// Zipf-distributed routes, venues, users and search terms at a steady rate, with loaders that answer
// after a database-like delay (and fail at a configurable rate).
class GatewaySimulator : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        int requestsPerSecond = 500;
        int durationSeconds = 10; // 0: until stopped
        quint64 seed = 1;
        int tenants = 5;
        int venues = 500;
        int events = 2000;
        int users = 1000;
        int searchTerms = 200;
        int databaseLatencyMs = 20; // mean; exponentially distributed
        double loaderFailureRate = 0.0;
        // Every search asks for a term never asked before (a client that adds a unique value to a vary-by
        // parameter): the search route's hit rate collapses while the others keep theirs.
        bool degradeSearch = false;
    };

    struct RouteCounts
    {
        qint64 requests = 0;
        qint64 hits = 0;
        qint64 misses = 0; // loaded (or failed) because the cache had nothing fresh
        qint64 bypassed = 0;
        qint64 stale = 0;
        qint64 errors = 0;
        qint64 loadMsTotal = 0;
        qint64 loads = 0;
    };

    GatewaySimulator(
        cache::CacheManager* manager, cache::ResponseCachePolicy* policy, Options options, QObject* parent = nullptr);

    void start();
    void stop();

    const QMap<QString, RouteCounts>& counts() const
    {
        return m_counts;
    }
    qint64 inFlight() const
    {
        return m_inFlight;
    }

Q_SIGNALS:
    void finished();

private:
    void tick();
    void sendOne();
    cache::GatewayRequest makeRequest(QString* routeLabel);
    cache::CacheManager::Loader loaderFor(const QString& routeLabel);

    cache::CacheManager* m_manager;
    cache::ResponseCachePolicy* m_policy;
    Options m_options;
    std::mt19937_64 m_random;
    ZipfDistribution m_routes;
    ZipfDistribution m_venues;
    ZipfDistribution m_events;
    ZipfDistribution m_users;
    ZipfDistribution m_terms;
    QTimer m_ticker;
    QElapsedTimer m_clock;
    qint64 m_sent = 0;
    qint64 m_inFlight = 0;
    bool m_stopping = false;
    QMap<QString, RouteCounts> m_counts;
};

} // namespace cachescope::sim
