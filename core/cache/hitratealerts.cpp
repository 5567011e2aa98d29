#include "cache/hitratealerts.h"

#include "model/displaybytes.h"
#include "redis/client.h"

#include <QDateTime>

#include <cmath>

namespace cachescope::cache {

using namespace Qt::StringLiterals;

namespace {
QString percent(double rate)
{
    return QString::number(std::lround(rate * 100)) + u" %"_s;
}
} // namespace

QString HitRateAlert::summary() const
{
    QString text = model::displayBytes(label, 80) + u": "_s + percent(recent);
    if (baseline)
        text += u", was "_s + percent(*baseline);
    text += reason == Reason::BelowFloor ? u" (below the floor)"_s : u" (a drop from its own baseline)"_s;
    return text;
}

QList<HitRateAlert> evaluateHitRateAlerts(
    StatsDimension dimension, const StatsWindow& window, const HitRateAlertRule& rule, qint64 now)
{
    QHash<QByteArray, StatsCounters> recent;
    QHash<QByteArray, StatsCounters> baseline;
    for (const StatsWindow::Bucket& bucket : window.buckets) {
        // A bucket belongs to the recent period when it starts within it (a 1 min bucket read at 10:42:30 that
        // started at 10:38 is recent for a 5 min period).
        const bool isRecent = bucket.start > now - rule.recentSeconds;
        if (!isRecent && bucket.start < now - rule.recentSeconds - rule.baselineSeconds)
            continue;
        QHash<QByteArray, StatsCounters>& into = isRecent ? recent : baseline;
        for (auto it = bucket.byLabel.cbegin(); it != bucket.byLabel.cend(); ++it)
            into[it.key()] += it.value();
    }
    QList<HitRateAlert> alerts;
    for (auto it = recent.cbegin(); it != recent.cend(); ++it) {
        if (it.key() == otherLabel || it.value().lookups() < rule.minLookups)
            continue;
        const double rate = *hitRate(it.value());
        HitRateAlert alert;
        alert.dimension = dimension;
        alert.label = it.key();
        alert.recent = rate;
        alert.lookups = it.value().lookups();
        alert.baseline = hitRate(baseline.value(it.key()));
        if (rule.floor > 0 && rate < rule.floor) {
            alert.reason = HitRateAlert::Reason::BelowFloor;
            alerts.append(alert);
        } else if (rule.dropBelow > 0 && alert.baseline && rate < rule.dropBelow * *alert.baseline) {
            alert.reason = HitRateAlert::Reason::BelowBaseline;
            alerts.append(alert);
        }
    }
    std::sort(alerts.begin(), alerts.end(), [](const HitRateAlert& a, const HitRateAlert& b) {
        return a.lookups != b.lookups ? a.lookups > b.lookups : a.label < b.label;
    });
    return alerts;
}

HitRateWatch::HitRateWatch(redis::Client* connection, HitRateAlertRule rule, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_rule(rule)
{
    connect(&m_timer, &QTimer::timeout, this, &HitRateWatch::check);
}

void HitRateWatch::setRule(const HitRateAlertRule& rule)
{
    m_rule = rule;
    check();
}

void HitRateWatch::start(std::chrono::milliseconds interval)
{
    m_timer.start(interval);
    check();
}

void HitRateWatch::stop()
{
    m_timer.stop();
}

const HitRateAlert* HitRateWatch::alertFor(StatsDimension dimension, const QByteArray& label) const
{
    for (const HitRateAlert& alert : m_alerts) {
        if (alert.dimension == dimension && alert.label == label)
            return &alert;
    }
    return nullptr;
}

void HitRateWatch::check()
{
    if (!m_connection || m_pending > 0 || !m_connection->isReady())
        return;
    m_collecting.clear();
    m_error.clear();
    const StatsDimension dimensions[] = {StatsDimension::Route, StatsDimension::Tenant};
    m_pending = int(std::size(dimensions));
    const HitRateAlertRule rule = m_rule;
    for (const StatsDimension dimension : dimensions) {
        readStatsWindow(*m_connection, dimension, rule.recentSeconds + rule.baselineSeconds, this,
            [this, dimension, rule](std::optional<StatsWindow> window, const QString& error) {
                if (window)
                    m_collecting += evaluateHitRateAlerts(dimension, *window, rule, QDateTime::currentSecsSinceEpoch());
                else
                    m_error = error;
                if (--m_pending > 0)
                    return;
                if (!m_error.isEmpty()) {
                    Q_EMIT failed(m_error); // the alerts shown stay as they were
                    return;
                }
                const QDateTime now = QDateTime::currentDateTimeUtc();
                QList<HitRateAlert> raisedNow;
                for (HitRateAlert& alert : m_collecting) {
                    const HitRateAlert* before = alertFor(alert.dimension, alert.label);
                    alert.since = before ? before->since : now;
                    if (!before)
                        raisedNow.append(alert);
                }
                const bool changed = m_collecting.size() != m_alerts.size() || !raisedNow.isEmpty()
                    || std::any_of(m_collecting.cbegin(), m_collecting.cend(), [this](const HitRateAlert& a) {
                           const HitRateAlert* b = alertFor(a.dimension, a.label);
                           return !b || b->recent != a.recent;
                       });
                m_alerts = m_collecting;
                if (changed)
                    Q_EMIT alertsChanged();
                for (const HitRateAlert& alert : std::as_const(raisedNow))
                    Q_EMIT raised(alert);
            });
    }
}

} // namespace cachescope::cache
