#include "widgets/missespane.h"

#include "analysis/analysisreport.h"
#include "charts/clearchart.h"
#include "charts/segmentedseries.h"
#include "itemmodels/missmodel.h"
#include "model/displaybytes.h"
#include "model/ttltext.h"
#include "redis/client.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QLogValueAxis>
#include <QPushButton>
#include <QScatterSeries>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using analysis::Dimension;
using analysis::MissReason;
using analysis::MissWatch;

namespace {
constexpr qint64 rateWindowMs = 300'000;

const std::array<QColor, analysis::missReasonCount>& reasonColors()
{
    static const std::array<QColor, analysis::missReasonCount> colors {QColor(0xef, 0x6c, 0x00),
        QColor(0xc6, 0x28, 0x28), QColor(0x6a, 0x1b, 0x9a), QColor(0x15, 0x65, 0xc0), QColor(0x75, 0x75, 0x75)};
    return colors;
}

QString clock(qint64 ms)
{
    return QLocale().toString(QDateTime::fromMSecsSinceEpoch(ms).time(), u"HH:mm:ss"_s);
}

QChartView* smallChartView(QChart* chart, QWidget* parent)
{
    chart->setMargins(QMargins(4, 4, 4, 4));
    chart->legend()->setAlignment(Qt::AlignRight);
    auto* view = new QChartView(chart, parent);
    view->setRenderHint(QPainter::Antialiasing);
    view->setMinimumHeight(150);
    return view;
}
} // namespace

MissesPane::MissesPane(redis::Client* connection, ops::SafetyPolicy safety, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_safety(std::move(safety))
    , m_model(new MissModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_consent(new QCheckBox(tr("Let the watch turn the notifications on (restored afterwards, audited)"), this))
    , m_dimension(new QComboBox(this))
    , m_start(new QPushButton(tr("&Watch misses"), this))
    , m_stop(new QPushButton(tr("Sto&p"), this))
    , m_status(new QLabel(this))
    , m_totals(new QLabel(this))
    , m_table(new QTableView(this))
    , m_rateChart(new QChart)
    , m_rateView(smallChartView(m_rateChart, this))
    , m_latenessChart(new QChart)
    , m_latenessView(smallChartView(m_latenessChart, this))
    , m_whatIfChart(new QChart)
    , m_whatIfView(smallChartView(m_whatIfChart, this))
    , m_routeDetail(new QLabel(this))
    , m_proposedTtl(new QComboBox(this))
    , m_stage(new QPushButton(tr("Stage in Route TTLs"), this))
{
    auto* intro = new QLabel(tr("Why lookups miss, from the server's keyspace notifications (no key is read)."), this);
    intro->setWordWrap(true);
    if (m_safety.readOnly) {
        m_consent->setEnabled(false);
        m_consent->setToolTip(tr("A read-only connection never changes the server's settings"));
    } else {
        m_consent->setToolTip(tr("Adds m, x, e, g and $ to notify-keyspace-events for the watch; puts the old value "
                                 "back when the last watch ends (unless someone changed it meanwhile); both changes "
                                 "go to the audit trail"));
    }
    m_dimension->addItem(tr("Route"), int(Dimension::Route));
    m_dimension->addItem(tr("Tenant"), int(Dimension::Tenant));
    m_dimension->addItem(tr("Venue"), int(Dimension::Venue));
    m_dimension->addItem(tr("Namespace"), int(Dimension::Namespace));
    m_stop->setEnabled(false);
    m_status->setWordWrap(true);
    m_status->setText(tr("Not watching."));
    m_totals->setWordWrap(true);
    m_routeDetail->setWordWrap(true);
    m_routeDetail->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_routeDetail->setAlignment(Qt::AlignTop | Qt::AlignLeft);
    m_stage->setEnabled(false);
    m_stage->setToolTip(tr("Puts the TTL into the rule as an unsaved edit; saving it there is audited and versioned"));

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(MissModel::SortRole);
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(MissModel::MissesColumn, Qt::DescendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);

    m_rateChart->setTitle(tr("Misses per second by reason"));

    m_proposedTtl->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("By:"), this));
    controls->addWidget(m_dimension);
    controls->addStretch(1);
    controls->addWidget(m_start);
    controls->addWidget(m_stop);

    // The table over the charts, each chart the pane's whole width in a tab of its own: at 1024×640 three charts
    // side by side left none readable.
    m_charts = new QTabWidget(this);
    m_charts->addTab(m_rateView, tr("Over time"));
    m_charts->addTab(m_latenessView, tr("Lateness"));
    m_charts->addTab(m_whatIfView, tr("TTL what-if"));
    auto* lower = new QWidget(this);
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(m_charts, 1);
    lowerLayout->addWidget(m_routeDetail);
    auto* stageRow = new QHBoxLayout;
    stageRow->addWidget(new QLabel(tr("Stage a TTL for the selected route:"), this));
    stageRow->addWidget(m_proposedTtl);
    stageRow->addWidget(m_stage);
    stageRow->addStretch(1);
    lowerLayout->addLayout(stageRow);
    auto* splitter = new QSplitter(Qt::Vertical, this);
    splitter->addWidget(m_table);
    splitter->addWidget(lower);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_consent);
    layout->addLayout(controls);
    layout->addWidget(m_status);
    layout->addWidget(splitter, 1);
    layout->addWidget(m_totals);

    connect(m_start, &QPushButton::clicked, this, &MissesPane::start);
    connect(m_stop, &QPushButton::clicked, this, &MissesPane::stop);
    connect(m_dimension, &QComboBox::currentIndexChanged, this, [this] {
        m_model->clear();
        tick();
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
        [this] { showRoute(this->report()); });
    connect(m_stage, &QPushButton::clicked, this, [this] {
        const auto report = this->report();
        const QByteArray label = selectedLabel();
        if (!report || label.isEmpty())
            return;
        const QString rulePath = report->anatomy.routes.value(label).rulePath;
        if (!rulePath.isEmpty() && m_proposedTtl->currentData().isValid())
            Q_EMIT ttlProposed(rulePath, m_proposedTtl->currentData().toInt());
    });
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &MissesPane::tick);
    tick();
}

MissesPane::~MissesPane()
{
    // A widened setting is put back by the watch's owner: the window stops it before it goes (see stop()).
}

void MissesPane::setRoutes(const model::RouteConfig& routes)
{
    m_routes = routes;
}

bool MissesPane::isWatching() const
{
    return m_watch && m_watch->isRunning();
}

std::optional<MissWatch::Report> MissesPane::report() const
{
    if (m_watch)
        return m_watch->report();
    return m_last;
}

QString MissesPane::statusText() const
{
    return m_status->text();
}

QString MissesPane::routeDetailText() const
{
    return m_routeDetail->text();
}

void MissesPane::start()
{
    if (!m_connection || isWatching())
        return;
    MissWatch::Options options;
    options.mayChangeConfig = m_consent->isChecked() && !m_safety.readOnly;
    options.actor = m_safety.actor;
    options.anatomy.routes = m_routes;
    m_watch = std::make_unique<MissWatch>(m_connection, options);
    m_model->clear();
    m_rates.clear();
    m_previous.reset();
    connect(m_watch.get(), &MissWatch::started, this, [this] {
        m_tick.start();
        updateStatus(this->report());
        Q_EMIT started();
    });
    connect(m_watch.get(), &MissWatch::gapStarted, this, &MissesPane::tick);
    connect(m_watch.get(), &MissWatch::gapEnded, this, &MissesPane::tick);
    connect(m_watch.get(), &MissWatch::finished, this, [this] {
        m_tick.stop();
        m_last = m_watch->report();
        tick();
        m_start->setEnabled(true);
        m_stop->setEnabled(false);
        m_consent->setEnabled(!m_safety.readOnly);
        Q_EMIT finished();
    });
    m_start->setEnabled(false);
    m_stop->setEnabled(true);
    m_consent->setEnabled(false);
    m_status->setText(tr("Starting…"));
    m_watch->start();
}

void MissesPane::stop()
{
    if (isWatching())
        m_watch->stop();
}

void MissesPane::updateStatus(const std::optional<MissWatch::Report>& report)
{
    if (!report) {
        m_status->setText(tr("Not watching. The watch needs notify-keyspace-events with E, m, x, e, g and $: tick "
                             "the box above to let it set them for the watch."));
        return;
    }
    const QLocale locale;
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const bool running = isWatching();
    const bool gapOpen = !report->gaps.isEmpty() && report->gaps.constLast().toMs == 0;
    QString text;
    QString style;
    if (running && gapOpen) {
        const auto& gap = report->gaps.constLast();
        text = tr("Subscription lost at %1 (%2), %L3 s ago; reopening every 2 s. The figures are as of %1 and "
                  "stay grey until it is back.")
                   .arg(clock(gap.fromMs), model::displayText(gap.reason, 200))
                   .arg((now - gap.fromMs) / 1000);
        style = u"color: #b26a00;"_s;
    } else if (running) {
        text = tr("Live: watching every master since %1").arg(clock(report->anatomy.startedMs));
        if (!report->gaps.isEmpty())
            text += tr(" (%n gap(s): misses after each are told only from what came after)", nullptr,
                int(report->gaps.size()));
        text += u'.';
    } else if (!report->error.isEmpty()) {
        text = model::displayText(report->error);
        style = u"color: #c62828;"_s;
    } else {
        text = tr("Final figures of the watch from %1 to %2 (not live).")
                   .arg(clock(report->anatomy.startedMs), clock(report->anatomy.endedMs));
        style = u"color: palette(mid);"_s;
    }
    if (!running && !report->configNote.isEmpty())
        text += u' ' + model::displayText(report->configNote) + u'.';
    m_status->setText(text);
    m_status->setStyleSheet(style);
    m_model->setStale(!running || gapOpen);

    const auto& total = report->anatomy.total;
    QString totals = tr("%L1 misses").arg(total.misses);
    if (report->serverMisses)
        totals += tr(" (the server counted %L1)").arg(*report->serverMisses);
    QStringList reasons;
    for (int r = 0; r < analysis::missReasonCount; ++r) {
        const qint64 n = total.reasons[std::size_t(r)];
        reasons.append(u"%1 %2"_s.arg(analysis::missReasonName(MissReason(r)), locale.toString(n)));
    }
    totals += u": "_s + reasons.join(u", "_s);
    if (report->anatomy.droppedRemovals > 0)
        totals += tr("; %L1 removals fell out of the bounded memory").arg(report->anatomy.droppedRemovals);
    m_totals->setText(totals + u'.');
}

void MissesPane::tick()
{
    // One report a tick (it copies every group's counts), for the status, the table, the chart and the detail.
    const auto report = this->report();
    updateStatus(report);
    if (!report)
        return;
    m_model->setCounts(report->anatomy.groups[std::size_t(m_dimension->currentData().toInt())]);
    if (isWatching()) {
        updateRateChart(*report);
        // Lookups and entry sizes for a live what-if, every ten seconds (a stats read and a few MEMORY USAGE).
        if (m_ticks++ % 10 == 2)
            m_watch->refreshEstimates();
    }
    showRoute(report);
}

void MissesPane::updateRateChart(const MissWatch::Report& report)
{
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const bool gapOpen = !report.gaps.isEmpty() && report.gaps.constLast().toMs == 0;
    std::array<qint64, analysis::missReasonCount> reasons = report.anatomy.total.reasons;
    RateSample sample {now, std::nullopt};
    if (m_previous && !gapOpen && now > m_previous->first) {
        std::array<double, analysis::missReasonCount> perSecond {};
        for (int r = 0; r < analysis::missReasonCount; ++r)
            perSecond[std::size_t(r)] = double(reasons[std::size_t(r)] - m_previous->second[std::size_t(r)]) * 1000.0
                / double(now - m_previous->first);
        sample.perSecond = perSecond;
    }
    m_previous = std::pair(now, reasons);
    m_rates.append(sample);
    while (!m_rates.isEmpty() && m_rates.constFirst().atMs < now - rateWindowMs)
        m_rates.removeFirst();

    clearChart(m_rateChart);
    auto* time = new QDateTimeAxis;
    time->setFormat(u"HH:mm:ss"_s);
    // From the watch's start while it is younger than the window: no empty stretch before it.
    const qint64 from = std::max(now - rateWindowMs, std::min(report.anatomy.startedMs, now - 10'000));
    time->setRange(QDateTime::fromMSecsSinceEpoch(from), QDateTime::fromMSecsSinceEpoch(now));
    time->setTickCount(4);
    auto* rate = new QValueAxis;
    double top = 1;
    for (const RateSample& s : m_rates) {
        if (s.perSecond) {
            for (double v : *s.perSecond)
                top = std::max(top, v);
        }
    }
    rate->setRange(0, top);
    rate->applyNiceNumbers();
    rate->setLabelFormat(u"%.0f"_s);
    m_rateChart->addAxis(time, Qt::AlignBottom);
    m_rateChart->addAxis(rate, Qt::AlignLeft);
    for (int r = 0; r < analysis::missReasonCount; ++r) {
        QList<std::pair<double, std::optional<double>>> points;
        for (const RateSample& s : m_rates)
            points.append(
                {double(s.atMs), s.perSecond ? std::optional<double>((*s.perSecond)[std::size_t(r)]) : std::nullopt});
        SegmentedSeries line(m_rateChart, analysis::missReasonName(MissReason(r)),
            QPen(reasonColors()[std::size_t(r)], 2.0), {time, rate});
        line.setSegments(splitIntoRuns(points, 2500.0));
    }
}

QByteArray MissesPane::selectedLabel() const
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        return {};
    return m_proxy->mapToSource(current).data(MissModel::LabelRole).toByteArray();
}

bool MissesPane::selectGroup(const QByteArray& label)
{
    const int row = m_model->rowOf(label);
    if (row < 0)
        return false;
    m_table->setCurrentIndex(m_proxy->mapFromSource(m_model->index(row, 0)));
    return true;
}

void MissesPane::showRoute(const std::optional<MissWatch::Report>& report)
{
    clearChart(m_latenessChart);
    clearChart(m_whatIfChart);
    // Redrawn every second: the TTL the engineer picked for this route stays picked.
    const QVariant picked = m_proposedTtl->currentData();
    const QByteArray pickedFor = m_detailLabel;
    m_proposedTtl->clear();
    m_stage->setEnabled(false);
    const QByteArray label = selectedLabel();
    m_detailLabel = label;
    const bool byRoute = Dimension(m_dimension->currentData().toInt()) == Dimension::Route;
    if (!report || label.isEmpty() || !byRoute) {
        m_routeDetail->setText(byRoute ? tr("Select a route for its lateness, the runs that cost it and the TTL "
                                            "what-if.")
                                       : tr("The lateness and the what-if are per route: choose By: Route."));
        return;
    }
    const QLocale locale;
    const analysis::MissCounts counts = report->anatomy.groups[std::size_t(Dimension::Route)].value(label);
    const QString name = model::displayBytes(label, 120);

    // Lateness histogram.
    auto* set = new QBarSet(tr("expired misses"));
    set->setColor(reasonColors()[std::size_t(MissReason::Expired)]);
    QStringList categories;
    for (int b = 0; b < analysis::latenessBucketCount; ++b) {
        set->append(double(counts.lateness[std::size_t(b)]));
        categories.append(analysis::latenessBucketName(b));
    }
    // Horizontal: the bucket names get the room they need on the left, earliest at the top.
    auto* bars = new QHorizontalBarSeries;
    bars->append(set);
    m_latenessChart->addSeries(bars);
    auto* buckets = new QBarCategoryAxis;
    buckets->append(categories);
    buckets->setReverse(true);
    auto* count = new QValueAxis;
    count->setRange(
        0, std::max<double>(1, double(*std::max_element(counts.lateness.cbegin(), counts.lateness.cend()))));
    count->applyNiceNumbers();
    count->setLabelFormat(u"%.0f"_s);
    m_latenessChart->addAxis(buckets, Qt::AlignLeft);
    m_latenessChart->addAxis(count, Qt::AlignBottom);
    bars->attachAxis(buckets);
    bars->attachAxis(count);
    m_latenessChart->legend()->hide();
    m_latenessChart->setTitle(tr("%1: expired misses by how late they were asked for").arg(name));

    // The what-if curve: hit rate (or misses avoided) and memory against the TTL, the current TTL marked.
    const QList<analysis::TtlWhatIf> rows = report->whatIf(label);
    QStringList needs;
    if (!rows.isEmpty()) {
        const bool rates = std::any_of(rows.cbegin(), rows.cend(), [](const auto& r) { return r.hitRate.has_value(); });
        auto* ttlAxis = new QLogValueAxis;
        ttlAxis->setBase(2);
        ttlAxis->setLabelFormat(u"%.0f s"_s);
        ttlAxis->setRange(double(rows.constFirst().ttlSeconds) / 1.2, double(rows.constLast().ttlSeconds) * 1.2);
        // Units in the legend, not in axis titles: a short chart (1024×640) keeps its tick labels.
        auto* left = new QValueAxis;
        auto* right = new QValueAxis;
        for (QAbstractAxis* axis : {static_cast<QAbstractAxis*>(ttlAxis), static_cast<QAbstractAxis*>(left),
                 static_cast<QAbstractAxis*>(right)}) {
            QFont small = axis->labelsFont();
            small.setPointSizeF(small.pointSizeF() * 0.85);
            axis->setLabelsFont(small);
        }
        left->setTickCount(3);
        right->setTickCount(3);
        auto* line = new QLineSeries;
        line->setName(rates ? tr("hit rate % (left)") : tr("misses avoided (left)"));
        line->setPen(QPen(QColor(0x2e, 0x7d, 0x32), 2.0));
        auto* memory = new QLineSeries;
        memory->setName(tr("extra memory KiB (right)"));
        memory->setPen(QPen(QColor(0x45, 0x5a, 0x64), 1.5, Qt::DashLine));
        auto* current = new QScatterSeries;
        current->setName(tr("the TTL now"));
        current->setMarkerSize(10);
        current->setColor(QColor(0xef, 0x6c, 0x00));
        double leftTop = rates ? 100.0 : 1.0;
        double rightLow = 0;
        double rightTop = 1;
        for (const analysis::TtlWhatIf& row : rows) {
            const std::optional<double> y =
                rates ? (row.hitRate ? std::optional(*row.hitRate * 100.0) : std::nullopt) : row.missesAvoided;
            if (y) {
                line->append(double(row.ttlSeconds), *y);
                leftTop = std::max(leftTop, *y);
                if (row.current)
                    current->append(double(row.ttlSeconds), *y);
            }
            if (row.extraBytes) {
                memory->append(double(row.ttlSeconds), *row.extraBytes / 1024.0);
                rightLow = std::min(rightLow, *row.extraBytes / 1024.0);
                rightTop = std::max(rightTop, *row.extraBytes / 1024.0);
            }
            if (!row.needs.isEmpty() && !needs.contains(row.needs))
                needs.append(row.needs);
            if (!row.current && m_connection && !m_safety.readOnly) {
                m_proposedTtl->addItem(model::describeTtlShort(row.ttlSeconds * 1000), int(row.ttlSeconds));
                m_proposedTtl->setItemData(m_proposedTtl->count() - 1,
                    row.hitRate             ? tr("%1 % hits predicted").arg(locale.toString(*row.hitRate * 100, 'f', 1))
                        : row.missesAvoided ? tr("%L1 misses avoided").arg(qint64(*row.missesAvoided))
                                            : tr("not predicted: needs %1").arg(row.needs),
                    Qt::ToolTipRole);
            }
        }
        left->setRange(0, leftTop);
        left->applyNiceNumbers();
        left->setLabelFormat(u"%.0f"_s);
        right->setRange(rightLow, rightTop);
        right->applyNiceNumbers();
        right->setLabelFormat(u"%.0f"_s);
        m_whatIfChart->addAxis(ttlAxis, Qt::AlignBottom);
        m_whatIfChart->addAxis(left, Qt::AlignLeft);
        m_whatIfChart->addAxis(right, Qt::AlignRight);
        for (QXYSeries* series : {static_cast<QXYSeries*>(line), static_cast<QXYSeries*>(current)}) {
            m_whatIfChart->addSeries(series);
            series->attachAxis(ttlAxis);
            series->attachAxis(left);
        }
        m_whatIfChart->addSeries(memory);
        memory->attachAxis(ttlAxis);
        memory->attachAxis(right);
        m_whatIfChart->setTitle(tr("%1 at other TTLs (if memory holds the entries)").arg(name));
    } else {
        m_whatIfChart->setTitle(tr("%1: no TTL from the rules, no what-if").arg(name));
    }
    const QString rulePath = report->anatomy.routes.value(label).rulePath;
    m_stage->setEnabled(!rulePath.isEmpty() && m_proposedTtl->count() > 0);
    if (const int again = pickedFor == label && picked.isValid() ? m_proposedTtl->findData(picked) : -1; again >= 0)
        m_proposedTtl->setCurrentIndex(again);
    else if (const int doubled = rows.size() == 5 ? m_proposedTtl->findData(int(rows.at(2).ttlSeconds)) : -1;
             doubled >= 0)
        m_proposedTtl->setCurrentIndex(doubled); // 2×: the first step worth trying

    // What cost it: the runs whose deletions it missed, and everyone else.
    QStringList lines;
    qint64 byRuns = 0;
    for (const auto& run : report->anatomy.invalidatedByRuns) {
        const qint64 n = run.missesByRoute.value(label);
        if (n == 0)
            continue;
        byRuns += n;
        lines.append(tr("%L1 after %2's run on %3 (%4)")
                         .arg(n)
                         .arg(model::displayText(run.record.actor, 60), model::displayText(run.record.target, 100),
                             clock(run.record.endedMs)));
    }
    const qint64 invalidated = counts.reasons[std::size_t(MissReason::Invalidated)];
    if (invalidated > byRuns)
        lines.append(tr("%L1 after deletions by other clients (or a run whose record has not come yet)")
                         .arg(invalidated - byRuns));
    QString detail = lines.isEmpty() ? tr("No invalidation cost it a miss.")
                                     : tr("Invalidations that cost it misses: ") + lines.join(u"; "_s) + u'.';
    if (!needs.isEmpty())
        detail += u' ' + tr("Not predicted where it needs %1.").arg(needs.join(tr(", or ")));
    if (!report->statsNote.isEmpty())
        detail += u' ' + tr("Lookups: %1.").arg(model::displayText(report->statsNote));
    m_routeDetail->setText(detail);
}

} // namespace cachescope::ui
