#include "mainwindow.h"

#include "dialogs/invalidationdialog.h"
#include "widgets/auditpane.h"
#include "widgets/keybrowser.h"
#include "widgets/keydetailpane.h"
#include "widgets/labelstatspane.h"
#include "widgets/livechartpane.h"
#include "widgets/routeeditorpane.h"

#include "ops/infosampler.h"
#include "redis/connection.h"

#include <QAction>
#include <QApplication>
#include <QChartView>
#include <QFile>
#include <QFileDialog>
#include <QIcon>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

MainWindow::MainWindow(redis::Client* connection, SafetyOptions safety, QWidget* parent)
    : QMainWindow(parent)
    , m_connection(connection)
    , m_safety(std::move(safety))
    , m_browser(new KeyBrowser(connection, this))
    , m_detail(new KeyDetailPane(connection, this))
    , m_charts(new LiveChartPane(this))
    , m_labelStats(new LabelStatsPane(connection, this))
    , m_routes(new RouteEditorPane(connection, m_safety.actor, m_safety.readOnly, this))
    , m_audit(new AuditPane(connection, this))
    , m_tabs(new QTabWidget(this))
    , m_sampler(new ops::InfoSampler(connection, this))
    , m_serverLabel(new QLabel(this))
    , m_stateLabel(new QLabel(this))
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
    connect(m_tabs, &QTabWidget::currentChanged, this, [this] {
        if (m_tabs->currentWidget() == m_audit)
            m_audit->refresh();
    });
    connect(m_routes, &RouteEditorPane::saved, m_audit, &AuditPane::refresh);
    auto* splitter = new QSplitter(this);
    splitter->addWidget(m_browser);
    splitter->addWidget(m_tabs);
    splitter->setStretchFactor(0, 2);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({600, 680});
    setCentralWidget(splitter);
    statusBar()->addWidget(m_serverLabel, 1);
    statusBar()->addPermanentWidget(m_stateLabel);
    createActions();

    connect(m_browser, &KeyBrowser::keySelected, this, [this](const QByteArray& key) {
        m_detail->showKey(key);
        m_tabs->setCurrentWidget(m_detail);
    });
    m_detail->setSafety(m_safety.readOnly, m_safety.protectedPatterns);
    connect(m_detail, &KeyDetailPane::deleteRequested, this,
        [this](const ops::KeySelection& selection) { openInvalidation(selection); });
    connect(m_browser, &KeyBrowser::invalidateRequested, this,
        [this](const ops::KeySelection& selection) { openInvalidation(selection); });
    connect(m_browser, &KeyBrowser::setTtlRequested, this,
        [this](const ops::KeySelection& selection) { openSetTtl(selection, 300); });
    connect(m_routes, &RouteEditorPane::applyTtlRequested, this,
        [this](const ops::KeySelection& selection, qint64 seconds) { openSetTtl(selection, seconds); });
    connect(m_sampler, &ops::InfoSampler::sampled, m_charts, &LiveChartPane::addSample);
    connect(m_sampler, &ops::InfoSampler::failed, this,
        [this](const QString& error) { statusBar()->showMessage(tr("INFO failed: %1").arg(error), 5000); });
    connect(connection, &redis::Client::stateChanged, this, &MainWindow::updateConnectionStatus);
    connect(connection, &redis::Client::ready, this, [this] {
        updateConnectionStatus();
        if (!m_scannedOnce) {
            m_scannedOnce = true;
            m_browser->rescan();
            m_routes->reload();
            m_labelStats->refresh();
        }
        if (!m_sampler->isRunning())
            m_sampler->start();
    });
    connect(connection, &redis::Client::errorOccurred, this,
        [this](redis::ErrorKind, const QString& message) { statusBar()->showMessage(message, 10000); });
    connect(connection, &redis::Client::nodesChanged, this, [this] {
        QStringList names;
        for (int i = 0; i < m_connection->nodes().size(); ++i)
            names.append(m_connection->describeNode(i));
        m_charts->setNodeNames(names);
        updateConnectionStatus();
    });
    if (connection->isReady()) {
        m_scannedOnce = true;
        m_browser->rescan();
        m_routes->reload();
        m_sampler->start();
    }
    updateConnectionStatus();
    resize(1280, 800);
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
    connect(rescan, &QAction::triggered, m_browser, &KeyBrowser::rescan);
    auto* filter = new QAction(tr("&Filter keys"), this);
    filter->setShortcut(QKeySequence::Find);
    connect(filter, &QAction::triggered, m_browser, &KeyBrowser::focusFilter);
    auto* cancel = new QAction(tr("&Cancel scan"), this);
    cancel->setShortcut(Qt::Key_Escape);
    connect(cancel, &QAction::triggered, m_browser, &KeyBrowser::cancelScan);
    auto* pause = new QAction(tr("&Pause charts"), this);
    pause->setCheckable(true);
    pause->setShortcut(Qt::CTRL | Qt::Key_P);
    connect(pause, &QAction::toggled, m_charts, &LiveChartPane::setPaused);
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
    invalidate->setShortcut(QKeySequence::Delete);
    invalidate->setToolTip(tr("Delete the selected node's keys, or keys matching patterns, after a dry run (Del)"));
    connect(invalidate, &QAction::triggered, this, [this] { openInvalidation(m_browser->currentSelection()); });
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
    QMenu* cache = menuBar()->addMenu(tr("&Cache"));
    cache->addAction(invalidate);
    toolbar->addActions({rescan, filter, pause, invalidate});
}

InvalidationDialog* MainWindow::openInvalidation(const std::optional<ops::KeySelection>& selection)
{
    return openKeyOperation(selection, false);
}

InvalidationDialog* MainWindow::openSetTtl(const std::optional<ops::KeySelection>& selection, qint64 seconds)
{
    InvalidationDialog* dialog = openKeyOperation(selection, true);
    if (dialog)
        dialog->setTtl(seconds, true);
    return dialog;
}

InvalidationDialog* MainWindow::openKeyOperation(const std::optional<ops::KeySelection>& selection, bool setTtl)
{
    if (!m_connection)
        return nullptr;
    auto* dialog = new InvalidationDialog(
        m_connection, m_safety, setTtl ? InvalidationDialog::Action::SetTtl : InvalidationDialog::Action::Delete, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (selection)
        dialog->setSelection(*selection);
    connect(dialog, &InvalidationDialog::executed, this, [this, setTtl](qint64 changed) {
        statusBar()->showMessage(
            setTtl ? tr("TTL set on %L1 keys").arg(changed) : tr("%L1 keys deleted").arg(changed), 10000);
        m_browser->rescan();
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
    QString state;
    QString color;
    switch (m_connection->state()) {
    case redis::Client::State::Ready:
        state = tr("connected");
        color = u"#2e7d32"_s;
        break;
    case redis::Client::State::Connecting:
    case redis::Client::State::Handshaking:
        state = tr("connecting…");
        color = u"#f9a825"_s;
        break;
    case redis::Client::State::WaitingToReconnect:
        state = tr("reconnecting…");
        color = u"#f9a825"_s;
        break;
    case redis::Client::State::Disconnected:
        state = m_connection->lastError().isEmpty() ? tr("disconnected")
                                                    : tr("disconnected: %1").arg(m_connection->lastError());
        color = u"#c62828"_s;
        break;
    }
    m_stateLabel->setText(u"<span style='color:%1'>●</span> %2"_s.arg(color, state.toHtmlEscaped()));
}

} // namespace cachescope::ui
