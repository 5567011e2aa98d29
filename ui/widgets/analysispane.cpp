#include "widgets/analysispane.h"

#include "charts/clearchart.h"

#include "charts/ttlbardelegate.h"
#include "itemmodels/analysismodel.h"

#include "analysis/analysishitrates.h"
#include "analysis/snapshotstore.h"
#include "model/displaybytes.h"
#include "model/ttltext.h"
#include "redis/client.h"

#include <QBarCategoryAxis>
#include <QBarSet>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QHorizontalStackedBarSeries>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLegendMarker>
#include <QLocale>
#include <QMenu>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSaveFile>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>
#include <QValueAxis>

#include <algorithm>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using analysis::Dimension;

namespace {
constexpr int chartedGroupCount = 8;
constexpr int groupColumnWidth = 190;
} // namespace

AnalysisPane::AnalysisPane(redis::Client* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_model(new AnalysisModel(this))
    , m_start(new QPushButton(tr("Analyze keyspace"), this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_by(new QComboBox(this))
    , m_sample(new QComboBox(this))
    , m_snapshots(new QToolButton(this))
    , m_scope(new QLabel(this))
    , m_status(new QLabel(this))
    , m_progress(new QProgressBar(this))
    , m_table(new QTableView(this))
    , m_chart(new QChart)
    , m_chartView(new QChartView(m_chart, this))
    , m_bottom(new QTabWidget(this))
    , m_detail(new QPlainTextEdit(this))
{
    m_by->addItem(tr("by route"), int(Dimension::Route));
    m_by->addItem(tr("by tenant"), int(Dimension::Tenant));
    m_by->addItem(tr("by venue"), int(Dimension::Venue));
    m_by->addItem(tr("by namespace"), int(Dimension::Namespace));
    m_sample->addItem(tr("every key"), 1);
    m_sample->addItem(tr("1 key in 10"), 10);
    m_sample->addItem(tr("1 key in 100"), 100);
    m_sample->addItem(tr("1 key in 1,000"), 1000);
    m_sample->setToolTip(tr("Keys whose memory and TTL are measured; every key is still counted. A sample states "
                            "its error (95 %)."));
    m_snapshots->setText(tr("Snapshots"));
    m_snapshots->setPopupMode(QToolButton::InstantPopup);
    m_snapshots->setMenu(new QMenu(m_snapshots));
    connect(m_snapshots->menu(), &QMenu::aboutToShow, this, &AnalysisPane::fillSnapshotMenu);
    m_start->setToolTip(tr("SCAN, then MEMORY USAGE and PTTL per key (no writes; the PTTL lookups are left out of "
                           "the charts). A node of the key tree can be analysed from its context menu."));
    m_cancel->setEnabled(false);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->setMaximumHeight(6);
    m_status->setWordWrap(true);
    m_status->setObjectName(u"analysisStatus"_s);
    m_scope->setText(tr("Whole keyspace"));

    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(AnalysisModel::SortRole);
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(m_model->columnOf(AnalysisModel::MemoryColumn), Qt::DescendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->setItemDelegate(new TtlBarDelegate(AnalysisModel::TtlSharesRole, this)); // draws the "when freed" cells
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height() + 8);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(AnalysisModel::GroupColumn, QHeaderView::Interactive);
    m_table->horizontalHeader()->resizeSection(AnalysisModel::GroupColumn, groupColumnWidth);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, [this] {
        updateDetail();
        if (m_table->currentIndex().isValid())
            m_bottom->setCurrentWidget(m_detail); // a row chosen: its keys, which is what was asked for
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_table->horizontalHeader()->resizeSection(AnalysisModel::GroupColumn, groupColumnWidth);
        updateDetail();
        if (!m_table->currentIndex().isValid())
            m_bottom->setCurrentWidget(m_chartView); // nothing selected any more: the overview
    });

    m_chartView->setRenderHint(QPainter::Antialiasing);
    m_chartView->setMinimumHeight(180);
    m_chart->setMargins(QMargins(2, 2, 2, 2));
    // Legend at the side and no title (the tab names the chart): the bars' labels need the height at 640 px.
    m_chart->legend()->setAlignment(Qt::AlignRight);
    m_detail->setReadOnly(true);
    m_detail->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_detail->setPlaceholderText(tr("Select a group: its biggest keys and its most varied parameters."));

    auto* controls = new QHBoxLayout;
    controls->addWidget(m_start);
    controls->addWidget(m_cancel);
    controls->addWidget(m_sample);
    controls->addWidget(m_by);
    controls->addStretch(1);
    controls->addWidget(m_snapshots);
    m_bottom->addTab(m_chartView, tr("Largest groups, by when their memory is freed"));
    m_bottom->addTab(m_detail, tr("Selected group"));
    m_bottom->setDocumentMode(true);
    auto* body = new QSplitter(Qt::Vertical, this);
    body->addWidget(m_table);
    body->addWidget(m_bottom);
    body->setSizes({380, 240});
    body->setChildrenCollapsible(false);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(m_scope);
    layout->addWidget(m_progress);
    layout->addWidget(m_status);
    layout->addWidget(body, 1);

    connect(m_start, &QPushButton::clicked, this, [this] { analyze(); });
    connect(m_cancel, &QPushButton::clicked, this, &AnalysisPane::cancel);
    connect(m_by, &QComboBox::currentIndexChanged, this, [this] {
        m_model->setDimension(Dimension(m_by->currentData().toInt()));
        updateChart();
    });
    updateStatus();
    updateButtons();
}

AnalysisPane::~AnalysisPane() = default;

bool AnalysisPane::isRunning() const
{
    return m_analysis && m_analysis->isRunning();
}

void AnalysisPane::setRoutes(const model::RouteConfig& routes)
{
    m_routes = routes;
}

void AnalysisPane::analyze(const std::optional<ops::KeySelection>& selection)
{
    if (!m_connection)
        return;
    if (!m_ownClient) {
        m_ownClient = redis::Client::create(m_connection->options());
        m_ownClient->open();
    }
    analysis::KeyspaceAnalysis::Options options;
    options.sampleEvery = m_sample->currentData().toInt();
    options.routes = m_routes;
    if (selection) {
        options.match = selection->scanPattern;
        options.accepts = selection->accepts;
        options.scope = selection->description;
    }
    m_scope->setText(selection ? tr("Analysing %1").arg(selection->description) : tr("Whole keyspace"));
    m_analysis = std::make_unique<analysis::KeyspaceAnalysis>(m_ownClient.get(), options);
    connect(m_analysis.get(), &analysis::KeyspaceAnalysis::progressed, this, &AnalysisPane::onProgress);
    connect(m_analysis.get(), &analysis::KeyspaceAnalysis::finished, this, &AnalysisPane::onFinished);
    m_message.clear();
    m_clock.start();
    m_analysis->start();
    m_model->setReport(m_analysis->report(), false);
    updateStatus();
    updateChart();
    updateButtons();
}

void AnalysisPane::cancel()
{
    if (isRunning())
        m_analysis->cancel();
}

void AnalysisPane::onProgress()
{
    if (!m_analysis || !m_analysis->isRunning())
        return; // the last figures come with finished()
    m_model->setReport(m_analysis->report(), true);
    updateStatus();
    updateChart();
}

void AnalysisPane::onFinished()
{
    const analysis::AnalysisReport finished = m_analysis->report();
    if (!finished.complete || !m_ownClient) {
        m_model->setReport(finished, true);
        updateStatus();
        updateChart();
        updateButtons();
        Q_EMIT this->finished();
        return;
    }
    // The last hour's hit rates, to show beside the memory and to keep in a snapshot.
    auto report = std::make_shared<analysis::AnalysisReport>(finished);
    analysis::attachHitRates(*m_ownClient, *report, this, [this, report](const QString&) {
        m_model->setReport(*report, true);
        updateStatus();
        updateChart();
        updateDetail();
        updateButtons();
        Q_EMIT this->finished();
    });
}

QString AnalysisPane::statusText() const
{
    return m_status->text();
}

QString AnalysisPane::detailText() const
{
    return m_detail->toPlainText();
}

void AnalysisPane::updateStatus()
{
    const QLocale locale;
    const analysis::AnalysisReport& report = m_model->report();
    QString text;
    if (!m_analysis) {
        text = tr("Not analysed yet. \"Analyze keyspace\" measures every key's memory and TTL (or a sample of keys) "
                  "and groups them as the key tree does.");
    } else if (m_analysis->isRunning()) {
        const double fraction = report.scannedFraction();
        text = tr("Analysing… %L1 keys counted, %L2 measured").arg(report.total.keys).arg(report.total.measured);
        if (fraction > 0)
            text += tr(" (≈ %1 % of %L2 keys); the figures are projected, with their error")
                        .arg(qRound(100 * fraction))
                        .arg(report.keyspaceSize);
        m_progress->setRange(0, fraction > 0 ? 1000 : 0);
        m_progress->setValue(int(1000 * fraction));
    } else if (report.complete) {
        text = tr("%L1 keys, %2 in %3 s")
                   .arg(report.total.keys)
                   .arg(analysis::describeBytesEstimate(report.bytesEstimate(report.total)))
                   .arg(locale.toString(double(report.startedAt.msecsTo(report.finishedAt)) / 1000, 'f', 1));
        text += report.sampleEvery > 1
            ? tr(", 1 key in %L1 measured (memory ± its 95 % interval)").arg(report.sampleEvery)
            : tr(", every key measured");
        const auto keys = [](qint64 count) { return count == 1 ? tr("1 key") : tr("%L1 keys").arg(count); };
        if (report.unmeasured > 0)
            text += tr("; %1 gone before they could be measured").arg(keys(report.unmeasured));
        if (report.total.persistentAgainstRules > 0)
            text += tr("; %1 without the TTL the rules give").arg(keys(report.total.persistentAgainstRules));
        text += tr(" · finished %1").arg(QLocale().toString(report.finishedAt.toLocalTime().time(), u"HH:mm:ss"_s));
        m_progress->setRange(0, 1000);
        m_progress->setValue(1000);
    } else {
        text = tr("Stopped after %L1 keys: %2. The figures are what was counted by then.")
                   .arg(report.total.keys)
                   .arg(report.error);
        m_progress->setRange(0, 1000);
        m_progress->setValue(0);
    }
    if (!m_comparedWith.isEmpty())
        text += tr(" · compared with \"%1\"").arg(m_comparedWith);
    if (!m_message.isEmpty())
        text += u" · "_s + m_message;
    m_status->setText(text);
}

void AnalysisPane::updateButtons()
{
    const bool running = isRunning();
    m_start->setEnabled(!running);
    m_cancel->setEnabled(running);
    m_sample->setEnabled(!running);
}

QList<std::pair<QString, QList<double>>> AnalysisPane::chartedGroups() const
{
    const analysis::AnalysisReport& report = m_model->report();
    QList<std::pair<double, QByteArray>> largest;
    const auto& groups = report.by(m_model->dimension());
    for (auto it = groups.cbegin(); it != groups.cend(); ++it)
        largest.append({report.bytesEstimate(*it).value, it.key()});
    std::sort(largest.begin(), largest.end(),
        [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    QList<std::pair<QString, QList<double>>> charted;
    for (qsizetype i = 0; i < std::min<qsizetype>(chartedGroupCount, largest.size()); ++i) {
        QList<double> buckets;
        const analysis::GroupFigures& group = groups[largest.at(i).second];
        for (int b = 0; b < analysis::ttlBucketCount; ++b)
            buckets.append(report.ttlBytesEstimate(group, analysis::TtlBucket(b)));
        charted.append({model::displayBytes(largest.at(i).second, 48), buckets});
    }
    return charted;
}

void AnalysisPane::updateChart()
{
    const auto charted = chartedGroups();
    clearChart(m_chart);
    if (charted.isEmpty())
        return;
    // Bytes in the unit of the largest bar, so the axis reads "MiB" and not millions.
    double largest = 0;
    for (const auto& [label, buckets] : charted) {
        double sum = 0;
        for (double bytes : buckets)
            sum += bytes;
        largest = std::max(largest, sum);
    }
    const std::array<std::pair<const char*, double>, 4> units {
        {{"bytes", 1}, {"KiB", 1024.0}, {"MiB", 1024.0 * 1024}, {"GiB", 1024.0 * 1024 * 1024}}};
    auto unit = units[0];
    for (const auto& candidate : units) {
        if (largest >= candidate.second)
            unit = candidate;
    }
    auto* series = new QHorizontalStackedBarSeries;
    const QStringList bucketNames {tr("freed ≤ 1 h"), tr("≤ 4 h"), tr("≤ 24 h"), tr("later"), tr("never")};
    QStringList categories;
    for (auto it = charted.crbegin(); it != charted.crend(); ++it) // largest at the top
        categories.append(it->first);
    for (int b = 0; b < analysis::ttlBucketCount; ++b) {
        auto* set = new QBarSet(bucketNames.at(b));
        set->setColor(ttlBucketColors()[std::size_t(b)]);
        for (auto it = charted.crbegin(); it != charted.crend(); ++it)
            set->append(it->second.at(b) / unit.second);
        series->append(set);
    }
    m_chart->addSeries(series);
    auto* groupsAxis = new QBarCategoryAxis;
    groupsAxis->append(categories);
    auto* bytesAxis = new QValueAxis;
    bytesAxis->setTitleText(QString::fromLatin1(unit.first));
    bytesAxis->setRange(0, largest / unit.second);
    bytesAxis->applyNiceNumbers();
    bytesAxis->setLabelFormat(bytesAxis->max() < 10 ? u"%.1f"_s : u"%.0f"_s);
    m_chart->addAxis(groupsAxis, Qt::AlignLeft);
    m_chart->addAxis(bytesAxis, Qt::AlignBottom);
    series->attachAxis(groupsAxis);
    series->attachAxis(bytesAxis);
    QFont small = groupsAxis->labelsFont();
    small.setPointSizeF(small.pointSizeF() * 0.85);
    groupsAxis->setLabelsFont(small);
    groupsAxis->setTruncateLabels(false); // truncated, every group read "…": a bar must say whose memory it is
    bytesAxis->setLabelsFont(small);
}

void AnalysisPane::updateDetail()
{
    const QModelIndex current = m_table->currentIndex();
    const auto* proxy = static_cast<QSortFilterProxyModel*>(m_table->model());
    const int row = current.isValid() ? proxy->mapToSource(current).row() : -1;
    const analysis::GroupFigures* group = m_model->groupAt(row);
    if (!group) {
        m_detail->clear();
        return;
    }
    const QLocale locale;
    QString text =
        model::displayBytes(m_model->data(m_model->index(row, 0), AnalysisModel::LabelRole).toByteArray()) + u"\n"_s;
    text += tr("Biggest keys (of %L1 measured):\n").arg(group->measured);
    for (const analysis::BigKey& big : group->biggest)
        text += u"  %1  %2  %3\n"_s.arg(locale.formattedDataSize(big.bytes).rightJustified(10),
            (big.pttlMs < -2 ? u"–"_s : model::describeTtlShort(big.pttlMs)).rightJustified(9),
            model::displayBytes(big.key, 160));
    if (!group->variants.isEmpty()) {
        QList<std::pair<qint64, QByteArray>> varied;
        for (auto it = group->variants.cbegin(); it != group->variants.cend(); ++it)
            varied.append({it->count, it.key()});
        std::sort(varied.begin(), varied.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        text += tr("Distinct values per vary-by parameter:\n");
        for (const auto& [count, parameter] : varied)
            text += u"  %1  %2\n"_s.arg(locale.toString(count).rightJustified(10), model::displayBytes(parameter, 60));
    }
    m_detail->setPlainText(text);
}

bool AnalysisPane::saveSnapshot(const QString& name)
{
    QString error;
    if (!m_model->report().complete) {
        m_message = tr("only a finished analysis can be saved");
    } else if (analysis::SnapshotStore().save(name, m_model->report(), &error)) {
        m_message = tr("saved as \"%1\"").arg(name);
        updateStatus();
        return true;
    } else {
        m_message = error;
    }
    updateStatus();
    return false;
}

bool AnalysisPane::compareWith(const QString& name)
{
    if (name.isEmpty()) {
        m_comparedWith.clear();
        m_model->setComparison(std::nullopt);
        m_table->sortByColumn(m_model->columnOf(AnalysisModel::MemoryColumn), Qt::DescendingOrder);
        updateStatus();
        return true;
    }
    QString error;
    auto earlier = analysis::SnapshotStore().load(name, &error);
    if (!earlier) {
        m_message = error;
        updateStatus();
        return false;
    }
    m_comparedWith = name;
    m_message.clear();
    m_model->setComparison(std::move(earlier));
    m_table->sortByColumn(m_model->columnOf(AnalysisModel::ChangeColumn), Qt::DescendingOrder);
    updateStatus();
    return true;
}

bool AnalysisPane::exportCsv(const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(m_model->report().toCsv(m_model->dimension())) < 0
        || !file.commit()) {
        m_message = tr("cannot write %1: %2").arg(path, file.errorString());
        updateStatus();
        return false;
    }
    return true;
}

bool AnalysisPane::exportJson(const QString& path)
{
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly)
        || file.write(QJsonDocument(m_model->report().toJson()).toJson(QJsonDocument::Indented)) < 0
        || !file.commit()) {
        m_message = tr("cannot write %1: %2").arg(path, file.errorString());
        updateStatus();
        return false;
    }
    return true;
}

void AnalysisPane::fillSnapshotMenu()
{
    QMenu* menu = m_snapshots->menu();
    menu->clear();
    const bool finished = m_model->report().complete;
    QAction* save = menu->addAction(tr("Save this analysis…"));
    save->setEnabled(finished);
    connect(save, &QAction::triggered, this, [this] {
        const QString suggested = u"analysis-"_s + QDateTime::currentDateTime().toString(u"yyyyMMdd-HHmm"_s);
        bool ok = false;
        const QString name = QInputDialog::getText(
            this, tr("Save analysis"), tr("Name (letters, digits, '.', '_', '-'):"), QLineEdit::Normal, suggested, &ok);
        if (ok && !name.isEmpty())
            saveSnapshot(name);
    });
    QMenu* compare = menu->addMenu(tr("Compare with"));
    const QStringList names = analysis::SnapshotStore().names();
    compare->setEnabled(!names.isEmpty() && m_analysis);
    for (const QString& name : names)
        connect(compare->addAction(name), &QAction::triggered, this, [this, name] { compareWith(name); });
    QAction* stop = menu->addAction(tr("Stop comparing"));
    stop->setEnabled(!m_comparedWith.isEmpty());
    connect(stop, &QAction::triggered, this, [this] { compareWith({}); });
    menu->addSeparator();
    QAction* csv = menu->addAction(tr("Export table as CSV…"));
    QAction* json = menu->addAction(tr("Export analysis as JSON…"));
    csv->setEnabled(m_analysis != nullptr);
    json->setEnabled(m_analysis != nullptr);
    connect(csv, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export table"), u"cachescope-analysis.csv"_s, tr("CSV files (*.csv)"));
        if (!path.isEmpty())
            exportCsv(path);
    });
    connect(json, &QAction::triggered, this, [this] {
        const QString path = QFileDialog::getSaveFileName(
            this, tr("Export analysis"), u"cachescope-analysis.json"_s, tr("JSON files (*.json)"));
        if (!path.isEmpty())
            exportJson(path);
    });
}

} // namespace cachescope::ui
