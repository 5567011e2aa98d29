#include "cache/statsrecorder.h"

#include "redis/client.h"
#include "redis/gather.h"

#include <QDateTime>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <memory>

namespace cachescope::cache {

using namespace std::chrono;

namespace {
// KEYS: one hash per dimension of a bucket; ARGV[1]: seconds to keep it; then, per key, a count n and n
// field/increment pairs. A field brought to 0 is removed: a label that moved to "(other)" leaves nothing behind.
// Writes only (HINCRBY, HDEL, EXPIRE): none of them counts as a keyspace hit or miss.
constexpr char writeBucketScript[] = R"lua(
local ttl = ARGV[1]
local at = 2
for i = 1, #KEYS do
  local n = tonumber(ARGV[at])
  at = at + 1
  for j = 1, n do
    if redis.call('HINCRBY', KEYS[i], ARGV[at], ARGV[at + 1]) == 0 then
      redis.call('HDEL', KEYS[i], ARGV[at])
    end
    at = at + 2
  end
  redis.call('EXPIRE', KEYS[i], ttl)
end
return #KEYS
)lua";

// KEYS[1]: a tier's index; ARGV: the new bucket, the oldest bucket still kept, seconds to keep the index.
constexpr char indexBucketScript[] = R"lua(
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
)lua";

constexpr char cutField[] = "(other)|labels";

void appendDifference(
    QList<QByteArray>& fields, const QByteArray& label, const StatsCounters& now, const StatsCounters& before)
{
    for (std::size_t e = 0; e < now.events.size(); ++e) {
        if (const qint64 change = now.events[e] - before.events[e])
            fields << label + '|' + statsEventName(StatsEvent(e)) << QByteArray::number(change);
    }
    if (const qint64 change = now.loadMsTotal - before.loadMsTotal)
        fields << label + "|loadms" << QByteArray::number(change);
}
} // namespace

StatsRecorder::StatsRecorder(redis::Client* connection, Options options, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_options(std::move(options))
    , m_tiers(m_options.tiers.size())
{
    static std::atomic<quint64> nextGenerations {1};
    m_generation = nextGenerations.fetch_add(quint64(1) << 32); // 2^32 changes apart from any other recorder
    m_timer.setInterval(m_options.flushInterval);
    connect(&m_timer, &QTimer::timeout, this, [this] { flush(); });
    m_timer.start();
}

StatsRecorder::~StatsRecorder()
{
    flush(); // the last interval's counts are written while the connection can still take them
}

void StatsRecorder::forgetRecent()
{
    ++m_generation;
    for (RecentLabels& recent : m_recent)
        recent.counters = nullptr;
}

StatsCounters* StatsRecorder::countersFor(const StatsLabels& labels, RecentLabels& recent)
{
    const qsizetype before = m_pending.size();
    StatsCounters* counters = &m_pending[labels];
    if (m_pending.size() != before)
        forgetRecent(); // an insertion may have moved the entries the others point to
    recent = {&labels, labels, counters};
    return counters;
}

QList<QList<QByteArray>> StatsRecorder::reconcile(const StatsTier& tier, TierState& state, const ByDimension& interval)
{
    auto fieldsByDimension = QList<QList<QByteArray>>(qsizetype(StatsDimension::Count_));
    for (std::size_t d = 0; d < interval.size(); ++d) {
        const auto dimension = StatsDimension(d);
        if (interval[d].isEmpty() || !tier.keeps(dimension))
            continue;
        Table& counted = state.counted[d];
        for (auto it = interval[d].cbegin(); it != interval[d].cend(); ++it) {
            if (counted.contains(it.key()) || counted.size() < m_options.maxRankedLabels)
                counted[it.key()] += it.value();
            else
                state.unranked[d] += it.value();
        }
        // What the bucket should hold from this process: the busiest K by name, the rest as "(other)". Ties keep
        // the labels already written, then go by name, so equal counts do not make labels trade places.
        Table wanted;
        qint64 cut = 0;
        const int keep = dimension == StatsDimension::Total ? 1 : tier.topK[d];
        if (counted.size() <= keep && state.unranked[d].isEmpty()) {
            wanted = counted;
        } else {
            QList<Table::const_iterator> ranked;
            ranked.reserve(counted.size());
            for (auto it = counted.cbegin(); it != counted.cend(); ++it)
                ranked.append(it);
            const Table& written = state.written[d];
            auto busier = [&written](const Table::const_iterator& a, const Table::const_iterator& b) {
                if (a.value().lookups() != b.value().lookups())
                    return a.value().lookups() > b.value().lookups();
                if (written.contains(a.key()) != written.contains(b.key()))
                    return written.contains(a.key());
                return a.key() < b.key();
            };
            const qsizetype named = std::min<qsizetype>(keep, ranked.size());
            std::nth_element(ranked.begin(), ranked.begin() + named, ranked.end(), busier);
            StatsCounters other = state.unranked[d];
            for (qsizetype i = 0; i < ranked.size(); ++i) {
                if (i < named)
                    wanted.insert(ranked[i].key(), ranked[i].value());
                else
                    other += ranked[i].value();
            }
            cut = ranked.size() - named;
            if (!other.isEmpty())
                wanted.insert(otherLabel, other);
        }
        QList<QByteArray>& fields = fieldsByDimension[qsizetype(d)];
        Table& written = state.written[d];
        for (auto it = wanted.cbegin(); it != wanted.cend(); ++it)
            appendDifference(fields, it.key(), it.value(), written.value(it.key()));
        for (auto it = written.cbegin(); it != written.cend(); ++it) {
            if (!wanted.contains(it.key()))
                appendDifference(fields, it.key(), StatsCounters(), it.value());
        }
        written = std::move(wanted);
        if (cut != state.writtenCut[d])
            fields << cutField << QByteArray::number(cut - state.writtenCut[d]);
        state.writtenCut[d] = cut;
    }
    return fieldsByDimension;
}

StatsRecorder::FlushResult& StatsRecorder::FlushResult::operator+=(const FlushResult& other)
{
    sent += other.sent;
    unconfirmed += other.unconfirmed;
    refused += other.refused;
    if (firstError.isEmpty())
        firstError = other.firstError;
    return *this;
}

void StatsRecorder::flush(std::function<void(const FlushResult&)> done)
{
    // Spread the label sets over the dimensions: "all", then each label that is set.
    ByDimension interval;
    for (auto it = m_pending.begin(); it != m_pending.end(); ++it) {
        StatsCounters& counters = it.value();
        if (counters.isEmpty())
            continue;
        const StatsLabels& labels = it.key();
        StatsCounters common = counters;
        for (std::size_t e = 0; e < common.events.size(); ++e) {
            if (isRouteOnlyEvent(StatsEvent(e)))
                common.events[e] = 0;
        }
        interval[std::size_t(StatsDimension::Total)]["all"] += common;
        const std::pair<StatsDimension, const QByteArray*> parts[] = {{StatsDimension::Namespace, &labels.ns},
            {StatsDimension::Route, &labels.route}, {StatsDimension::Tenant, &labels.tenant},
            {StatsDimension::Venue, &labels.venue}};
        for (const auto& [dimension, label] : parts) {
            if (!label->isEmpty())
                interval[std::size_t(dimension)][*label] += dimension == StatsDimension::Route ? counters : common;
        }
        counters = StatsCounters(); // keep the entry: no allocation next interval
    }
    if (m_pending.size() > 100000) {
        m_pending.clear(); // a long tail of one-off label sets must not grow without bound
        forgetRecent();
    }
    for (std::size_t d = 0; d < interval.size(); ++d) {
        for (auto it = interval[d].cbegin(); it != interval[d].cend(); ++it)
            m_lifetime[d][it.key()] += it.value();
    }

    QList<redis::AddressedCommand> writes;
    const qint64 now = QDateTime::currentSecsSinceEpoch();
    for (qsizetype t = 0; t < m_options.tiers.size(); ++t) {
        const StatsTier& tier = m_options.tiers.at(t);
        TierState& state = m_tiers[t];
        const qint64 bucket = tier.bucketOf(now);
        if (bucket != state.bucket)
            state = TierState {bucket, {}, {}, {}, {}};
        const QList<QList<QByteArray>> fields = reconcile(tier, state, interval);
        QList<QByteArray> command {
            "EVAL", writeBucketScript, "0", QByteArray::number((tier.retention + tier.bucket).count())};
        qsizetype keys = 0;
        for (qsizetype d = 0; d < fields.size(); ++d) {
            if (fields[d].isEmpty())
                continue;
            command.insert(3 + keys++, tier.bucketKey(bucket, StatsDimension(d)));
            command << QByteArray::number(fields[d].size() / 2) << fields[d];
        }
        if (keys == 0 || !m_connection)
            continue;
        command[2] = QByteArray::number(keys);
        writes.append({m_connection, command});
        // Every time, not once per bucket: an index lost to a restart, a FLUSHALL or eviction would hide the
        // bucket from every reader until the next one.
        writes.append({m_connection,
            {"EVAL", indexBucketScript, "1", tier.indexKey(), QByteArray::number(bucket),
                QByteArray::number(bucket - tier.bucketCount()),
                QByteArray::number((tier.retention + tier.bucket).count())}});
    }
    // One report per flush, not one per script call: how many were not confirmed, and the first reason.
    redis::gatherReplies(writes, this, [this, done = std::move(done)](const std::vector<redis::Reply>& replies) {
        FlushResult result;
        result.sent = int(replies.size());
        for (const redis::Reply& reply : replies) {
            if (!reply.isError())
                continue;
            ++result.unconfirmed;
            result.refused += reply.errorKind() < redis::ErrorKind::NotConnected ? 1 : 0; // the server's own errors
            if (result.firstError.isEmpty())
                result.firstError = reply.errorMessage();
        }
        m_flushTotals += result;
        if (result.unconfirmed > 0)
            Q_EMIT flushFailed(result.unconfirmed, result.sent, result.firstError);
        if (done)
            done(result);
    });
}

} // namespace cachescope::cache
