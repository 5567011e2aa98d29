#pragma once

#include "ops/server/latencyreport.h"

#include <QPointer>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableView;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

class SlowLogModel;

// What the server itself says is slow, read-only, on one server or every master: the slow log (merged, with the
// node), the latency monitor's events with their history, and each command's p50 / p99 from INFO latencystats,
// charted. Read when the tab is shown and on Refresh (never on a timer: SLOWLOG GET of a big log is not free).
class ServerPane : public QWidget
{
    Q_OBJECT
public:
    explicit ServerPane(redis::Client* connection, QWidget* parent = nullptr);

    SlowLogModel* slowLog() const
    {
        return m_slowLog;
    }
    const ops::LatencyReport& latency() const
    {
        return m_latency;
    }
    QString eventsText() const;
    // The chart's bars: command → (p50, p99) in µs, slowest p99 first.
    QList<std::pair<QString, std::pair<double, double>>> chartedCommands() const
    {
        return m_charted;
    }

    // What the chart shows: 0 the commands' p99; 1 + i the history of latency event i (newest first).
    QComboBox* chartChoice() const
    {
        return m_chartChoice;
    }
    // The history charted: (when, ms) per sample, oldest first; empty while the commands are charted.
    QList<std::pair<QDateTime, qint64>> chartedHistory() const
    {
        return m_chartedHistory;
    }

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void refreshed();

private:
    void showLatency(const ops::LatencyReport& report);
    void drawChart();
    void drawCommands();
    void drawHistory(const ops::LatencyEvent& event);

    QPointer<redis::Client> m_connection;
    SlowLogModel* m_slowLog;
    ops::LatencyReport m_latency;
    QList<std::pair<QString, std::pair<double, double>>> m_charted;
    QList<std::pair<QDateTime, qint64>> m_chartedHistory;
    QPushButton* m_refresh;
    QLabel* m_status;
    QTableView* m_table;
    QPlainTextEdit* m_events;
    QComboBox* m_chartChoice;
    QChart* m_chart;
    QChartView* m_chartView;
    int m_pending = 0;
};

} // namespace cachescope::ui
