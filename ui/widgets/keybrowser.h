#pragma once

#include <QElapsedTimer>
#include <QPersistentModelIndex>
#include <QTimer>
#include <QWidget>

#include "feeds/keyspacefeed.h"
#include "ops/invalidation/keyselection.h"

#include <functional>
#include <optional>

class QAbstractItemModel;
class QComboBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QPushButton;
class QTreeView;

namespace cachescope::ui {

// The key browser presents a KeyspaceFeed (the keyspace grouped by tenant, venue and route, filled page by page
// from SCAN, usable while it fills): the tree, a filter box (glob or text, applied 300 ms after the last
// keystroke), progress with a cancel button, and the line that says how fresh the tree is. It decides nothing about
// the keyspace; it keeps what the engineer opened across rescans and filters, and offers the operations on a node.
class KeyBrowser : public QWidget
{
    Q_OBJECT
public:
    explicit KeyBrowser(KeyspaceFeed* feed, QWidget* parent = nullptr);
    ~KeyBrowser() override;

    KeyspaceFeed* feed() const
    {
        return m_feed;
    }
    QTreeView* view() const
    {
        return m_view;
    }
    QString filterText() const;
    // Write items of the context menu are off on a read-only connection and on protected keys (CacheScope's own
    // namespaces and these globs).
    void setSafety(bool readOnly, const QList<QByteArray>& protectedPatterns);
    // Why the write items are off for this node, or nothing when they are on.
    std::optional<QString> whyNotWritable(const ops::KeySelection& selection) const;
    // The line under the tree, as the engineer reads it.
    QString statusText() const;

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
    // The tree node under the cursor (or selected), as a selection of keys, when it has an exact one.
    std::optional<ops::KeySelection> currentSelection() const;

Q_SIGNALS:
    void keySelected(const QByteArray& key);
    void invalidateRequested(const cachescope::ops::KeySelection& selection);
    void setTtlRequested(const cachescope::ops::KeySelection& selection);
    void analyzeRequested(const cachescope::ops::KeySelection& selection);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    static constexpr qint64 maxGroupsOpenedAtOnce = 2'000; // a filter's tree opens every group up to this many
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
    // Calls `visit` with each expanded row of the view under `parent`, depth first, until it returns false (then
    // returns false).
    bool forEachExpanded(
        const std::function<bool(const QModelIndex&)>& visit, const QModelIndex& parent = QModelIndex()) const;
    void restoreViewState(const ViewState& state);
    // The first look: every category open but CacheScope's own keys.
    void expandDefault();
    QModelIndex findPath(const QStringList& path) const;
    void presentStatus();
    void presentReadyTree(KeyspaceFeed::Ready how);
    void connectSelection();
    void applyFilter();
    void reopenViewBeforeFilter();
    // The TTL and memory of the keys in the nodes the view shows open (after a rescan put them back).
    void fetchOpenedMetadata();
    QModelIndex toSource(const QModelIndex& viewIndex) const;

    KeyspaceFeed* m_feed;
    QLineEdit* m_filter;
    QComboBox* m_grouping;
    QTreeView* m_view;
    QProgressBar* m_progress;
    QLabel* m_status;
    QPushButton* m_cancel;
    QPushButton* m_rescan;
    QComboBox* m_autoRescanChoice;
    QTimer m_filterDelay;
    // Kept across viewModelAboutToChange/viewModelChanged.
    QList<QPersistentModelIndex> m_expandedAcrossSwitch;
    QPersistentModelIndex m_currentAcrossSwitch;
    std::optional<ViewState> m_keptView; // taken as a rescan starts, put back as it ends
    // What the engineer had open before a filter (typed, or set by an alert) opened every matching group: put back
    // when the filter is cleared, so the filter's openings do not stay open and reopen on every later rescan.
    std::optional<ViewState> m_viewBeforeFilter;
    bool m_restoringView = false; // the current index put back is not a new selection by the engineer
    bool m_readOnly = false;
    QList<QByteArray> m_protectedPatterns;
};

} // namespace cachescope::ui
