#pragma once

#include "cache/hitratealerts.h"
#include "cache/statsrecorder.h"

#include <QDateTime>
#include <QPointF>
#include <QPointer>
#include <QTimer>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QTableView;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

class LabelStatsModel;

// Hit rates per route, tenant, venue or namespace from CacheScope's own stats (what cache managers and
// gateways using core record), refreshed every few seconds without blocking.
class LabelStatsPane : public QWidget
{
    Q_OBJECT
public:
    explicit LabelStatsPane(redis::Client* connection, QWidget* parent = nullptr);

    LabelStatsModel* model() const
    {
        return m_model;
    }

public Q_SLOTS:
    void refresh();
    // While paused (with the charts) the table keeps its rows; refresh() called directly still reads.
    void setPaused(bool paused);
    bool isPaused() const
    {
        return m_paused;
    }
    // Charts this label's hit rate per bucket over the window shown (a row click does it); empty: hides the trend.
    void showTrend(const QByteArray& label);
    // The trend shown: (bucket start, hit rate) per bucket with lookups; a bucket without any is a gap.
    QList<QList<QPointF>> trendSegments() const;
    // Flags the rows of these alerts (those of the dimension shown).
    void setAlerts(const QList<cache::HitRateAlert>& alerts);
    // Shows `dimension` over the window of `windowSeconds` (one of the choices; 0: the one chosen), with the row of
    // `label` selected and its trend charted.
    void showLabel(cache::StatsDimension dimension, const QByteArray& label, qint64 windowSeconds = 0);
    cache::StatsDimension dimension() const;
    // The line under the table as shown (what the figures cover, a loss, or that they are the last known).
    QString noteText() const;
    // Measures what CacheScope's own keys cost in the server (SCAN + MEMORY USAGE: no lookups); also every 10 min.
    void measureFootprint();
    // The server cannot be reached: the table and the footprint are the last read, greyed and said so.
    void setConnectionLost(const QString& why);
    void setConnectionLive();

Q_SIGNALS:
    void refreshed();
    void footprintMeasured();

private:
    void drawTrend();
    void showStaleness();
    QDateTime m_readAt; // when the table was last read
    QDateTime m_footprintAt;
    QString m_lostWhy;
    QString m_noteText; // the note as last read, before any staleness prefix
    // The last read, to tell stats the server lost since (compared bucket by bucket), and the end of the newest lost
    // bucket while the window shown still reaches back before it.
    std::optional<cache::StatsWindow> m_lastWindow;
    cache::StatsDimension m_lastDimension = cache::StatsDimension::Total;
    qint64 m_statsLostUpTo = 0;

    QPointer<redis::Client> m_connection;
    LabelStatsModel* m_model;
    QComboBox* m_dimension;
    QComboBox* m_window;
    QLabel* m_note;
    QTableView* m_table;
    QLabel* m_footprint;
    QByteArray m_trendLabel;
    QChart* m_trendChart;
    QChartView* m_trendView;
    QList<QList<QPointF>> m_trendSegments;
    QString m_footprintExplained;
    QTimer m_timer;
    bool m_paused = false;
    QList<cache::HitRateAlert> m_alerts;
    void applyAlerts();
    void selectTrendRow();
    QTimer m_footprintTimer;
    bool m_loading = false;
    bool m_measuring = false;
    bool m_measuredOnce = false;
};

} // namespace cachescope::ui
