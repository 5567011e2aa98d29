#pragma once

#include <QDateTime>
#include <QElapsedTimer>
#include <QPersistentModelIndex>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include "model/redisglob.h"
#include "ops/invalidation/keyselection.h"
#include "redis/latestrequest.h"

#include <deque>
#include <functional>
#include <memory>
#include <optional>

class QAbstractItemModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTreeView;

namespace cachescope::redis {
class Client;
class BackgroundScan;
}

namespace cachescope::ui {

class KeyFilterProxyModel;
class KeyTreeModel;

// The key browser: the keyspace grouped by tenant, venue and route, filled page by page from SCAN (usable
// while it fills, with progress and a cancel button; the scan's network work runs in a thread of its own), and a filter
// box (glob or text, applied 300 ms after the last keystroke).
class KeyBrowser : public QWidget
{
    Q_OBJECT
public:
    // TTL and memory are asked for a few keys per SCAN page (the group estimates) and for the children of a
    // node when it is expanded (what the engineer looks at), never for the whole keyspace.
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
    static constexpr qint64 maxGroupsOpenedAtOnce = 2'000; // a filter's tree opens every group up to this many

    explicit KeyBrowser(redis::Client* connection, QWidget* parent = nullptr);
    ~KeyBrowser() override;

    // The whole keyspace's tree.
    KeyTreeModel* model() const
    {
        return m_model;
    }
    // What the view shows: the whole tree, or the tree of a filter that ran on the server (aggregate mode).
    KeyTreeModel* shownTree() const;
    // Keyspaces larger than this are browsed in aggregate mode; applies from the next scan.
    void setAggregateAbove(qint64 keys)
    {
        m_aggregateAbove = keys;
    }
    bool isAggregated() const;
    // A filter running on the server, or a group's keys being listed.
    bool isFilteringOnServer() const;
    bool isListingGroup() const;
    // The filter the shown tree was listed for on the server; empty when the whole tree is shown.
    QString serverFilter() const
    {
        return m_matches ? m_matchText : QString();
    }
    QTreeView* view() const
    {
        return m_view;
    }
    bool isScanning() const;
    QString filterText() const;
    // Write items of the context menu are off on a read-only connection and on protected keys (CacheScope's own
    // namespaces and these globs).
    void setSafety(bool readOnly, const QList<QByteArray>& protectedPatterns);
    // Why the write items are off for this node, or nothing when they are on.
    std::optional<QString> whyNotWritable(const ops::KeySelection& selection) const;
    // While the server cannot be reached the tree is the last known one: greyed, said so under it, kept by F5 (the
    // rescan waits for the server). `why` is the connection's own account ("lost since 03:34:52: …").
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
    // The line under the tree, as the engineer reads it.
    QString statusText() const;
    // The filter's tree was fed from the scan's own pages (a filter typed while a scan runs), not by SCAN MATCH.
    bool isFilteredFromScan() const
    {
        return m_matches && !m_matchOnServer;
    }

public Q_SLOTS:
    void rescan();
    void cancelScan();
    void focusFilter();
    // Filters the tree as if the text had been typed (a glob or a substring).
    void setFilterText(const QString& text);
    // Regroups (and rescans): by the cache's key shapes, or by ':' prefixes for keyspaces of unknown shape.
    void setGrouping(int grouping);
    // Aggregate mode: lists the keys of the group at `viewIndex` (a row of view()) that it does not list yet, with
    // SCAN MATCH; as opening a group does.
    void listKeysOf(const QModelIndex& viewIndex);

    // 0: off (the default). A rescan that would start while one runs is skipped.
    void setAutoRescanInterval(int seconds);

public:
    // How fresh the tree is: when the last scan finished, and how many keys the server (all masters) holds now,
    // from DBSIZE every few seconds (-1 until known). DBSIZE is not a keyspace lookup.
    QDateTime scannedAt() const
    {
        return m_scannedAt;
    }
    qint64 serverKeysNow() const
    {
        return m_serverKeysNow;
    }

public Q_SLOTS:
    // The tree node under the cursor (or selected), as a selection of keys, when it has an exact one.
    std::optional<ops::KeySelection> currentSelection() const;

Q_SIGNALS:
    void keySelected(const QByteArray& key);
    void invalidateRequested(const cachescope::ops::KeySelection& selection);
    void setTtlRequested(const cachescope::ops::KeySelection& selection);
    void analyzeRequested(const cachescope::ops::KeySelection& selection);
    void scanFinished(qint64 keys);
    void serverKeysChanged(qint64 keys);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    // The TTL and memory columns at their preferred widths, or less in a narrow pane (see fitColumns()).
    void fitColumns();
    void expandKeptSoFar();
    QElapsedTimer m_lastKeptExpansion;
    int m_ttlWidth = 0;
    int m_memoryWidth = 0;
    bool m_columnsSqueezed = false;
    // What the engineer opened, selected and scrolled to, by the nodes' names: a rescan (after an invalidation, on
    // a schedule) puts it back instead of collapsing the tree.
    struct ViewState
    {
        QList<QStringList> expanded;
        QStringList current;
        int scroll = 0;
    };
    ViewState captureViewState() const;
    void restoreViewState(const ViewState& state);
    // The first look: every category open but CacheScope's own keys.
    void expandDefault();
    QModelIndex findPath(const QStringList& path) const;
    void updateProgress();
    // Pages from the scan's thread are taken in slices of at most a few milliseconds of model work each, so that
    // the GUI thread (its timers, its sockets, the engineer's typing) is never held long by a page; what follows the
    // scan's end waits until the last slice is in.
    static constexpr int ingestSliceMs = 8;
    static constexpr int ingestSliceKeys = 250;
    void ingestPending();
    void ingestKeys(const QList<QByteArray>& keys);
    void afterIngest(std::function<void()> step);
    std::deque<QList<QByteArray>> m_pending;
    qsizetype m_pendingOffset = 0; // keys of m_pending.front() already taken
    QTimer m_ingest;
    std::function<void()> m_afterIngest;
    void pollServerKeys();
    void fetchMetadata(KeyTreeModel* tree, const QList<QByteArray>& keys);
    void applyFilter();
    void reopenViewBeforeFilter();
    void countSignalsOn();
    // Aggregate mode: the keys matching `text` (a glob, or a substring) listed by SCAN MATCH into m_matches.
    void startServerFilter(const QString& text);
    // A filter set while a scan runs: the keys the tree holds that match, then each page's matches, go into
    // m_matches — work in proportion to the page, never to the whole tree (a filtering proxy over a tree that
    // grows re-checks every group's keys on every page).
    void startScanFilter(const QString& text);
    void addScanMatches(const QList<QByteArray>& keys);
    // A new, empty tree for a filter's matches, grouped as the whole tree.
    KeyTreeModel* newFilterTree();
    // A filter's tree is complete: sorted, opened.
    void presentFilterTree();
    // The pattern a filter's text stands for: a glob as typed, a text as *text* (escaped).
    static QByteArray filterPattern(const QString& text);
    // The TTL and memory of the keys in the nodes the view shows open (after a rescan put them back).
    void fetchOpenedMetadata();
    void stopServerFilter();
    // Aggregate mode: an opened group's keys, by SCAN MATCH of its selection, up to listedPerOpenedGroup.
    void listGroup(const QModelIndex& sourceGroup);
    void stopListingGroup();
    // Aggregate mode when the keyspace is large enough, and counts projected while the scan runs.
    void adoptKeyspaceSize(qint64 keys);
    static void aggregate(KeyTreeModel* tree, bool on);
    // The view shows the model itself while a scan fills it, and the sorting/filtering proxy otherwise.
    void showModel(QAbstractItemModel* model);
    QModelIndex toSource(const QModelIndex& viewIndex) const;

    QPointer<redis::Client> m_connection;
    KeyTreeModel* m_model;
    KeyTreeModel* m_matches = nullptr; // the server-side filter's tree (aggregate mode), owned
    std::unique_ptr<redis::BackgroundScan> m_matchScan;
    QString m_matchText; // the filter m_matches was listed for
    std::optional<model::RedisGlob>
        m_matchGlob; // its SCAN MATCH pattern: a group opened in m_matches lists only matches
    bool m_matchScanFailed = false;
    bool m_matchOnServer = true; // m_matches from SCAN MATCH; false: from the scan's pages
    bool m_matchesComplete = true; // a scan filter started from a tree that listed every key seen so far
    std::unique_ptr<redis::BackgroundScan> m_groupScan;
    QPersistentModelIndex m_listedGroup; // the group m_groupScan lists
    QString m_listedGroupName;
    qint64 m_aggregateAbove = defaultAggregateAbove;
    KeyFilterProxyModel* m_proxy;
    QLineEdit* m_filter;
    QComboBox* m_grouping;
    QTreeView* m_view;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPushButton* m_cancel;
    QPushButton* m_rescan;
    QComboBox* m_autoRescanChoice;
    QTimer m_filterDelay;
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
    std::optional<ViewState> m_keptView; // taken as a rescan starts, put back as it ends
    // What the engineer had open before a filter (typed, or set by an alert) opened every matching group: put back
    // when the filter is cleared, so the filter's openings do not stay open and reopen on every later rescan.
    std::optional<ViewState> m_viewBeforeFilter;
    QString m_appliedFilter;
    bool m_restoringView = false; // the current index put back is not a new selection by the engineer
    bool m_readOnly = false;
    QList<QByteArray> m_protectedPatterns;
    struct NodeScan
    {
        QString description;
        bool done = false;
        qint64 keys = 0;
    };
    QList<NodeScan> m_scanNodes; // a cluster's masters, walked side by side
    qint64 m_expectedKeys = -1; // DBSIZE when the scan started, for a determinate progress bar
    redis::LatestRequest m_sizeRequests; // DBSIZE answers for an earlier scan are dropped
};

} // namespace cachescope::ui
