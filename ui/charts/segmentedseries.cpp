#include "charts/segmentedseries.h"

#include <QChart>
#include <QLegend>
#include <QLegendMarker>
#include <QLineSeries>

namespace cachescope::ui {

SegmentedSeries::SegmentedSeries(QChart* chart, QString name, QPen pen, QList<QAbstractAxis*> axes)
    : m_chart(chart)
    , m_pen(std::move(pen))
    , m_axes(std::move(axes))
{
    addPart()->setName(std::move(name));
}

QLineSeries* SegmentedSeries::addPart()
{
    auto* part = new QLineSeries(m_chart);
    part->setPen(m_pen);
    part->setColor(m_pen.color()); // the dot of a lone point, and the legend marker
    m_chart->addSeries(part);
    for (QAbstractAxis* axis : std::as_const(m_axes))
        part->attachAxis(axis);
    if (!m_parts.isEmpty()) {
        for (QLegendMarker* marker : m_chart->legend()->markers(part))
            marker->setVisible(false);
    }
    part->setVisible(m_visible);
    m_parts.append(part);
    return part;
}

void SegmentedSeries::setSegments(const QList<QList<QPointF>>& segments)
{
    m_segments = segments;
    while (m_parts.size() < segments.size())
        addPart();
    for (qsizetype i = 0; i < m_parts.size(); ++i) {
        QLineSeries* part = m_parts.at(i);
        const QList<QPointF> points = segments.value(i);
        part->setPointsVisible(points.size() == 1); // a line needs two points
        part->replace(points);
    }
    showLegendEntry();
}

void SegmentedSeries::showLegendEntry()
{
    // A line with nothing to show (no recorded history, no marker) keeps out of the legend.
    for (QLegendMarker* marker : m_chart->legend()->markers(m_parts.first()))
        marker->setVisible(m_inLegend && m_visible && !m_segments.isEmpty());
}

void SegmentedSeries::setInLegend(bool inLegend)
{
    m_inLegend = inLegend;
    showLegendEntry();
}

qsizetype SegmentedSeries::pointCount() const
{
    qsizetype count = 0;
    for (const QList<QPointF>& segment : m_segments)
        count += segment.size();
    return count;
}

void SegmentedSeries::setVisible(bool visible)
{
    m_visible = visible;
    for (QLineSeries* part : std::as_const(m_parts))
        part->setVisible(visible);
    showLegendEntry();
}

QList<QList<QPointF>> splitIntoRuns(const QList<std::pair<double, std::optional<double>>>& points, double maxStep)
{
    QList<QList<QPointF>> runs;
    QList<QPointF> run;
    std::optional<double> previousX;
    for (const auto& [x, y] : points) {
        if (!y || (previousX && x - *previousX > maxStep)) {
            if (!run.isEmpty())
                runs.append(run);
            run.clear();
        }
        if (y)
            run.append({x, *y});
        previousX = x;
    }
    if (!run.isEmpty())
        runs.append(run);
    return runs;
}

} // namespace cachescope::ui
