#pragma once

#include "cache/statscounters.h"
#include "cache/statsreader.h"

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::cache {

// When a route's or tenant's hit rate counts as degraded. Relative to the label's own past: a global threshold
// hides one route's collapse behind the others.
struct HitRateAlertRule
{
    double dropBelow = 0.7; // alert when the recent rate is below this share of the baseline (0: never)
    double floor = 0.0; // and, whatever the baseline, when it is below this rate (0: no floor)
    qint64 minLookups = 50; // lookups the label needs in the recent period to be judged at all
    qint64 recentSeconds = 300;
    qint64 baselineSeconds = 3600; // the period before the recent one

    friend bool operator==(const HitRateAlertRule&, const HitRateAlertRule&) = default;
};

struct HitRateAlert
{
    enum class Reason
    {
        BelowBaseline,
        BelowFloor,
    };
    StatsDimension dimension = StatsDimension::Route;
    QByteArray label;
    Reason reason = Reason::BelowBaseline;
    double recent = 0; // hit rate over the recent period
    std::optional<double> baseline; // over the period before it, when it had lookups
    qint64 lookups = 0; // in the recent period
    QDateTime since; // first seen degraded (kept while it stays so)

    QString summary() const; // "GET /api/events: 20 % over 5 min, was 78 % (below 70 % of it)"
};

// The degraded labels of `window` (a read of at least recentSeconds + baselineSeconds, per bucket): recent = the
// buckets that start within recentSeconds of `now`, baseline = the buckets before them. "(other)" is never one.
QList<HitRateAlert> evaluateHitRateAlerts(
    StatsDimension dimension, const StatsWindow& window, const HitRateAlertRule& rule, qint64 now);

// Reads the route and tenant stats every `interval` (one window read each: an index lookup and the buckets that
// exist, counted as this process's own lookups) and keeps the alerts, each with the time it was first seen.
class HitRateWatch : public QObject
{
    Q_OBJECT
public:
    HitRateWatch(redis::Client* connection, HitRateAlertRule rule, QObject* parent = nullptr);

    void setRule(const HitRateAlertRule& rule);
    const HitRateAlertRule& rule() const
    {
        return m_rule;
    }
    void start(std::chrono::milliseconds interval = std::chrono::seconds(30));
    void stop();
    void check(); // now, unless a check is running

    const QList<HitRateAlert>& alerts() const
    {
        return m_alerts;
    }
    // Whether `label` of `dimension` is degraded now.
    const HitRateAlert* alertFor(StatsDimension dimension, const QByteArray& label) const;

Q_SIGNALS:
    void alertsChanged();
    void raised(const cachescope::cache::HitRateAlert& alert); // newly degraded, once until it recovers
    void failed(const QString& error);

private:
    QPointer<redis::Client> m_connection;
    HitRateAlertRule m_rule;
    QTimer m_timer;
    QList<HitRateAlert> m_alerts;
    int m_pending = 0;
    QList<HitRateAlert> m_collecting;
    QString m_error;
};

} // namespace cachescope::cache
