#include "analysis/misswatch.h"

#include "cache/statsreader.h"
#include "model/gatewaykey.h"
#include "model/redisglob.h"
#include "ops/audit/audit.h"
#include "ops/server/keyspaceeventssetting.h"
#include "redis/client.h"

#include <cmath>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr auto heartbeatInterval = std::chrono::seconds(1);
constexpr auto retryInterval = std::chrono::seconds(2);
constexpr int auditPage = 500;
// keymiss, expired, evicted, del/rename_from (g) and set ($).
constexpr char neededFlags[] = "mxeg$";
const QList<QByteArray> channels {"keymiss", "expired", "evicted", "del", "rename_from", "set"};

qint64 nowMs()
{
    return QDateTime::currentMSecsSinceEpoch();
}

std::optional<InvalidationRecordRef> invalidationIn(const ops::AuditRecord& record)
{
    const bool byPattern = record.action == ops::auditActionName(ops::AuditAction::Invalidate);
    const bool byTag = record.action == ops::auditActionName(ops::AuditAction::InvalidateTags);
    // A dry run deletes nothing; a record without its pattern or start (an earlier version's) cannot be matched.
    if ((!byPattern && !byTag) || record.dryRun || !record.at.isValid() || !record.startedAt.isValid())
        return std::nullopt;
    InvalidationRecordRef ref;
    ref.auditId = record.id;
    ref.actor = record.actor;
    ref.target = record.target;
    ref.startedMs = record.startedAt.toMSecsSinceEpoch();
    ref.endedMs = record.at.toMSecsSinceEpoch();
    if (byPattern && !record.pattern.isEmpty()) {
        auto glob = std::make_shared<model::RedisGlob>(record.pattern);
        ref.matches = [glob](const QByteArray& key) { return glob->matches(key); };
    } else if (byTag && !record.tag.isEmpty()) {
        const QByteArray tag = record.tag;
        ref.matches = [tag](const QByteArray& key) {
            const auto parsed = model::parseGatewayKey(key);
            return parsed && model::gatewayTagsOf(*parsed).contains(tag);
        };
    } else {
        return std::nullopt;
    }
    return ref;
}
} // namespace

QList<TtlWhatIf> MissWatch::Report::whatIf(const QByteArray& route) const
{
    const auto figures = anatomy.routes.constFind(route);
    if (figures == anatomy.routes.cend())
        return {};
    std::optional<qint64> hits;
    std::optional<qint64> misses;
    if (const auto lookups = routeLookups.constFind(route); lookups != routeLookups.cend()) {
        // The server's hits on the route are its lookups less the misses it published.
        const qint64 told = anatomy.groups[std::size_t(Dimension::Route)].value(route).misses;
        misses = told;
        hits = std::max<qint64>(0, lookups->first + lookups->second - told);
    }
    const auto size = meanEntryBytes.constFind(route);
    const auto left = routeHitsLeft.constFind(route);
    return ttlWhatIf(*figures, anatomy.endedMs - anatomy.startedMs, hits, misses,
        size == meanEntryBytes.cend() ? std::nullopt : std::optional(*size),
        left == routeHitsLeft.cend() ? std::nullopt : std::optional(*left),
        routeHalfTtl.contains(route) ? std::optional(routeHalfTtl.value(route)) : std::nullopt);
}

MissWatch::MissWatch(redis::Client* client, Options options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
    , m_feed(client, channels, [this](QByteArrayView event, const QByteArray& key) { onEvent(event, key); })
{
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        if (m_setting)
            m_setting->renew();
        readAudit();
    });
    connect(&m_feed, &KeyeventFeed::listening, this, &MissWatch::listening);
    connect(&m_feed, &KeyeventFeed::lost, this, &MissWatch::lose);
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this] {
        if (m_running && !m_stopping)
            acquireSetting();
    });
}

MissWatch::~MissWatch() = default;

void MissWatch::start()
{
    if (m_running || !m_client)
        return;
    m_report = Report {};
    m_startedMs = nowMs();
    m_anatomy = std::make_unique<MissAnatomy>(m_options.anatomy, m_startedMs);
    m_serverBefore.reset();
    m_sizeSamples.clear();
    m_audit.setAfter(QByteArray::number(nowMs() - 5'000) + "-0");
    m_running = true;
    m_stopping = false;
    m_listening = false;
    redis::whenNodesKnown(m_client, this, [this](const QString& error) {
        if (!m_running || m_stopping)
            return; // stopped before the nodes were known: nothing was set, nothing is to be
        if (!error.isEmpty())
            fail(error);
        else
            acquireSetting();
    });
}

void MissWatch::acquireSetting()
{
    ops::KeyspaceEventsSetting::Options options;
    options.mayChangeConfig = m_options.mayChangeConfig;
    options.actor = m_options.actor;
    options.purpose = u"misses, expiries, evictions, deletions and writes"_s;
    options.flags = neededFlags;
    if (!m_setting) {
        m_setting = std::make_unique<ops::KeyspaceEventsSetting>(m_client, options);
        connect(m_setting.get(), &ops::KeyspaceEventsSetting::ready, this, [this] {
            if (m_report.configBefore.isEmpty())
                m_report.configBefore = m_setting->before();
            m_report.configChanged = m_report.configChanged || m_setting->changed();
            if (m_report.configNote.isEmpty())
                m_report.configNote = m_setting->note();
            subscribe();
        });
        connect(m_setting.get(), &ops::KeyspaceEventsSetting::failed, this, [this](const QString& message) {
            m_report.configChanged = m_report.configChanged || m_setting->changed();
            if (m_report.gaps.isEmpty() && !m_listening) {
                fail(message); // the first attempt: refused or unreachable, said at once
                return;
            }
            m_report.gaps.last().reason = message;
            m_retry.start(retryInterval);
        });
    }
    m_setting->acquire();
}

void MissWatch::subscribe()
{
    readServerMisses([this](std::optional<qint64> before) {
        if (!m_serverBefore)
            m_serverBefore = before;
        if (m_running && !m_stopping)
            m_feed.open();
    });
}

void MissWatch::listening()
{
    if (!m_running || m_stopping)
        return;
    const bool reopened = m_listening || !m_report.gaps.isEmpty();
    m_listening = true;
    m_heartbeat.start(heartbeatInterval);
    if (!reopened) {
        Q_EMIT started();
        return;
    }
    // Misses from now on are told only from what the reopened subscriptions bring.
    m_anatomy->lostEventsUntil(nowMs());
    if (!m_report.gaps.isEmpty() && m_report.gaps.last().toMs == 0)
        m_report.gaps.last().toMs = nowMs();
    Q_EMIT gapEnded();
}

void MissWatch::onEvent(QByteArrayView event, const QByteArray& key)
{
    if (!m_running) // start() made the anatomy before it set m_running, and nothing drops it
        return;
    const qint64 at = nowMs();
    if (event == "keymiss") {
        m_anatomy->missed(key, at);
    } else if (event == "expired") {
        m_anatomy->removed(key, MissAnatomy::Removal::Expired, at);
    } else if (event == "evicted") {
        m_anatomy->removed(key, MissAnatomy::Removal::Evicted, at);
    } else if (event == "del" || event == "rename_from") {
        m_anatomy->removed(key, MissAnatomy::Removal::Deleted, at);
    } else if (event == "set") {
        // The latest few keys written per route, under the anatomy's own (bounded) route labels; their MEMORY USAGE
        // is read at the end.
        const QByteArray route = m_anatomy->written(key, at);
        if (m_options.sizeSamplesPerRoute > 0 && !route.isEmpty()
            && (m_sizeSamples.contains(route) || m_sizeSamples.size() < 1000)) {
            QList<QByteArray>& samples = m_sizeSamples[route];
            samples.append(key.left(4096));
            if (samples.size() > m_options.sizeSamplesPerRoute)
                samples.removeFirst();
        }
    }
}

void MissWatch::lose(const QString& reason)
{
    if (!m_running || m_stopping)
        return;
    if (!m_listening && m_report.gaps.isEmpty()) {
        fail(u"the subscription failed: "_s + reason); // never listened: said at once (NOPERM, a refused SUBSCRIBE)
        return;
    }
    if (!m_report.gaps.isEmpty() && m_report.gaps.last().toMs == 0) {
        // Reopening failed: the gap goes on, and so do the tries.
        m_report.gaps.last().reason = reason;
        m_retry.start(retryInterval);
        return;
    }
    m_heartbeat.stop();
    m_report.gaps.append({nowMs(), 0, reason});
    Q_EMIT gapStarted(reason);
    m_retry.start(retryInterval);
}

void MissWatch::readAudit()
{
    if (m_auditReading || !m_client)
        return;
    m_auditReading = true;
    m_audit.read(
        *m_client, auditPage, this, [this](const QList<ops::AuditRecord>& records, bool more, const QString& error) {
            m_auditReading = false;
            if (!error.isEmpty() || !m_anatomy)
                return;
            for (const ops::AuditRecord& record : records) {
                if (auto ref = invalidationIn(record))
                    m_anatomy->addInvalidationRecord(std::move(*ref));
            }
            if (more)
                readAudit();
        });
}

MissWatch::Report MissWatch::report() const
{
    Report report = m_report;
    if (m_anatomy)
        report.anatomy =
            m_anatomy->report(m_report.anatomy.endedMs > 0 ? m_report.anatomy.endedMs : nowMs(), !m_running);
    return report;
}

void MissWatch::refreshEstimates()
{
    if (!m_listening || m_stopping || m_refreshing)
        return;
    m_refreshing = true;
    measureSizes([this] { readLookups([this] { m_refreshing = false; }); });
}

void MissWatch::stop()
{
    if (m_running && !m_stopping)
        finish();
}

void MissWatch::fail(const QString& error)
{
    if (!m_running || m_stopping)
        return;
    m_report.error = error;
    finish();
}

void MissWatch::finish()
{
    m_stopping = true;
    m_heartbeat.stop();
    m_retry.stop();
    const qint64 ended = nowMs();
    m_serverDown = !m_report.gaps.isEmpty() && m_report.gaps.last().toMs == 0;
    if (m_serverDown)
        m_report.gaps.last().toMs = ended;
    // Nothing published after the drain is counted; the server's counters are read after it.
    m_feed.drain([this, ended] {
        m_report.anatomy.endedMs = ended;
        readServerMisses([this](std::optional<qint64> after) {
            // A restart starts the server's counters over: only a watch without gaps has the server's figure.
            if (m_serverBefore && after && m_report.gaps.isEmpty())
                m_report.serverMisses = *after - *m_serverBefore;
            // The last audit records (a run that ended just now), then sizes and lookups, then the setting.
            m_auditReading = false;
            readAudit();
            measureSizes([this] { readLookups([this] { release(); }); });
        });
    });
}

void MissWatch::measureSizes(std::function<void()> done)
{
    if (!m_client || m_sizeSamples.isEmpty() || !m_report.error.isEmpty() || m_serverDown) {
        done();
        return;
    }
    auto remaining = std::make_shared<int>(0);
    auto sums = std::make_shared<QHash<QByteArray, std::pair<double, int>>>();
    const auto finishOne = [this, remaining, sums, done] {
        if (--*remaining > 0)
            return;
        for (auto it = sums->cbegin(); it != sums->cend(); ++it) {
            if (it->second > 0)
                m_report.meanEntryBytes.insert(it.key(), it->first / it->second);
        }
        done();
    };
    for (auto it = m_sizeSamples.cbegin(); it != m_sizeSamples.cend(); ++it)
        *remaining += int(it->size());
    for (auto it = m_sizeSamples.cbegin(); it != m_sizeSamples.cend(); ++it) {
        const QByteArray route = it.key();
        for (const QByteArray& key : *it) {
            // MEMORY USAGE is no keyspace lookup; a key gone since (nil) just leaves the sample.
            m_client->command({"MEMORY", "USAGE", key}, this, [route, sums, finishOne](const redis::Reply& reply) {
                if (reply.isInteger() && reply.integer() > 0) {
                    auto& [sum, count] = (*sums)[route];
                    sum += double(reply.integer());
                    ++count;
                }
                finishOne();
            });
        }
    }
}

void MissWatch::readLookups(std::function<void()> done)
{
    if (!m_client || !m_options.readStats || !m_report.error.isEmpty() || m_serverDown) {
        done();
        return;
    }
    const qint64 end = m_report.anatomy.endedMs > 0 ? m_report.anatomy.endedMs : nowMs();
    const qint64 seconds = std::max<qint64>(1, (end - m_startedMs + 999) / 1000);
    cache::readStatsWindow(*m_client, cache::StatsDimension::Route, seconds, this,
        [this, done](std::optional<cache::StatsWindow> window, const QString& error) {
            if (!window) {
                m_report.statsNote = u"no lookups per route: the stats could not be read (%1)"_s.arg(error);
            } else if (window->byLabel.isEmpty()) {
                m_report.statsNote = u"no lookups per route: no gateway recorded CacheScope stats over the watch"_s;
            } else {
                m_report.routeLookups.clear();
                m_report.routeHitsLeft.clear();
                m_report.routeHalfTtl.clear();
                for (auto it = window->byLabel.cbegin(); it != window->byLabel.cend(); ++it) {
                    m_report.routeLookups.insert(
                        it.key(), {it->lookups() - (*it)[cache::StatsEvent::Miss], (*it)[cache::StatsEvent::Miss]});
                    HitLeftCounts left {};
                    qint64 binned = 0;
                    for (int bin = 0; bin < cache::hitLeftBinCount; ++bin) {
                        left[std::size_t(bin)] = (*it)[cache::StatsEvent(int(cache::StatsEvent::HitLeftUnder1s) + bin)];
                        binned += left[std::size_t(bin)];
                    }
                    if (binned > 0)
                        m_report.routeHitsLeft.insert(it.key(), left);
                    if (const qint64 sampled = (*it)[cache::StatsEvent::HalfTtlLookup]; sampled > 0)
                        m_report.routeHalfTtl.insert(it.key(), {sampled, (*it)[cache::StatsEvent::HalfTtlMiss]});
                }
                m_report.statsNote = u"lookups per route from CacheScope stats, "_s + window->describe();
            }
            done();
        });
}

void MissWatch::release()
{
    const auto done = [this] {
        if (m_setting) {
            m_report.configChanged = m_report.configChanged || m_setting->changed();
            if (m_setting->changed() || !m_setting->note().isEmpty())
                m_report.configNote = m_setting->note();
        }
        m_running = false;
        Q_EMIT finished();
    };
    if (!m_setting)
        done();
    else
        m_setting->release(done);
}

void MissWatch::readServerMisses(std::function<void(std::optional<qint64>)> done)
{
    readInfoStatsSum(m_client, {"keyspace_misses"}, this, [done = std::move(done)](std::optional<QList<qint64>> sums) {
        done(sums ? std::optional(sums->at(0)) : std::nullopt);
    });
}

} // namespace cachescope::analysis
