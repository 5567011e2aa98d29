#include "analysis/keyspaceanalysis.h"

#include "model/gatewaykey.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"

#include <QElapsedTimer>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr int minBatch = 25;
constexpr int maxBatchesInFlight = 2;
constexpr int progressIntervalMs = 250;
constexpr qsizetype maxPersistentSamples = 10;
const QByteArray noLabel = "(none)";
const QByteArray notGateway = "(not a gateway response)";

QByteArray ownCopy(const std::optional<QByteArray>& label)
{
    return label ? QByteArray(label->constData(), label->size()) : noLabel;
}
} // namespace

KeyspaceAnalysis::KeyspaceAnalysis(redis::Client* client, Options options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
    , m_grouping(m_options.routes)
    , m_scan(client, redis::ScanOptions {m_options.match, m_options.scanCount, {}})
{
    m_options.sampleEvery = std::max(1, m_options.sampleEvery);
    m_options.maxBatch = std::max(minBatch, m_options.maxBatch);
    m_scan.setMaxParallelNodes(m_options.mastersAtOnce);
    connect(&m_scan, &redis::KeyspaceScan::page, this, &KeyspaceAnalysis::onPage);
    connect(&m_scan, &redis::KeyspaceScan::finished, this, [this] {
        m_scanDone = true;
        maybeFinish();
    });
    connect(&m_scan, &redis::KeyspaceScan::failed, this,
        [this](const redis::Reply& error) { fail(u"the scan failed: "_s + error.errorMessage()); });
}

KeyspaceAnalysis::~KeyspaceAnalysis() = default;

bool KeyspaceAnalysis::isSampled(const QByteArray& key, int sampleEvery)
{
    // A fixed seed: the same keys are chosen in every run, so two sampled analyses compare like with like.
    return sampleEvery <= 1 || qHash(key, size_t(0xa11a1)) % size_t(sampleEvery) == 0;
}

std::optional<KeyspaceAnalysis::Measurement> KeyspaceAnalysis::measurementOf(
    const redis::Reply& memory, const redis::Reply& pttl)
{
    if (!memory.isInteger() || !pttl.isInteger() || pttl.integer() == -2)
        return std::nullopt;
    return Measurement {memory.integer(), pttl.integer()};
}

void KeyspaceAnalysis::start()
{
    if (m_running || !m_client)
        return;
    m_report = AnalysisReport {};
    m_report.server = m_client->options().host + u':' + QString::number(m_client->options().port);
    m_report.match = m_options.match;
    m_report.sampleEvery = m_options.sampleEvery;
    m_report.topKeys = m_options.topKeys;
    m_report.startedAt = QDateTime::currentDateTimeUtc();
    m_waiting.clear();
    m_batchesInFlight = 0;
    m_scanDone = false;
    m_scanPaused = false;
    m_running = true;
    m_sinceProgress.start();
    const quint64 generation = ++m_generation;
    // DBSIZE first: the base the counts of a partial scan are projected onto.
    redis::whenNodesKnown(m_client, this, [this, generation](const QString& error) {
        if (generation != m_generation)
            return;
        if (!error.isEmpty() || !m_client) {
            fail(error.isEmpty() ? u"the connection is gone"_s : error);
            return;
        }
        QList<redis::AddressedCommand> sizes;
        for (redis::Connection* node : m_client->nodes())
            sizes.append({node, {"DBSIZE"}});
        redis::gatherReplies(sizes, this, [this, generation](const std::vector<redis::Reply>& replies) {
            if (generation != m_generation)
                return;
            if (const redis::Reply* refused = redis::firstError(replies)) {
                fail(u"DBSIZE failed: "_s + refused->errorMessage());
                return;
            }
            for (const redis::Reply& reply : replies)
                m_report.keyspaceSize += reply.integer();
            m_scan.start();
        });
    });
}

void KeyspaceAnalysis::cancel()
{
    if (!m_running)
        return;
    fail(u"cancelled"_s);
}

void KeyspaceAnalysis::onPage(const QList<QByteArray>& keys)
{
    for (const QByteArray& key : keys) {
        count(key);
        if (isSampled(key, m_options.sampleEvery))
            m_waiting.push_back(key);
    }
    // Back-pressure: the scan waits while more than a few pages of keys wait to be measured.
    if (!m_scanPaused && qsizetype(m_waiting.size()) > 4 * qsizetype(m_options.scanCount)) {
        m_scanPaused = true;
        m_scan.pause();
    }
    sendBatches();
    reportProgress();
}

void KeyspaceAnalysis::count(const QByteArray& key)
{
    ++m_report.total.keys;
    const model::KeyPlace place = m_grouping.place(key);
    auto group = [this](Dimension dimension, const QByteArray& label) -> GroupFigures& {
        return m_report.groups[std::size_t(dimension)][label];
    };
    switch (place.kind) {
    case model::KeyPlace::Kind::Gateway: {
        GroupFigures& tenant = group(Dimension::Tenant, ownCopy(place.tenant));
        GroupFigures& venue = group(Dimension::Venue, ownCopy(place.venue));
        GroupFigures& route = group(Dimension::Route, QByteArray(place.route.constData(), place.route.size()));
        ++tenant.keys;
        ++venue.keys;
        ++route.keys;
        ++group(Dimension::Namespace, "gateway").keys;
        // Variant explosion: how many distinct values each vary-by parameter (and the user, on private routes)
        // takes, per route and per tenant.
        if (const auto parsed = model::parseGatewayKey(key)) {
            for (const model::VaryValue& vary : parsed->vary) {
                const QByteArrayView value = vary.value ? QByteArrayView(*vary.value) : QByteArrayView("\0none", 5);
                route.variants[vary.name].add(value);
                tenant.variants[vary.name].add(value);
            }
            if (parsed->userId) {
                route.variants["user"].add(*parsed->userId);
                tenant.variants["user"].add(*parsed->userId);
            }
        }
        return;
    }
    case model::KeyPlace::Kind::Service:
        ++group(Dimension::Namespace, QByteArray(place.serviceNamespace.constData(), place.serviceNamespace.size()))
              .keys;
        break;
    case model::KeyPlace::Kind::CacheScope:
        ++group(Dimension::Namespace, "cachescope").keys;
        break;
    case model::KeyPlace::Kind::Other:
        ++group(Dimension::Namespace, "other").keys;
        break;
    }
    // Keys that are no gateway response have no tenant, venue or route: one row says so in those tables, so each
    // table adds up to the total.
    for (Dimension dimension : {Dimension::Tenant, Dimension::Venue, Dimension::Route})
        ++group(dimension, notGateway).keys;
}

void KeyspaceAnalysis::sendBatches()
{
    while (m_running && m_client && m_batchesInFlight < maxBatchesInFlight && !m_waiting.empty()) {
        QList<QByteArray> keys;
        QList<redis::AddressedCommand> commands;
        const qsizetype size = std::min(qsizetype(m_batch), qsizetype(m_waiting.size()));
        keys.reserve(size);
        commands.reserve(2 * size);
        for (qsizetype i = 0; i < size; ++i) {
            keys.append(std::move(m_waiting.front()));
            m_waiting.pop_front();
            commands.append({m_client, {"MEMORY", "USAGE", keys.constLast()}});
            commands.append({m_client, {"PTTL", keys.constLast()}});
        }
        ++m_batchesInFlight;
        QElapsedTimer sent;
        sent.start();
        redis::gatherReplies(
            commands, this, [this, generation = m_generation, keys, sent](const std::vector<redis::Reply>& replies) {
                onBatch(generation, keys, replies, sent.elapsed());
            });
    }
    if (m_scanPaused && qsizetype(m_waiting.size()) <= qsizetype(m_options.scanCount)) {
        m_scanPaused = false;
        m_scan.resume();
    }
}

void KeyspaceAnalysis::onBatch(
    quint64 generation, const QList<QByteArray>& keys, const std::vector<redis::Reply>& replies, qint64 elapsedMs)
{
    if (generation != m_generation || !m_running)
        return;
    --m_batchesInFlight;
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const redis::Reply& memory = replies[std::size_t(2 * i)];
        const redis::Reply& ttl = replies[std::size_t(2 * i + 1)];
        for (const redis::Reply* reply : {&memory, &ttl}) {
            // A refusal (NOPERM, an unknown command) or a lost connection ends the analysis with the server's
            // words: figures that silently skip keys would lie.
            if (reply->isError()) {
                fail(u"%1 failed: %2"_s.arg(reply == &memory ? u"MEMORY USAGE"_s : u"PTTL"_s, reply->errorMessage()));
                return;
            }
        }
        if (const auto measured = measurementOf(memory, ttl))
            measure(keys.at(i), measured->bytes, measured->pttlMs);
        else
            ++m_report.unmeasured; // gone between SCAN and now
    }
    // The latency guard: a batch that kept the server long halves the next, a quick one lets them grow.
    const qint64 guard = m_options.latencyGuard.count();
    if (elapsedMs > guard)
        m_batch = std::max(minBatch, m_batch / 2);
    else if (4 * elapsedMs < guard)
        m_batch = std::min(m_options.maxBatch, m_batch * 2);
    sendBatches();
    reportProgress();
    maybeFinish();
}

void KeyspaceAnalysis::measure(const QByteArray& key, qint64 bytes, qint64 pttlMs)
{
    const int top = m_options.topKeys;
    m_report.total.addMeasured(key, bytes, pttlMs, top);
    const model::KeyPlace place = m_grouping.place(key);
    auto group = [this](Dimension dimension, const QByteArray& label) -> GroupFigures& {
        return m_report.groups[std::size_t(dimension)][label];
    };
    const bool persistentAgainstRules = pttlMs == -1 && mustExpire(place);
    QList<GroupFigures*> groups;
    switch (place.kind) {
    case model::KeyPlace::Kind::Gateway:
        groups = {&group(Dimension::Tenant, ownCopy(place.tenant)), &group(Dimension::Venue, ownCopy(place.venue)),
            &group(Dimension::Route, QByteArray(place.route.constData(), place.route.size())),
            &group(Dimension::Namespace, "gateway")};
        break;
    case model::KeyPlace::Kind::Service:
        groups = {&group(
            Dimension::Namespace, QByteArray(place.serviceNamespace.constData(), place.serviceNamespace.size()))};
        break;
    case model::KeyPlace::Kind::CacheScope:
        groups = {&group(Dimension::Namespace, "cachescope")};
        break;
    case model::KeyPlace::Kind::Other:
        groups = {&group(Dimension::Namespace, "other")};
        break;
    }
    if (place.kind != model::KeyPlace::Kind::Gateway) {
        for (Dimension dimension : {Dimension::Tenant, Dimension::Venue, Dimension::Route})
            groups.append(&group(dimension, notGateway));
    }
    for (GroupFigures* figures : groups) {
        figures->addMeasured(key, bytes, pttlMs, top);
        if (persistentAgainstRules)
            ++figures->persistentAgainstRules;
    }
    if (persistentAgainstRules) {
        ++m_report.total.persistentAgainstRules;
        if (m_report.persistentSamples.size() < maxPersistentSamples)
            m_report.persistentSamples.append(key);
    }
}

bool KeyspaceAnalysis::mustExpire(const model::KeyPlace& place) const
{
    switch (place.kind) {
    case model::KeyPlace::Kind::Gateway:
        return true; // the gateway writes every response with its route's TTL
    case model::KeyPlace::Kind::Service:
        return m_options.routes.namespaceTtl(QString::fromUtf8(place.serviceNamespace)).has_value();
    case model::KeyPlace::Kind::CacheScope:
    case model::KeyPlace::Kind::Other:
        return false;
    }
    return false;
}

void KeyspaceAnalysis::maybeFinish()
{
    if (!m_running || !m_scanDone || !m_waiting.empty() || m_batchesInFlight > 0)
        return;
    m_report.complete = true;
    end();
}

void KeyspaceAnalysis::fail(const QString& error)
{
    if (!m_running)
        return;
    m_report.error = error;
    m_report.complete = false;
    m_scan.cancel();
    m_waiting.clear();
    end();
}

void KeyspaceAnalysis::end()
{
    m_running = false;
    ++m_generation;
    m_report.finishedAt = QDateTime::currentDateTimeUtc();
    reportProgress(true);
    Q_EMIT finished();
}

void KeyspaceAnalysis::reportProgress(bool force)
{
    if (!force && m_sinceProgress.elapsed() < progressIntervalMs)
        return;
    m_sinceProgress.restart();
    Q_EMIT progressed();
}

} // namespace cachescope::analysis
