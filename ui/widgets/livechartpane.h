#pragma once

#include "ops/infosampler.h"
#include "redis/ownlookups.h"

#include <QList>
#include <QWidget>

class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QLineSeries;
class QPushButton;
class QValueAxis;
class QDateTimeAxis;

namespace cachescope::ui {

// Live hit and miss rates from INFO deltas (1 s sampling): hits/s and misses/s, the hit rate of each
// interval ("no traffic" when there were no lookups, never 100 %); ops/s with used memory; expired and evicted
// keys per second — three views of one chart, chosen in a combo box.
// Windows of 1 min to 24 h; long windows are averaged into at most maxPoints points so redraw stays smooth.
class LiveChartPane : public QWidget
{
    Q_OBJECT
public:
    static constexpr int maxPoints = 600;

    explicit LiveChartPane(QWidget* parent = nullptr);

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

public Q_SLOTS:
    void addSample(const cachescope::ops::InfoSample& sample);
    // Freezes the chart and the headline (samples are still kept, and drawn on resume), with a badge saying so;
    // pausedChanged() lets the hit-rate table freeze with them.
    void setPaused(bool paused);

Q_SIGNALS:
    void pausedChanged(bool paused);

private:
    void redraw();
    void showHeadline(const ops::InfoSample& sample);
    qint64 windowSeconds() const;
    // The shown node's figures (or the whole keyspace's); nothing when that node was not sampled.
    std::optional<ops::NodeFigures> figures(const ops::InfoSample& sample) const;

    QList<ops::InfoSample> m_samples; // up to 24 h at 1 s
    redis::LookupCount m_ownExcluded; // CacheScope's own lookups taken out of the charted figures, all nodes
    bool m_paused = false;
    QChart* m_chart;
    QChartView* m_view;
    QLineSeries* m_hits;
    QLineSeries* m_misses;
    QLineSeries* m_hitRate;
    QLineSeries* m_ops;
    QLineSeries* m_memory;
    QLineSeries* m_expired;
    QLineSeries* m_evicted;
    QDateTimeAxis* m_timeAxis;
    QValueAxis* m_rateAxis;
    QValueAxis* m_percentAxis;
    QValueAxis* m_memoryAxis;
    QComboBox* m_viewChoice;
    QComboBox* m_nodeChoice;
    QComboBox* m_window;
    QPushButton* m_pause;
    QLabel* m_now;
    QLabel* m_pausedBadge;
    QDateTime m_pausedAt;
    int m_samplesWhilePaused = 0;
};

} // namespace cachescope::ui
