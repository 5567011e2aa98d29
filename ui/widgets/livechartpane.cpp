#include "widgets/livechartpane.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QPushButton>
#include <QVBoxLayout>
#include <QValueAxis>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

LiveChartPane::LiveChartPane(QWidget* parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_hits(new QLineSeries(m_chart))
    , m_misses(new QLineSeries(m_chart))
    , m_hitRate(new QLineSeries(m_chart))
    , m_timeAxis(new QDateTimeAxis(m_chart))
    , m_rateAxis(new QValueAxis(m_chart))
    , m_percentAxis(new QValueAxis(m_chart))
    , m_window(new QComboBox(this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_now(new QLabel(this))
{
    m_hits->setName(tr("hits/s"));
    m_misses->setName(tr("misses/s"));
    m_hitRate->setName(tr("hit rate %"));
    QPen ratePen(QColor(0x2e, 0x7d, 0x32));
    ratePen.setWidthF(2.0);
    m_hits->setPen(QPen(QColor(0x1e, 0x88, 0xe5), 1.5));
    m_misses->setPen(QPen(QColor(0xe5, 0x39, 0x35), 1.5));
    m_hitRate->setPen(ratePen);
    for (QLineSeries* series : {m_hits, m_misses, m_hitRate})
        m_chart->addSeries(series);
    m_timeAxis->setFormat(u"HH:mm:ss"_s);
    m_timeAxis->setTickCount(7);
    m_rateAxis->setTitleText(tr("lookups per second"));
    m_rateAxis->setLabelFormat(u"%.0f"_s);
    m_rateAxis->setTickCount(6);
    m_percentAxis->setTitleText(tr("hit rate %"));
    m_percentAxis->setRange(0, 100);
    m_percentAxis->setLabelFormat(u"%.0f"_s);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_rateAxis, Qt::AlignLeft);
    m_chart->addAxis(m_percentAxis, Qt::AlignRight);
    for (QLineSeries* series : {m_hits, m_misses}) {
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_rateAxis);
    }
    m_hitRate->attachAxis(m_timeAxis);
    m_hitRate->attachAxis(m_percentAxis);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_view->setRenderHint(QPainter::Antialiasing);

    m_window->addItem(tr("1 minute"), 60);
    m_window->addItem(tr("15 minutes"), 15 * 60);
    m_window->addItem(tr("1 hour"), 3600);
    m_window->addItem(tr("24 hours"), 24 * 3600);
    m_pause->setCheckable(true);
    m_now->setTextFormat(Qt::RichText);

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_now, 1);
    controls->addWidget(new QLabel(tr("Window:"), this));
    controls->addWidget(m_window);
    controls->addWidget(m_pause);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_view, 1);

    connect(m_window, &QComboBox::currentIndexChanged, this, &LiveChartPane::redraw);
    connect(m_pause, &QPushButton::toggled, this, &LiveChartPane::setPaused);
    m_now->setText(tr("Waiting for the first two INFO samples…"));
    const QDateTime now = QDateTime::currentDateTime();
    m_timeAxis->setRange(now.addSecs(-windowSeconds()), now);
    m_rateAxis->setRange(0, 10);
}

qint64 LiveChartPane::windowSeconds() const
{
    return m_window->currentData().toLongLong();
}

void LiveChartPane::setPaused(bool paused)
{
    m_paused = paused;
    m_pause->setChecked(paused);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    if (!paused)
        redraw();
}

void LiveChartPane::addSample(const ops::InfoSample& sample)
{
    m_samples.append(sample);
    if (m_samples.size() > 24 * 3600)
        m_samples.removeFirst();
    const auto rate = sample.delta.hitRate();
    const QLocale locale;
    m_now->setText(
        tr("<b>%1</b> hit rate · %2 hits/s · %3 misses/s · %4 ops/s · %5 keys · %6 · %7 expired · %8 evicted")
            .arg(rate ? QString::number(*rate * 100.0, 'f', 1) + u" %"_s : tr("no traffic"))
            .arg(sample.delta.hitsPerSecond(), 0, 'f', 0)
            .arg(sample.delta.missesPerSecond(), 0, 'f', 0)
            .arg(sample.delta.commandsPerSecond(), 0, 'f', 0)
            .arg(locale.toString(sample.keys))
            .arg(locale.formattedDataSize(sample.usedMemory))
            .arg(sample.delta.expired)
            .arg(sample.delta.evicted));
    if (!m_paused)
        redraw();
}

void LiveChartPane::redraw()
{
    if (m_samples.isEmpty())
        return;
    const QDateTime end = m_samples.last().at;
    const QDateTime start = end.addSecs(-windowSeconds());
    qsizetype first = m_samples.size();
    while (first > 0 && m_samples.at(first - 1).at >= start)
        --first;
    const qsizetype shown = m_samples.size() - first;
    const qsizetype stride = std::max<qsizetype>(1, (shown + maxPoints - 1) / maxPoints);
    QList<QPointF> hits;
    QList<QPointF> misses;
    QList<QPointF> rates;
    double highest = 8.0; // a quiet server keeps a readable scale instead of 0 … 1
    // Average each run of `stride` samples into one point: rates are summed from counts, so the average
    // hit rate is weighted by traffic and an idle stretch stays "no traffic" (a gap), not 100 %.
    for (qsizetype i = first; i < m_samples.size(); i += stride) {
        qint64 hitCount = 0;
        qint64 missCount = 0;
        double seconds = 0;
        const qsizetype last = std::min(m_samples.size(), i + stride);
        for (qsizetype j = i; j < last; ++j) {
            hitCount += m_samples.at(j).delta.hits;
            missCount += m_samples.at(j).delta.misses;
            seconds += m_samples.at(j).delta.seconds;
        }
        const double x = double(m_samples.at(last - 1).at.toMSecsSinceEpoch());
        const double hitsPerSecond = seconds > 0 ? double(hitCount) / seconds : 0;
        const double missesPerSecond = seconds > 0 ? double(missCount) / seconds : 0;
        hits.append({x, hitsPerSecond});
        misses.append({x, missesPerSecond});
        if (hitCount + missCount > 0)
            rates.append({x, 100.0 * double(hitCount) / double(hitCount + missCount)});
        highest = std::max({highest, hitsPerSecond, missesPerSecond});
    }
    m_hits->replace(hits);
    m_misses->replace(misses);
    m_hitRate->replace(rates);
    m_timeAxis->setRange(start, end);
    m_rateAxis->setRange(0, highest * 1.15);
}

QString LiveChartPane::toCsv() const
{
    QString csv = u"time,hits_per_second,misses_per_second,hit_rate\n"_s;
    for (const ops::InfoSample& sample : m_samples) {
        const auto rate = sample.delta.hitRate();
        csv += sample.at.toString(Qt::ISODate) + u',' + QString::number(sample.delta.hitsPerSecond(), 'f', 3) + u','
            + QString::number(sample.delta.missesPerSecond(), 'f', 3) + u','
            + (rate ? QString::number(*rate, 'f', 4) : QString()) + u'\n';
    }
    return csv;
}

} // namespace cachescope::ui
