#include "widgets/livechartpane.h"

#include "charts/segmentedseries.h"

#include "redis/connectionhealth.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSignalBlocker>
#include <QVBoxLayout>
#include <QValueAxis>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using ops::InfoDelta;

LiveChartPane::LiveChartPane(QWidget* parent)
    : QWidget(parent)
    , m_chart(new QChart)
    , m_view(new QChartView(m_chart, this))
    , m_timeAxis(new QDateTimeAxis(m_chart))
    , m_rateAxis(new QValueAxis(m_chart))
    , m_percentAxis(new QValueAxis(m_chart))
    , m_memoryAxis(new QValueAxis(m_chart))
    , m_markerAxis(new QValueAxis(m_chart))
    , m_viewChoice(new QComboBox(this))
    , m_nodeChoice(new QComboBox(this))
    , m_window(new QComboBox(this))
    , m_pause(new QPushButton(tr("Pause"), this))
    , m_now(new QLabel(this))
    , m_pausedBadge(new QLabel(this))
{
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
    m_memoryAxis->setTitleText(tr("used memory MiB"));
    m_memoryAxis->setLabelFormat(u"%.1f"_s);
    m_memoryAxis->setTickCount(6);
    m_chart->addAxis(m_memoryAxis, Qt::AlignRight);
    m_markerAxis->setRange(0, 1);
    m_markerAxis->setVisible(false);
    m_chart->addAxis(m_markerAxis, Qt::AlignRight);
    const QList<QAbstractAxis*> rate {m_timeAxis, m_rateAxis};
    const auto line = [this](const QString& name, QColor color, double width, const QList<QAbstractAxis*>& axes,
                          Qt::PenStyle style = Qt::SolidLine) {
        return std::make_unique<SegmentedSeries>(m_chart, name, QPen(QBrush(color), width, style), axes);
    };
    const QColor hitColor(0x1e, 0x88, 0xe5);
    const QColor missColor(0xe5, 0x39, 0x35);
    const QColor rateColor(0x2e, 0x7d, 0x32);
    m_hits = line(tr("hits/s"), hitColor, 1.5, rate);
    m_misses = line(tr("misses/s"), missColor, 1.5, rate);
    m_hitRate = line(tr("hit rate %"), rateColor, 2.0, {m_timeAxis, m_percentAxis});
    m_recordedHits = line(tr("recorded hits/s"), hitColor, 1.5, rate, Qt::DashLine);
    m_recordedMisses = line(tr("recorded misses/s"), missColor, 1.5, rate, Qt::DashLine);
    m_recordedHitRate = line(tr("recorded hit rate %"), rateColor, 2.0, {m_timeAxis, m_percentAxis}, Qt::DashLine);
    m_ops = line(tr("commands/s"), QColor(0x5e, 0x35, 0xb1), 1.5, rate);
    m_memory = line(tr("used memory MiB"), QColor(0xef, 0x6c, 0x00), 2.0, {m_timeAxis, m_memoryAxis});
    m_expired = line(tr("expired keys/s"), QColor(0x00, 0x89, 0x7b), 1.5, rate);
    m_evicted = line(tr("evicted keys/s"), QColor(0xc6, 0x28, 0x28), 1.5, rate);
    // Same colours as the live lines, dashed; the note under the chart says what they are, so the legend stays short.
    for (SegmentedSeries* recorded : {m_recordedHits.get(), m_recordedMisses.get(), m_recordedHitRate.get()})
        recorded->setInLegend(false);
    m_markerLines = line(tr("audited writes"), QColor(0x61, 0x61, 0x61), 1.0, {m_timeAxis, m_markerAxis}, Qt::DotLine);
    // Said by the note under the chart ("Marked (dotted): …"). As a legend entry that appears with the first audited
    // write, Qt Charts laid it over the others at 1024 px instead of making room.
    m_markerLines->setInLegend(false);
    m_chart->legend()->setAlignment(Qt::AlignTop);
    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_view->setRenderHint(QPainter::Antialiasing);

    m_window->addItem(tr("1 minute"), 60);
    m_window->addItem(tr("15 minutes"), 15 * 60);
    m_window->addItem(tr("1 hour"), 3600);
    m_window->addItem(tr("24 hours"), 24 * 3600);
    m_pause->setCheckable(true);
    m_now->setTextFormat(Qt::RichText);

    m_viewChoice->addItem(tr("Hits and misses"), int(View::HitsAndMisses));
    m_viewChoice->addItem(tr("Operations and memory"), int(View::OperationsAndMemory));
    m_viewChoice->addItem(tr("Expired and evicted"), int(View::ExpiredAndEvicted));
    m_now->setWordWrap(true);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Chart:"), this));
    controls->addWidget(m_viewChoice);
    controls->addWidget(m_nodeChoice);
    controls->addWidget(new QLabel(tr("Window:"), this));
    controls->addWidget(m_window);
    controls->addWidget(m_pause);
    controls->addWidget(m_pausedBadge);
    controls->addStretch(1);
    m_pausedBadge->setStyleSheet(
        u"QLabel { background: #fff3e0; color: #8a4b00; font-weight: bold; padding: 2px 6px; border-radius: 3px; }"_s);
    m_pausedBadge->hide();
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_now);
    layout->addWidget(m_view, 1);
    m_chartNote = new QLabel(this);
    m_chartNote->setWordWrap(true);
    m_chartNote->setTextFormat(Qt::PlainText);
    m_chartNote->setObjectName(u"chartNote"_s);
    m_chartNote->hide();
    layout->addWidget(m_chartNote);

    connect(m_window, &QComboBox::currentIndexChanged, this, [this] {
        redraw();
        Q_EMIT historyWanted(windowSeconds());
    });
    m_nodeChoice->setVisible(false);
    m_nodeChoice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    connect(m_nodeChoice, &QComboBox::currentIndexChanged, this, [this] {
        if (m_samples.isEmpty() || m_paused)
            return;
        showHeadline(m_samples.last()); // the figures line for the new choice too
        redraw();
    });
    connect(m_viewChoice, &QComboBox::currentIndexChanged, this,
        [this] { setView(View(m_viewChoice->currentData().toInt())); });
    connect(m_pause, &QPushButton::toggled, this, &LiveChartPane::setPaused);
    m_now->setText(tr("Waiting for the first two INFO samples…"));
    m_staleCheck = new QTimer(this);
    connect(m_staleCheck, &QTimer::timeout, this, &LiveChartPane::checkStaleness);
    m_staleCheck->start(500);
    const QDateTime now = QDateTime::currentDateTime();
    m_timeAxis->setRange(now.addSecs(-windowSeconds()), now);
    m_rateAxis->setRange(0, 10);
    setView(View::HitsAndMisses);
}

void LiveChartPane::setView(View view)
{
    m_viewChoice->setCurrentIndex(m_viewChoice->findData(int(view)));
    const bool lookups = view == View::HitsAndMisses;
    const bool load = view == View::OperationsAndMemory;
    const bool expiry = view == View::ExpiredAndEvicted;
    for (SegmentedSeries* series : {m_hits.get(), m_misses.get(), m_hitRate.get(), m_recordedHits.get(),
             m_recordedMisses.get(), m_recordedHitRate.get()})
        series->setVisible(lookups);
    m_ops->setVisible(load);
    m_memory->setVisible(load);
    m_expired->setVisible(expiry);
    m_evicted->setVisible(expiry);
    m_percentAxis->setVisible(lookups);
    m_memoryAxis->setVisible(load);
    m_rateAxis->setTitleText(lookups ? tr("lookups per second")
            : load                   ? tr("commands per second")
                                     : tr("keys per second"));
    redraw();
}

qsizetype LiveChartPane::pointCount(View view) const
{
    switch (view) {
    case View::HitsAndMisses:
        return m_hits->pointCount();
    case View::OperationsAndMemory:
        return m_ops->pointCount();
    case View::ExpiredAndEvicted:
        return m_expired->pointCount();
    }
    return 0;
}

LiveChartPane::~LiveChartPane() = default;

QList<QList<QPointF>> LiveChartPane::segments(int line) const
{
    const auto view = View(m_viewChoice->currentData().toInt());
    const SegmentedSeries* lines[] = {view == View::HitsAndMisses ? m_hits.get()
            : view == View::OperationsAndMemory                   ? m_ops.get()
                                                                  : m_expired.get(),
        view == View::HitsAndMisses             ? m_misses.get()
            : view == View::OperationsAndMemory ? m_memory.get()
                                                : m_evicted.get(),
        m_hitRate.get(), m_recordedHits.get(), m_recordedMisses.get(), m_recordedHitRate.get()};
    return line >= 0 && line < 6 ? lines[line]->segments() : QList<QList<QPointF>>();
}

qint64 LiveChartPane::windowSeconds() const
{
    return m_window->currentData().toLongLong();
}

void LiveChartPane::setPaused(bool paused)
{
    if (paused == m_paused)
        return;
    m_paused = paused;
    m_pause->setChecked(paused);
    m_pause->setText(paused ? tr("Resume") : tr("Pause"));
    m_pausedAt = QDateTime::currentDateTime();
    m_samplesWhilePaused = 0;
    m_pausedBadge->setText(tr("PAUSED at %1").arg(m_pausedAt.toString(u"HH:mm:ss"_s)));
    m_pausedBadge->setVisible(paused);
    if (!paused && !m_samples.isEmpty()) {
        showHeadline(m_samples.last());
        redraw();
    }
    Q_EMIT pausedChanged(paused);
}

QString LiveChartPane::headline() const
{
    return m_now->text();
}

void LiveChartPane::setNodeNames(const QStringList& names)
{
    const int shown = shownNode();
    const QSignalBlocker blocker(m_nodeChoice);
    m_nodeChoice->clear();
    m_nodeChoice->addItem(tr("All %n masters", nullptr, int(names.size())), -1);
    for (qsizetype i = 0; i < names.size(); ++i)
        m_nodeChoice->addItem(names.at(i), int(i));
    m_nodeChoice->setVisible(names.size() > 1);
    m_nodeChoice->setCurrentIndex(std::max(0, m_nodeChoice->findData(shown < names.size() ? shown : -1)));
    redraw();
}

void LiveChartPane::showNode(int index)
{
    m_nodeChoice->setCurrentIndex(std::max(0, m_nodeChoice->findData(index)));
}

int LiveChartPane::shownNode() const
{
    return m_nodeChoice->count() > 0 ? m_nodeChoice->currentData().toInt() : -1;
}

std::optional<ops::NodeFigures> LiveChartPane::figures(const ops::InfoSample& sample) const
{
    const int node = shownNode();
    if (node < 0)
        return ops::NodeFigures {sample.delta, sample.usedMemory, sample.opsPerSecond, sample.keys};
    if (node >= sample.nodes.size())
        return std::nullopt;
    return sample.nodes.at(node);
}

void LiveChartPane::addSample(const ops::InfoSample& sample)
{
    m_samples.append(sample);
    m_stale = !m_lostWhy.isEmpty();
    m_ownExcluded += {sample.delta.ownHits, sample.delta.ownMisses};
    if (m_samples.size() > 24 * 3600)
        m_samples.removeFirst();
    if (m_paused) {
        ++m_samplesWhilePaused;
        m_pausedBadge->setText(tr("PAUSED at %1 · %n new samples kept", nullptr, m_samplesWhilePaused)
                                   .arg(m_pausedAt.toString(u"HH:mm:ss"_s)));
        return; // the headline and the chart stay as they were when paused
    }
    showHeadline(sample);
    redraw();
}

void LiveChartPane::showHeadline(const ops::InfoSample& sample)
{
    const auto shown = figures(sample);
    if (!shown) {
        m_now->setText(tr("no sample of this node"));
        return;
    }
    const ops::NodeFigures& now = *shown;
    const auto rate = now.delta.hitRate();
    const QLocale locale;
    QString stalePrefix;
    if (m_stale) {
        stalePrefix = tr("<b style='color:#8a4b00'>%1</b>%2 — ")
                          .arg(redis::ConnectionHealth::staleLabel(sample.at).toHtmlEscaped(),
                              m_lostWhy.isEmpty() ? tr(" (no sample since)") : QString());
    }
    const QString figuresText =
        tr("<b>%1</b> hit rate · %2 hits/s · %3 misses/s · %4 ops/s · %5 keys · %6 · %7 expired · %8 evicted")
            .arg(rate ? locale.toString(*rate * 100.0, 'f', 1) + u" %"_s : tr("no traffic"))
            .arg(locale.toString(now.delta.hitsPerSecond(), 'f', 0)) // one number format: "14,465", as the keys
            .arg(locale.toString(now.delta.missesPerSecond(), 'f', 0))
            .arg(locale.toString(now.delta.commandsPerSecond(), 'f', 0))
            .arg(locale.toString(now.keys))
            .arg(locale.formattedDataSize(now.usedMemory))
            .arg(locale.toString(now.delta.expired))
            .arg(locale.toString(now.delta.evicted));
    m_now->setText(
        m_stale ? stalePrefix + u"<span style='color:#808080'>"_s + figuresText + u"</span>"_s : figuresText);
    m_now->setMinimumHeight(m_now->heightForWidth(std::max(100, m_now->width()))); // every wrapped line shown
    const QString excluded =
        tr("Hits and misses are the server's minus CacheScope's own reads (key browsing, TTL sampling, stats "
           "reads), counted per node: %1 hits and %2 misses taken out since the chart started (all nodes), %3 and "
           "%4 in the last sample.")
            .arg(locale.toString(m_ownExcluded.hits), locale.toString(m_ownExcluded.misses),
                locale.toString(now.delta.ownHits), locale.toString(now.delta.ownMisses));
    m_now->setToolTip(excluded);
    m_view->setToolTip(excluded);
}

void LiveChartPane::redraw()
{
    const auto [start, end] = shownWindow();
    if (m_samples.isEmpty() && !m_recorded && m_markers.isEmpty())
        return;
    qsizetype first = m_samples.size();
    while (first > 0 && m_samples.at(first - 1).at >= start)
        --first;
    const qsizetype shown = m_samples.size() - first;
    const qsizetype stride = std::max<qsizetype>(1, (shown + maxPoints - 1) / maxPoints);
    using Points = QList<std::pair<double, std::optional<double>>>;
    Points hits;
    Points misses;
    Points rates;
    Points ops;
    Points memory;
    Points expired;
    Points evicted;
    const auto view = View(m_viewChoice->currentData().toInt());
    double highest = 8.0; // a quiet server keeps a readable scale instead of 0 … 1
    double highestMemory = 1.0;
    // Average each run of `stride` samples into one point: rates are summed from counts, so the average
    // hit rate is weighted by traffic and an idle stretch stays "no traffic" (a gap), not 100 %.
    for (qsizetype i = first; i < m_samples.size(); i += stride) {
        InfoDelta sum;
        const qsizetype last = std::min(m_samples.size(), i + stride);
        std::optional<ops::NodeFigures> latest;
        for (qsizetype j = i; j < last; ++j) {
            if (const auto f = figures(m_samples.at(j))) {
                sum += f->delta;
                latest = f;
            }
        }
        const double x = double(m_samples.at(last - 1).at.toMSecsSinceEpoch());
        if (!latest) { // this node was not sampled then (it joined later): a gap in every line
            for (Points* points : {&hits, &misses, &rates, &ops, &memory, &expired, &evicted})
                points->append({x, std::nullopt});
            continue;
        }
        const double perSecond = sum.seconds > 0 ? 1.0 / sum.seconds : 0;
        hits.append({x, double(sum.hits) * perSecond});
        misses.append({x, double(sum.misses) * perSecond});
        const auto rate = sum.hitRate();
        rates.append({x, rate ? std::optional<double>(100.0 * *rate) : std::nullopt});
        ops.append({x, double(sum.commands) * perSecond});
        const double mebibytes = double(latest->usedMemory) / (1024.0 * 1024.0);
        memory.append({x, mebibytes});
        expired.append({x, double(sum.expired) * perSecond});
        evicted.append({x, double(sum.evicted) * perSecond});
        switch (view) {
        case View::HitsAndMisses:
            highest = std::max({highest, *hits.last().second, *misses.last().second});
            break;
        case View::OperationsAndMemory:
            highest = std::max(highest, *ops.last().second);
            break;
        case View::ExpiredAndEvicted:
            highest = std::max({highest, *expired.last().second, *evicted.last().second});
            break;
        }
        highestMemory = std::max(highestMemory, mebibytes);
    }
    // Samples come every second: a point further from the last than a few strides means samples are missing (the
    // connection was down, the machine asleep) — a gap.
    const double maxStep = 2500.0 * double(stride);
    m_hits->setSegments(splitIntoRuns(hits, maxStep));
    m_misses->setSegments(splitIntoRuns(misses, maxStep));
    m_hitRate->setSegments(splitIntoRuns(rates, maxStep));
    m_ops->setSegments(splitIntoRuns(ops, maxStep));
    m_memory->setSegments(splitIntoRuns(memory, maxStep));
    m_expired->setSegments(splitIntoRuns(expired, maxStep));
    m_evicted->setSegments(splitIntoRuns(evicted, maxStep));
    highest = std::max(highest, drawRecorded(start, m_samples.isEmpty() ? end : m_samples.at(first).at));
    QStringList notes;
    if (!m_recordedHits->segments().isEmpty())
        notes.append(tr("Dashed: the lookups the services recorded before the first sample (CacheScope's stats, %1).")
                         .arg(m_recorded->describe()));
    if (const QString marked = drawMarkers(start, end); !marked.isEmpty())
        notes.append(marked);
    m_chartNote->setText(notes.join(u'\n'));
    m_chartNote->setVisible(!notes.isEmpty());
    m_timeAxis->setRange(start, end);
    // Past an hour the axis spans midnight and days: it says which.
    m_timeAxis->setFormat(windowSeconds() > 3600 ? u"dd MMM HH:mm"_s : u"HH:mm:ss"_s);
    // As many time labels as fit whole: "03:2…" tells nobody when.
    const int labelWidth =
        fontMetrics().horizontalAdvance(windowSeconds() > 3600 ? u"00 MMM 00:00"_s : u"00:00:00"_s) + 28;
    m_timeAxis->setTickCount(std::clamp(int(m_chart->plotArea().width()) / labelWidth + 1, 2, 7));
    // Round ticks (0, 100, 200…), not 0, 80.2, 160.4…
    m_rateAxis->setRange(0, std::max(highest * 1.1, 1.0));
    m_rateAxis->applyNiceNumbers();
    m_memoryAxis->setRange(0, std::max(highestMemory * 1.1, 1.0));
    m_memoryAxis->applyNiceNumbers();
}

double LiveChartPane::drawRecorded(const QDateTime& start, const QDateTime& firstSample)
{
    using Points = QList<std::pair<double, std::optional<double>>>;
    Points hits;
    Points misses;
    Points rates;
    double highest = 0;
    // Only where no sample covers the time, and only for the whole keyspace (the stats are not per node).
    if (m_recorded && shownNode() < 0) {
        const qint64 bucket = m_recorded->bucketSeconds;
        for (const cache::StatsWindow::Bucket& stored : m_recorded->buckets) {
            cache::StatsCounters counters; // every label of the dimension read: the whole keyspace
            for (const cache::StatsCounters& labelled : stored.byLabel)
                counters += labelled;
            const QDateTime at = QDateTime::fromSecsSinceEpoch(stored.start + bucket);
            if (at < start || at > firstSample)
                continue;
            const double x = double(at.toMSecsSinceEpoch());
            const double perSecond = 1.0 / double(std::max<qint64>(1, bucket));
            const double hitsPerSecond =
                double(counters[cache::StatsEvent::Hit] + counters[cache::StatsEvent::NegativeHit]) * perSecond;
            const double missesPerSecond = double(counters[cache::StatsEvent::Miss]) * perSecond;
            hits.append({x, hitsPerSecond});
            misses.append({x, missesPerSecond});
            const auto rate = cache::hitRate(counters);
            rates.append({x, rate ? std::optional<double>(100.0 * *rate) : std::nullopt});
            highest = std::max({highest, hitsPerSecond, missesPerSecond});
        }
    }
    // Buckets without lookups are not stored: a missing bucket is a gap.
    const double maxStep = 1500.0 * double(m_recorded ? m_recorded->bucketSeconds : 1);
    m_recordedHits->setSegments(splitIntoRuns(hits, maxStep));
    m_recordedMisses->setSegments(splitIntoRuns(misses, maxStep));
    m_recordedHitRate->setSegments(splitIntoRuns(rates, maxStep));
    return highest;
}

QString LiveChartPane::drawMarkers(const QDateTime& start, const QDateTime& end)
{
    QList<QList<QPointF>> lines;
    QStringList notes;
    for (const ChartMarker& marker : markersBetween(start, end)) {
        const double x = double(marker.at.toMSecsSinceEpoch());
        lines.append({QPointF(x, 0.0), QPointF(x, 1.0)});
        notes.append(marker.at.toLocalTime().toString(u"HH:mm:ss"_s) + u"  "_s + marker.text);
    }
    m_markerLines->setSegments(lines);
    // The newest few under the chart, every one in the tooltip.
    const qsizetype shownNotes = 3;
    m_chartNote->setToolTip(notes.join(u'\n'));
    if (notes.isEmpty())
        return {};
    return tr("Marked (dotted): %1%2")
        .arg(notes.mid(std::max<qsizetype>(0, notes.size() - shownNotes)).join(u"  ·  "_s),
            notes.size() > shownNotes ? tr("  ·  and %n earlier", nullptr, int(notes.size() - shownNotes)) : QString());
}

void LiveChartPane::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    redraw(); // the number of time labels follows the width
}

void LiveChartPane::setConnectionLost(const QString& why)
{
    m_lostWhy = why;
    checkStaleness();
}

void LiveChartPane::setConnectionLive()
{
    m_lostWhy.clear();
    checkStaleness();
}

void LiveChartPane::checkStaleness()
{
    if (m_samples.isEmpty())
        return;
    const QDateTime now = QDateTime::currentDateTime();
    const bool stale = !m_lostWhy.isEmpty() || m_samples.last().at.msecsTo(now) > staleAfter.count();
    if (!stale && !m_stale)
        return;
    m_stale = stale;
    if (m_paused)
        return; // paused: frozen on purpose, and says so
    showHeadline(m_samples.last()); // the age in it moves on
    redraw(); // and the time axis with it
}

std::pair<QDateTime, QDateTime> LiveChartPane::shownWindow() const
{
    // Stale: the axis runs on to now, so the time without samples is a gap at the right, not a frozen axis.
    const QDateTime end =
        m_samples.isEmpty() || (m_stale && !m_paused) ? QDateTime::currentDateTime() : m_samples.last().at;
    return {end.addSecs(-windowSeconds()), end};
}

QList<ChartMarker> LiveChartPane::markersBetween(const QDateTime& start, const QDateTime& end) const
{
    QList<ChartMarker> shown;
    for (const ChartMarker& marker : m_markers) {
        if (marker.at >= start && marker.at <= end)
            shown.append(marker);
    }
    return shown;
}

QList<ChartMarker> LiveChartPane::shownMarkers() const
{
    const auto [start, end] = shownWindow();
    return markersBetween(start, end);
}

void LiveChartPane::setRecordedHistory(const cache::StatsWindow& window)
{
    m_recorded = window;
    if (!m_paused)
        redraw();
}

void LiveChartPane::setMarkers(const QList<ChartMarker>& markers)
{
    m_markers = markers;
    std::sort(
        m_markers.begin(), m_markers.end(), [](const ChartMarker& a, const ChartMarker& b) { return a.at < b.at; });
    if (!m_paused)
        redraw();
}

QString LiveChartPane::toCsv() const
{
    QString csv = u"time,hits_per_second,misses_per_second,hit_rate,commands_per_second,used_memory_bytes,"
                  "expired_per_second,evicted_per_second,own_hits_excluded,own_misses_excluded\n"_s;
    for (const ops::InfoSample& sample : m_samples) {
        const auto shown = figures(sample);
        if (!shown)
            continue;
        const InfoDelta& delta = shown->delta;
        const auto rate = delta.hitRate();
        const double perSecond = delta.seconds > 0 ? 1.0 / delta.seconds : 0;
        csv += sample.at.toString(Qt::ISODate) + u',' + QString::number(delta.hitsPerSecond(), 'f', 3) + u','
            + QString::number(delta.missesPerSecond(), 'f', 3) + u','
            + (rate ? QString::number(*rate, 'f', 4) : QString()) + u','
            + QString::number(delta.commandsPerSecond(), 'f', 3) + u',' + QString::number(shown->usedMemory) + u','
            + QString::number(double(delta.expired) * perSecond, 'f', 3) + u','
            + QString::number(double(delta.evicted) * perSecond, 'f', 3) + u',' + QString::number(delta.ownHits) + u','
            + QString::number(delta.ownMisses) + u'\n';
    }
    return csv;
}

} // namespace cachescope::ui
