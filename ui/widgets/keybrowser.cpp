#include "widgets/keybrowser.h"

#include "widgets/fittingtextdelegate.h"

#include "itemmodels/keyfilterproxymodel.h"
#include "itemmodels/keytreemodel.h"

#include "model/keyescaping.h"
#include "model/redisglob.h"
#include "ops/invalidation/pacedinvalidation.h"
#include "ops/keys/keymetadata.h"
#include "ops/server/nodesinfo.h"
#include "redis/backgroundscan.h"
#include "redis/client.h"
#include "redis/connection.h"
#include "redis/scaniterator.h"

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

KeyBrowser::KeyBrowser(redis::Client* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_model(new KeyTreeModel(this))
    , m_proxy(new KeyFilterProxyModel(this))
    , m_filter(new QLineEdit(this))
    , m_grouping(new QComboBox(this))
    , m_view(new QTreeView(this))
    , m_progress(new QProgressBar(this))
    , m_status(new QLabel(this))
    , m_cancel(new QPushButton(tr("Cancel"), this))
    , m_rescan(new QPushButton(tr("Rescan"), this))
    , m_autoRescanChoice(new QComboBox(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->sort(KeyTreeModel::CountColumn, Qt::DescendingOrder);
    m_filter->setPlaceholderText(tr("Filter keys — a glob like *:venue:v12 or any text (Ctrl+F)"));
    m_filter->setClearButtonEnabled(true);
    m_grouping->addItem(tr("By tenant, venue, route"), int(KeyTreeModel::Grouping::ByShape));
    m_grouping->addItem(tr("By ':' prefix"), int(KeyTreeModel::Grouping::ByDelimiter));
    m_grouping->setToolTip(tr("Group gateway keys by tenant → venue → route, or every key by its ':'-separated "
                              "prefixes (for keys of unknown shape)"));
    showModel(m_proxy);
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

    m_ingest.setSingleShot(true);
    m_ingest.setInterval(0);
    connect(&m_ingest, &QTimer::timeout, this, &KeyBrowser::ingestPending);
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
    connect(&m_autoRescan, &QTimer::timeout, this, [this] {
        if (!isScanning())
            rescan();
    });
    // How many keys the server holds now, beside how many the tree holds from its last scan.
    m_sizePoll.setInterval(5000);
    connect(&m_sizePoll, &QTimer::timeout, this, &KeyBrowser::pollServerKeys);
    m_sizePoll.start();
    connect(m_view, &QTreeView::expanded, this, [this](const QModelIndex& index) {
        const QModelIndex source = toSource(index);
        fetchMetadata(shownTree(), shownTree()->keysAwaitingMetadata(source, metadataPerExpansion));
        if (shownTree()->unlistedKeys(source) > 0)
            listGroup(source);
    });
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
        const auto selection = shownTree()->selectionFor(toSource(index.siblingAtColumn(0)));
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
        const qint64 unlisted = shownTree()->unlistedKeys(toSource(index.siblingAtColumn(0)));
        QAction* listAll = nullptr;
        if (unlisted > 0) {
            listAll = menu.addAction(tr("List the %L1 keys not listed here (SCAN MATCH)").arg(unlisted));
            listAll->setEnabled(selection.has_value() && !isListingGroup());
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
    updateProgress();
}

KeyBrowser::~KeyBrowser() = default;

QModelIndex KeyBrowser::toSource(const QModelIndex& viewIndex) const
{
    return m_view->model() == m_proxy ? m_proxy->mapToSource(viewIndex) : viewIndex;
}

void KeyBrowser::showModel(QAbstractItemModel* model)
{
    if (m_view->model() == model)
        return;
    // Keep what the engineer opened and where the cursor is across the switch.
    QList<QPersistentModelIndex> expanded;
    std::function<void(const QModelIndex&)> collect = [&](const QModelIndex& parent) {
        for (int row = 0; row < m_view->model()->rowCount(parent); ++row) {
            const QModelIndex child = m_view->model()->index(row, 0, parent);
            if (m_view->isExpanded(child)) {
                expanded.append(toSource(child));
                collect(child);
            }
        }
    };
    if (m_view->model())
        collect({});
    const QPersistentModelIndex current = m_view->model() ? toSource(m_view->currentIndex()) : QModelIndex();
    if (model == m_proxy)
        m_proxy->setSourceModel(shownTree()); // a fresh, lazy mapping: built only for the nodes a view opens
    m_view->setModel(model);
    if (model != m_proxy)
        m_proxy->setSourceModel(nullptr); // detached while the scan fills the tree: no mapping upkeep per page
    const auto fromSource = [this](const QModelIndex& source) {
        return m_view->model() == m_proxy ? m_proxy->mapFromSource(source) : QModelIndex(source);
    };
    for (const QPersistentModelIndex& index : std::as_const(expanded))
        m_view->expand(fromSource(index));
    if (current.isValid())
        m_view->setCurrentIndex(fromSource(current));
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, [this](const QModelIndex& index) {
        if (m_restoringView)
            return;
        const QByteArray key = index.siblingAtColumn(0).data(KeyTreeModel::KeyRole).toByteArray();
        if (!key.isNull())
            Q_EMIT keySelected(key);
    });
}

KeyBrowser::ViewState KeyBrowser::captureViewState() const
{
    ViewState state;
    const QAbstractItemModel* model = m_view->model();
    const auto pathOf = [](QModelIndex index) {
        QStringList path;
        for (; index.isValid(); index = index.parent())
            path.prepend(index.siblingAtColumn(0).data().toString());
        return path;
    };
    std::function<void(const QModelIndex&)> collect = [&](const QModelIndex& parent) {
        for (int row = 0; row < model->rowCount(parent); ++row) {
            const QModelIndex child = model->index(row, 0, parent);
            if (m_view->isExpanded(child)) {
                state.expanded.append(pathOf(child));
                collect(child);
            }
        }
    };
    if (model)
        collect({});
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
        if (!shownTree()->isOwnKeysGroup(toSource(group)))
            m_view->expand(group);
    }
}

std::optional<ops::KeySelection> KeyBrowser::currentSelection() const
{
    return shownTree()->selectionFor(toSource(m_view->currentIndex().siblingAtColumn(0)));
}

KeyTreeModel* KeyBrowser::shownTree() const
{
    return m_matches ? m_matches : m_model;
}

bool KeyBrowser::isAggregated() const
{
    return m_model->listedKeysPerGroup() > 0;
}

bool KeyBrowser::isFilteringOnServer() const
{
    return m_matchScan && m_matchScan->isRunning();
}

bool KeyBrowser::isListingGroup() const
{
    return m_groupScan && m_groupScan->isRunning();
}

void KeyBrowser::fetchMetadata(KeyTreeModel* tree, const QList<QByteArray>& keys)
{
    if (keys.isEmpty() || !m_connection)
        return;
    ops::fetchKeyMetadata(
        *m_connection, keys, this, [tree = QPointer<KeyTreeModel>(tree)](const QList<ops::KeyMetadata>& metadata) {
            if (tree)
                tree->setMetadata(metadata);
        });
}

void KeyBrowser::adoptKeyspaceSize(qint64 keys)
{
    if (keys > m_aggregateAbove && !isAggregated())
        aggregate(m_model, true);
    if (isScanning() && keys > 0)
        m_model->setProjection(keys);
}

void KeyBrowser::aggregate(KeyTreeModel* tree, bool on)
{
    tree->setListedKeysPerGroup(on ? listedPerGroupWhenAggregated : 0);
    tree->setBudgets(on ? groupBudgetWhenAggregated : 0, on ? listedBudgetWhenAggregated : 0);
}

QByteArray KeyBrowser::filterPattern(const QString& text)
{
    const QByteArray typed = text.toUtf8();
    // As the proxy reads it: a glob when it has glob characters, otherwise a substring of the key.
    return model::redisGlobIsLiteral(typed) ? QByteArray('*' + model::escapeGlobLiteral(typed) + '*') : typed;
}

void KeyBrowser::countSignalsOn()
{
    m_model->setCountSignals(true);
    if (m_matches)
        m_matches->setCountSignals(true);
}

KeyTreeModel* KeyBrowser::newFilterTree()
{
    auto* matches = new KeyTreeModel(this);
    matches->setCountSignals(!isScanning()); // filled page by page beside the scan: repainted as the tree is
    matches->setRoutes(m_model->routes());
    matches->setGrouping(m_model->grouping());
    matches->clear();
    aggregate(matches, true); // bounded whatever the filter matches
    return matches;
}

void KeyBrowser::presentFilterTree()
{
    showModel(m_proxy);
    // Every group open shows the matches at a glance; past a few thousand groups, laying them all out at once
    // would hold the GUI thread, so the first two levels only.
    if (m_matches->groupCount() <= maxGroupsOpenedAtOnce)
        m_view->expandAll();
    else
        m_view->expandToDepth(1);
    fetchOpenedMetadata(); // expandAll() opens without expanded(): the rows shown are measured here
    updateProgress();
}

void KeyBrowser::startScanFilter(const QString& text)
{
    stopServerFilter();
    stopListingGroup();
    m_matchText = text;
    m_matchGlob.emplace(filterPattern(text));
    m_matchScanFailed = false;
    m_matchOnServer = false;
    // In aggregate mode the tree lists a sample of what was scanned so far: the matches among the rest are only
    // found by the server filter that follows the scan.
    m_matchesComplete = !isAggregated() || m_model->totalKeys() == 0;
    m_proxy->setKeyFilter({});
    m_matches = newFilterTree();
    showModel(m_matches);
    addScanMatches(m_model->listedKeysMatching(*m_matchGlob));
}

void KeyBrowser::addScanMatches(const QList<QByteArray>& keys)
{
    QList<QByteArray> matching;
    for (const QByteArray& key : keys) {
        if (m_matchGlob->matches(key))
            matching.append(key);
    }
    if (!matching.isEmpty())
        fetchMetadata(m_matches, m_matches->addKeys(matching, metadataSamplePerPage));
    if (m_model->projection())
        m_matches->setProjection(*m_model->projection(), m_model->totalKeys());
}

void KeyBrowser::applyFilter()
{
    const QString text = m_filter->text();
    if (!text.isEmpty() && m_appliedFilter.isEmpty() && !m_viewBeforeFilter && m_model->totalKeys() > 0)
        m_viewBeforeFilter = m_keptView ? *m_keptView : captureViewState();
    const bool cleared = text.isEmpty() && !m_appliedFilter.isEmpty();
    m_appliedFilter = text;
    if (isScanning() && !text.isEmpty()) {
        if (text != m_matchText || !m_matches)
            startScanFilter(text);
        return;
    }
    if (isAggregated() && !text.isEmpty()) {
        // Filtering millions of keys on the GUI thread would freeze it, and the tree lists only a sample: the
        // server walks them instead.
        if (text != m_matchText || !m_matches)
            startServerFilter(text);
        return;
    }
    stopServerFilter();
    m_proxy->setKeyFilter(text);
    if (!text.isEmpty()) {
        showModel(m_proxy); // filtering needs the proxy, even while a scan fills the tree
        m_view->expandAll();
    } else if (cleared) {
        reopenViewBeforeFilter();
    }
}

void KeyBrowser::reopenViewBeforeFilter()
{
    m_view->collapseAll();
    std::optional<ViewState> before = std::exchange(m_viewBeforeFilter, std::nullopt);
    if (isScanning()) { // put back as the scan brings the nodes in, and at its end
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

void KeyBrowser::startServerFilter(const QString& text)
{
    stopServerFilter();
    stopListingGroup();
    if (!m_connection)
        return;
    const QByteArray pattern = filterPattern(text);
    m_matchText = text;
    m_matchGlob.emplace(pattern);
    m_matchScanFailed = false;
    m_matchOnServer = true;
    m_matchesComplete = true;
    m_proxy->setKeyFilter({}); // every key of m_matches matches: the server filtered them
    m_matches = newFilterTree();
    showModel(m_matches); // the proxy lets go of the whole tree
    m_matchScan = std::make_unique<redis::BackgroundScan>(*m_connection, redis::ScanOptions {pattern, 1000, {}});
    connect(m_matchScan.get(), &redis::BackgroundScan::page, this, [this](const QList<QByteArray>& keys) {
        fetchMetadata(m_matches, m_matches->addKeys(keys, metadataSamplePerPage));
        // The matches so far, projected from the share the walk has covered (its cursor says, though SCAN MATCH
        // returns only matches) onto the keyspace.
        const qint64 keyspace = m_serverKeysNow > 0 ? m_serverKeysNow : m_model->totalKeys();
        const double walked = m_matchScan->walkedShare();
        if (keyspace > 0 && walked > 0 && walked < 1)
            m_matches->setProjection(keyspace, qint64(walked * double(keyspace)));
        updateProgress();
    });
    connect(m_matchScan.get(), &redis::BackgroundScan::finished, this, [this] {
        m_matches->setProjection(std::nullopt);
        presentFilterTree();
    });
    connect(m_matchScan.get(), &redis::BackgroundScan::failed, this, [this](const redis::Reply& error) {
        m_matchScanFailed = true;
        showModel(m_proxy);
        updateProgress();
        m_status->setText(tr("Filter stopped: %1 (%L2 matching keys listed before)")
                              .arg(error.errorMessage())
                              .arg(m_matches->totalKeys()));
    });
    m_matchScan->start();
    updateProgress();
}

void KeyBrowser::stopServerFilter()
{
    if (!m_matches)
        return;
    if (m_listedGroup.model() == m_matches)
        stopListingGroup(); // a group of the filter's tree, which goes
    m_matchScan.reset(); // cancels and waits for its thread
    m_matchText.clear();
    m_matchOnServer = true;
    m_matchesComplete = true;
    m_matchGlob.reset();
    const std::unique_ptr<KeyTreeModel> gone(std::exchange(m_matches, nullptr)); // once the view has let go
    showModel(m_model); // the proxy lets go of the filter's tree
    if (!isScanning()) {
        showModel(m_proxy);
        expandDefault();
    }
    updateProgress();
}

void KeyBrowser::listGroup(const QModelIndex& sourceGroup)
{
    if (isScanning() && shownTree() == m_model)
        return; // the scan is still counting it; open it again when the scan is done
    const auto selection = shownTree()->selectionFor(sourceGroup);
    if (!selection || !m_connection)
        return; // no pattern selects exactly its keys: the sample stays (the row's tooltip says so)
    stopListingGroup();
    m_listedGroup = sourceGroup;
    m_listedGroupName = selection->description;
    m_groupScan =
        std::make_unique<redis::BackgroundScan>(*m_connection, redis::ScanOptions {selection->scanPattern, 1000, {}});
    connect(m_groupScan.get(), &redis::BackgroundScan::page, this, [this](const QList<QByteArray>& keys) {
        auto* tree = qobject_cast<KeyTreeModel*>(const_cast<QAbstractItemModel*>(m_listedGroup.model()));
        if (!m_listedGroup.isValid() || !tree) {
            stopListingGroup();
            return;
        }
        if (tree == m_matches && m_matchGlob) {
            // The group's pattern selects all of its keys; the filter's tree shows only those that match.
            QList<QByteArray> matching;
            for (const QByteArray& key : keys) {
                if (m_matchGlob->matches(key))
                    matching.append(key);
            }
            tree->addListedKeys(m_listedGroup, matching, listedPerOpenedGroup);
        } else {
            tree->addListedKeys(m_listedGroup, keys, listedPerOpenedGroup);
        }
        if (m_listedGroup.data(KeyTreeModel::ListedKeysRole).toLongLong() >= listedPerOpenedGroup) {
            stopListingGroup(); // enough to browse; the filter finds any one key
            return;
        }
        updateProgress();
    });
    const auto ended = [this] {
        m_groupScan.release()->deleteLater(); // not from inside its own signal
        updateProgress();
    };
    connect(m_groupScan.get(), &redis::BackgroundScan::finished, this, ended);
    connect(m_groupScan.get(), &redis::BackgroundScan::failed, this, [this, ended](const redis::Reply& error) {
        ended();
        m_status->setText(tr("Listing %1 stopped: %2").arg(m_listedGroupName, error.errorMessage()));
    });
    m_groupScan->start();
    updateProgress();
}

void KeyBrowser::listKeysOf(const QModelIndex& viewIndex)
{
    const QModelIndex source = toSource(viewIndex.siblingAtColumn(0));
    if (shownTree()->unlistedKeys(source) > 0)
        listGroup(source);
}

void KeyBrowser::stopListingGroup()
{
    if (m_groupScan) {
        m_groupScan->cancel();
        m_groupScan.release()->deleteLater();
    }
    updateProgress();
}

bool KeyBrowser::isScanning() const
{
    return (m_scan && m_scan->isRunning()) || !m_pending.empty() || bool(m_afterIngest);
}

void KeyBrowser::setGrouping(int grouping)
{
    const auto wanted = KeyTreeModel::Grouping(grouping);
    m_grouping->setCurrentIndex(m_grouping->findData(grouping));
    if (wanted == m_model->grouping())
        return;
    m_model->setGrouping(wanted);
    rescan();
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
    if (!m_connection)
        return;
    if (!m_live) {
        // Clearing the tree now would leave nothing to look at: the last known tree stays until the server answers.
        m_rescanWaiting = true;
        updateProgress();
        return;
    }
    m_rescanWaiting = false;
    cancelScan();
    stopListingGroup();
    stopServerFilter();
    // What the engineer opened in the whole tree, not what a filter's tree opened (every group of it).
    if (m_model->totalKeys() > 0 && !m_keptView && m_filter->text().isEmpty())
        m_keptView = captureViewState();
    m_lastKeptExpansion.invalidate();
    m_model->clear();
    m_model->setCountSignals(false); // the view repaints once a slice instead (ingestPending); on again at the end
    // As large as it last was, until DBSIZE says otherwise.
    aggregate(m_model, m_serverKeysNow > m_aggregateAbove);
    m_expectedKeys = -1;
    // Every node's DBSIZE (a cluster's masters each hold part of the keyspace), for the progress bar: known once
    // every master has answered (a slow one would make the sum of the others look like the whole).
    const quint64 ticket = m_sizeRequests.next();
    ops::fetchNodesKeyCount(*m_connection, this, [this, ticket](const ops::NodesKeyCount& count) {
        if (!m_sizeRequests.isCurrent(ticket) || count.total < 0)
            return; // unknown: the bar shows activity instead of a fraction
        m_expectedKeys = count.total;
        adoptKeyspaceSize(count.total);
        updateProgress();
    });
    // While the scan fills the tree the view shows the model itself, in scan order: a sorting proxy would keep
    // a sorted mapping up to date for every group on every page. Sorting (and the proxy) come back at the end.
    if (m_filter->text().isEmpty())
        showModel(m_model);
    else
        startScanFilter(m_filter->text()); // the filter's tree fills page by page, beside the whole tree
    m_scanEnd = ScanEnd::None;
    m_scan = std::make_unique<redis::BackgroundScan>(*m_connection, redis::ScanOptions {{}, 1000, {}});
    m_scanNodes.clear();
    connect(m_scan.get(), &redis::BackgroundScan::nodeStarted, this,
        [this](int index, int count, const QString& description) {
            if (count > 1) {
                m_scanNodes.resize(count);
                m_scanNodes[index].description = description;
            }
            updateProgress();
        });
    connect(m_scan.get(), &redis::BackgroundScan::nodeFinished, this, [this](int index, qint64 keys) {
        if (index < m_scanNodes.size()) {
            m_scanNodes[index].done = true;
            m_scanNodes[index].keys = keys;
        }
        updateProgress();
    });
    connect(m_scan.get(), &redis::BackgroundScan::page, this, [this](const QList<QByteArray>& keys) {
        m_pending.push_back(keys);
        if (!m_ingest.isActive())
            m_ingest.start();
    });
    connect(m_scan.get(), &redis::BackgroundScan::finished, this, [this] {
        afterIngest([this] {
            countSignalsOn();
            m_scannedAt = QDateTime::currentDateTime();
            m_scanEnd = ScanEnd::Complete;
            m_scanEndedAt = m_scannedAt;
            // At once (once the scan has let go): the server's figure beside the tree's must be from after the scan.
            QTimer::singleShot(0, this, &KeyBrowser::pollServerKeys);
            m_model->setProjection(std::nullopt); // every count is exact now
            if (isFilteredFromScan()) {
                m_matches->setProjection(std::nullopt);
                if (m_matchesComplete) {
                    presentFilterTree();
                } else {
                    startServerFilter(m_matchText); // typed mid-scan in aggregate mode: the server finds the rest
                }
                m_keptView.reset();
            } else {
                updateProgress();
                showModel(m_proxy);
                if (m_keptView)
                    restoreViewState(*std::exchange(m_keptView, std::nullopt));
                else
                    expandDefault();
                if (isAggregated() && !m_filter->text().isEmpty() && !m_matches)
                    applyFilter(); // a filter typed before the tree knew how large it is
                fetchOpenedMetadata();
            }
            Q_EMIT scanFinished(m_model->totalKeys());
        });
    });
    connect(m_scan.get(), &redis::BackgroundScan::failed, this, [this](const redis::Reply& error) {
        afterIngest([this, message = error.errorMessage()] {
            countSignalsOn();
            m_scanEnd = ScanEnd::Failed;
            m_scanEndedAt = QDateTime::currentDateTime();
            m_scanError = message;
            showModel(m_proxy);
            if (m_keptView && !m_matches)
                restoreViewState(*std::exchange(m_keptView, std::nullopt));
            updateProgress();
        });
    });
    m_scan->start();
    updateProgress();
}

void KeyBrowser::ingestKeys(const QList<QByteArray>& keys)
{
    if (!isAggregated() && m_model->totalKeys() + keys.size() > m_aggregateAbove)
        aggregate(m_model, true); // DBSIZE not known (yet)
    // With a filter's tree shown, the whole tree's sample is not what the engineer looks at.
    const QList<QByteArray> sample = m_model->addKeys(keys, keys.size() * metadataSamplePerPage / 1000 + 1);
    if (isFilteredFromScan())
        addScanMatches(keys);
    else
        fetchMetadata(m_model, sample);
}

void KeyBrowser::ingestPending()
{
    QElapsedTimer slice;
    slice.start();
    while (!m_pending.empty() && slice.elapsed() < ingestSliceMs) {
        const QList<QByteArray>& page = m_pending.front();
        const qsizetype take = std::min<qsizetype>(ingestSliceKeys, page.size() - m_pendingOffset);
        ingestKeys(m_pendingOffset == 0 && take == page.size() ? page : page.sliced(m_pendingOffset, take));
        m_pendingOffset += take;
        if (m_pendingOffset >= page.size()) {
            m_pending.pop_front();
            m_pendingOffset = 0;
        }
    }
    updateProgress();
    m_view->viewport()->update(); // the counts changed: the rows shown are read again
    if (!m_matches)
        expandKeptSoFar();
    if (!m_pending.empty()) {
        m_ingest.start(); // the rest after the loop has seen to everything else
        return;
    }
    if (m_afterIngest)
        std::exchange(m_afterIngest, {})();
}

void KeyBrowser::afterIngest(std::function<void()> step)
{
    if (m_pending.empty() && !m_ingest.isActive()) {
        step();
        return;
    }
    m_afterIngest = std::move(step);
}

void KeyBrowser::setAutoRescanInterval(int seconds)
{
    const int index = m_autoRescanChoice->findData(seconds);
    if (index >= 0 && index != m_autoRescanChoice->currentIndex())
        m_autoRescanChoice->setCurrentIndex(index); // calls back here
    if (seconds > 0)
        m_autoRescan.start(seconds * 1000);
    else
        m_autoRescan.stop();
}

void KeyBrowser::pollServerKeys()
{
    if (!m_connection || !m_connection->isReady() || m_sizePollInFlight || isScanning())
        return;
    m_sizePollInFlight = true;
    ops::fetchNodesKeyCount(*m_connection, this, [this](const ops::NodesKeyCount& count) {
        m_sizePollInFlight = false;
        if (count.total < 0)
            return; // a partial sum would look like keys vanishing
        m_serverKeysPerNode.clear();
        for (qsizetype i = 0; i < count.perNode.size(); ++i)
            m_serverKeysPerNode.append(tr("%1: %L2 keys now").arg(count.names.value(i)).arg(count.perNode.at(i)));
        if (count.total != m_serverKeysNow) {
            m_serverKeysNow = count.total;
            Q_EMIT serverKeysChanged(m_serverKeysNow);
        }
        updateProgress();
    });
}

void KeyBrowser::cancelScan()
{
    stopListingGroup();
    if (isFilteringOnServer()) {
        m_matchScan->cancel();
        m_matchScanFailed = true;
        showModel(m_proxy);
        updateProgress();
        m_status->setText(tr("Filter cancelled: %L1 matching keys listed so far").arg(m_matches->totalKeys()));
    }
    if (isScanning()) {
        m_scan->cancel();
        m_pending.clear(); // pages not taken yet are dropped with the scan; what the tree holds is what it says
        m_pendingOffset = 0;
        m_ingest.stop();
        m_afterIngest = {};
        countSignalsOn();
        m_scanEnd = ScanEnd::Cancelled;
        m_scanEndedAt = QDateTime::currentDateTime();
        showModel(m_proxy);
        updateProgress();
    }
}

void KeyBrowser::fetchOpenedMetadata()
{
    // A rescan starts every key unmeasured; the rows the engineer has open are measured again at once.
    QAbstractItemModel* model = m_view->model();
    if (!model)
        return;
    int budget = 4 * metadataPerExpansion;
    std::function<void(const QModelIndex&)> walk = [&](const QModelIndex& parent) {
        for (int row = 0; row < model->rowCount(parent) && budget > 0; ++row) {
            const QModelIndex child = model->index(row, 0, parent);
            if (!m_view->isExpanded(child))
                continue;
            const QList<QByteArray> keys =
                shownTree()->keysAwaitingMetadata(toSource(child), std::min(budget, metadataPerExpansion));
            budget -= int(keys.size());
            fetchMetadata(shownTree(), keys);
            walk(child);
        }
    };
    walk({});
}

void KeyBrowser::setConnectionLost(const QString& why)
{
    m_lostWhy = why;
    if (m_live) {
        m_live = false;
        QPalette greyed = m_view->palette();
        greyed.setColor(QPalette::Text, greyed.color(QPalette::Disabled, QPalette::Text));
        m_view->setPalette(greyed);
    }
    updateProgress();
}

void KeyBrowser::setConnectionLive()
{
    if (m_live)
        return;
    m_live = true;
    m_lostWhy.clear();
    m_view->setPalette(QPalette());
    m_serverKeysNow = -1; // the server's figure from before the loss may be from another life of it
    updateProgress();
    if (m_rescanWaiting)
        rescan();
}

QString KeyBrowser::statusText() const
{
    return m_status->text();
}

void KeyBrowser::updateProgress()
{
    const bool scanning = isScanning() || isFilteringOnServer() || isListingGroup();
    m_cancel->setVisible(scanning);
    m_progress->setVisible(scanning);
    const qint64 keys = m_model->totalKeys();
    QString where;
    QStringList perNode;
    if (!m_scanNodes.isEmpty()) {
        // A cluster's masters are walked side by side: how many are done, and each one in the tooltip, so a slow
        // node shows itself.
        const auto done =
            std::count_if(m_scanNodes.cbegin(), m_scanNodes.cend(), [](const NodeScan& node) { return node.done; });
        where = tr(" (masters done: %1 of %2)").arg(done).arg(m_scanNodes.size());
        for (const NodeScan& node : std::as_const(m_scanNodes))
            perNode << (node.done ? tr("%1: done, %L2 keys").arg(node.description).arg(node.keys)
                                  : tr("%1: scanning").arg(node.description));
    }
    m_status->setToolTip(perNode.join(u'\n'));
    // Whatever the line says, a tree the server cannot confirm now says so first.
    const auto show = [this](QString text) {
        if (!m_live) {
            text = tr("Last known — %1 · %2; kept, rescanned when it answers").arg(text, m_lostWhy);
            if (m_rescanWaiting)
                text += tr(" · a rescan waits for it");
        }
        m_status->setText(text);
        // As tall as the wrapped text: a layout asked only for one line cut the second in half.
        m_status->setMinimumHeight(m_status->heightForWidth(std::max(100, m_status->width())));
    };
    QString listing;
    if (isListingGroup()) {
        listing = tr(" · listing %1: %L2 of %L3 keys")
                      .arg(m_listedGroupName)
                      .arg(m_listedGroup.data(KeyTreeModel::ListedKeysRole).toLongLong())
                      .arg(m_listedGroup.data(KeyTreeModel::ListedKeysRole).toLongLong()
                          + m_listedGroup.data(KeyTreeModel::UnlistedKeysRole).toLongLong());
    }
    const auto showWalked = [this](const redis::BackgroundScan& walk) {
        m_progress->setRange(0, 1000);
        m_progress->setValue(int(1000 * walk.walkedShare()));
    };
    const auto showScanned = [this, keys] {
        if (m_expectedKeys > 0) {
            m_progress->setRange(0, 1000);
            m_progress->setValue(int(std::min<qint64>(1000, keys * 1000 / m_expectedKeys)));
        } else {
            m_progress->setRange(0, 0);
        }
    };
    const QString scannedAt = m_scanEndedAt.isValid() ? m_scanEndedAt.toString(u"HH:mm:ss"_s) : QString();
    if (m_matches) {
        QString text;
        if (!m_matchOnServer) {
            if (isScanning()) {
                showScanned();
                text = m_expectedKeys > 0 ? tr("Scanning… %L1 of about %L2 keys · %L3 match “%4” so far")
                                                .arg(keys)
                                                .arg(m_expectedKeys)
                                                .arg(m_matches->totalKeys())
                                                .arg(m_matchText)
                                          : tr("Scanning… %L1 keys · %L2 match “%3” so far")
                                                .arg(keys)
                                                .arg(m_matches->totalKeys())
                                                .arg(m_matchText);
            } else if (m_scanEnd == ScanEnd::Complete && m_matchesComplete) {
                text = tr("%L1 keys match “%2” of the %L3 keys scanned at %4")
                           .arg(m_matches->totalKeys())
                           .arg(m_matchText)
                           .arg(keys)
                           .arg(scannedAt);
            } else {
                text =
                    tr("%L1 keys match “%2” among the %L3 keys seen before the scan %4 at %5 — not the whole "
                       "keyspace")
                        .arg(m_matches->totalKeys())
                        .arg(m_matchText)
                        .arg(keys)
                        .arg(m_scanEnd == ScanEnd::Failed ? tr("stopped (%1)").arg(m_scanError) : tr("was cancelled"))
                        .arg(scannedAt);
            }
            show(text + listing);
            return;
        }
        if (isFilteringOnServer())
            showWalked(*m_matchScan);
        text = isFilteringOnServer()
            ? tr("Filtering on the server (SCAN MATCH)… %1 % of the keyspace walked, %L2 keys match so far")
                  .arg(QLocale().toString(100.0 * m_matchScan->walkedShare(), 'f', 0))
                  .arg(m_matches->totalKeys())
            : tr("%L1 keys match “%2” (SCAN MATCH on the server; the tree of all %L3 keys lists a sample per group)")
                  .arg(m_matches->totalKeys())
                  .arg(m_matchText)
                  .arg(m_model->totalKeys());
        if (!m_matchScanFailed || isFilteringOnServer())
            show(text + listing);
        return;
    }
    if (isListingGroup() && !isScanning()) {
        showWalked(*m_groupScan);
        show(tr("%L1 keys").arg(keys) + listing);
        return;
    }
    if (scanning) {
        showScanned();
        if (m_expectedKeys > 0) {
            // While it scans the counts are projections (≈ n ± error); say so once, here.
            const QString how = m_model->projection()
                ? (isAggregated() ? tr(" · counts projected (≈ ± 95 %); every key counted, %L1 listed per group")
                                        .arg(m_model->listedKeysPerGroup())
                                  : tr(" · counts projected (≈ ± 95 %)"))
                : QString();
            show(tr("Scanning… %L1 of about %L2 keys%3").arg(keys).arg(m_expectedKeys).arg(where) + how);
        } else {
            show(tr("Scanning… %L1 keys%2").arg(keys).arg(where));
        }
        return;
    }
    const auto ageOf = [](const QDateTime& at) {
        const qint64 ago = at.secsTo(QDateTime::currentDateTime());
        return ago < 60  ? tr("just now")
            : ago < 3600 ? tr("%1 min ago").arg(ago / 60)
                         : tr("%1 h %2 min ago").arg(ago / 3600).arg(ago % 3600 / 60);
    };
    if (m_scanEnd == ScanEnd::Cancelled || m_scanEnd == ScanEnd::Failed) {
        // A partial tree says it is one, with its own time; a complete scan from before is named apart.
        QString text = m_scanEnd == ScanEnd::Cancelled
            ? tr("%L1 keys seen before the scan was cancelled at %2").arg(keys).arg(scannedAt)
            : tr("%L1 keys seen before the scan stopped at %2: %3").arg(keys).arg(scannedAt, m_scanError);
        if (m_model->projection())
            text += tr(" (the counts are projected onto the %L1 keys of the keyspace)").arg(*m_model->projection());
        if (m_scannedAt.isValid())
            text += tr(" · the last complete scan was at %1").arg(m_scannedAt.toString(u"HH:mm:ss"_s));
        show(text);
    } else if (m_scan && m_scannedAt.isValid()) {
        // How fresh the tree is: a tree scanned an hour ago on a busy cache is mostly gone.
        QString text =
            tr("%L1 keys, scanned %2 (%3)").arg(keys).arg(m_scannedAt.toString(u"HH:mm:ss"_s), ageOf(m_scannedAt));
        if (isAggregated())
            text += tr(" · %L1 listed per group: open one to list its keys, filters run on the server")
                        .arg(m_model->listedKeysPerGroup());
        if (m_serverKeysNow >= 0 && m_live)
            text += tr(" · the server holds %L1 now").arg(m_serverKeysNow);
        show(text);
        if (perNode.isEmpty() && m_serverKeysPerNode.size() > 1 && m_live)
            m_status->setToolTip(m_serverKeysPerNode.join(u'\n'));
    } else if (m_scan) {
        show(tr("%L1 keys").arg(keys));
    } else {
        show(tr("Not scanned yet"));
    }
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
