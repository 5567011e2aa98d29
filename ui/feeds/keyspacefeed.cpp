#include "feeds/keyspacefeed.h"

#include "itemmodels/keyfilterproxymodel.h"
#include "itemmodels/keytreemodel.h"

#include "model/keyescaping.h"
#include "ops/keys/keymetadata.h"
#include "ops/server/nodesinfo.h"
#include "redis/backgroundscan.h"
#include "redis/client.h"

#include <QElapsedTimer>
#include <QLocale>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

KeyspaceFeed::KeyspaceFeed(redis::Client* connection, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_model(new KeyTreeModel(this))
    , m_proxy(new KeyFilterProxyModel(this))
{
    m_proxy->setSourceModel(m_model);
    m_proxy->sort(KeyTreeModel::CountColumn, Qt::DescendingOrder);
    m_viewModel = m_proxy;
    m_ingest.setSingleShot(true);
    m_ingest.setInterval(0);
    connect(&m_ingest, &QTimer::timeout, this, &KeyspaceFeed::ingestPending);
    connect(&m_autoRescan, &QTimer::timeout, this, [this] {
        if (!isScanning())
            rescan();
    });
    // How many keys the server holds now, beside how many the tree holds from its last scan.
    m_sizePoll.setInterval(5000);
    connect(&m_sizePoll, &QTimer::timeout, this, &KeyspaceFeed::pollServerKeys);
    m_sizePoll.start();
    updateStatus();
}

KeyspaceFeed::~KeyspaceFeed() = default;

KeyTreeModel* KeyspaceFeed::shownTree() const
{
    return m_matches ? m_matches : m_model;
}

QModelIndex KeyspaceFeed::toSource(const QModelIndex& viewIndex) const
{
    return m_viewModel == m_proxy ? m_proxy->mapToSource(viewIndex) : viewIndex;
}

QModelIndex KeyspaceFeed::fromSource(const QModelIndex& sourceIndex) const
{
    return m_viewModel == m_proxy ? m_proxy->mapFromSource(sourceIndex) : sourceIndex;
}

void KeyspaceFeed::showModel(QAbstractItemModel* model)
{
    if (m_viewModel == model)
        return;
    Q_EMIT viewModelAboutToChange();
    if (model == m_proxy)
        m_proxy->setSourceModel(shownTree()); // a fresh, lazy mapping: built only for the nodes a view opens
    m_viewModel = model;
    Q_EMIT viewModelChanged();
    if (model != m_proxy)
        m_proxy->setSourceModel(nullptr); // detached while the scan fills the tree: no mapping upkeep per page
}

bool KeyspaceFeed::isAggregated() const
{
    return m_model->listedKeysPerGroup() > 0;
}

bool KeyspaceFeed::isScanning() const
{
    return (m_scan && m_scan->isRunning()) || !m_pending.empty() || bool(m_afterIngest);
}

bool KeyspaceFeed::isFilteringOnServer() const
{
    return m_matchScan && m_matchScan->isRunning();
}

bool KeyspaceFeed::isListingGroup() const
{
    return m_groupScan && m_groupScan->isRunning();
}

void KeyspaceFeed::fetchMetadata(KeyTreeModel* tree, const QList<QByteArray>& keys)
{
    if (keys.isEmpty() || !m_connection)
        return;
    ops::fetchKeyMetadata(
        *m_connection, keys, this, [tree = QPointer<KeyTreeModel>(tree)](const QList<ops::KeyMetadata>& metadata) {
            if (tree)
                tree->setMetadata(metadata);
        });
}

void KeyspaceFeed::openNode(const QModelIndex& sourceNode)
{
    fetchMetadata(shownTree(), shownTree()->keysAwaitingMetadata(sourceNode, metadataPerExpansion));
    if (shownTree()->unlistedKeys(sourceNode) > 0)
        listGroup(sourceNode);
}

void KeyspaceFeed::listKeysOf(const QModelIndex& sourceNode)
{
    if (shownTree()->unlistedKeys(sourceNode) > 0)
        listGroup(sourceNode);
}

int KeyspaceFeed::measureKeysOf(const QModelIndex& sourceNode, int atMost)
{
    const QList<QByteArray> keys = shownTree()->keysAwaitingMetadata(sourceNode, atMost);
    fetchMetadata(shownTree(), keys);
    return int(keys.size());
}

void KeyspaceFeed::adoptKeyspaceSize(qint64 keys)
{
    if (keys > m_aggregateAbove && !isAggregated())
        aggregate(m_model, true);
    if (isScanning() && keys > 0)
        m_model->setProjection(keys);
}

void KeyspaceFeed::aggregate(KeyTreeModel* tree, bool on)
{
    tree->setListedKeysPerGroup(on ? listedPerGroupWhenAggregated : 0);
    tree->setBudgets(on ? groupBudgetWhenAggregated : 0, on ? listedBudgetWhenAggregated : 0);
}

QByteArray KeyspaceFeed::filterPattern(const QString& text)
{
    const QByteArray typed = text.toUtf8();
    // As the proxy reads it: a glob when it has glob characters, otherwise a substring of the key.
    return model::redisGlobIsLiteral(typed) ? QByteArray('*' + model::escapeGlobLiteral(typed) + '*') : typed;
}

void KeyspaceFeed::countSignalsOn()
{
    m_model->setCountSignals(true);
    if (m_matches)
        m_matches->setCountSignals(true);
}

KeyTreeModel* KeyspaceFeed::newFilterTree()
{
    auto* matches = new KeyTreeModel(this);
    matches->setCountSignals(!isScanning()); // filled page by page beside the scan: repainted as the tree is
    matches->setRoutes(m_model->routes());
    matches->setGrouping(m_model->grouping());
    matches->clear();
    aggregate(matches, true); // bounded whatever the filter matches
    return matches;
}

void KeyspaceFeed::presentFilterTree()
{
    showModel(m_proxy);
    Q_EMIT treeReady(Ready::FilterTree);
    updateStatus();
}

void KeyspaceFeed::startScanFilter(const QString& text)
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

QList<QByteArray> KeyspaceFeed::filterMatches(const QList<QByteArray>& keys) const
{
    QList<QByteArray> matching;
    for (const QByteArray& key : keys) {
        if (m_matchGlob->matches(key))
            matching.append(key);
    }
    return matching;
}

void KeyspaceFeed::addScanMatches(const QList<QByteArray>& keys)
{
    const QList<QByteArray> matching = filterMatches(keys);
    if (!matching.isEmpty())
        fetchMetadata(m_matches, m_matches->addKeys(matching, metadataSamplePerPage));
    if (m_model->projection())
        m_matches->setProjection(*m_model->projection(), m_model->totalKeys());
}

void KeyspaceFeed::setFilter(const QString& text)
{
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
        Q_EMIT treeReady(Ready::ProxyFiltered);
    }
}

void KeyspaceFeed::startServerFilter(QString text)
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
        updateStatus();
    });
    connect(m_matchScan.get(), &redis::BackgroundScan::finished, this, [this] {
        m_matches->setProjection(std::nullopt);
        presentFilterTree();
    });
    connect(m_matchScan.get(), &redis::BackgroundScan::failed, this, [this](const redis::Reply& error) {
        m_matchScanFailed = true;
        showModel(m_proxy);
        updateStatus();
        setStatus(tr("Filter stopped: %1 (%L2 matching keys listed before)")
                      .arg(error.errorMessage())
                      .arg(m_matches->totalKeys()));
    });
    m_matchScan->start();
    updateStatus();
}

void KeyspaceFeed::stopServerFilter()
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
        Q_EMIT treeReady(Ready::WholeTreeFirstLook);
    }
    updateStatus();
}

void KeyspaceFeed::listGroup(const QModelIndex& sourceGroup)
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
            tree->addListedKeys(m_listedGroup, filterMatches(keys), listedPerOpenedGroup);
        } else {
            tree->addListedKeys(m_listedGroup, keys, listedPerOpenedGroup);
        }
        if (m_listedGroup.data(KeyTreeModel::ListedKeysRole).toLongLong() >= listedPerOpenedGroup) {
            stopListingGroup(); // enough to browse; the filter finds any one key
            return;
        }
        updateStatus();
    });
    const auto ended = [this] {
        m_groupScan.release()->deleteLater(); // not from inside its own signal
        updateStatus();
    };
    connect(m_groupScan.get(), &redis::BackgroundScan::finished, this, ended);
    connect(m_groupScan.get(), &redis::BackgroundScan::failed, this, [this, ended](const redis::Reply& error) {
        ended();
        setStatus(tr("Listing %1 stopped: %2").arg(m_listedGroupName, error.errorMessage()));
    });
    m_groupScan->start();
    updateStatus();
}

void KeyspaceFeed::stopListingGroup()
{
    if (m_groupScan) {
        m_groupScan->cancel();
        m_groupScan.release()->deleteLater();
    }
    updateStatus();
}

void KeyspaceFeed::setGrouping(int grouping)
{
    const auto wanted = KeyTreeModel::Grouping(grouping);
    if (wanted == m_model->grouping())
        return;
    m_model->setGrouping(wanted);
    rescan();
}

void KeyspaceFeed::rescan()
{
    if (!m_connection)
        return;
    if (!m_live) {
        // Clearing the tree now would leave nothing to look at: the last known tree stays until the server answers.
        m_rescanWaiting = true;
        updateStatus();
        return;
    }
    m_rescanWaiting = false;
    cancel();
    stopListingGroup();
    stopServerFilter();
    Q_EMIT rescanStarting();
    m_model->clear();
    m_model->setCountSignals(false); // a view repaints once a slice instead (pageIngested); on again at the end
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
        updateStatus();
    });
    if (m_appliedFilter.isEmpty())
        showModel(m_model);
    else
        startScanFilter(m_appliedFilter); // the filter's tree fills page by page, beside the whole tree
    m_scanEnd = ScanEnd::None;
    m_scan = std::make_unique<redis::BackgroundScan>(*m_connection, redis::ScanOptions {{}, 1000, {}});
    m_scanNodes.clear();
    connect(m_scan.get(), &redis::BackgroundScan::nodeStarted, this,
        [this](int index, int count, const QString& description) {
            if (count > 1) {
                m_scanNodes.resize(count);
                m_scanNodes[index].description = description;
            }
            updateStatus();
        });
    connect(m_scan.get(), &redis::BackgroundScan::nodeFinished, this, [this](int index, qint64 keys) {
        if (index < m_scanNodes.size()) {
            m_scanNodes[index].done = true;
            m_scanNodes[index].keys = keys;
        }
        updateStatus();
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
            QTimer::singleShot(0, this, &KeyspaceFeed::pollServerKeys);
            m_model->setProjection(std::nullopt); // every count is exact now
            if (isFilteredFromScan()) {
                m_matches->setProjection(std::nullopt);
                if (m_matchesComplete)
                    presentFilterTree();
                else
                    startServerFilter(m_matchText); // typed mid-scan in aggregate mode: the server finds the rest
            } else {
                updateStatus();
                showModel(m_proxy);
                Q_EMIT treeReady(Ready::WholeTree);
                if (isAggregated() && !m_appliedFilter.isEmpty() && !m_matches)
                    setFilter(m_appliedFilter); // a filter typed before the tree knew how large it is
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
            if (!m_matches)
                Q_EMIT treeReady(Ready::WholeTreeAfterFailure);
            updateStatus();
        });
    });
    m_scan->start();
    updateStatus();
}

void KeyspaceFeed::ingestKeys(const QList<QByteArray>& keys)
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

void KeyspaceFeed::ingestPending()
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
    updateStatus();
    Q_EMIT pageIngested();
    if (!m_pending.empty()) {
        m_ingest.start(); // the rest after the loop has seen to everything else
        return;
    }
    if (m_afterIngest)
        std::exchange(m_afterIngest, {})();
}

void KeyspaceFeed::afterIngest(std::function<void()> step)
{
    if (m_pending.empty() && !m_ingest.isActive()) {
        step();
        return;
    }
    m_afterIngest = std::move(step);
}

void KeyspaceFeed::setAutoRescanInterval(int seconds)
{
    if (seconds > 0)
        m_autoRescan.start(seconds * 1000);
    else
        m_autoRescan.stop();
}

void KeyspaceFeed::pollServerKeys()
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
        updateStatus();
    });
}

void KeyspaceFeed::cancel()
{
    stopListingGroup();
    if (isFilteringOnServer()) {
        m_matchScan->cancel();
        m_matchScanFailed = true;
        showModel(m_proxy);
        updateStatus();
        setStatus(tr("Filter cancelled: %L1 matching keys listed so far").arg(m_matches->totalKeys()));
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
        updateStatus();
    }
}

void KeyspaceFeed::setConnectionLost(const QString& why)
{
    m_lostWhy = why;
    if (m_live) {
        m_live = false;
        Q_EMIT liveChanged(false);
    }
    updateStatus();
}

void KeyspaceFeed::setConnectionLive()
{
    if (m_live)
        return;
    m_live = true;
    m_lostWhy.clear();
    m_serverKeysNow = -1; // the server's figure from before the loss may be from another life of it
    Q_EMIT liveChanged(true);
    updateStatus();
    if (m_rescanWaiting)
        rescan();
}

void KeyspaceFeed::setStatus(const QString& text)
{
    m_statusText = text;
    Q_EMIT statusChanged();
}

void KeyspaceFeed::updateStatus()
{
    const bool busy = isBusy();
    m_progress.shown = busy;
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
    m_statusToolTip = perNode.join(u'\n');
    // Whatever the line says, a tree the server cannot confirm now says so first.
    const auto show = [this](QString text) {
        if (!m_live) {
            text = tr("Last known — %1 · %2; kept, rescanned when it answers").arg(text, m_lostWhy);
            if (m_rescanWaiting)
                text += tr(" · a rescan waits for it");
        }
        setStatus(text);
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
        m_progress.maximum = 1000;
        m_progress.value = int(1000 * walk.walkedShare());
    };
    const auto showScanned = [this, keys] {
        m_progress.maximum = m_expectedKeys > 0 ? 1000 : 0;
        m_progress.value = m_expectedKeys > 0 ? int(std::min<qint64>(1000, keys * 1000 / m_expectedKeys)) : 0;
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
        else
            Q_EMIT statusChanged(); // the failure's own line stays; the progress changed
        return;
    }
    if (isListingGroup() && !isScanning()) {
        showWalked(*m_groupScan);
        show(tr("%L1 keys").arg(keys) + listing);
        return;
    }
    if (busy) {
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
        if (perNode.isEmpty() && m_serverKeysPerNode.size() > 1 && m_live)
            m_statusToolTip = m_serverKeysPerNode.join(u'\n');
        show(text);
    } else if (m_scan) {
        show(tr("%L1 keys").arg(keys));
    } else {
        show(tr("Not scanned yet"));
    }
}

} // namespace cachescope::ui
