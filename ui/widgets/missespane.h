#pragma once

#include "analysis/misswatch.h"
#include "ops/invalidation/safetypolicy.h"

#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <memory>
#include <optional>

class QChart;
class QChartView;
class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSortFilterProxyModel;
class QTabWidget;
class QTableView;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

class MissModel;
class SegmentedSeries;

// The Misses tab: why lookups miss (core's MissWatch, as `cachectl misses`), live. Misses per second by reason over
// the last five minutes, a table per route, tenant, venue or namespace, and for the selected route its lateness
// histogram, the invalidation runs that cost it and the TTL what-if curve (hit rate and memory against TTL, the
// current TTL marked), with "Stage TTL" putting a chosen TTL into the Route TTLs editor as an unsaved edit (saved
// there, audited and versioned). While the watch has lost its subscriptions the figures are greyed and the status
// says since when and why; after it ends they are the final figures, said as such.
class MissesPane : public QWidget
{
    Q_OBJECT
public:
    MissesPane(redis::Client* connection, ops::SafetyPolicy safety, QWidget* parent = nullptr);
    ~MissesPane() override;

    void setRoutes(const model::RouteConfig& routes);
    void start();
    void stop();
    bool isWatching() const;
    std::optional<analysis::MissWatch::Report> report() const;
    QString statusText() const;
    QString routeDetailText() const;
    MissModel* model() const
    {
        return m_model;
    }
    QTableView* table() const
    {
        return m_table;
    }
    QCheckBox* consent() const
    {
        return m_consent;
    }
    QComboBox* proposedTtl() const
    {
        return m_proposedTtl;
    }
    QPushButton* stageButton() const
    {
        return m_stage;
    }
    QChart* whatIfChart() const
    {
        return m_whatIfChart;
    }
    QTabWidget* charts() const
    {
        return m_charts;
    }
    // Selects a group's row (route dimension: shows its detail).
    bool selectGroup(const QByteArray& label);

Q_SIGNALS:
    void started();
    void finished();
    // A TTL chosen from the what-if for a route rule, to stage in the route editor.
    void ttlProposed(const QString& rulePath, int seconds);

private:
    void tick();
    void updateStatus(const std::optional<analysis::MissWatch::Report>& report);
    void updateRateChart(const analysis::MissWatch::Report& report);
    void showRoute(const std::optional<analysis::MissWatch::Report>& report);
    QByteArray selectedLabel() const;

    QPointer<redis::Client> m_connection;
    ops::SafetyPolicy m_safety;
    model::RouteConfig m_routes = model::RouteConfig::defaults();
    std::unique_ptr<analysis::MissWatch> m_watch;
    std::optional<analysis::MissWatch::Report> m_last;
    MissModel* m_model;
    QSortFilterProxyModel* m_proxy;
    QCheckBox* m_consent;
    QComboBox* m_dimension;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_status;
    QLabel* m_totals;
    QTableView* m_table;
    QTabWidget* m_charts;
    QChart* m_rateChart;
    QChartView* m_rateView;
    QList<SegmentedSeries*> m_rateSeries;
    QChart* m_latenessChart;
    QChartView* m_latenessView;
    QChart* m_whatIfChart;
    QChartView* m_whatIfView;
    QLabel* m_routeDetail;
    QComboBox* m_proposedTtl;
    QPushButton* m_stage;
    QTimer m_tick;
    // Misses per second by reason, one sample a second (nothing in a gap).
    struct RateSample
    {
        qint64 atMs = 0;
        std::optional<std::array<double, analysis::missReasonCount>> perSecond;
    };
    QList<RateSample> m_rates;
    std::optional<std::pair<qint64, std::array<qint64, analysis::missReasonCount>>> m_previous;
    int m_ticks = 0;
    QByteArray m_detailLabel; // the route the detail shows
};

} // namespace cachescope::ui
