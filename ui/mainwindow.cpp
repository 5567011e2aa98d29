#include "mainwindow.h"
#include "model/displaybytes.h"

#include "dialogs/evictionwatchdialog.h"
#include "dialogs/invalidationdialog.h"
#include "feeds/keyspacefeed.h"
#include "itemmodels/auditmodel.h"
#include "widgets/analysispane.h"
#include "widgets/auditpane.h"
#include "widgets/keybrowser.h"
#include "widgets/keydetailpane.h"
#include "widgets/labelstatspane.h"
#include "widgets/livechartpane.h"
#include "widgets/missespane.h"
#include "widgets/routeeditorpane.h"
#include "widgets/serverpane.h"

#include "cache/statsreader.h"
#include "ops/audit/audit.h"
#include "ops/server/infosampler.h"
#include "redis/connection.h"
#include "redis/connectionhealth.h"

#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QCloseEvent>
#include <QFile>
#include <QFileDialog>
#include <QHeaderView>
#include <QIcon>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QScreen>
#include <QSettings>
#include <QShowEvent>
#include <QSplitter>
#include <QStatusBar>
#include <QStyle>
#include <QSystemTrayIcon>
#include <QTabBar>
#include <QTabWidget>
#include <QToolBar>
#include <QToolButton>
#include <QTreeView>
#include <QVBoxLayout>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

MainWindow::MainWindow(redis::Client* connection, SafetyOptions safety, QWidget* parent)
    : QMainWindow(parent)
    , m_connection(connection)
    , m_safety(std::move(safety))
    , m_keyspace(new KeyspaceFeed(connection, this))
    , m_browser(new KeyBrowser(m_keyspace, this))
    , m_detail(new KeyDetailPane(connection, this))
    , m_charts(new LiveChartPane(this))
    , m_labelStats(new LabelStatsPane(connection, this))
    , m_routes(new RouteEditorPane(connection, m_safety.actor, m_safety.readOnly, this))
    , m_audit(new AuditPane(connection, this))
    , m_analysis(new AnalysisPane(connection, this))
    , m_server(new ServerPane(connection, this))
    , m_misses(new MissesPane(connection, m_safety, this))
    , m_tabs(new QTabWidget(this))
    , m_sampler(new ops::InfoSampler(connection, this))
    , m_splitter(new QSplitter(this))
    , m_banner(new QLabel(this))
    , m_staleTabs(new QLabel(this))
    , m_serverLabel(new QLabel(this))
    , m_stateLabel(new QLabel(this))
    , m_health(new redis::ConnectionHealth(connection, this))
    , m_lossTick(new QTimer(this))
    , m_hitRates(new cache::HitRateWatch(connection, {}, this))
    , m_alertButton(new QToolButton(this))
{
    QString title = tr("CacheScope — %1").arg(connection->options().displayName());
    if (m_safety.production)
        title += tr(" — PRODUCTION");
    if (m_safety.readOnly)
        title += tr(" (read-only)");
    setWindowTitle(title);
    setWindowIcon(QIcon(u":/icons/cachescope.svg"_s));
    auto* live = new QSplitter(Qt::Vertical, this);
    live->addWidget(m_charts);
    live->addWidget(m_labelStats);
    live->setSizes({480, 220});
    m_tabs->addTab(live, tr("Live"));
    m_tabs->addTab(m_detail, tr("Key"));
    m_tabs->addTab(m_routes, tr("Route TTLs"));
    m_tabs->addTab(m_audit, tr("Audit"));
    m_tabs->addTab(m_analysis, tr("Analysis"));
    m_tabs->addTab(m_misses, tr("Misses"));
    m_tabs->addTab(m_server, tr("Server"));
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_audit)
            m_audit->refresh();
        if (m_tabs->currentWidget() == m_server)
            m_server->refresh();
    });
    connect(m_routes, &RouteEditorPane::saved, m_audit, &AuditPane::refresh);
    // Above every tab, while the server is away: what they show was read before (the tabs do not each say it).
    m_staleTabs->setVisible(false);
    m_staleTabs->setWordWrap(true);
    m_staleTabs->setMargin(4);
    m_staleTabs->setStyleSheet(u"QLabel { background: #eceff1; color: #37474f; border-bottom: 1px solid #b0bec5; }"_s);
    auto* tabsColumn = new QWidget(this);
    auto* tabsLayout = new QVBoxLayout(tabsColumn);
    tabsLayout->setContentsMargins(0, 0, 0, 0);
    tabsLayout->setSpacing(0);
    tabsLayout->addWidget(m_staleTabs);
    tabsLayout->addWidget(m_tabs, 1);
    m_splitter->addWidget(m_browser);
    m_splitter->addWidget(tabsColumn);
    m_splitter->setStretchFactor(0, 2);
    m_splitter->setStretchFactor(1, 3);
    m_splitter->setChildrenCollapsible(false);
    // Fixed minimums: QSplitter otherwise follows each pane's minimum size hint, which changes with the tab shown
    // and the text in it, and moves the divider by itself. Now only a drag (or a window resize) moves it.
    m_browser->setMinimumWidth(300);
    m_tabs->setMinimumWidth(420);
    m_splitter->setSizes({600, 680});
    // Production and read-only stay in sight whatever the status bar says (a message there hides normal widgets).
    m_banner->setVisible(m_safety.production || m_safety.readOnly);
    m_banner->setMargin(4);
    if (m_safety.production) {
        m_banner->setText(m_safety.readOnly
                ? tr("PRODUCTION · read-only: nothing is written")
                : tr("PRODUCTION · deleting more than %L1 keys asks for the count to be typed")
                      .arg(m_safety.confirmAbove));
        m_banner->setStyleSheet(u"QLabel { background: #b71c1c; color: white; font-weight: bold; }"_s);
    } else if (m_safety.readOnly) {
        m_banner->setText(tr("Read-only: nothing is written; dry runs still count"));
        m_banner->setStyleSheet(u"QLabel { background: #37474f; color: white; font-weight: bold; }"_s);
    }
    auto* central = new QWidget(this);
    auto* centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->setSpacing(0);
    centralLayout->addWidget(m_banner);
    centralLayout->addWidget(m_splitter, 1);
    setCentralWidget(central);
    // The connection's state takes the room it needs ("lost since 03:34:52 (35 s): Connection refused · retrying …").
    statusBar()->addPermanentWidget(m_serverLabel);
    statusBar()->addPermanentWidget(m_alertButton);
    statusBar()->addPermanentWidget(m_stateLabel, 1);
    m_stateLabel->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    m_alertButton->setPopupMode(QToolButton::InstantPopup);
    m_alertButton->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_alertButton->setIcon(style()->standardIcon(QStyle::SP_MessageBoxWarning));
    m_alertButton->setAutoRaise(true);
    m_alertButton->setMenu(new QMenu(m_alertButton));
    m_alertButton->hide();
    connect(m_hitRates, &cache::HitRateWatch::alertsChanged, this, &MainWindow::updateAlerts);
    connect(m_hitRates, &cache::HitRateWatch::raised, this, &MainWindow::notify);
    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setToolTip(windowTitle());
        connect(m_tray, &QSystemTrayIcon::messageClicked, this, [this] {
            if (m_notified)
                showAlert(*m_notified);
        });
    }
    createActions();

    connect(m_browser, &KeyBrowser::keySelected, this, [this](const QByteArray& key) {
        m_detail->showKey(key);
        m_tabs->setCurrentWidget(m_detail);
    });
    m_detail->setSafety(m_safety.readOnly, m_safety.protectedPatterns);
    m_browser->setSafety(m_safety.readOnly, m_safety.protectedPatterns);
    connect(m_detail, &KeyDetailPane::deleteRequested, this,
        [this](const ops::KeySelection& selection) { openInvalidation(selection); });
    connect(m_browser, &KeyBrowser::invalidateRequested, this,
        [this](const ops::KeySelection& selection) { openInvalidation(selection); });
    connect(m_browser, &KeyBrowser::analyzeRequested, this, [this](const ops::KeySelection& selection) {
        m_tabs->setCurrentWidget(m_analysis);
        m_analysis->analyze(selection);
    });
    connect(m_routes, &RouteEditorPane::loaded, this, [this] {
        m_analysis->setRoutes(m_routes->liveConfig());
        m_misses->setRoutes(m_routes->liveConfig());
    });
    connect(m_misses, &MissesPane::ttlProposed, this, [this](const QString& rulePath, int seconds) {
        if (m_routes->stageTtl(rulePath, seconds))
            m_tabs->setCurrentWidget(m_routes);
    });
    connect(m_browser, &KeyBrowser::setTtlRequested, this,
        [this](const ops::KeySelection& selection) { openSetTtl(selection, 300); });
    connect(m_routes, &RouteEditorPane::applyTtlRequested, this,
        [this](const ops::KeySelection& selection, qint64 seconds, std::optional<qint64> previous) {
            openSetTtl(selection, seconds, previous);
        });
    connect(m_sampler, &ops::InfoSampler::sampled, m_charts, &LiveChartPane::addSample);
    connect(m_charts, &LiveChartPane::historyWanted, this, &MainWindow::readChartHistory);
    connect(m_audit, &AuditPane::refreshed, this, &MainWindow::markAuditedChanges);
    connect(m_sampler, &ops::InfoSampler::failed, this,
        [this](const QString& error) { statusBar()->showMessage(tr("INFO failed: %1").arg(error), 5000); });
    connect(m_health, &redis::ConnectionHealth::changed, this, &MainWindow::updateConnectionStatus);
    connect(m_health, &redis::ConnectionHealth::lost, this, &MainWindow::markStale);
    connect(m_health, &redis::ConnectionHealth::restored, this, &MainWindow::refreshAfterLoss);
    m_lossTick->setInterval(1000);
    connect(m_lossTick, &QTimer::timeout, this, [this] {
        updateConnectionStatus();
        markStale();
    });
    connect(connection, &redis::Client::ready, this, [this] {
        updateConnectionStatus();
        loadOnce();
        if (!m_sampler->isRunning())
            m_sampler->start();
    });
    // The reason is in the status label (with since when) for as long as it holds; a message would hide it.
    connect(connection, &redis::Client::errorOccurred, this, [this](redis::ErrorKind, const QString& message) {
        if (m_health->isLive())
            statusBar()->showMessage(message, 10000);
    });
    connect(connection, &redis::Client::nodesChanged, this, [this] {
        QStringList names;
        for (int i = 0; i < m_connection->nodes().size(); ++i)
            names.append(m_connection->describeNode(i));
        m_charts->setNodeNames(names);
        updateConnectionStatus();
    });
    if (connection->isReady()) {
        loadOnce();
        m_sampler->start();
    }
    updateConnectionStatus();
    resize(1280, 800);
    restoreLayout(); // the size and divider this server's window had when it was last closed, if any
}

MainWindow::~MainWindow() = default;

void MainWindow::createActions()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    QMenu* view = menuBar()->addMenu(tr("&View"));
    QToolBar* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName(u"mainToolbar"_s);
    toolbar->setMovable(false);

    auto* rescan = new QAction(tr("&Rescan keys"), this);
    rescan->setShortcut(QKeySequence::Refresh);
    connect(rescan, &QAction::triggered, m_keyspace, &KeyspaceFeed::rescan);
    auto* filter = new QAction(tr("&Filter keys"), this);
    filter->setShortcut(QKeySequence::Find);
    connect(filter, &QAction::triggered, m_browser, &KeyBrowser::focusFilter);
    auto* cancel = new QAction(tr("&Cancel scan"), this);
    cancel->setShortcut(Qt::Key_Escape);
    connect(cancel, &QAction::triggered, m_keyspace, &KeyspaceFeed::cancel);
    auto* pause = new QAction(tr("&Pause charts"), this);
    pause->setCheckable(true);
    pause->setShortcut(Qt::CTRL | Qt::Key_P);
    connect(pause, &QAction::toggled, m_charts, &LiveChartPane::setPaused);
    connect(m_charts, &LiveChartPane::pausedChanged, pause, &QAction::setChecked);
    connect(m_charts, &LiveChartPane::pausedChanged, m_labelStats, &LabelStatsPane::setPaused);
    auto* exportCsv = new QAction(tr("Export chart data as &CSV…"), this);
    connect(exportCsv, &QAction::triggered, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export chart data"), u"cachescope.csv"_s, tr("CSV files (*.csv)"));
        if (path.isEmpty())
            return;
        QFile csv(path);
        if (!csv.open(QIODevice::WriteOnly) || csv.write(m_charts->toCsv().toUtf8()) < 0)
            QMessageBox::warning(this, tr("Export failed"), csv.errorString());
    });
    auto* exportPng = new QAction(tr("Save chart as &PNG…"), this);
    connect(exportPng, &QAction::triggered, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Save chart"), u"cachescope.png"_s, tr("PNG images (*.png)"));
        if (!path.isEmpty() && !m_charts->chartView()->grab().save(path))
            QMessageBox::warning(this, tr("Save failed"), tr("Could not write %1").arg(path));
    });
    auto* invalidate = new QAction(tr("&Invalidate…"), this);
    invalidate->setToolTip(tr("Delete keys matching patterns, or the selected node's keys, after a dry run (Del on "
                              "a node in the tree)"));
    // Typed patterns, with the selected node offered, never used silently: it may be deselected or filtered away.
    connect(invalidate, &QAction::triggered, this, [this] {
        if (InvalidationDialog* dialog = openInvalidation())
            dialog->offerSelection(m_browser->currentSelection());
    });
    auto* connectTo = new QAction(tr("&Connect to…"), this);
    connectTo->setShortcut(QKeySequence::Open);
    connect(connectTo, &QAction::triggered, this, &MainWindow::connectRequested);
    auto* quit = new QAction(tr("&Quit"), this);
    quit->setShortcut(QKeySequence::Quit);
    connect(quit, &QAction::triggered, qApp, &QApplication::closeAllWindows);

    file->addAction(connectTo);
    file->addSeparator();
    file->addActions({exportCsv, exportPng});
    file->addSeparator();
    file->addAction(quit);
    view->addActions({rescan, filter, cancel, pause});
    // Ctrl+1…6: the tabs, in their order.
    view->addSeparator();
    for (int tab = 0; tab < m_tabs->count(); ++tab) {
        auto* show = new QAction(tr("Show %1").arg(m_tabs->tabText(tab)), this);
        show->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + tab)));
        connect(show, &QAction::triggered, this, [this, tab] { m_tabs->setCurrentIndex(tab); });
        view->addAction(show);
        addAction(show); // works without the menu open, from any pane
    }
    auto* setTtl = new QAction(tr("Set &TTL on keys…"), this);
    connect(setTtl, &QAction::triggered, this, [this] {
        if (InvalidationDialog* dialog = openSetTtl(std::nullopt, 300))
            dialog->offerSelection(m_browser->currentSelection());
    });
    auto* editRoutes = new QAction(tr("Edit &route TTLs"), this);
    connect(editRoutes, &QAction::triggered, this, [this] { m_tabs->setCurrentWidget(m_routes); });
    auto* auditTrail = new QAction(tr("&Audit trail"), this);
    connect(auditTrail, &QAction::triggered, this, [this] { m_tabs->setCurrentWidget(m_audit); });
    auto* analyze = new QAction(tr("&Analyze keyspace"), this);
    analyze->setToolTip(tr("What takes the memory, by route, tenant, venue or namespace (a node: its context menu)"));
    connect(analyze, &QAction::triggered, this, [this] {
        m_tabs->setCurrentWidget(m_analysis);
        if (!m_analysis->isRunning())
            m_analysis->analyze();
    });
    auto* evictions = new QAction(tr("Watch &expiries and evictions…"), this);
    evictions->setToolTip(tr("What leaves the cache by route, tenant, venue or namespace, and how much of it was "
                             "evicted before its TTL"));
    connect(evictions, &QAction::triggered, this, &MainWindow::openEvictionWatch);
    auto* footprint = new QAction(tr("&Measure CacheScope's own keys"), this);
    connect(footprint, &QAction::triggered, m_labelStats, &LabelStatsPane::measureFootprint);
    // Every cache action in one menu, whatever pane or menu it also lives in.
    QMenu* cache = menuBar()->addMenu(tr("&Cache"));
    cache->addActions({invalidate, setTtl});
    cache->addSeparator();
    cache->addActions({rescan, editRoutes, auditTrail, analyze, evictions, footprint});
    toolbar->addActions({rescan, filter, pause, invalidate});
}

QString MainWindow::layoutGroup() const
{
    return u"layout/"_s + (m_connection ? m_connection->options().displayName() : u"(none)"_s).replace(u'/', u'_');
}

void MainWindow::saveLayout() const
{
    QSettings settings;
    settings.beginGroup(layoutGroup());
    settings.setValue(u"geometry"_s, saveGeometry());
    settings.setValue(u"splitter"_s, m_splitter->saveState());
    settings.setValue(u"treeColumns"_s, m_browser->view()->header()->saveState());
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    settings.beginGroup(layoutGroup());
    if (settings.contains(u"geometry"_s))
        restoreGeometry(settings.value(u"geometry"_s).toByteArray());
    fitIntoScreen();
    if (settings.contains(u"splitter"_s))
        m_splitter->restoreState(settings.value(u"splitter"_s).toByteArray());
    if (settings.contains(u"treeColumns"_s))
        m_browser->view()->header()->restoreState(settings.value(u"treeColumns"_s).toByteArray());
}

void MainWindow::fitIntoScreen()
{
    // A size saved on a larger screen (1280×800 restored on 1024×640) would put the status bar and the alerts off
    // the bottom: the window is kept inside the screen's available area.
    const QScreen* screen = this->screen() ? this->screen() : QGuiApplication::primaryScreen();
    if (!screen)
        return;
    const QRect available = screen->availableGeometry();
    const QRect frame = frameGeometry();
    const QSize decoration = frame.size() - geometry().size();
    const QSize fits(std::min(width(), available.width() - decoration.width()),
        std::min(height(), available.height() - decoration.height()));
    if (fits != size())
        resize(fits.expandedTo(minimumSizeHint().boundedTo(fits)));
    QRect placed = frameGeometry();
    if (!available.contains(placed)) {
        placed.moveLeft(std::clamp(
            placed.left(), available.left(), std::max(available.left(), available.right() - placed.width() + 1)));
        placed.moveTop(std::clamp(
            placed.top(), available.top(), std::max(available.top(), available.bottom() - placed.height() + 1)));
        move(placed.topLeft());
    }
}

void MainWindow::showEvent(QShowEvent* event)
{
    QMainWindow::showEvent(event);
    if (!event->spontaneous())
        fitIntoScreen(); // now that the frame's size is known
}

QString MainWindow::connectionText() const
{
    return m_health->describe();
}

void MainWindow::markStale()
{
    if (m_health->isLive() || !m_health->lostSince()) {
        m_lossTick->stop();
        return; // live, or never connected: nothing shown is stale
    }
    if (!m_lossTick->isActive())
        m_lossTick->start();
    // Short where space is short: the status bar says why and since when in full.
    const QString since = tr("server unreachable since %1").arg(m_health->lostSince()->toString(u"HH:mm:ss"_s));
    m_keyspace->setConnectionLost(since);
    m_charts->setConnectionLost(m_health->describe());
    m_labelStats->setConnectionLost(since);
    m_staleTabs->setText(
        tr("Last known — %1 (%2): every tab shows what was read before; each is read again when "
           "the server answers.")
            .arg(since, redis::ConnectionHealth::ageText(m_health->lostSince()->secsTo(QDateTime::currentDateTime()))));
    m_staleTabs->setVisible(true);
    for (int tab = 0; tab < m_tabs->count(); ++tab)
        m_tabs->tabBar()->setTabTextColor(tab, QColor(Qt::gray));
}

QString MainWindow::staleTabsText() const
{
    return m_staleTabs->isHidden() ? QString() : m_staleTabs->text();
}

void MainWindow::refreshAfterLoss()
{
    m_lossTick->stop();
    m_staleTabs->setVisible(false);
    for (int tab = 0; tab < m_tabs->count(); ++tab)
        m_tabs->tabBar()->setTabTextColor(tab, QColor());
    m_charts->setConnectionLive();
    m_labelStats->setConnectionLive();
    // The server may have restarted and lost its keys, its route configuration, its audit trail: everything read
    // from it is read again; the tree too (a rescan asked for while it was down runs now, or one starts).
    const bool waiting = m_keyspace->isRescanWaiting();
    m_keyspace->setConnectionLive();
    if (!waiting)
        m_keyspace->rescan();
    m_routes->reload();
    m_labelStats->refresh();
    m_labelStats->measureFootprint();
    m_audit->refresh();
    m_hitRates->start();
    readChartHistory(m_charts->windowSeconds());
    updateConnectionStatus();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (m_routes->hasUnsavedEdits()) {
        m_tabs->setCurrentWidget(m_routes); // the edits the question is about
        if (!m_routes->confirmDiscard()) {
            event->ignore();
            return;
        }
    }
    if (m_evictionWatch && m_evictionWatch->isWatching()) {
        // The server's notify-keyspace-events goes back first: the window closes once the watch has restored it.
        connect(m_evictionWatch, &EvictionWatchDialog::finished, this, &QWidget::close, Qt::SingleShotConnection);
        m_evictionWatch->close();
        event->ignore();
        return;
    }
    if (m_misses->isWatching()) {
        connect(m_misses, &MissesPane::finished, this, &QWidget::close, Qt::SingleShotConnection);
        m_misses->stop();
        event->ignore();
        return;
    }
    saveLayout();
    QMainWindow::closeEvent(event);
}

InvalidationDialog* MainWindow::openInvalidation(const std::optional<ops::KeySelection>& selection)
{
    return openKeyOperation(selection, false);
}

void MainWindow::loadOnce()
{
    if (m_scannedOnce)
        return;
    m_scannedOnce = true;
    m_keyspace->rescan();
    m_routes->reload();
    m_labelStats->refresh();
    m_hitRates->start();
    m_audit->refresh(); // for the chart's markers too
    readChartHistory(m_charts->windowSeconds());
}

EvictionWatchDialog* MainWindow::openEvictionWatch()
{
    if (!m_evictionWatch) // the routes the tree groups by, as live now
        m_evictionWatch = new EvictionWatchDialog(m_connection, m_safety, m_routes->liveConfig(), this);
    m_evictionWatch->show();
    m_evictionWatch->raise();
    return m_evictionWatch;
}

void MainWindow::setHitRateAlertRule(const cache::HitRateAlertRule& rule)
{
    if (rule == m_hitRates->rule())
        return;
    m_hitRates->setRule(rule);
}

void MainWindow::updateAlerts()
{
    const QList<cache::HitRateAlert>& alerts = m_hitRates->alerts();
    m_labelStats->setAlerts(alerts);
    QMenu* menu = m_alertButton->menu();
    menu->clear();
    for (const cache::HitRateAlert& alert : alerts) {
        const QString dimension = alert.dimension == cache::StatsDimension::Tenant ? tr("tenant") : tr("route");
        QAction* action = menu->addAction(u"%1 %2 — %3"_s.arg(
            dimension, alert.summary(), tr("since %1").arg(alert.since.toLocalTime().toString(u"HH:mm"_s))));
        connect(action, &QAction::triggered, this, [this, alert] { showAlert(alert); });
    }
    m_alertButton->setText(alerts.size() == 1 ? tr("1 hit-rate alert") : tr("%L1 hit-rate alerts").arg(alerts.size()));
    m_alertButton->setToolTip(tr("Routes and tenants whose hit rate over 5 minutes fell below their own last hour "
                                 "(or the profile's floor). Click one to see its trend and keys."));
    m_alertButton->setVisible(!alerts.isEmpty());
    if (m_tray)
        m_tray->setVisible(!alerts.isEmpty());
}

void MainWindow::notify(const cache::HitRateAlert& alert)
{
    m_notified = alert;
    if (m_tray && m_tray->isVisible())
        m_tray->showMessage(tr("Hit rate dropped"), alert.summary(), QSystemTrayIcon::Warning);
}

void MainWindow::showAlert(const cache::HitRateAlert& alert)
{
    m_tabs->setCurrentIndex(0); // Live: the charts and the stats table under them
    // The last hour: the label's own baseline and the drop, side by side.
    m_labelStats->showLabel(alert.dimension, alert.label, 3600);
    // Its keys, narrowed by the same glob a selection of that route or tenant scans with. A route label is
    // "METHOD /rule-path".
    ops::GatewayScope scope;
    if (alert.dimension == cache::StatsDimension::Route) {
        const qsizetype space = alert.label.indexOf(' ');
        if (space <= 0)
            return;
        scope.method = alert.label.first(space);
        scope.rulePath = QString::fromUtf8(alert.label.sliced(space + 1));
    } else {
        scope.tenant = alert.label;
    }
    m_browser->setFilterText(QString::fromUtf8(ops::selectGatewayKeys(scope, m_routes->liveConfig()).scanPattern));
}

void MainWindow::readChartHistory(qint64 seconds)
{
    if (!m_connection || !m_connection->isReady())
        return;
    cache::readStatsWindow(*m_connection, cache::StatsDimension::Total, seconds, this,
        [this](std::optional<cache::StatsWindow> window, const QString&) {
            if (window) // without stats (no service records them) the chart starts at its first sample, as before
                m_charts->setRecordedHistory(*window);
        });
}

void MainWindow::markAuditedChanges()
{
    // What changed the cache: runs that wrote (dry runs and refusals did not) and route saves.
    QList<ChartMarker> markers;
    for (const ops::AuditRecord& record : m_audit->model()->records()) {
        if (record.dryRun || record.action == ops::auditActionName(ops::AuditAction::Refused))
            continue;
        QString text = model::displayText(record.actor) + u": "_s + model::displayText(record.summary()) + u' '
            + model::displayText(record.target, 80);
        if (record.count >= 0 && record.action != ops::auditActionName(ops::AuditAction::RouteSave))
            text += tr(" (%L1 keys)").arg(record.count);
        markers.append({record.at, text});
    }
    m_charts->setMarkers(markers);
}

InvalidationDialog* MainWindow::openSetTtl(
    const std::optional<ops::KeySelection>& selection, qint64 seconds, std::optional<qint64> previousSeconds)
{
    // A raise is applied to lengthen keys; anything else only shortens unless the user says otherwise.
    return openKeyOperation(selection, true, [&](InvalidationDialog* dialog) {
        dialog->setTtl(seconds, !previousSeconds || *previousSeconds >= seconds, previousSeconds);
    });
}

InvalidationDialog* MainWindow::openKeyOperation(const std::optional<ops::KeySelection>& selection, bool setTtl,
    const std::function<void(InvalidationDialog*)>& configure)
{
    if (!m_connection)
        return nullptr;
    auto* dialog = new InvalidationDialog(
        m_connection, m_safety, setTtl ? InvalidationDialog::Action::SetTtl : InvalidationDialog::Action::Delete, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (selection)
        dialog->setSelection(*selection);
    if (configure)
        configure(dialog); // before the first preview, which counts for these settings
    connect(dialog, &InvalidationDialog::executed, this, [this, setTtl](qint64 changed) {
        statusBar()->showMessage(
            setTtl ? tr("TTL set on %L1 keys").arg(changed) : tr("%L1 keys deleted").arg(changed), 10000);
        m_keyspace->rescan();
        m_audit->refresh();
        m_detail->refresh();
    });
    dialog->show();
    if (selection)
        dialog->preview(); // a node's selection is known: count it at once
    return dialog;
}

void MainWindow::updateConnectionStatus()
{
    if (!m_connection)
        return;
    QString server = m_connection->isCluster()
        ? tr("Cluster via %1 · %n masters", nullptr, int(m_connection->nodes().size()))
              .arg(m_connection->options().displayName())
        : tr("Server %1").arg(m_connection->options().displayName());
    if (m_safety.production)
        server += tr(" · <b style='color:#b71c1c'>PRODUCTION</b>");
    if (m_safety.readOnly)
        server += tr(" · read-only");
    m_serverLabel->setText(server);
    const QString state = m_health->describe();
    QString color;
    switch (m_connection->state()) {
    case redis::Client::State::Ready:
        color = u"#2e7d32"_s;
        break;
    case redis::Client::State::Connecting:
    case redis::Client::State::Handshaking:
    case redis::Client::State::WaitingToReconnect:
        color = m_health->lostSince() ? u"#c62828"_s : u"#f9a825"_s;
        break;
    case redis::Client::State::Disconnected:
        color = u"#c62828"_s;
        break;
    }
    m_stateLabel->setToolTip(m_health->isLive()
            ? tr("The figures shown are live.")
            : tr("%1\n\nEvery figure shown is the last one read, marked with its time; the tree is kept, and "
                 "everything is read again (the tree rescanned) as soon as the server answers.")
                  .arg(state));
    m_stateLabel->setText(u"<span style='color:%1'>●</span> %2"_s.arg(color, state.toHtmlEscaped()));
}

} // namespace cachescope::ui
