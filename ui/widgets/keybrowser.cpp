#include "widgets/keybrowser.h"

#include "widgets/fittingtextdelegate.h"

#include "feeds/keyspacefeed.h"
#include "itemmodels/keyfilterproxymodel.h"
#include "itemmodels/keytreemodel.h"

#include "ops/invalidation/pacedinvalidation.h"

#include <QClipboard>
#include <QComboBox>
#include <QGuiApplication>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QShortcut>
#include <QStyle>
#include <QStyledItemDelegate>
#include <QTreeView>
#include <QVBoxLayout>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

namespace {
class MiddleElidingDelegate : public QStyledItemDelegate
{
public:
    using QStyledItemDelegate::QStyledItemDelegate;

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override
    {
        QStyledItemDelegate::initStyleOption(option, index);
        option->textElideMode = Qt::ElideMiddle;
    }
};
} // namespace

KeyBrowser::KeyBrowser(KeyspaceFeed* feed, QWidget* parent)
    : QWidget(parent)
    , m_feed(feed)
    , m_filter(new QLineEdit(this))
    , m_grouping(new QComboBox(this))
    , m_view(new QTreeView(this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_rescan(new QPushButton(tr("Rescan"), this))
    , m_autoRescanChoice(new QComboBox(this))
{
    m_filter->setPlaceholderText(tr("Filter keys — a glob like *:venue:v12 or any text (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_grouping->addItem(tr("By tenant, venue, route"), int(KeyTreeModel::Grouping::ByShape));
    m_grouping->addItem(tr("By ':' prefix"), int(KeyTreeModel::Grouping::ByDelimiter));
    m_grouping->setToolTip(tr("Group gateway keys by tenant → venue → route, or every key by its ':'-separated "
                              "prefixes (for keys of unknown shape)"));
    m_view->setModel(m_feed->viewModel());
    m_view->setUniformRowHeights(true); // cheap layout for very long lists
    // Sibling keys share their start (the route's path): their names are cut in the middle, so the distinct ends stay
    // readable. (The other columns keep their start: "1m 22s – …".)
    m_view->setItemDelegateForColumn(KeyTreeModel::NameColumn, new MiddleElidingDelegate(m_view));
    for (const int column : {int(KeyTreeModel::TtlColumn), int(KeyTreeModel::MemoryColumn)})
        m_view->setItemDelegateForColumn(column, new FittingTextDelegate(KeyTreeModel::ShorterTextsRole, m_view));
    m_view->setSortingEnabled(true);
    m_view->sortByColumn(KeyTreeModel::CountColumn, Qt::DescendingOrder);
    m_view->header()->setStretchLastSection(false);
    m_view->header()->setSectionResizeMode(KeyTreeModel::NameColumn, QHeaderView::Stretch);
    m_view->header()->setSectionResizeMode(KeyTreeModel::CountColumn, QHeaderView::ResizeToContents);
    m_view->header()->setSectionResizeMode(KeyTreeModel::TtlColumn, QHeaderView::Interactive);
    m_view->header()->setSectionResizeMode(KeyTreeModel::MemoryColumn, QHeaderView::Interactive);
    // Wide enough for the longest value each column shows (a group's TTL range, a memory estimate), so nothing is
    // cut to "1m 22s – …" at the default size.
    const QFontMetrics metrics(m_view->font());
    const int padding = 3 * m_view->style()->pixelMetric(QStyle::PM_HeaderMargin) + 8;
    m_ttlWidth = metrics.horizontalAdvance(u"59m 59s – 59m 59s"_s) + padding;
    m_memoryWidth = metrics.horizontalAdvance(u"≈ 1,023.99 KiB · 20/999"_s) + padding;
    m_view->header()->resizeSection(KeyTreeModel::TtlColumn, m_ttlWidth);
    m_view->header()->resizeSection(KeyTreeModel::MemoryColumn, m_memoryWidth);
    // In a narrow pane the key names come first: the TTL and memory columns give way (their full text is in the
    // tooltip) rather than squeezing the names to nothing.
    m_view->viewport()->installEventFilter(this);
    m_view->setAlternatingRowColors(true);
    m_progress->setMaximumHeight(14);
    m_progress->setTextVisible(false);
    m_status->setObjectName(QStringLiteral("scanStatus"));
    m_rescan->setToolTip(tr("Scan the keyspace again (F5)"));

    m_status->setWordWrap(true); // a cluster's per-master progress must not be cut off in a narrow pane
    auto* bottom = new QHBoxLayout;
    bottom->addWidget(m_progress, 1);
    bottom->addStretch(0);
    bottom->addWidget(m_cancel);
    bottom->addWidget(m_autoRescanChoice);
    bottom->addWidget(m_rescan);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* top = new QHBoxLayout;
    top->addWidget(m_filter, 1);
    top->addWidget(m_grouping);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
    layout->addWidget(m_status);
    layout->addLayout(bottom);

    connect(m_feed, &KeyspaceFeed::viewModelAboutToChange, this, [this] {
        // Keep what the engineer opened and where the cursor is across the switch.
        m_expandedAcrossSwitch.clear();
        forEachExpanded([this](const QModelIndex& node) {
            m_expandedAcrossSwitch.append(toSource(node));
            return true;
        });
        m_currentAcrossSwitch = m_view->model() ? toSource(m_view->currentIndex()) : QModelIndex();
    });
    connect(m_feed, &KeyspaceFeed::viewModelChanged, this, [this] {
        m_view->setModel(m_feed->viewModel());
        for (const QPersistentModelIndex& index : std::as_const(m_expandedAcrossSwitch))
            m_view->expand(m_feed->fromSource(index));
        m_expandedAcrossSwitch.clear();
        if (m_currentAcrossSwitch.isValid())
            m_view->setCurrentIndex(m_feed->fromSource(m_currentAcrossSwitch));
        m_currentAcrossSwitch = QPersistentModelIndex();
        connectSelection();
    });
    connect(m_feed, &KeyspaceFeed::rescanStarting, this, [this] {
        // What the engineer opened in the whole tree, not what a filter's tree opened (every group of it).
        if (m_feed->wholeTree()->totalKeys() > 0 && !m_keptView && m_filter->text().isEmpty())
            m_keptView = captureViewState();
        m_lastKeptExpansion.invalidate();
    });
    connect(m_feed, &KeyspaceFeed::pageIngested, this, [this] {
        m_view->viewport()->update(); // the counts changed: the rows shown are read again
        if (!m_feed->filterTree())
            expandKeptSoFar();
    });
    connect(m_feed, &KeyspaceFeed::treeReady, this, &KeyBrowser::presentReadyTree);
    connect(m_feed, &KeyspaceFeed::statusChanged, this, &KeyBrowser::presentStatus);
    connect(m_feed, &KeyspaceFeed::liveChanged, this, [this](bool live) {
        // The last known tree is greyed while the server cannot confirm it.
        QPalette palette;
        if (!live)
            palette.setColor(QPalette::Text, palette.color(QPalette::Disabled, QPalette::Text));
        m_view->setPalette(live ? QPalette() : palette);
    });
    m_filterDelay.setSingleShot(true);
    m_filterDelay.setInterval(300); // re-filtering a large tree on every keystroke would stutter
    connect(m_filter, &QLineEdit::textChanged, &m_filterDelay, qOverload<>(&QTimer::start));
    connect(&m_filterDelay, &QTimer::timeout, this, &KeyBrowser::applyFilter);
    connect(
        m_grouping, &QComboBox::currentIndexChanged, this, [this] { setGrouping(m_grouping->currentData().toInt()); });
    connect(m_cancel, &QPushButton::clicked, this, &KeyBrowser::cancelScan);
    connect(m_rescan, &QPushButton::clicked, this, &KeyBrowser::rescan);
    m_autoRescanChoice->addItem(tr("Auto-rescan off"), 0);
    m_autoRescanChoice->addItem(tr("Rescan every minute"), 60);
    m_autoRescanChoice->addItem(tr("Rescan every 5 min"), 300);
    m_autoRescanChoice->addItem(tr("Rescan every 15 min"), 900);
    m_autoRescanChoice->setToolTip(tr("Scan the keyspace again on a schedule (a scan reads no key: SCAN, then TTL "
                                      "and size for a sample, which the charts leave out)"));
    connect(m_autoRescanChoice, &QComboBox::currentIndexChanged, this,
        [this] { setAutoRescanInterval(m_autoRescanChoice->currentData().toInt()); });
    connect(
        m_view, &QTreeView::expanded, this, [this](const QModelIndex& index) { m_feed->openNode(toSource(index)); });
    // Down from the filter goes into the tree, as in a search field with a list under it.
    auto* intoTree = new QShortcut(QKeySequence(Qt::Key_Down), m_filter, nullptr, nullptr, Qt::WidgetShortcut);
    connect(intoTree, &QShortcut::activated, this, [this] {
        m_view->setFocus();
        if (!m_view->currentIndex().isValid() && m_view->model() && m_view->model()->rowCount() > 0)
            m_view->setCurrentIndex(m_view->model()->index(0, 0));
    });
    // Del on a node: that node's keys, as its context menu offers (off where that is off).
    auto* deleteNode = new QShortcut(QKeySequence::Delete, m_view, nullptr, nullptr, Qt::WidgetShortcut);
    connect(deleteNode, &QShortcut::activated, this, [this] {
        const auto selection = currentSelection();
        if (selection && !whyNotWritable(*selection) && m_view->selectionModel()->hasSelection())
            Q_EMIT invalidateRequested(*selection);
    });
    m_view->setContextMenuPolicy(Qt::CustomContextMenu);
    connect(m_view, &QTreeView::customContextMenuRequested, this, [this](const QPoint& position) {
        const QModelIndex index = m_view->indexAt(position);
        const auto selection = m_feed->shownTree()->selectionFor(toSource(index.siblingAtColumn(0)));
        QMenu menu(this);
        const std::optional<QString> why = selection ? whyNotWritable(*selection) : std::nullopt;
        const QString suffix = why ? u" ("_s + *why + u')' : QString();
        QAction* invalidate =
            menu.addAction((selection ? tr("Invalidate %1…").arg(selection->description) : tr("Invalidate…")) + suffix);
        invalidate->setEnabled(selection.has_value() && !why);
        QAction* setTtl =
            menu.addAction((selection ? tr("Set TTL on %1…").arg(selection->description) : tr("Set TTL…")) + suffix);
        setTtl->setEnabled(selection.has_value() && !why);
        // Reading only: offered on read-only connections and protected keys too.
        QAction* analyze = menu.addAction(selection ? tr("Analyze %1").arg(selection->description) : tr("Analyze…"));
        analyze->setEnabled(selection.has_value());
        // Aggregate mode: a group lists a sample; this lists the rest (also when it is open already).
        const qint64 unlisted = m_feed->shownTree()->unlistedKeys(toSource(index.siblingAtColumn(0)));
        QAction* listAll = nullptr;
        if (unlisted > 0) {
            listAll = menu.addAction(tr("List the %L1 keys not listed here (SCAN MATCH)").arg(unlisted));
            listAll->setEnabled(selection.has_value() && !m_feed->isListingGroup());
        }
        menu.addSeparator();
        QAction* copy = menu.addAction(tr("Copy key"));
        const QByteArray key = index.siblingAtColumn(0).data(KeyTreeModel::KeyRole).toByteArray();
        copy->setEnabled(!key.isNull());
        QAction* chosen = menu.exec(m_view->viewport()->mapToGlobal(position));
        if (chosen == invalidate && selection)
            Q_EMIT invalidateRequested(*selection);
        else if (chosen == setTtl && selection)
            Q_EMIT setTtlRequested(*selection);
        else if (chosen == analyze && selection)
            Q_EMIT analyzeRequested(*selection);
        else if (chosen && chosen == listAll)
            listKeysOf(index);
        else if (chosen == copy)
            QGuiApplication::clipboard()->setText(QString::fromUtf8(key));
    });
    connectSelection();
    presentStatus();
}

KeyBrowser::~KeyBrowser() = default;

QModelIndex KeyBrowser::toSource(const QModelIndex& viewIndex) const
{
    return m_view->model() == m_feed->proxy() ? m_feed->proxy()->mapToSource(viewIndex) : viewIndex;
}

void KeyBrowser::connectSelection()
{
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& index) {
        if (m_restoringView)
            return;
        const QByteArray key = index.siblingAtColumn(0).data(KeyTreeModel::KeyRole).toByteArray();
        if (!key.isNull())
            Q_EMIT keySelected(key);
    });
}

void KeyBrowser::presentReadyTree(KeyspaceFeed::Ready how)
{
    switch (how) {
    case KeyspaceFeed::Ready::WholeTree:
        if (m_keptView)
            restoreViewState(*std::exchange(m_keptView, std::nullopt));
        else
            expandDefault();
        fetchOpenedMetadata();
        break;
    case KeyspaceFeed::Ready::WholeTreeAfterFailure:
        if (m_keptView)
            restoreViewState(*std::exchange(m_keptView, std::nullopt));
        break;
    case KeyspaceFeed::Ready::WholeTreeFirstLook:
        expandDefault();
        break;
    case KeyspaceFeed::Ready::ProxyFiltered:
        m_view->expandAll();
        break;
    case KeyspaceFeed::Ready::FilterTree:
        m_keptView.reset();
        // Every group open shows the matches at a glance; past a few thousand groups, laying them all out at once
        // would hold the GUI thread, so the first two levels only.
        if (m_feed->filterTree() && m_feed->filterTree()->groupCount() <= maxGroupsOpenedAtOnce)
            m_view->expandAll();
        else
            m_view->expandToDepth(1);
        fetchOpenedMetadata(); // expandAll() opens without expanded(): the rows shown are measured here
        break;
    }
}

bool KeyBrowser::forEachExpanded(const std::function<bool(const QModelIndex&)>& visit, const QModelIndex& parent) const
{
    const QAbstractItemModel* model = m_view->model();
    if (!model)
        return true;
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex child = model->index(row, 0, parent);
        if (m_view->isExpanded(child) && (!visit(child) || !forEachExpanded(visit, child)))
            return false;
    }
    return true;
}

KeyBrowser::ViewState KeyBrowser::captureViewState() const
{
    ViewState state;
    const auto pathOf = [](QModelIndex index) {
        QStringList path;
        for (; index.isValid(); index = index.parent())
            path.prepend(index.siblingAtColumn(0).data().toString());
        return path;
    };
    forEachExpanded([&](const QModelIndex& node) {
        state.expanded.append(pathOf(node));
        return true;
    });
    state.current = pathOf(m_view->currentIndex());
    state.scroll = m_view->verticalScrollBar()->value();
    return state;
}

QModelIndex KeyBrowser::findPath(const QStringList& path) const
{
    const QAbstractItemModel* model = m_view->model();
    QModelIndex node;
    for (const QString& name : path) {
        const QModelIndexList found =
            model->match(model->index(0, 0, node), Qt::DisplayRole, name, 1, Qt::MatchExactly);
        if (found.isEmpty() || found.first().parent() != node)
            return {};
        node = found.first();
    }
    return node;
}

void KeyBrowser::restoreViewState(const ViewState& state)
{
    for (const QStringList& path : state.expanded) {
        const QModelIndex node = findPath(path);
        if (node.isValid())
            m_view->expand(node);
    }
    const QModelIndex current = state.current.isEmpty() ? QModelIndex() : findPath(state.current);
    if (current.isValid()) {
        m_restoringView = true;
        m_view->selectionModel()->setCurrentIndex(
            current, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
        m_restoringView = false;
    }
    // Once the view has laid out what was expanded.
    QTimer::singleShot(0, this, [this, scroll = state.scroll] { m_view->verticalScrollBar()->setValue(scroll); });
}

void KeyBrowser::expandKeptSoFar()
{
    // While a long rescan fills the tree, what was open opens again as soon as its node is back (a few times a
    // second at most), instead of everything staying collapsed until the end; selection and scroll follow at the
    // end, once the rows are sorted.
    if (!m_keptView || (m_lastKeptExpansion.isValid() && m_lastKeptExpansion.elapsed() < 250))
        return;
    m_lastKeptExpansion.start();
    for (const QStringList& path : std::as_const(m_keptView->expanded)) {
        const QModelIndex node = findPath(path);
        if (node.isValid() && !m_view->isExpanded(node))
            m_view->expand(node);
    }
}

void KeyBrowser::setSafety(bool readOnly, const QList<QByteArray>& protectedPatterns)
{
    m_readOnly = readOnly;
    m_protectedPatterns = protectedPatterns;
}

std::optional<QString> KeyBrowser::whyNotWritable(const ops::KeySelection& selection) const
{
    if (m_readOnly)
        return tr("read-only");
    if (ops::PacedInvalidation::refusal(selection.scanPattern, m_protectedPatterns))
        return tr("protected");
    return std::nullopt;
}

void KeyBrowser::expandDefault()
{
    for (int row = 0; row < m_view->model()->rowCount(); ++row) {
        const QModelIndex group = m_view->model()->index(row, 0);
        if (!m_feed->shownTree()->isOwnKeysGroup(toSource(group)))
            m_view->expand(group);
    }
}

std::optional<ops::KeySelection> KeyBrowser::currentSelection() const
{
    return m_feed->shownTree()->selectionFor(toSource(m_view->currentIndex().siblingAtColumn(0)));
}

void KeyBrowser::applyFilter()
{
    const QString text = m_filter->text();
    const KeyTreeModel* whole = m_feed->wholeTree();
    if (!text.isEmpty() && m_feed->appliedFilter().isEmpty() && !m_viewBeforeFilter && whole->totalKeys() > 0)
        m_viewBeforeFilter = m_keptView ? *m_keptView : captureViewState();
    const bool cleared = text.isEmpty() && !m_feed->appliedFilter().isEmpty();
    m_feed->setFilter(text);
    if (cleared)
        reopenViewBeforeFilter();
}

void KeyBrowser::reopenViewBeforeFilter()
{
    m_view->collapseAll();
    std::optional<ViewState> before = std::exchange(m_viewBeforeFilter, std::nullopt);
    if (m_feed->isScanning()) { // put back as the scan brings the nodes in, and at its end
        if (!m_keptView)
            m_keptView = std::move(before);
        m_lastKeptExpansion.invalidate();
        expandKeptSoFar();
        return;
    }
    if (before)
        restoreViewState(*before);
    else
        expandDefault();
}

void KeyBrowser::listKeysOf(const QModelIndex& viewIndex)
{
    m_feed->listKeysOf(toSource(viewIndex.siblingAtColumn(0)));
}

void KeyBrowser::setGrouping(int grouping)
{
    m_grouping->setCurrentIndex(m_grouping->findData(grouping));
    m_feed->setGrouping(grouping);
}

QString KeyBrowser::filterText() const
{
    return m_filter->text();
}

void KeyBrowser::setFilterText(const QString& text)
{
    m_filter->setText(text); // filtered after the usual short delay
}

void KeyBrowser::focusFilter()
{
    m_filter->setFocus();
    m_filter->selectAll();
}

void KeyBrowser::rescan()
{
    m_feed->rescan();
}

void KeyBrowser::cancelScan()
{
    m_feed->cancel();
}

void KeyBrowser::setAutoRescanInterval(int seconds)
{
    const int index = m_autoRescanChoice->findData(seconds);
    if (index >= 0 && index != m_autoRescanChoice->currentIndex())
        m_autoRescanChoice->setCurrentIndex(index); // calls back here
    m_feed->setAutoRescanInterval(seconds);
}

void KeyBrowser::fetchOpenedMetadata()
{
    // A rescan starts every key unmeasured; the rows the engineer has open are measured again at once.
    int budget = 4 * KeyspaceFeed::metadataPerExpansion;
    forEachExpanded([&](const QModelIndex& node) {
        budget -= m_feed->measureKeysOf(toSource(node), std::min(budget, KeyspaceFeed::metadataPerExpansion));
        return budget > 0;
    });
}

QString KeyBrowser::statusText() const
{
    return m_status->text();
}

void KeyBrowser::presentStatus()
{
    const KeyspaceFeed::Progress progress = m_feed->progress();
    m_cancel->setVisible(progress.shown);
    m_progress->setVisible(progress.shown);
    m_progress->setRange(0, progress.maximum);
    m_progress->setValue(progress.value);
    m_status->setToolTip(m_feed->statusToolTip());
    m_status->setText(m_feed->statusText());
    // As tall as the wrapped text: a layout asked only for one line cut the second in half.
    m_status->setMinimumHeight(m_status->heightForWidth(std::max(100, m_status->width())));
}

bool KeyBrowser::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view->viewport() && event->type() == QEvent::Resize)
        fitColumns();
    return QWidget::eventFilter(watched, event);
}

void KeyBrowser::fitColumns()
{
    // The names keep at least 45 % of the width; TTL and memory share what is left beyond the count, each down to
    // a third of its preferred width.
    QHeaderView* header = m_view->header();
    const int available = m_view->viewport()->width() - header->sectionSize(KeyTreeModel::CountColumn);
    const int forColumns = std::max(0, available - m_view->viewport()->width() * 9 / 20);
    const double scale = std::clamp(double(forColumns) / double(m_ttlWidth + m_memoryWidth), 1.0 / 3.0, 1.0);
    // With room enough, widths the user dragged stay; only what this squeezed is given back.
    if (scale >= 1.0 && !m_columnsSqueezed)
        return;
    m_columnsSqueezed = scale < 1.0;
    header->resizeSection(KeyTreeModel::TtlColumn, int(m_ttlWidth * scale));
    header->resizeSection(KeyTreeModel::MemoryColumn, int(m_memoryWidth * scale));
}

} // namespace cachescope::ui
