#include "analysis/keyeventwatch.h"

#include "ops/server/keyspaceeventssetting.h"
#include "redis/client.h"

#include <algorithm>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

KeyEventWatch::KeyEventWatch(redis::Client* client, Options options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_options(std::move(options))
    , m_grouping(m_options.routes)
    , m_feed(client, {"expired", "evicted"},
          [this](QByteArrayView event, const QByteArray& key) { onEvent(event == "evicted", key); })
{
    connect(&m_heartbeat, &QTimer::timeout, this, [this] {
        m_attributedThisSecond = 0;
        if (m_setting)
            m_setting->renew();
    });
    connect(&m_feed, &KeyeventFeed::listening, this, &KeyEventWatch::listening);
    connect(&m_feed, &KeyeventFeed::lost, this,
        [this](const QString& reason) { fail(u"the subscription was lost: "_s + reason); });
}

KeyEventWatch::~KeyEventWatch() = default;

void KeyEventWatch::start()
{
    if (m_running || !m_client)
        return;
    m_report = Report {};
    m_report.startedAt = QDateTime::currentDateTimeUtc();
    m_running = true;
    m_stopping = false;
    redis::whenNodesKnown(m_client, this, [this](const QString& error) {
        if (!m_running || m_stopping)
            return; // stopped before the nodes were known: nothing was set, nothing is to be
        if (!error.isEmpty())
            fail(error);
        else
            acquireSetting();
    });
}

void KeyEventWatch::acquireSetting()
{
    ops::KeyspaceEventsSetting::Options options;
    options.mayChangeConfig = m_options.mayChangeConfig;
    options.actor = m_options.actor;
    options.purpose = u"expiries and evictions"_s;
    options.flags = "xe";
    m_setting = std::make_unique<ops::KeyspaceEventsSetting>(m_client, options);
    connect(m_setting.get(), &ops::KeyspaceEventsSetting::ready, this, [this] {
        m_report.configBefore = m_setting->before();
        m_report.configChanged = m_setting->changed();
        m_report.configNote = m_setting->note();
        subscribe();
    });
    connect(m_setting.get(), &ops::KeyspaceEventsSetting::failed, this, [this](const QString& message) {
        m_report.configBefore = m_setting->before();
        m_report.configChanged = m_setting->changed();
        fail(message);
    });
    m_setting->acquire();
}

void KeyEventWatch::listening()
{
    // A subscription confirmed after a stop began is no start: the watch would say "started" after its stop, and its
    // heartbeat would go on after its end.
    if (!m_running || m_stopping)
        return;
    m_heartbeat.start(std::chrono::seconds(1));
    Q_EMIT started();
}

void KeyEventWatch::subscribe()
{
    // The server's counters are read before subscribing and after the subscriptions are drained, so the window they
    // cover holds the one watched: the totals received are at most the server's, never more.
    readServerCounters([this](std::optional<Counts> before) {
        m_serverBefore = before;
        if (m_running && !m_stopping)
            m_feed.open();
    });
}

void KeyEventWatch::onEvent(bool evicted, const QByteArray& key)
{
    if (!m_running)
        return;
    (evicted ? m_report.total.evicted : m_report.total.expired) += 1;
    if (m_attributedThisSecond >= m_options.maxAttributedPerSecond) {
        ++m_report.unattributed;
        return;
    }
    ++m_attributedThisSecond;
    const model::KeyPlace place = m_grouping.place(key);
    // Grouped as the analysis groups: every dimension adds up to the events placed.
    const auto labels = groupLabelsOf(place);
    for (int d = 0; d < dimensionCount; ++d) {
        Counts& counts = m_report.groups[std::size_t(d)][labels[std::size_t(d)].toByteArray()];
        (evicted ? counts.evicted : counts.expired) += 1;
    }
}

void KeyEventWatch::stop()
{
    if (m_running && !m_stopping)
        finish();
}

void KeyEventWatch::fail(const QString& error)
{
    if (!m_running || m_stopping)
        return;
    m_report.error = error;
    finish();
}

void KeyEventWatch::finish()
{
    m_stopping = true;
    m_heartbeat.stop();
    m_report.endedAt = QDateTime::currentDateTimeUtc();
    // Nothing published after the drain is counted; the server's counters are read after it.
    m_feed.drain([this] {
        readServerCounters([this](std::optional<Counts> after) {
            if (m_serverBefore && after)
                m_report.serverDelta =
                    Counts {after->expired - m_serverBefore->expired, after->evicted - m_serverBefore->evicted};
            restoreConfig();
        });
    });
}

void KeyEventWatch::restoreConfig()
{
    const auto done = [this] {
        if (m_setting) {
            m_report.configChanged = m_setting->changed();
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

void KeyEventWatch::readServerCounters(std::function<void(std::optional<Counts>)> done)
{
    readInfoStatsSum(
        m_client, {"expired_keys", "evicted_keys"}, this, [done = std::move(done)](std::optional<QList<qint64>> sums) {
            done(sums ? std::optional(Counts {sums->at(0), sums->at(1)}) : std::nullopt);
        });
}

} // namespace cachescope::analysis
