#include "widgets/serverpane.h"

#include "charts/clearchart.h"

#include "itemmodels/slowlogmodel.h"

#include "ops/slowlog.h"
#include "redis/client.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalBarSeries>
#include <QLabel>
#include <QLocale>
#include <QPlainTextEdit>
#include <QPushButton>
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
    auto* body = new QSplitter(Qt::Vertical, this);
    body->addWidget(m_table);
    body->addWidget(m_chartView);
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

    // The commands with the slowest p99, each with its p50 beside it.
    m_charted.clear();
    for (const ops::CommandLatency& command : report.commands) {
        if (m_charted.size() >= chartedCommandCount)
            break;
        if (command.p99Us)
            m_charted.append({command.command + (cluster ? u" · "_s + command.node.section(u' ', 0, 0) : QString()),
                {command.p50Us.value_or(0), *command.p99Us}});
    }
    clearChart(m_chart);
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
