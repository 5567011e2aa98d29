#include "widgets/serverpane.h"

#include "charts/clearchart.h"

#include "itemmodels/slowlogmodel.h"

#include "ops/server/slowlog.h"
#include "redis/client.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDateTimeAxis>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLineSeries>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScatterSeries>
#include <QSignalBlocker>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

namespace {
constexpr int shownSlowLogEntries = 128;
constexpr int chartedCommandCount = 6;
} // namespace

ServerPane::ServerPane(redis::Client* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_slowLog(new SlowLogModel(this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
    , m_status(new QLabel(this))
    , m_table(new QTableView(this))
    , m_events(new QPlainTextEdit(this))
    , m_chartChoice(new QComboBox(this))
    , m_chart(new QChart)
    , m_chartView(new QChartView(m_chart, this))
{
    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_slowLog);
    proxy->setSortRole(SlowLogModel::SortRole);
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(SlowLogModel::TimeColumn, Qt::DescendingOrder);
    m_table->verticalHeader()->hide();
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(SlowLogModel::CommandColumn, QHeaderView::Stretch);
    // The command is what matters: the client and node get a fixed share, elided (the tooltip has them whole).
    m_table->horizontalHeader()->setSectionResizeMode(SlowLogModel::ClientColumn, QHeaderView::Interactive);
    m_table->horizontalHeader()->setSectionResizeMode(SlowLogModel::NodeColumn, QHeaderView::Interactive);
    m_table->horizontalHeader()->resizeSection(SlowLogModel::ClientColumn, 150);
    m_table->horizontalHeader()->resizeSection(SlowLogModel::NodeColumn, 150);
    m_events->setReadOnly(true);
    m_events->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_events->setMaximumHeight(m_events->fontMetrics().height() * 5 + 12);
    m_status->setWordWrap(true);
    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(160);
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    m_chart->legend()->hide();

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("Slow log and latency, as the server records them"), this), 1);
    controls->addWidget(m_refresh);
    // Which chart: above it, so that the title row keeps its room at any width.
    auto* chartArea = new QWidget(this);
    auto* chartLayout = new QVBoxLayout(chartArea);
    chartLayout->setContentsMargins(0, 0, 0, 0);
    auto* chartControls = new QHBoxLayout;
    chartControls->addWidget(new QLabel(tr("Chart:"), chartArea));
    chartControls->addWidget(m_chartChoice);
    chartControls->addStretch(1);
    chartLayout->addLayout(chartControls);
    chartLayout->addWidget(m_chartView, 1);
    m_chartChoice->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    m_chartChoice->setToolTip(tr("The commands' p99 (INFO latencystats), or the history of a latency monitor "
                                 "event (LATENCY HISTORY: each spike above the threshold, up to the last 160)"));
    m_chartChoice->addItem(tr("Command p99"));
    connect(m_chartChoice, &QComboBox::currentIndexChanged, this, &ServerPane::drawChart);
    auto* body = new QSplitter(Qt::Vertical, this);
    body->addWidget(m_table);
    body->addWidget(chartArea);
    body->setSizes({300, 220});
    body->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_status);
    layout->addWidget(body, 1);
    layout->addWidget(new QLabel(tr("Latency monitor events"), this));
    layout->addWidget(m_events);
    connect(m_refresh, &QPushButton::clicked, this, &ServerPane::refresh);
    m_status->setText(tr("Not read yet."));
}

QString ServerPane::eventsText() const
{
    return m_events->toPlainText();
}

void ServerPane::refresh()
{
    if (!m_connection || m_pending > 0)
        return;
    m_pending = 2;
    m_refresh->setEnabled(false);
    const auto done = [this] {
        if (--m_pending > 0)
            return;
        m_refresh->setEnabled(true);
        QString status = tr("%L1 slow log entries (the newest %L2 of each node); read %3")
                             .arg(m_slowLog->rowCount())
                             .arg(shownSlowLogEntries)
                             .arg(QLocale().toString(QTime::currentTime(), u"HH:mm:ss"_s));
        for (const QString& error : {m_slowLog->log().error, m_latency.error}) {
            if (!error.isEmpty())
                status += u" · "_s + error;
        }
        m_status->setText(status);
        Q_EMIT refreshed();
    };
    ops::readSlowLog(*m_connection, shownSlowLogEntries, this, [this, done](const ops::SlowLog& log) {
        m_slowLog->setLog(log);
        m_table->setColumnHidden(SlowLogModel::NodeColumn, log.nodes.size() <= 1); // one server: always the same
        done();
    });
    ops::readLatency(*m_connection, this, [this, done](const ops::LatencyReport& report) {
        showLatency(report);
        done();
    });
}

void ServerPane::showLatency(const ops::LatencyReport& report)
{
    m_latency = report;
    QStringList lines;
    if (!report.monitorThresholdMs)
        lines << tr("The monitor's threshold is unknown (CONFIG GET refused).");
    else if (*report.monitorThresholdMs == 0)
        lines << tr("The latency monitor is off (latency-monitor-threshold 0): no events are recorded.");
    const bool cluster = report.nodes.size() > 1;
    for (const ops::LatencyEvent& event : report.events) {
        lines << tr("%1: latest %L2 ms at %3, max %L4 ms, %L5 samples%6")
                     .arg(event.event)
                     .arg(event.latestMs)
                     .arg(QLocale().toString(event.latestAt.toLocalTime().time(), u"HH:mm:ss"_s))
                     .arg(event.maxMs)
                     .arg(event.history.size())
                     .arg(cluster ? u" · "_s + event.node : QString());
    }
    if (report.events.isEmpty() && report.monitorThresholdMs.value_or(0) > 0)
        lines << tr("No event above %L1 ms recorded.").arg(*report.monitorThresholdMs);
    m_events->setPlainText(lines.join(u'\n'));

    // The charted choice survives a refresh when its event is still there (by name and node).
    const QString chosen = m_chartChoice->currentIndex() > 0 ? m_chartChoice->currentData().toString() : QString();
    {
        const QSignalBlocker quiet(m_chartChoice);
        while (m_chartChoice->count() > 1)
            m_chartChoice->removeItem(1);
        for (const ops::LatencyEvent& event : report.events) {
            const QString id = event.event + u'\n' + event.node;
            m_chartChoice->addItem(
                tr("History: %1").arg(event.event) + (cluster ? u" · "_s + event.node : QString()), id);
            if (id == chosen)
                m_chartChoice->setCurrentIndex(m_chartChoice->count() - 1);
        }
        if (!chosen.isEmpty() && m_chartChoice->currentData().toString() != chosen)
            m_chartChoice->setCurrentIndex(0);
    }
    // The commands with the slowest p99, each with its p50 beside it.
    m_charted.clear();
    for (const ops::CommandLatency& command : report.commands) {
        if (m_charted.size() >= chartedCommandCount)
            break;
        if (command.p99Us)
            m_charted.append({command.command + (cluster ? u" · "_s + command.node.section(u' ', 0, 0) : QString()),
                {command.p50Us.value_or(0), *command.p99Us}});
    }
    drawChart();
}

void ServerPane::drawChart()
{
    const int choice = m_chartChoice->currentIndex();
    if (choice > 0 && choice - 1 < m_latency.events.size())
        drawHistory(m_latency.events.at(choice - 1));
    else
        drawCommands();
}

void ServerPane::drawHistory(const ops::LatencyEvent& event)
{
    clearChart(m_chart);
    m_chartedHistory = event.history;
    if (event.history.isEmpty())
        return;
    // Each sample is one spike: points joined by a line, so that a burst reads as one, and a point alone still shows.
    auto* line = new QLineSeries;
    auto* points = new QScatterSeries;
    points->setMarkerSize(7);
    const QColor colour(0xc6, 0x28, 0x28);
    line->setColor(colour);
    points->setColor(colour);
    points->setBorderColor(colour);
    qint64 largest = 0;
    for (const auto& [at, ms] : event.history) {
        line->append(double(at.toMSecsSinceEpoch()), double(ms));
        points->append(double(at.toMSecsSinceEpoch()), double(ms));
        largest = std::max(largest, ms);
    }
    m_chart->addSeries(line);
    m_chart->addSeries(points);
    auto* time = new QDateTimeAxis;
    const QDateTime first = event.history.first().first.toLocalTime();
    const QDateTime last = event.history.last().first.toLocalTime();
    // A single sample, or samples within a second, still get an axis wide enough to read.
    time->setRange(first.addSecs(-30), last.addSecs(30));
    time->setFormat(first.secsTo(last) > 20 * 3600 ? u"dd MMM HH:mm"_s : u"HH:mm:ss"_s);
    time->setTickCount(5);
    auto* millis = new QValueAxis;
    millis->setRange(0, double(largest) * 1.15);
    millis->applyNiceNumbers();
    millis->setLabelFormat(u"%.0f"_s);
    millis->setTitleText(tr("ms"));
    m_chart->setTitle(tr("%1: each spike over the threshold (LATENCY HISTORY)").arg(event.event));
    QFont small = millis->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    millis->setLabelsFont(small);
    time->setLabelsFont(small);
    m_chart->addAxis(time, Qt::AlignBottom);
    m_chart->addAxis(millis, Qt::AlignLeft);
    for (QAbstractSeries* series : {static_cast<QAbstractSeries*>(line), static_cast<QAbstractSeries*>(points)}) {
        series->attachAxis(time);
        series->attachAxis(millis);
    }
}

void ServerPane::drawCommands()
{
    clearChart(m_chart);
    m_chart->setTitle(QString());
    m_chartedHistory.clear();
    if (m_charted.isEmpty())
        return;
    // p99 alone, each bar labelled with its value: one slow command dwarfs the rest, whose figures still read.
    auto* series = new QHorizontalBarSeries;
    auto* p99 = new QBarSet(tr("p99"));
    p99->setColor(QColor(0xef, 0x6c, 0x00));
    QStringList names;
    double largest = 0;
    for (auto it = m_charted.crbegin(); it != m_charted.crend(); ++it) { // slowest at the top
        names << it->first;
        *p99 << it->second.second;
        largest = std::max(largest, it->second.second);
    }
    series->append(p99);
    series->setLabelsVisible(true);
    series->setLabelsFormat(u"@value µs"_s);
    series->setLabelsPosition(QAbstractBarSeries::LabelsInsideBase);
    p99->setLabelColor(Qt::black);
    m_chart->addSeries(series);
    auto* commands = new QBarCategoryAxis;
    commands->append(names);
    auto* micros = new QValueAxis;
    micros->setRange(0, largest);
    micros->applyNiceNumbers();
    micros->setTitleText(tr("p99 in µs (INFO latencystats), slowest first"));
    micros->setLabelFormat(u"%.0f"_s);
    QFont small = commands->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    commands->setLabelsFont(small);
    commands->setTruncateLabels(false); // laid out before the tab has its size, they would stay "…"
    micros->setLabelsFont(small);
    m_chart->addAxis(commands, Qt::AlignLeft);
    m_chart->addAxis(micros, Qt::AlignBottom);
    series->attachAxis(commands);
    series->attachAxis(micros);
}

} // namespace cachescope::ui
