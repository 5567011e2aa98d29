#pragma once

#include <QDateTime>
#include <QObject>
#include <QPersistentModelIndex>
#include <QPointer>
#include <QTimer>

#include "model/redisglob.h"
#include "redis/latestrequest.h"

#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QAbstractItemModel;

namespace cachescope::redis {
class Client;
class BackgroundScan;
}

namespace cachescope::ui {

class KeyFilterProxyModel;
class KeyTreeModel;

// What the key tree shows and how it got there, without a widget: the scans that fill it (the whole keyspace, a
// filter's SCAN MATCH, an opened group's keys), the filter typed during a scan fed from the scan's own pages, the
// aggregate mode of large keyspaces, projections, DBSIZE beside the tree, whether the tree is live or the last known
// one, and the line that says all of it. The key browser presents it; its tests (tst_keyspacefeed) run these rules
// against a real server, no view needed.
class KeyspaceFeed : public QObject
{
    Q_OBJECT
public:
    // TTL and memory are asked for a few keys per SCAN page (the group estimates) and for the children of a
    // node when it is opened (what the engineer looks at), never for the whole keyspace.
    static constexpr int metadataSamplePerPage = 20;
    static constexpr int metadataPerExpansion = 300;
    // Above `aggregateAbove` keys (DBSIZE, all masters) the tree counts every key but lists a sample per group
    // (KeyTreeModel::setListedKeysPerGroup), a group's keys are listed with SCAN MATCH when it is opened, and a
    // filter runs on the server (SCAN MATCH) into a tree of its own: memory stays bounded and nothing walks
    // millions of keys on the GUI thread.
    static constexpr qint64 defaultAggregateAbove = 1'000'000;
    static constexpr int listedPerGroupWhenAggregated = 100;
    static constexpr int listedPerOpenedGroup = 10'000;
    // And whatever the keyspace's shapes (millions of distinct prefixes), at most this many groups and listed keys:
    // about 100 MB at the most.
    static constexpr qint64 groupBudgetWhenAggregated = 50'000;
    static constexpr qint64 listedBudgetWhenAggregated = 1'000'000;
    // Pages from the scan's thread are taken in slices of at most a few milliseconds of model work each, so that
    // the GUI thread (its timers, its sockets, the engineer's typing) is never held long by a page; what follows the
    // scan's end waits until the last slice is in.
    static constexpr int ingestSliceMs = 8;
    static constexpr int ingestSliceKeys = 250;

    // A tree ready to look at, and how a view opens it (treeReady).
    enum class Ready
    {
        WholeTree, // a scan ended: what was open before opens again (or the first look)
        WholeTreeAfterFailure, // a scan failed: what was open opens again
        WholeTreeFirstLook, // a filter's tree went: the first look
        ProxyFiltered, // the whole tree filtered by the proxy: every match open
        FilterTree, // a filter's own tree, complete: every group open
    };
    Q_ENUM(Ready)

    explicit KeyspaceFeed(redis::Client* connection, QObject* parent = nullptr);
    ~KeyspaceFeed() override;

    // The whole keyspace's tree.
    KeyTreeModel* wholeTree() const
    {
        return m_model;
    }
    // The tree of a filter (its matches, from the scan's pages or SCAN MATCH), or null when the whole tree is shown.
    KeyTreeModel* filterTree() const
    {
        return m_matches;
    }
    // What the view shows: the whole tree or the filter's.
    KeyTreeModel* shownTree() const;
    // The model for the view: the shown tree itself while a scan fills it (in scan order: a sorting proxy would keep
    // a sorted mapping of every group up to date on every page), the sorting and filtering proxy over it otherwise.
    QAbstractItemModel* viewModel() const
    {
        return m_viewModel;
    }
    KeyFilterProxyModel* proxy() const
    {
        return m_proxy;
    }
    // A row of viewModel() as a row of shownTree(), and back.
    QModelIndex toSource(const QModelIndex& viewIndex) const;
    QModelIndex fromSource(const QModelIndex& sourceIndex) const;

    // Keyspaces larger than this are browsed in aggregate mode; applies from the next scan.
    void setAggregateAbove(qint64 keys)
    {
        m_aggregateAbove = keys;
    }
    bool isAggregated() const;
    bool isScanning() const;
    // A filter running on the server, or a group's keys being listed.
    bool isFilteringOnServer() const;
    bool isListingGroup() const;
    // Any walk running: what a cancel button stops.
    bool isBusy() const
    {
        return isScanning() || isFilteringOnServer() || isListingGroup();
    }
    // The filter the shown tree holds the matches of (set by setFilter); empty when the whole tree is shown.
    QString appliedFilter() const
    {
        return m_appliedFilter;
    }
    // The filter the shown tree was listed for on the server; empty when the whole tree is shown.
    QString serverFilter() const
    {
        return m_matches ? m_matchText : QString();
    }
    // The filter's tree was fed from the scan's own pages (a filter typed while a scan runs), not by SCAN MATCH.
    bool isFilteredFromScan() const
    {
        return m_matches && !m_matchOnServer;
    }

    // While the server cannot be reached the tree is the last known one: said so in the status, kept by a rescan
    // (which waits for the server). `why` is the connection's own account ("server unreachable since 03:34:52").
    void setConnectionLost(const QString& why);
    // The server answers again: a rescan asked for while it did not runs now.
    void setConnectionLive();
    bool isLive() const
    {
        return m_live;
    }
    bool isRescanWaiting() const
    {
        return m_rescanWaiting;
    }

    // How fresh the tree is: when the last complete scan finished, and how many keys the server (all masters) holds
    // now, from DBSIZE every few seconds (-1 until known). DBSIZE is not a keyspace lookup.
    QDateTime scannedAt() const
    {
        return m_scannedAt;
    }
    qint64 serverKeysNow() const
    {
        return m_serverKeysNow;
    }

    // The line under the tree, as the engineer reads it; per-master detail for its tooltip; the progress to show.
    QString statusText() const
    {
        return m_statusText;
    }
    QString statusToolTip() const
    {
        return m_statusToolTip;
    }
    struct Progress
    {
        bool shown = false;
        int maximum = 0; // 0: activity of unknown length
        int value = 0;
    };
    Progress progress() const
    {
        return m_progress;
    }

    // The engineer opened a node (a row of shownTree()): its keys' TTL and memory are read, and in aggregate mode
    // the keys it does not list yet are listed with SCAN MATCH.
    void openNode(const QModelIndex& sourceNode);
    // Aggregate mode: lists the keys of this group (a row of shownTree()) that it does not list yet.
    void listKeysOf(const QModelIndex& sourceNode);
    // Reads TTL and memory for up to `atMost` unmeasured keys directly under this node; returns how many were asked.
    int measureKeysOf(const QModelIndex& sourceNode, int atMost);

public Q_SLOTS:
    void rescan();
    void cancel();
    // A glob or a substring; empty shows the whole tree. During a scan, in aggregate mode, or by the proxy.
    void setFilter(const QString& text);
    // Regroups (and rescans): by the cache's key shapes, or by ':' prefixes for keyspaces of unknown shape.
    void setGrouping(int grouping);
    // 0: off (the default). A rescan that would start while one runs is skipped.
    void setAutoRescanInterval(int seconds);
    int autoRescanInterval() const
    {
        return m_autoRescan.isActive() ? m_autoRescan.interval() / 1000 : 0;
    }

Q_SIGNALS:
    // viewModel() is about to be replaced and was replaced: a view keeps what it had open across.
    void viewModelAboutToChange();
    void viewModelChanged();
    // A rescan is about to clear the whole tree: a view takes note of what it had open, to put it back.
    void rescanStarting();
    // A slice of pages went into the tree: the rows shown changed.
    void pageIngested();
    // The tree shown is complete (see Ready).
    void treeReady(cachescope::ui::KeyspaceFeed::Ready how);
    void statusChanged();
    void liveChanged(bool live);
    void scanFinished(qint64 keys);
    void serverKeysChanged(qint64 keys);

private:
    void updateStatus();
    void setStatus(const QString& text);
    void showModel(QAbstractItemModel* model);
    void ingestPending();
    void ingestKeys(const QList<QByteArray>& keys);
    void afterIngest(std::function<void()> step);
    void pollServerKeys();
    void fetchMetadata(KeyTreeModel* tree, const QList<QByteArray>& keys);
    void countSignalsOn();
    // Aggregate mode: the keys matching `text` (a glob, or a substring) listed by SCAN MATCH into m_matches.
    void startServerFilter(QString text); // a copy: it clears the filter it may be given (m_matchText)
    // A filter set while a scan runs: the keys the tree holds that match, then each page's matches, go into
    // m_matches — work in proportion to the page, never to the whole tree (a filtering proxy over a tree that
    // grows re-checks every group's keys on every page).
    void startScanFilter(const QString& text);
    void addScanMatches(const QList<QByteArray>& keys);
    // The keys of `keys` the filter's pattern matches (m_matchGlob, which must be set).
    QList<QByteArray> filterMatches(const QList<QByteArray>& keys) const;
    // A new, empty tree for a filter's matches, grouped as the whole tree.
    KeyTreeModel* newFilterTree();
    // A filter's tree is complete: sorted, opened.
    void presentFilterTree();
    void stopServerFilter();
    // Aggregate mode: an opened group's keys, by SCAN MATCH of its selection, up to listedPerOpenedGroup.
    void listGroup(const QModelIndex& sourceGroup);
    void stopListingGroup();
    // Aggregate mode when the keyspace is large enough, and counts projected while the scan runs.
    void adoptKeyspaceSize(qint64 keys);
    static void aggregate(KeyTreeModel* tree, bool on);

public:
    // The pattern a filter's text stands for: a glob as typed, a text as *text* (escaped).
    static QByteArray filterPattern(const QString& text);

private:
    QPointer<redis::Client> m_connection;
    KeyTreeModel* m_model;
    KeyFilterProxyModel* m_proxy;
    QAbstractItemModel* m_viewModel = nullptr;
    KeyTreeModel* m_matches = nullptr; // a filter's tree, owned
    std::unique_ptr<redis::BackgroundScan> m_matchScan;
    QString m_matchText; // the filter m_matches was listed for
    std::optional<model::RedisGlob> m_matchGlob; // its pattern: a group opened in m_matches lists only matches
    bool m_matchScanFailed = false;
    bool m_matchOnServer = true; // m_matches from SCAN MATCH; false: from the scan's pages
    bool m_matchesComplete = true; // a scan filter started from a tree that listed every key seen so far
    QString m_appliedFilter;
    std::unique_ptr<redis::BackgroundScan> m_groupScan;
    QPersistentModelIndex m_listedGroup; // the group m_groupScan lists
    QString m_listedGroupName;
    qint64 m_aggregateAbove = defaultAggregateAbove;
    QTimer m_sizePoll;
    QTimer m_autoRescan;
    QDateTime m_scannedAt;
    // How the last scan ended, for a status line that never mixes a cancelled count with another scan's time.
    enum class ScanEnd
    {
        None,
        Complete,
        Cancelled,
        Failed,
    };
    ScanEnd m_scanEnd = ScanEnd::None;
    QDateTime m_scanEndedAt;
    QString m_scanError;
    bool m_live = true;
    bool m_rescanWaiting = false;
    QString m_lostWhy;
    qint64 m_serverKeysNow = -1;
    QStringList m_serverKeysPerNode;
    bool m_sizePollInFlight = false;
    std::unique_ptr<redis::BackgroundScan> m_scan;
    struct NodeScan
    {
        QString description;
        bool done = false;
        qint64 keys = 0;
    };
    QList<NodeScan> m_scanNodes; // a cluster's masters, walked side by side
    qint64 m_expectedKeys = -1; // DBSIZE when the scan started, for a determinate progress bar
    redis::LatestRequest m_sizeRequests; // DBSIZE answers for an earlier scan are dropped
    std::deque<QList<QByteArray>> m_pending;
    qsizetype m_pendingOffset = 0; // keys of m_pending.front() already taken
    QTimer m_ingest;
    std::function<void()> m_afterIngest;
    QString m_statusText;
    QString m_statusToolTip;
    Progress m_progress;
};

} // namespace cachescope::ui
