#pragma once

#include <QList>
#include <QPen>
#include <QPointF>
#include <QString>

class QAbstractAxis;
class QChart;
class QLineSeries;

namespace cachescope::ui {

// One line of a chart drawn as runs of points: a stretch without data (no traffic, no sample) is a gap on screen,
// not a straight line across it. Each run is a QLineSeries, a lone point shown as a dot; only the first run is in
// the legend. The series are kept and reused from one redraw to the next (a chart redrawn every second).
class SegmentedSeries
{
public:
    SegmentedSeries(QChart* chart, QString name, QPen pen, QList<QAbstractAxis*> axes);

    void setSegments(const QList<QList<QPointF>>& segments);
    const QList<QList<QPointF>>& segments() const
    {
        return m_segments;
    }
    qsizetype pointCount() const;
    void setVisible(bool visible);
    // Out of the legend (a line the chart explains elsewhere).
    void setInLegend(bool inLegend);

private:
    QLineSeries* addPart();
    void showLegendEntry();

    QChart* m_chart;
    QPen m_pen;
    QList<QAbstractAxis*> m_axes;
    QList<QLineSeries*> m_parts; // owned by the chart
    QList<QList<QPointF>> m_segments;
    bool m_visible = true;
    bool m_inLegend = true;
};

// Splits points into runs: a new run starts where a point is missing (nothing) or lies more than `maxStep` after
// the previous one on the x axis.
QList<QList<QPointF>> splitIntoRuns(const QList<std::pair<double, std::optional<double>>>& points, double maxStep);

} // namespace cachescope::ui
