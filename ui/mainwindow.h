#pragma once

#include "cache/hitratealerts.h"
#include "dialogs/safetyoptions.h"
#include "ops/invalidation/keyselection.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

class QLabel;
class QSystemTrayIcon;
class QToolButton;
class QSplitter;
class QTabWidget;

namespace cachescope::redis {
class Client;
class ConnectionHealth;
}
namespace cachescope::ops {
class InfoSampler;
}

namespace cachescope::ui {

class AnalysisPane;
class AuditPane;
class EvictionWatchDialog;
class ServerPane;
class MissesPane;
class InvalidationDialog;
class KeyBrowser;
class KeyspaceFeed;
class KeyDetailPane;
class LabelStatsPane;
class LiveChartPane;
class RouteEditorPane;

// The dashboard: key browser on the left; the selected key and the live charts on the right; connection
// state in the status bar. Everything reaches Redis through core, asynchronously: the window never waits.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    MainWindow(redis::Client* connection, SafetyOptions safety, QWidget* parent = nullptr);
    ~MainWindow() override;

    // The keyspace as the tree shows it: the scans, the filter, the status line. The key browser presents it.
    KeyspaceFeed* keyspace() const
    {
        return m_keyspace;
    }
    KeyBrowser* keyBrowser() const
    {
        return m_browser;
    }
    KeyDetailPane* keyDetail() const
    {
        return m_detail;
    }
    LiveChartPane* liveCharts() const
    {
        return m_charts;
    }
    LabelStatsPane* labelStats() const
    {
        return m_labelStats;
    }
    RouteEditorPane* routeEditor() const
    {
        return m_routes;
    }
    AuditPane* auditPane() const
    {
        return m_audit;
    }
    AnalysisPane* analysisPane() const
    {
        return m_analysis;
    }
    MissesPane* missesPane() const
    {
        return m_misses;
    }
    ServerPane* serverPane() const
    {
        return m_server;
    }
    QTabWidget* tabs() const
    {
        return m_tabs;
    }
    QSplitter* splitter() const
    {
        return m_splitter;
    }
    // Live, or lost since when and why: the one account every pane presents.
    redis::ConnectionHealth* connectionHealth() const
    {
        return m_health;
    }
    // The status bar's connection text, as shown.
    QString connectionText() const;
    // The line above the tabs while the server is away (empty while it answers).
    QString staleTabsText() const;
    // The production / read-only banner above the panes; hidden for an ordinary connection.
    QLabel* safetyBanner() const
    {
        return m_banner;
    }

    // The profile's hit-rate alerts (read every 30 s once connected): flagged rows in the stats table, a count in
    // the status bar, a desktop notification where a system tray exists.
    void setHitRateAlertRule(const cache::HitRateAlertRule& rule);
    cache::HitRateWatch* hitRateWatch() const
    {
        return m_hitRates;
    }
    // The status bar's alert button: hidden without alerts, its menu lists them.
    QToolButton* alertButton() const
    {
        return m_alertButton;
    }
    // Cache › Watch expiries and evictions: one dialog per window, reused.
    EvictionWatchDialog* openEvictionWatch();
    // Shows an alert's label: its hit-rate trend in the stats table and, for a route, its keys in the tree.
    void showAlert(const cache::HitRateAlert& alert);

    // Window geometry, the tree/tabs splitter and the tree's columns, per connection (QSettings "layout/<name>"):
    // saved when the window closes, restored when one opens for the same server.
    void saveLayout() const;
    void restoreLayout();
    // Keeps the window inside its screen's available area (a layout saved on a larger screen).
    void fitIntoScreen();

    // Opens the invalidation dialog for these keys (or for typed patterns when there is no selection).
    InvalidationDialog* openInvalidation(const std::optional<ops::KeySelection>& selection = std::nullopt);
    // The same flow setting a TTL on the keys (a node's keys, or a route's after its TTL changed).
    InvalidationDialog* openSetTtl(const std::optional<ops::KeySelection>& selection, qint64 seconds,
        std::optional<qint64> previousSeconds = std::nullopt);

Q_SIGNALS:
    // File › Connect to…: the application opens the profile dialog and a window for the chosen server.
    void connectRequested();

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void createActions();
    QString layoutGroup() const;
    // The first time the connection is ready: scan, and read what every pane shows.
    void loadOnce();
    void readChartHistory(qint64 seconds);
    void markAuditedChanges();
    InvalidationDialog* openKeyOperation(const std::optional<ops::KeySelection>& selection, bool setTtl,
        const std::function<void(InvalidationDialog*)>& configure = {});
    void updateConnectionStatus();
    // The connection was lost: every pane keeps its last figures and says they are not live.
    void markStale();
    // It is back: what went stale is read again, the tree rescanned, without a click.
    void refreshAfterLoss();
    void updateAlerts();
    void notify(const cache::HitRateAlert& alert);

    QPointer<redis::Client> m_connection;
    SafetyOptions m_safety;
    KeyspaceFeed* m_keyspace;
    KeyBrowser* m_browser;
    KeyDetailPane* m_detail;
    LiveChartPane* m_charts;
    LabelStatsPane* m_labelStats;
    RouteEditorPane* m_routes;
    AuditPane* m_audit;
    AnalysisPane* m_analysis;
    ServerPane* m_server;
    MissesPane* m_misses;
    QTabWidget* m_tabs;
    ops::InfoSampler* m_sampler;
    QSplitter* m_splitter;
    QLabel* m_banner;
    QLabel* m_staleTabs;
    QLabel* m_serverLabel;
    QLabel* m_stateLabel;
    redis::ConnectionHealth* m_health;
    QTimer* m_lossTick; // while lost: the age in every stale label moves on
    cache::HitRateWatch* m_hitRates;
    QToolButton* m_alertButton;
    QSystemTrayIcon* m_tray = nullptr; // only where a system tray exists
    QPointer<EvictionWatchDialog> m_evictionWatch;
    std::optional<cache::HitRateAlert> m_notified; // what the last notification was about, for its click
    bool m_scannedOnce = false;
};

} // namespace cachescope::ui
