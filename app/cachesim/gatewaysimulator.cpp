#include "gatewaysimulator.h"

#include "model/gatewaykey.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <memory>

namespace cachescope::sim {

using namespace Qt::StringLiterals;

namespace {
const QStringList categories {u"music"_s, u"sports"_s, u"theatre"_s, u"comedy"_s, u"family"_s};
const QStringList searchWords {u"rock"_s, u"jazz"_s, u"opera"_s, u"final"_s, u"derby"_s, u"tour"_s, u"live"_s,
    u"festival"_s, u"classic"_s, u"night"_s};
} // namespace

GatewaySimulator::GatewaySimulator(
    cache::CacheManager* manager, cache::ResponseCachePolicy* policy, Options options, QObject* parent)
    : QObject(parent)
    , m_manager(manager)
    , m_policy(policy)
    , m_options(options)
    , m_random(options.seed)
    , m_routes(6, 1.0)
    , m_venues(options.venues, 1.0)
    , m_events(options.events, 1.0)
    , m_users(options.users, 1.0)
    , m_terms(options.searchTerms, 1.1)
{
    m_ticker.setInterval(10);
    connect(&m_ticker, &QTimer::timeout, this, &GatewaySimulator::tick);
}

void GatewaySimulator::start()
{
    m_clock.start();
    m_ticker.start();
}

void GatewaySimulator::stop()
{
    m_ticker.stop();
    m_stopping = true;
    if (m_inFlight == 0)
        Q_EMIT finished();
}

void GatewaySimulator::tick()
{
    const qint64 elapsedMs = m_clock.elapsed();
    if (m_options.durationSeconds > 0 && elapsedMs >= qint64(m_options.durationSeconds) * 1000) {
        stop();
        return;
    }
    // Catch up to the target rate, so a slow tick does not lower it.
    const qint64 due = elapsedMs * m_options.requestsPerSecond / 1000;
    while (m_sent < due)
        sendOne();
}

cache::GatewayRequest GatewaySimulator::makeRequest(QString* routeLabel)
{
    const int venue = m_venues(m_random);
    const QString venueId = u"v"_s + QString::number(venue + 1);
    const QString tenantId = u"tenant-"_s + QString::number(venue % std::max(1, m_options.tenants) + 1);
    const QString eventId = QString::number(m_events(m_random) + 1);
    QString url;
    switch (m_routes(m_random)) {
    case 0:
        url = u"/api/events/"_s + eventId;
        *routeLabel = u"GET /api/events"_s;
        break;
    case 1:
        url = u"/api/tickets/availability/"_s + eventId;
        *routeLabel = u"GET /api/tickets/availability"_s;
        break;
    case 2: {
        const int term = m_options.degradeSearch ? 1000000 + int(m_sent % 1000000000) : m_terms(m_random);
        url = u"/api/search?q=%1+%2&category=%3"_s.arg(searchWords.at(term % searchWords.size()))
                  .arg(term / searchWords.size())
                  .arg(categories.at(term % categories.size()));
        *routeLabel = u"GET /api/search"_s;
        break;
    }
    case 3:
        url = u"/api/venues/"_s + venueId.sliced(1);
        *routeLabel = u"GET /api/venues"_s;
        break;
    case 4:
        url = u"/api/events?page=1"_s;
        *routeLabel = u"GET /api/events"_s;
        break;
    default:
        url = u"/api/orders"_s; // private: per user, or bypassed without one
        *routeLabel = u"GET /api/orders"_s;
        break;
    }
    cache::GatewayRequest request = cache::GatewayRequest::fromUrl("GET", url);
    request.tenantId = tenantId;
    request.venueId = venueId;
    if (std::uniform_int_distribution<int>(0, 3)(m_random) != 0)
        request.userId = u"u"_s + QString::number(m_users(m_random) + 1);
    return request;
}

cache::CacheManager::Loader GatewaySimulator::loaderFor(const QString& routeLabel)
{
    const double meanMs = std::max(1, m_options.databaseLatencyMs);
    const int delay = int(std::exponential_distribution<double>(1.0 / meanMs)(m_random));
    const bool fail = std::bernoulli_distribution(m_options.loaderFailureRate)(m_random);
    QPointer<GatewaySimulator> self(this);
    return [self, delay, fail, routeLabel](cache::CacheManager::LoadDone done) {
        QTimer::singleShot(delay, self, [delay, fail, routeLabel, done] {
            if (fail) {
                done(cache::LoadResult::failed(u"simulated database error"_s));
                return;
            }
            const QJsonObject body {
                {u"route"_s, routeLabel}, {u"generatedInMs"_s, delay}, {u"items"_s, u"…"_s.repeated(40)}};
            done(cache::LoadResult::found(QJsonDocument(body).toJson(QJsonDocument::Compact)));
        });
    };
}

void GatewaySimulator::sendOne()
{
    ++m_sent;
    QString routeLabel;
    const cache::GatewayRequest request = makeRequest(&routeLabel);
    RouteCounts& counts = m_counts[routeLabel];
    ++counts.requests;
    const cache::CacheDecision decision = m_policy->decide(request);
    const cache::StatsLabels labels {"gateway", routeLabel.toUtf8(), request.tenantId.value_or(QString()).toUtf8(),
        request.venueId.value_or(QString()).toUtf8()};
    if (!decision.isLookup()) {
        ++counts.bypassed;
        m_manager->recordBypass(labels);
        return;
    }
    cache::CacheManager::SetOptions options;
    options.ttl = std::chrono::seconds(decision.ttlSeconds);
    options.labels = labels;
    // Indexes for invalidating a venue or a tenant at a cost in proportion to its own keys, as core names them for
    // this key (so an invalidation by pattern keeps them exact). None for a route: its keys share a prefix, and a
    // SCAN MATCH on it is already what an index would be.
    const std::optional<model::GatewayKey> parts = model::parseGatewayKey(decision.key);
    options.tags = parts ? model::gatewayTagsOf(*parts) : QList<QByteArray>();
    ++m_inFlight;
    QElapsedTimer started;
    started.start();
    m_manager->getOrSet(decision.key, loaderFor(routeLabel), options, this,
        [this, routeLabel, started](const cache::CacheResult& result) {
            --m_inFlight;
            RouteCounts& c = m_counts[routeLabel];
            switch (result.status) {
            case cache::CacheResult::Status::Hit:
            case cache::CacheResult::Status::NegativeHit:
                ++c.hits;
                break;
            case cache::CacheResult::Status::Stale:
                ++c.stale;
                ++c.misses;
                break;
            case cache::CacheResult::Status::Error:
                ++c.errors;
                ++c.misses;
                break;
            default:
                ++c.misses;
                ++c.loads;
                c.loadMsTotal += started.elapsed();
                break;
            }
            if (m_stopping && m_inFlight == 0)
                Q_EMIT finished();
        });
}

} // namespace cachescope::sim
