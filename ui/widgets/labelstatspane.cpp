#include "widgets/labelstatspane.h"

#include "charts/clearchart.h"

#include "charts/segmentedseries.h"
#include "itemmodels/labelstatsmodel.h"

#include "cache/statsreader.h"
#include "model/displaybytes.h"
#include "ops/server/ownfootprint.h"
#include "redis/client.h"
#include "redis/connectionhealth.h"

#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QSortFilterProxyModel>
#include <QTableView>
#include <QTime>
#include <QVBoxLayout>

#include <QValueAxis>
#include <optional>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

LabelStatsPane::LabelStatsPane(redis::Client* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_model(new LabelStatsModel(this))
    , m_dimension(new QComboBox(this))
    , m_window(new QComboBox(this))
    , m_note(new QLabel(this))
    , m_table(new QTableView(this))
    , m_footprint(new QLabel(this))
    , m_trendChart(new QChart)
    , m_trendView(new QChartView(m_trendChart, this))
{
    m_dimension->addItem(tr("Route"), int(cache::StatsDimension::Route));
    m_dimension->addItem(tr("Tenant"), int(cache::StatsDimension::Tenant));
    m_dimension->addItem(tr("Venue"), int(cache::StatsDimension::Venue));
    m_dimension->addItem(tr("Namespace"), int(cache::StatsDimension::Namespace));
    m_window->addItem(tr("last minute"), 60);
    m_window->addItem(tr("last 15 minutes"), 15 * 60);
    m_window->addItem(tr("last hour"), 3600);
    m_window->addItem(tr("last 24 hours"), 24 * 3600);
    m_window->addItem(tr("last 7 days"), 7 * 24 * 3600);
    m_window->addItem(tr("last 30 days"), 30 * 24 * 3600);
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(LabelStatsModel::SortRole);
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(LabelStatsModel::LookupsColumn, Qt::DescendingOrder);
    m_table->verticalHeader()->hide();
    // Every column as wide as it needs, the label first: a route is never cut to "GET /ap…ability" (rows must be told
    // apart); in a narrow pane the last figures scroll instead. The last column takes what is left over.
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_note->setWordWrap(true);
    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Hit rate by"), this));
    controls->addWidget(m_dimension);
    controls->addWidget(m_window);
    controls->addWidget(m_note, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_trendView, 1);
    m_trendView->hide();
    m_trendView->setRenderHint(QPainter::Antialiasing);
    m_trendView->setMinimumHeight(160);
    m_trendChart->legend()->hide();
    m_trendChart->setMargins(QMargins(2, 2, 2, 2));
    m_table->setToolTip(tr("Click a row to chart its hit rate over the window"));
    connect(m_table, &QTableView::clicked, this, [this](const QModelIndex& index) {
        const QByteArray label =
            index.siblingAtColumn(LabelStatsModel::LabelColumn).data(LabelStatsModel::LabelRole).toByteArray();
        showTrend(label == m_trendLabel ? QByteArray() : label); // a second click on the same row closes it
    });
    layout->addWidget(m_footprint);
    m_footprint->setWordWrap(true);
    m_footprint->setText(tr("CacheScope's own keys in this Redis: not measured yet."));
    m_footprintExplained = (tr("Stats in bounded tiers (1 s for an hour, 1 min for a day, 1 h and 1 day for 30 days, "
                               "the busiest labels by name and the rest as (other)), tag indexes, the audit stream "
                               "and the route config. Measured with SCAN and MEMORY USAGE, which do not count as "
                               "keyspace hits or misses. cachectl stats --footprint prints the same."));
    m_footprint->setToolTip(m_footprintExplained);
    connect(&m_footprintTimer, &QTimer::timeout, this, &LabelStatsPane::measureFootprint);
    m_footprintTimer.start(10 * 60 * 1000);
    connect(m_dimension, &QComboBox::currentIndexChanged, this, &LabelStatsPane::refresh);
    connect(m_window, &QComboBox::currentIndexChanged, this, &LabelStatsPane::refresh);
    connect(&m_timer, &QTimer::timeout, this, [this] {
        if (!m_paused)
            refresh();
    });
    m_timer.start(5000);
}

void LabelStatsPane::measureFootprint()
{
    if (!m_connection || m_measuring || !m_connection->isReady())
        return;
    m_measuring = true;
    if (!m_measuredOnce) // the first figure is often taken before anything was written: look again soon
        QTimer::singleShot(30000, this, &LabelStatsPane::measureFootprint);
    m_measuredOnce = true;
    const auto show = [this](const ops::OwnFootprint& footprint) {
        m_measuring = false;
        const QString at = QTime::currentTime().toString(u"HH:mm"_s);
        // One line, whatever the width: the breakdown by kind is in the tooltip.
        const QLocale locale;
        const std::optional<double> ratio = footprint.tagIndexRatio();
        m_footprint->setText(
            tr("CacheScope's own keys in this Redis: %L1, %2%3 (measured %4%5)")
                .arg(footprint.keys)
                .arg(locale.formattedDataSize(footprint.bytes),
                    ratio ? tr("; tag indexes %1× the entries").arg(locale.toString(*ratio, 'f', 2)) : QString(), at,
                    footprint.error.isEmpty() ? QString() : tr("; incomplete: %1").arg(footprint.error)));
        const QString ratioText = footprint.tagIndexRatioText();
        m_footprint->setToolTip(footprint.summary() + (ratioText.isEmpty() ? QString() : u"\n"_s + ratioText)
            + u"\n\n"_s + m_footprintExplained);
        m_footprintAt = QDateTime::currentDateTime();
        Q_EMIT footprintMeasured();
    };
    // Every ten minutes, and the tree's rescans bring every key over anyway: the ratio costs no more here.
    ops::measureOwnFootprint(*m_connection, this, show, ops::FootprintScope::WithGatewayEntries);
}

void LabelStatsPane::setConnectionLost(const QString& why)
{
    m_lostWhy = why;
    showStaleness();
}

void LabelStatsPane::setConnectionLive()
{
    m_lostWhy.clear();
    showStaleness();
}

void LabelStatsPane::showStaleness()
{
    const bool stale = !m_lostWhy.isEmpty();
    QPalette palette;
    if (stale)
        palette.setColor(QPalette::Text, palette.color(QPalette::Disabled, QPalette::Text));
    m_table->setPalette(palette);
    m_footprint->setEnabled(!stale);
    if (!stale) {
        if (!m_noteText.isEmpty())
            m_note->setText(m_noteText);
        return;
    }
    m_note->setText(tr("Last known, read %1 · %2")
                        .arg(m_readAt.isValid() ? m_readAt.toString(u"HH:mm:ss"_s) : tr("never"), m_lostWhy));
    m_note->setToolTip(m_noteText);
}

QString LabelStatsPane::noteText() const
{
    return m_note->text();
}

void LabelStatsPane::setAlerts(const QList<cache::HitRateAlert>& alerts)
{
    m_alerts = alerts;
    applyAlerts();
}

void LabelStatsPane::applyAlerts()
{
    QHash<QByteArray, QString> flagged;
    for (const cache::HitRateAlert& alert : std::as_const(m_alerts)) {
        if (alert.dimension == dimension())
            flagged.insert(alert.label, alert.summary());
    }
    m_model->setAlerts(flagged);
}

cache::StatsDimension LabelStatsPane::dimension() const
{
    return cache::StatsDimension(m_dimension->currentData().toInt());
}

void LabelStatsPane::showLabel(cache::StatsDimension dimension, const QByteArray& label, qint64 windowSeconds)
{
    m_trendLabel = label; // before the refreshes the changes below start, which chart and select it
    if (windowSeconds > 0 && m_window->findData(windowSeconds) >= 0)
        m_window->setCurrentIndex(m_window->findData(windowSeconds));
    m_dimension->setCurrentIndex(m_dimension->findData(int(dimension)));
    applyAlerts();
    showTrend(label);
    selectTrendRow();
}

void LabelStatsPane::selectTrendRow()
{
    if (m_trendLabel.isEmpty())
        return;
    const QModelIndexList found = m_table->model()->match(m_table->model()->index(0, LabelStatsModel::LabelColumn),
        LabelStatsModel::LabelRole, m_trendLabel, 1, Qt::MatchExactly);
    if (found.isEmpty())
        return;
    m_table->selectRow(found.first().row());
    m_table->scrollTo(found.first());
}

void LabelStatsPane::showTrend(const QByteArray& label)
{
    m_trendLabel = label;
    drawTrend();
}

QList<QList<QPointF>> LabelStatsPane::trendSegments() const
{
    return m_trendSegments;
}

void LabelStatsPane::drawTrend()
{
    clearChart(m_trendChart);
    m_trendSegments.clear();
    m_trendView->setVisible(!m_trendLabel.isEmpty());
    if (m_trendLabel.isEmpty())
        return;
    const cache::StatsWindow& window = m_model->window();
    // Consecutive buckets with lookups make one line; a bucket missing or without lookups breaks it: a real gap,
    // not a straight line across an idle stretch.
    QList<std::pair<double, std::optional<double>>> points;
    for (const auto& [start, counters] : window.trend(m_trendLabel)) {
        const auto rate = cache::hitRate(counters);
        points.append({double(start) * 1000.0, rate ? std::optional<double>(*rate * 100.0) : std::nullopt});
    }
    m_trendSegments = splitIntoRuns(points, double(window.bucketSeconds) * 1000.0);
    auto* time = new QDateTimeAxis;
    time->setFormat(window.seconds > 3600 ? u"dd MMM HH:mm"_s : u"HH:mm:ss"_s);
    time->setRange(QDateTime::fromSecsSinceEpoch(window.from), QDateTime::fromSecsSinceEpoch(window.to));
    time->setTickCount(5);
    auto* percent = new QValueAxis;
    percent->setRange(0, 100);
    percent->setTickCount(5);
    percent->setLabelFormat(u"%d %%"_s);
    m_trendChart->addAxis(time, Qt::AlignBottom);
    m_trendChart->addAxis(percent, Qt::AlignLeft);
    SegmentedSeries line(m_trendChart, tr("hit rate %"), QPen(QColor(0x2e, 0x7d, 0x32), 2.0), {time, percent});
    line.setInLegend(false); // the title says what it is
    line.setSegments(m_trendSegments);
    m_trendChart->setTitle(tr("Hit rate of %1, %2%3")
                               .arg(model::displayBytes(m_trendLabel, 120), window.describe(),
                                   m_trendSegments.isEmpty() ? tr(": no lookups in this window") : QString()));
}

void LabelStatsPane::setPaused(bool paused)
{
    m_paused = paused;
}

void LabelStatsPane::refresh()
{
    if (!m_connection || m_loading || !m_connection->isReady())
        return;
    if (!m_measuredOnce)
        measureFootprint();
    m_loading = true;
    const auto dimension = cache::StatsDimension(m_dimension->currentData().toInt());
    cache::readStatsWindow(*m_connection, dimension, m_window->currentData().toLongLong(), this,
        [this](std::optional<cache::StatsWindow> window, const QString& error) {
            m_loading = false;
            if (!window) {
                m_note->setText(tr("Could not read stats: %1").arg(error));
                return;
            }
            const auto shownDimension = cache::StatsDimension(m_dimension->currentData().toInt());
            if (m_lastWindow && m_lastDimension == shownDimension && m_lastWindow->seconds == window->seconds) {
                if (const auto lost = cache::statsLostBetween(*m_lastWindow, *window))
                    m_statsLostUpTo = std::max(m_statsLostUpTo, *lost);
            } else {
                m_statsLostUpTo = 0;
            }
            if (m_statsLostUpTo <= window->from)
                m_statsLostUpTo = 0; // the window no longer reaches back to what was lost
            m_lastWindow = *window;
            m_lastDimension = shownDimension;
            m_model->setWindow(*window);
            applyAlerts();
            selectTrendRow();
            drawTrend();
            m_readAt = QDateTime::currentDateTime();
            m_noteText = window->byLabel.isEmpty()
                ? tr("No CacheScope-instrumented traffic in this window (cachesim or services using core record it).")
                : window->describe();
            if (m_statsLostUpTo > 0)
                m_noteText = tr("The server lost the stats written before %1 (a restart without persistence, or their "
                                "keys deleted): the figures cover only what came after. ")
                                 .arg(QDateTime::fromSecsSinceEpoch(m_statsLostUpTo).toString(u"HH:mm:ss"_s))
                    + m_noteText;
            m_note->setText(m_noteText);
            showStaleness();
            Q_EMIT refreshed();
        });
}

} // namespace cachescope::ui
