#pragma once

#include "analysis/keyspaceanalysis.h"
#include "ops/invalidation/keyselection.h"

#include <QElapsedTimer>
#include <QPointer>
#include <QWidget>

#include <memory>
#include <optional>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QTabWidget;
class QTableView;
class QToolButton;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

class AnalysisModel;

// "What is eating my cache?": core's keyspace analysis of the whole keyspace or of one key tree node, shown while it
// runs (figures projected from the part scanned, with their error, refined to exact) and when done: a sortable table
// by route, tenant, venue or namespace, a chart of the largest groups' memory split by when it is freed, the selected
// group's biggest keys and most varied parameters. Analyses can be saved on this machine and compared with the one
// shown; the table exports as CSV, the analysis as JSON. It runs on a connection of its own, so the charts' INFO
// sampling never waits behind it; Cancel (or a new analysis) stops it at once.
class AnalysisPane : public QWidget
{
    Q_OBJECT
public:
    explicit AnalysisPane(redis::Client* connection, QWidget* parent = nullptr);
    ~AnalysisPane() override;

    AnalysisModel* model() const
    {
        return m_model;
    }
    QTableView* table() const
    {
        return m_table;
    }
    bool isRunning() const;
    QString statusText() const;
    QString detailText() const;
    // The chart's bars: group label → its memory per TTL bucket (≤ 1 h … never), largest group first.
    QList<std::pair<QString, QList<double>>> chartedGroups() const;
    // The snapshot compared with, empty when none.
    QString comparedWith() const
    {
        return m_comparedWith;
    }

public Q_SLOTS:
    // Analyses the whole keyspace (nothing) or one node's keys, with the sampling chosen in the pane.
    void analyze(const std::optional<cachescope::ops::KeySelection>& selection = std::nullopt);
    void cancel();
    void setRoutes(const cachescope::model::RouteConfig& routes);
    // Saves the analysis shown under `name` (SnapshotStore); false with the reason shown.
    bool saveSnapshot(const QString& name);
    // Compares the analysis shown with the saved one named `name`; empty: no comparison. False with the reason shown.
    bool compareWith(const QString& name);
    bool exportCsv(const QString& path);
    bool exportJson(const QString& path);

Q_SIGNALS:
    void finished();

private:
    void onProgress();
    void onFinished();
    void updateStatus();
    void updateChart();
    void updateDetail();
    void updateButtons();
    void fillSnapshotMenu();

    QPointer<redis::Client> m_connection;
    std::unique_ptr<redis::Client> m_ownClient; // the analysis's own connection, made like the window's
    std::unique_ptr<analysis::KeyspaceAnalysis> m_analysis;
    model::RouteConfig m_routes = model::RouteConfig::defaults();
    AnalysisModel* m_model;
    QPushButton* m_start;
    QPushButton* m_cancel;
    QComboBox* m_by;
    QComboBox* m_sample;
    QToolButton* m_snapshots;
    QLabel* m_scope;
    QLabel* m_status;
    QProgressBar* m_progress;
    QTableView* m_table;
    QChart* m_chart;
    QChartView* m_chartView;
    QTabWidget* m_bottom; // the chart, and the selected group's keys: each needs the width
    QPlainTextEdit* m_detail;
    QString m_comparedWith;
    QString m_message; // the last save, comparison or export outcome
    QElapsedTimer m_clock;
};

} // namespace cachescope::ui
