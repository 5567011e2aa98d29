#pragma once

#include "cache/statsreader.h"
#include "ops/server/infosampler.h"
#include "redis/ownlookups.h"

#include <QDateTime>
#include <QList>
#include <QTimer>
#include <QWidget>

#include <chrono>

#include <memory>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QPushButton;
class QValueAxis;
class QDateTimeAxis;

namespace cachescope::ui {

class SegmentedSeries;

// Something that happened at a time, drawn as a vertical line on the time axis (an invalidation, a route save).
struct ChartMarker
{
    QDateTime at;
    QString text; // the tooltip: who did what
};

// Live hit and miss rates from INFO deltas (1 s sampling): hits/s and misses/s, the hit rate of each
// interval ("no traffic" when there were no lookups, never 100 %); ops/s with used memory; expired and evicted
// keys per second — three views of one chart, chosen in a combo box.
// Windows of 1 min to 24 h; long windows are averaged into at most maxPoints points so redraw stays smooth.
// Idle stretches (no lookups: no hit rate) and stretches without samples are gaps, not lines across. Before the
// first sample, the window is filled from what the services recorded in CacheScope's stats (dashed), asked for with
// historyWanted(); invalidations and route saves from the audit trail are marked on the time axis.
class LiveChartPane : public QWidget
{
    Q_OBJECT
public:
    static constexpr int maxPoints = 600;

    explicit LiveChartPane(QWidget* parent = nullptr);
    ~LiveChartPane() override;

    qsizetype sampleCount() const
    {
        return m_samples.size();
    }
    // The samples the series are drawn from, oldest first.
    const QList<ops::InfoSample>& samples() const
    {
        return m_samples;
    }
    QChartView* chartView() const
    {
        return m_view;
    }
    enum class View
    {
        HitsAndMisses, // hits/s, misses/s, hit rate %
        OperationsAndMemory, // ops/s, used memory
        ExpiredAndEvicted, // expired/s, evicted/s
    };
    void setView(View view);
    // Every sampled series as CSV: time, hits/s, misses/s, hit rate, ops/s, used memory, expired/s, evicted/s.
    QString toCsv() const;
    // The points a series of the current window holds, after downsampling (for tests).
    qsizetype pointCount(View view) const;
    // A cluster's masters (InfoSample::nodes order): the chart then offers each one beside the whole cluster.
    // One name or none hides the choice.
    void setNodeNames(const QStringList& names);
    // -1: the whole keyspace; else the index of the node shown.
    void showNode(int index);
    int shownNode() const;

    bool isPaused() const
    {
        return m_paused;
    }
    QString headline() const;
    // The headline's figures are not live: no sample for staleAfter, or the connection is lost. They are then greyed
    // and say "last known 14:02:11, 35 s ago", and the time axis runs on to now, so the loss shows as a gap.
    static constexpr std::chrono::milliseconds staleAfter {2500};
    bool isHeadlineStale() const
    {
        return m_stale;
    }
    qint64 windowSeconds() const;
    // The runs of one drawn line of the current view: 0 hits/s (ops/s, expired/s), 1 misses/s (memory, evicted/s),
    // 2 the hit rate; 3, 4, 5 the recorded hits/s, misses/s and hit rate (for tests).
    QList<QList<QPointF>> segments(int line) const;
    // The markers inside the shown window, oldest first.
    QList<ChartMarker> shownMarkers() const;

public Q_SLOTS:
    void addSample(const cachescope::ops::InfoSample& sample);
    // Freezes the chart and the headline (samples are still kept, and drawn on resume), with a badge saying so;
    // pausedChanged() lets the hit-rate table freeze with them.
    void setPaused(bool paused);
    // The services' recorded lookups (CacheScope's stats, the whole keyspace's "total" figures) for a window: drawn
    // dashed where no sample covers the time.
    void setRecordedHistory(const cachescope::cache::StatsWindow& window);
    void setMarkers(const QList<cachescope::ui::ChartMarker>& markers);
    // The connection's own account of a loss ("lost since 03:34:52: connection refused …"), shown with the stale
    // headline; setConnectionLive() when it is back.
    void setConnectionLost(const QString& why);
    void setConnectionLive();

Q_SIGNALS:
    void pausedChanged(bool paused);
    // The shown window changed (or the pane opened): the recorded stats of the last `seconds` are welcome.
    void historyWanted(qint64 seconds);

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void redraw();
    // The recorded series between `start` and the first sample; returns their highest rate, for the axis.
    double drawRecorded(const QDateTime& start, const QDateTime& firstSample);
    // Draws the markers in the window; returns the line naming the newest of them (empty: none there).
    QString drawMarkers(const QDateTime& start, const QDateTime& end);
    // The time range shown: the window's length, ending at the newest sample (or now, before any).
    std::pair<QDateTime, QDateTime> shownWindow() const;
    QList<ChartMarker> markersBetween(const QDateTime& start, const QDateTime& end) const;
    void showHeadline(const ops::InfoSample& sample);
    void checkStaleness();
    // The shown node's figures (or the whole keyspace's); nothing when that node was not sampled.
    std::optional<ops::NodeFigures> figures(const ops::InfoSample& sample) const;

    QList<ops::InfoSample> m_samples; // up to 24 h at 1 s
    redis::LookupCount m_ownExcluded; // CacheScope's own lookups taken out of the charted figures, all nodes
    bool m_paused = false;
    QChart* m_chart;
    QChartView* m_view;
    QDateTimeAxis* m_timeAxis;
    QValueAxis* m_rateAxis;
    QValueAxis* m_percentAxis;
    QValueAxis* m_memoryAxis;
    QValueAxis* m_markerAxis; // 0…1, hidden: the markers' vertical extent
    std::unique_ptr<SegmentedSeries> m_hits;
    std::unique_ptr<SegmentedSeries> m_misses;
    std::unique_ptr<SegmentedSeries> m_hitRate;
    std::unique_ptr<SegmentedSeries> m_ops;
    std::unique_ptr<SegmentedSeries> m_memory;
    std::unique_ptr<SegmentedSeries> m_expired;
    std::unique_ptr<SegmentedSeries> m_evicted;
    std::unique_ptr<SegmentedSeries> m_recordedHits;
    std::unique_ptr<SegmentedSeries> m_recordedMisses;
    std::unique_ptr<SegmentedSeries> m_recordedHitRate;
    std::unique_ptr<SegmentedSeries> m_markerLines;
    std::optional<cache::StatsWindow> m_recorded;
    QList<ChartMarker> m_markers;
    QComboBox* m_viewChoice;
    QComboBox* m_nodeChoice;
    QComboBox* m_window;
    QPushButton* m_pause;
    QLabel* m_now;
    QLabel* m_pausedBadge;
    QLabel* m_chartNote = nullptr; // what the dashed and dotted lines are
    QDateTime m_pausedAt;
    QTimer* m_staleCheck;
    bool m_stale = false;
    QString m_lostWhy;
    int m_samplesWhilePaused = 0;
};

} // namespace cachescope::ui
