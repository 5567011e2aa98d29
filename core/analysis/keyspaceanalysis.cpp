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
constexpr qsizetype maxPersistentSamples = 10;
// KEYS: the batch's keys. Replies {"lookups", hits, misses, memory1, pttl1, memory2, pttl2, …}: PTTL is a keyspace
// lookup (-2: a miss), MEMORY USAGE is none. A missing key's MEMORY USAGE is false, which reaches us as a nil.
const QByteArray measureScript = QByteArrayLiteral("#!lua flags=no-writes\n"
                                                   "local r = {'lookups', 0, 0}\n"
                                                   "for i, k in ipairs(KEYS) do\n"
                                                   "  local m = redis.call('MEMORY', 'USAGE', k)\n"
                                                   "  local t = redis.call('PTTL', k)\n"
                                                   "  if t == -2 then r[3] = r[3] + 1 else r[2] = r[2] + 1 end\n"
                                                   "  r[2 * i + 2] = m\n"
                                                   "  r[2 * i + 3] = t\n"
                                                   "end\n"
                                                   "return r\n");
// The same without the TTLs (Options::measureTtl off): {"lookups", 0, 0, memory1, memory2, …}, no lookup at all.
const QByteArray memoryOnlyScript = QByteArrayLiteral("#!lua flags=no-writes\n"
                                                      "local r = {'lookups', 0, 0}\n"
                                                      "for i, k in ipairs(KEYS) do\n"
                                                      "  r[i + 3] = redis.call('MEMORY', 'USAGE', k)\n"
                                                      "end\n"
                                                      "return r\n");

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
    if (sampleEvery <= 1)
        return true;
    // The same keys in every run and process, so two sampled analyses compare like with like: FNV-1a, then
    // splitmix64's finaliser to spread it (qHash mixes in a seed chosen per process).
    quint64 hash = 0xcbf29ce484222325ULL;
    for (const char byte : key) {
        hash ^= quint8(byte);
        hash *= 0x100000001b3ULL;
    }
    hash = (hash ^ (hash >> 30)) * 0xbf58476d1ce4e5b9ULL;
    hash = (hash ^ (hash >> 27)) * 0x94d049bb133111ebULL;
    hash ^= hash >> 31;
    return hash % quint64(sampleEvery) == 0;
}

std::optional<KeyspaceAnalysis::Measurement> KeyspaceAnalysis::measurementOf(
    const redis::Reply& memory, const redis::Reply& pttl)
{
    if (pttl.type() == redis::Reply::Type::Nil && memory.isInteger())
        return Measurement {memory.integer(), ttlNotRead}; // measured without its TTL (measureTtl off)
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
    m_report.scope = m_options.scope;
    m_report.ttlMeasured = m_options.measureTtl;
    m_report.sampleEvery = m_options.sampleEvery;
    m_report.topKeys = m_options.topKeys;
    m_report.startedAt = QDateTime::currentDateTimeUtc();
    m_waiting.clear();
    m_batchesInFlight = 0;
    m_peakBatchesInFlight = 0;
    m_peakKeysWaiting = 0;
    m_scanDone = false;
    m_scanPaused = false;
    m_useScript = m_options.useScript && !m_client->isCluster();
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
        if (m_options.accepts && !m_options.accepts(key))
            continue;
        count(key);
        if (isSampled(key, m_options.sampleEvery))
            m_waiting.push_back(key);
    }
    m_peakKeysWaiting = std::max(m_peakKeysWaiting, qsizetype(m_waiting.size()));
    // Back-pressure: the scan waits while more than a few pages of keys wait to be measured.
    if (!m_scanPaused && qsizetype(m_waiting.size()) > 4 * qsizetype(m_options.scanCount)) {
        m_scanPaused = true;
        m_scan.pause();
    }
    sendBatches();
    reportProgress();
}

GroupFigures& KeyspaceAnalysis::group(Dimension dimension, QByteArrayView label)
{
    // Found without copying the label (it is a view into the key); copied once, when the group is new.
    auto& groups = m_report.groups[std::size_t(dimension)];
    const auto found = groups.find(QByteArray::fromRawData(label.data(), label.size()));
    if (found != groups.end())
        return *found;
    return groups[label.toByteArray()];
}

void KeyspaceAnalysis::count(const QByteArray& key)
{
    ++m_report.total.keys;
    const model::KeyPlace place = m_grouping.place(key);
    const auto labels = groupLabelsOf(place);
    std::array<GroupFigures*, dimensionCount> groups {};
    for (int d = 0; d < dimensionCount; ++d) {
        groups[std::size_t(d)] = &group(Dimension(d), labels[std::size_t(d)]);
        ++groups[std::size_t(d)]->keys;
    }
    if (place.kind != model::KeyPlace::Kind::Gateway)
        return;
    auto variant = [](GroupFigures& figures, QByteArrayView name, QByteArrayView value) {
        const auto found = figures.variants.find(QByteArray::fromRawData(name.data(), name.size()));
        (found != figures.variants.end() ? *found : figures.variants[name.toByteArray()]).add(value);
    };
    // Each dimension has a hash of its own, so these stay valid while the others grow.
    GroupFigures& tenant = *groups[std::size_t(Dimension::Tenant)];
    GroupFigures& route = *groups[std::size_t(Dimension::Route)];
    // Variant explosion: how many distinct values each vary-by parameter (and the user, on private routes)
    // takes, per route and per tenant. Nearly every key is read in place; one with escaped bytes is decoded.
    if (const auto& view = place.scope) {
        for (const auto& [name, value] : view->vary) {
            variant(route, name, value);
            variant(tenant, name, value);
        }
        if (view->userId) {
            variant(route, "user", *view->userId);
            variant(tenant, "user", *view->userId);
        }
    } else if (const auto parsed = model::parseGatewayKey(key)) {
        for (const model::VaryValue& vary : parsed->vary) {
            const QByteArrayView value = vary.value ? QByteArrayView(*vary.value) : QByteArrayView("%none");
            variant(route, vary.name, value);
            variant(tenant, vary.name, value);
        }
        if (parsed->userId) {
            variant(route, "user", *parsed->userId);
            variant(tenant, "user", *parsed->userId);
        }
    }
}

void KeyspaceAnalysis::sendBatches()
{
    while (m_running && m_client && m_batchesInFlight < maxBatchesInFlight && !m_waiting.empty()) {
        QList<QByteArray> keys;
        const qsizetype size = std::min(qsizetype(m_batch), qsizetype(m_waiting.size()));
        keys.reserve(size);
        for (qsizetype i = 0; i < size; ++i) {
            keys.append(std::move(m_waiting.front()));
            m_waiting.pop_front();
        }
        m_peakBatchesInFlight = std::max(m_peakBatchesInFlight, ++m_batchesInFlight);
        m_useScript ? sendScriptBatch(keys) : sendPipelinedBatch(keys);
    }
    if (m_scanPaused && qsizetype(m_waiting.size()) <= qsizetype(m_options.scanCount)) {
        m_scanPaused = false;
        m_scan.resume();
    }
}

void KeyspaceAnalysis::sendScriptBatch(const QList<QByteArray>& keys)
{
    static const QByteArray evalRo = QByteArrayLiteral("EVAL_RO");
    QList<QByteArray> command;
    command.reserve(keys.size() + 3);
    command << evalRo << (m_options.measureTtl ? measureScript : memoryOnlyScript) << QByteArray::number(keys.size())
            << keys;
    QElapsedTimer sent;
    sent.start();
    m_client->command(command, this, [this, generation = m_generation, keys, sent](const redis::Reply& reply) {
        if (generation != m_generation || !m_running)
            return;
        const auto& elements = reply.elements();
        if (reply.isArray() && qsizetype(elements.size()) == 3 + (m_options.measureTtl ? 2 : 1) * keys.size()) {
            onBatch(generation, keys, std::vector<redis::Reply>(elements.begin() + 3, elements.end()), sent.elapsed());
            return;
        }
        const redis::ErrorKind kind = reply.errorKind();
        if (kind == redis::ErrorKind::Timeout || kind == redis::ErrorKind::ConnectionLost
            || kind == redis::ErrorKind::NotConnected || kind == redis::ErrorKind::Cancelled) {
            fail(u"MEMORY USAGE failed: "_s + reply.errorMessage());
            return;
        }
        // Refused (no +eval_ro, scripting off, a proxy without EVAL_RO): the same reads as commands, from this batch
        // on; a refusal of the reads themselves then speaks for itself.
        m_useScript = false;
        --m_batchesInFlight;
        for (auto key = keys.crbegin(); key != keys.crend(); ++key)
            m_waiting.push_front(*key);
        sendBatches();
    });
}

void KeyspaceAnalysis::sendPipelinedBatch(const QList<QByteArray>& keys)
{
    static const QByteArray memory = QByteArrayLiteral("MEMORY");
    static const QByteArray usage = QByteArrayLiteral("USAGE");
    static const QByteArray pttl = QByteArrayLiteral("PTTL");
    QList<redis::AddressedCommand> commands;
    commands.reserve(2 * keys.size());
    for (const QByteArray& key : keys) {
        commands.append({m_client, {memory, usage, key}});
        if (m_options.measureTtl)
            commands.append({m_client, {pttl, key}});
    }
    QElapsedTimer sent;
    sent.start();
    redis::gatherReplies(
        commands, this, [this, generation = m_generation, keys, sent](const std::vector<redis::Reply>& replies) {
            onBatch(generation, keys, replies, sent.elapsed());
        });
}

void KeyspaceAnalysis::onBatch(
    quint64 generation, const QList<QByteArray>& keys, const std::vector<redis::Reply>& replies, qint64 elapsedMs)
{
    if (generation != m_generation || !m_running)
        return;
    --m_batchesInFlight;
    const std::size_t stride = m_options.measureTtl ? 2 : 1;
    static const redis::Reply notRead = redis::Reply::nil();
    for (qsizetype i = 0; i < keys.size(); ++i) {
        const redis::Reply& memory = replies[stride * std::size_t(i)];
        const redis::Reply& ttl = m_options.measureTtl ? replies[stride * std::size_t(i) + 1] : notRead;
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
    const bool persistentAgainstRules = pttlMs == -1 && mustExpire(place);
    const auto labels = groupLabelsOf(place);
    std::array<GroupFigures*, dimensionCount> groups {};
    for (int d = 0; d < dimensionCount; ++d)
        groups[std::size_t(d)] = &group(Dimension(d), labels[std::size_t(d)]);
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
    if (!force && m_sinceProgress.elapsed() < m_options.progressInterval.count())
        return;
    m_sinceProgress.restart();
    Q_EMIT progressed();
}

} // namespace cachescope::analysis
