#include "analysis/keyeventwatch.h"
#include "analysis/snapshotstore.h"
#include "cache/cacheenvelope.h"
#include "cache/cachemanager.h"
#include "cache/hitratealerts.h"
#include "cache/responsecachepolicy.h"
#include "cache/statsrecorder.h"
#include "cache/statstiers.h"
#include "dialogs/evictionwatchdialog.h"
#include "dialogs/invalidationdialog.h"
#include "feeds/keyspacefeed.h"
#include "itemmodels/analysismodel.h"
#include "itemmodels/auditmodel.h"
#include "itemmodels/evictionmodel.h"
#include "itemmodels/keytreemodel.h"
#include "itemmodels/labelstatsmodel.h"
#include "itemmodels/missmodel.h"
#include "itemmodels/routerulesmodel.h"
#include "itemmodels/slowlogmodel.h"
#include "keyevents.h"
#include "mainwindow.h"
#include "model/reservedkeys.h"
#include "ops/audit/audit.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/clusterclient.h"
#include "redis/connection.h"
#include "redis/ownlookups.h"
#include "redisserver.h"
#include "synccommand.h"
#include "toolrun.h"
#include "widgets/analysispane.h"
#include "widgets/auditpane.h"
#include "widgets/fittingtextdelegate.h"
#include "widgets/keybrowser.h"
#include "widgets/keydetailpane.h"
#include "widgets/labelstatspane.h"
#include "widgets/livechartpane.h"
#include "widgets/missespane.h"
#include "widgets/routeeditorpane.h"
#include "widgets/serverpane.h"

#include <QAbstractButton>
#include <QAbstractItemModelTester>
#include <QAction>
#include <QApplication>
#include <QChart>
#include <QCheckBox>
#include <QComboBox>
#include <QDateTime>
#include <QDir>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollBar>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSize>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTabBar>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolButton>
#include <QTreeView>

#include <numeric>

using namespace cachescope;
using namespace Qt::StringLiterals;

// The dashboard, offscreen, against a real redis-server with traffic. Screenshots of each pane are saved
// under the build tree (tests/screenshots/) for people to look at.
class TestDashboard : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server;

    static void save(QWidget* widget, const QString& name)
    {
        const QString dir = QCoreApplication::applicationDirPath() + u"/screenshots"_s;
        QDir().mkpath(dir);
        QCoreApplication::processEvents(); // layouts asked for by the last change settle first, as on screen
        QVERIFY(widget->grab().save(dir + u'/' + name + u".png"_s));
    }

    // Text a person needs that does not fit where it is shown, in every visible widget under `root`: labels (one
    // line, plain text), buttons, combo boxes, tab titles and column headers. "Label 'Matching keys' needs 90 px,
    // has 72". Text cut on purpose with its whole in a tooltip (the tree's names) is not looked at here.
    static QStringList cutTexts(QWidget* root)
    {
        QStringList cut;
        const auto check = [&cut](const QString& what, const QString& text, int needed, int has) {
            if (!text.isEmpty() && needed > has + 1)
                cut.append(u"%1 '%2' needs %3 px, has %4"_s.arg(what, text.left(60)).arg(needed).arg(has));
        };
        for (QWidget* widget : root->findChildren<QWidget*>()) {
            if (!widget->isVisibleTo(root) || widget->width() <= 0)
                continue;
            // Inside a scroll area the text is reached by scrolling, not cut.
            const QFontMetrics metrics = widget->fontMetrics();
            if (auto* label = qobject_cast<QLabel*>(widget)) {
                const QString text = label->text();
                if (label->wordWrap() || text.contains(u'<') || !label->pixmap().isNull())
                    continue;
                int widest = 0;
                for (const QString& line : text.split(u'\n'))
                    widest = std::max(widest, metrics.horizontalAdvance(line));
                check(u"label"_s, text, widest, label->contentsRect().width() - 2 * label->margin() - label->indent());
            } else if (auto* button = qobject_cast<QAbstractButton*>(widget)) {
                if (!button->text().isEmpty() && !qobject_cast<QCheckBox*>(button))
                    check(u"button"_s, button->text(), button->sizeHint().width(), button->width());
            } else if (auto* combo = qobject_cast<QComboBox*>(widget)) {
                if (!combo->isEditable())
                    check(u"combo box"_s, combo->currentText(), metrics.horizontalAdvance(combo->currentText()) + 28,
                        combo->width());
            } else if (auto* tabs = qobject_cast<QTabBar*>(widget)) {
                for (int tab = 0; tab < tabs->count(); ++tab)
                    check(u"tab"_s, tabs->tabText(tab), metrics.horizontalAdvance(tabs->tabText(tab)) + 8,
                        tabs->tabRect(tab).width());
            } else if (auto* table = qobject_cast<QTableView*>(widget)) {
                // A table's first column names its rows (a route, a label, a time): never cut.
                const QAbstractItemModel* model = table->model();
                if (!model || table->isColumnHidden(0))
                    continue;
                for (int row = 0; row < std::min(model->rowCount(), 30); ++row) {
                    const QString text = model->index(row, 0).data().toString();
                    check(u"first column"_s, text, table->fontMetrics().horizontalAdvance(text) + 8,
                        table->columnWidth(0));
                }
            } else if (auto* tree = qobject_cast<QTreeView*>(widget)) {
                // A tree's figures (keys, TTL, memory) tell its rows apart: the text each visible cell draws fits.
                const QAbstractItemModel* model = tree->model();
                if (!model)
                    continue;
                for (QModelIndex row = tree->indexAt(QPoint(1, 1)); row.isValid(); row = tree->indexBelow(row)) {
                    if (tree->visualRect(row).top() > tree->viewport()->height())
                        break;
                    for (int column = 1; column < model->columnCount(row.parent()); ++column) {
                        const QModelIndex cell = row.siblingAtColumn(column);
                        if (tree->isColumnHidden(column) || tree->visualRect(cell).width() <= 0)
                            continue;
                        QStyleOptionViewItem option;
                        option.rect = tree->visualRect(cell);
                        option.fontMetrics = tree->fontMetrics();
                        option.widget = tree;
                        const auto* fitting = qobject_cast<ui::FittingTextDelegate*>(tree->itemDelegateForIndex(cell));
                        const QString text = fitting ? fitting->displayedText(option, cell) : cell.data().toString();
                        check(u"tree cell"_s, text, tree->fontMetrics().horizontalAdvance(text),
                            ui::FittingTextDelegate::textWidth(option));
                    }
                }
            } else if (auto* header = qobject_cast<QHeaderView*>(widget)) {
                if (!header->model() || header->orientation() != Qt::Horizontal)
                    continue;
                const int margins = 2 * header->style()->pixelMetric(QStyle::PM_HeaderMargin);
                for (int section = 0; section < header->count(); ++section) {
                    if (header->isSectionHidden(section) || header->sectionSize(section) == 0)
                        continue;
                    const QString text = header->model()->headerData(section, Qt::Horizontal).toString();
                    check(u"column"_s, text, metrics.horizontalAdvance(text) + margins, header->sectionSize(section));
                }
            }
        }
        return cut;
    }

    // Selects the rule for `path` in the editor's table; its TTL cell (invalid when there is no such rule).
    static QModelIndex selectRule(ui::RouteEditorPane* editor, const QString& path)
    {
        ui::RouteRulesModel* rules = editor->rulesModel();
        const QModelIndex rule =
            rules->match(rules->index(0, ui::RouteRulesModel::PathColumn), Qt::EditRole, path, 1, Qt::MatchExactly)
                .value(0);
        if (!rule.isValid())
            return {};
        editor->table()->setCurrentIndex(rule);
        return rule.siblingAtColumn(ui::RouteRulesModel::TtlColumn);
    }

    // The window on its route editor, showing the defaults (nothing stored).
    static ui::RouteEditorPane* showDefaultRoutes(ui::MainWindow& window, redis::Connection& connection)
    {
        testing::runCommand(connection, {"DEL", "cachescope:config:routes{cachescope}"});
        window.show();
        ui::RouteEditorPane* editor = window.routeEditor();
        QSignalSpy loaded(editor, &ui::RouteEditorPane::loaded);
        editor->reload();
        if (!loaded.wait(5000))
            return nullptr;
        window.tabs()->setCurrentWidget(editor);
        return editor;
    }

    void seed()
    {
        QByteArray commands;
        for (int venue = 1; venue <= 12; ++venue) {
            for (const char* tenant : {"acme", "globex", "initech"}) {
                for (const char* route : {"/api/events", "/api/venues/3", "/api/tickets/availability/9"}) {
                    commands += "SET \"gateway:response:GET:" + QByteArray(route) + ":tenant:" + tenant + ":venue:v"
                        + QByteArray::number(venue) + "\" \"{\\\"items\\\":[1,2,3]}\" EX 600\n";
                }
            }
        }
        for (int i = 0; i < 200; ++i)
            commands += "SET events:" + QByteArray::number(i) + " \"{\\\"id\\\":" + QByteArray::number(i)
                + ",\\\"name\\\":\\\"Concert\\\"}\"\n";
        m_server.cli({u"FLUSHALL"_s});
        m_server.cli({}, commands);
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("308"));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true); // window layouts go to a test location, not the user's
        QSettings().remove(u"layout"_s);
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        seed();
    }

    static redis::LookupCount serverLookups(const testing::RedisServer& server)
    {
        return testing::keyspaceLookupsIn(server.cli({u"INFO"_s, u"stats"_s}));
    }

    static redis::LookupCount charted(const QList<ops::InfoSample>& samples, qsizetype from)
    {
        redis::LookupCount sum;
        for (qsizetype i = from; i < samples.size(); ++i)
            sum += {samples.at(i).delta.hits, samples.at(i).delta.misses};
        return sum;
    }

    // A quiet cache whose stats and audit trail exist but hold nothing recent. The panes poll them (the label stats
    // every 5 s, the hit-rate alerts, the audit trail), and the server counts each such read as a hit even when the
    // window it asks for is empty. The Live chart takes our own lookups out as we count them, so we must count them
    // as the server does: over two polls of every pane, no traffic is charted.
    void aQuietCacheIsChartedQuiet()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const qint64 longAgo = QDateTime::currentSecsSinceEpoch() - 60 * 24 * 3600; // before every window offered
        for (const cache::StatsTier& tier : cache::defaultStatsTiers()) {
            const QString bucket = QString::number(tier.bucketOf(longAgo));
            server.cli({u"ZADD"_s, QString::fromUtf8(tier.indexKey()), bucket, bucket});
            for (const cache::StatsDimension dimension : {cache::StatsDimension::Total, cache::StatsDimension::Route})
                server.cli({u"HSET"_s, QString::fromUtf8(tier.bucketKey(tier.bucketOf(longAgo), dimension)),
                    u"GET /api/events|hit"_s, u"5"_s});
        }
        server.cli({u"XADD"_s, QString::fromUtf8(ops::auditStreamKey), u"*"_s, u"actor"_s, u"someone"_s, u"action"_s,
            u"invalidate"_s});

        redis::Connection connection(server.connectionOptions());
        ui::MainWindow window(&connection, {});
        window.resize(1280, 800);
        window.show();
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QVERIFY(scanned.wait(20000));
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= 2, 10000);
        const qsizetype firstSample = window.liveCharts()->sampleCount();
        const redis::LookupCount serverBefore = serverLookups(server);
        QTest::qWait(11000); // two polls of the label stats
        const qsizetype endSample = window.liveCharts()->sampleCount() + 2;
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= endSample, 10000);
        QCOMPARE(charted(window.liveCharts()->samples(), firstSample), redis::LookupCount());
        QVERIFY2((serverLookups(server) - serverBefore).hits >= 2, "the panes' reads reached the server");
    }

    // The whole window with a gateway's traffic (cachesim, another process) at both sizes we ship for, after a
    // rescan and after an invalidation; the tree's count agrees with the server's DBSIZE around the scan.
    void screenshotsWithGatewayTraffic_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1024x640") << QSize(1024, 640);
    }
    void screenshotsWithGatewayTraffic()
    {
        QFETCH(QSize, size);
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"400"_s, u"--duration"_s, u"8"_s, u"--tenants"_s,
                u"50"_s, u"--venues"_s, u"2000"_s, u"--db-latency"_s, u"2"_s});
        redis::Connection connection(server.connectionOptions());
        ui::SafetyOptions safety;
        safety.actor = u"screenshot-test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(size);
        window.show();
        connection.open();
        // Waited for with the event loop running: the dashboard works while the gateway sends its traffic.
        QTRY_COMPARE_WITH_TIMEOUT(sim.state(), QProcess::NotRunning, 30000);
        QCOMPARE(sim.exitCode(), 0);
        QVERIFY(connection.isReady());

        const auto rescanAndCompare = [&] {
            QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
            const qint64 before = server.cli({u"DBSIZE"_s}).trimmed().toLongLong();
            window.keyBrowser()->rescan();
            QVERIFY(scanned.wait(20000));
            const qint64 after = server.cli({u"DBSIZE"_s}).trimmed().toLongLong();
            const qint64 tree = window.keyBrowser()->feed()->wholeTree()->totalKeys();
            // Keys only expire meanwhile: the tree holds at most what was there before and at least what is left.
            QVERIFY2(tree <= before && tree >= after,
                qPrintable(u"%1 in the tree, %2 then %3 on the server"_s.arg(tree).arg(before).arg(after)));
            // The figure shown beside it is the server's after the scan, not one from before.
            QTRY_COMPARE_WITH_TIMEOUT(
                window.keyBrowser()->feed()->serverKeysNow(), server.cli({u"DBSIZE"_s}).trimmed().toLongLong(), 3000);
            if (window.width() > size.width()) {
                for (QWidget* child : window.findChildren<QWidget*>()) {
                    if (child->minimumSizeHint().width() > 350)
                        qInfo("%s %s %d", child->metaObject()->className(), qPrintable(child->objectName()),
                            child->minimumSizeHint().width());
                }
            }
            QVERIFY2(window.width() <= size.width(),
                qPrintable(u"the window needs %1 px"_s.arg(window.minimumSizeHint().width())));
        };
        rescanAndCompare();
        QSignalSpy measured(window.labelStats(), &ui::LabelStatsPane::footprintMeasured);
        window.labelStats()->measureFootprint();
        QVERIFY(measured.wait(10000));
        QSignalSpy refreshed(window.labelStats(), &ui::LabelStatsPane::refreshed);
        window.labelStats()->refresh();
        QVERIFY(refreshed.wait(10000));
        QVERIFY(window.labelStats()->model()->rowCount() > 0);
        const QString name = u"with-gateway-%1x%2"_s.arg(size.width()).arg(size.height());
        save(&window, name + u"-rescan"_s);
        // Nothing an engineer reads is cut, on any tab, at either size.
        const auto nothingCut = [&window] {
            QStringList cut;
            for (int tab = 0; tab < window.tabs()->count(); ++tab) {
                window.tabs()->setCurrentIndex(tab);
                QCoreApplication::processEvents();
                for (const QString& text : cutTexts(&window))
                    cut.append(window.tabs()->tabText(tab) + u": "_s + text);
            }
            window.tabs()->setCurrentIndex(0);
            cut.removeDuplicates();
            return cut;
        };
        QStringList cut = nothingCut();
        QVERIFY2(cut.isEmpty(), qPrintable(cut.join(u"\n"_s)));

        ui::InvalidationDialog* dialog = window.openInvalidation();
        dialog->setPatterns({u"gateway:response:*:tenant:tenant-1:*"_s});
        QSignalSpy previewed(dialog, &ui::InvalidationDialog::previewed);
        dialog->preview();
        QVERIFY(previewed.wait(10000));
        QVERIFY(dialog->previewTotal() > 0);
        QSignalSpy executed(dialog, &ui::InvalidationDialog::executed);
        dialog->execute();
        QVERIFY(executed.wait(10000));
        save(dialog, name + u"-invalidation-dialog"_s);
        dialog->close();
        QCOMPARE(server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:*:tenant:tenant-1:*"_s}).trimmed(),
            QByteArray());
        rescanAndCompare();
        save(&window, name + u"-after-invalidation"_s);
        cut = nothingCut();
        QVERIFY2(cut.isEmpty(), qPrintable(cut.join(u"\n"_s)));
    }

    // The Analysis tab on a gateway's real traffic: what it shows is what the server says key by key (MEMORY USAGE
    // summed by redis-cli's own scan), sortable, charted and detailed; a tree node analysed alone; a snapshot saved and
    // compared after the keyspace grew; and while it runs the charted hits and misses stay the gateway's (none here).
    // Screenshots at both sizes, after the analysis and after the comparison.
    void theAnalysisPaneShowsWhatTakesTheMemory_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1024x640") << QSize(1024, 640);
    }
    void theAnalysisPaneShowsWhatTakesTheMemory()
    {
        QFETCH(QSize, size);
        QTemporaryDir snapshots;
        qputenv("CACHESCOPE_ANALYSES_DIR", snapshots.path().toLocal8Bit());
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"1500"_s, u"--duration"_s, u"3"_s, u"--tenants"_s,
                u"20"_s, u"--venues"_s, u"500"_s, u"--db-latency"_s, u"1"_s});
        QVERIFY(sim.waitForFinished(30000));
        QCOMPARE(sim.exitCode(), 0);
        // An entry someone wrote without the TTL the gateway always gives.
        server.cli({u"SET"_s, u"gateway:response:GET:/api/events/999:tenant:tenant-1:venue:v1"_s, u"{}"_s});

        redis::Connection connection(server.connectionOptions());
        ui::MainWindow window(&connection, {});
        window.resize(size);
        window.show();
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QVERIFY(scanned.wait(20000));
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= 2, 10000);
        const qsizetype firstSample = window.liveCharts()->sampleCount();
        const redis::LookupCount serverBefore = serverLookups(server);

        ui::AnalysisPane* pane = window.analysisPane();
        QAbstractItemModelTester tester(pane->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        window.tabs()->setCurrentWidget(pane);
        QSignalSpy finished(pane, &ui::AnalysisPane::finished);
        pane->analyze();
        QVERIFY(finished.wait(30000));
        const analysis::AnalysisReport& report = pane->model()->report();
        QVERIFY2(report.complete, qPrintable(report.error));
        QVERIFY2(pane->statusText().contains(u"every key measured"_s), qPrintable(pane->statusText()));

        // The events route (TTL 10 min: nothing expires meanwhile): its keys and bytes as the server reports them.
        const QByteArray eventsTruth = server.cli({u"EVAL"_s,
            u"local c, n, b = '0', 0, 0 repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000) "
            "c = r[1] for _, k in ipairs(r[2]) do n = n + 1 b = b + redis.call('MEMORY', 'USAGE', k) end "
            "until c == '0' return {n, b}"_s,
            u"0"_s, u"gateway:response:GET:/api/events*"_s});
        const QList<QByteArray> truth = eventsTruth.trimmed().split('\n');
        QCOMPARE(truth.size(), 2);
        const analysis::GroupFigures& events = report.by(analysis::Dimension::Route).value("GET /api/events");
        QCOMPARE(events.keys, truth.at(0).toLongLong());
        QCOMPARE(events.bytes, truth.at(1).toLongLong());
        QCOMPARE(events.persistentAgainstRules, 1);
        // The table, sorted by memory, largest first; the model shows the same figures the report holds.
        QAbstractItemModel* table = pane->table()->model();
        QVERIFY(table->rowCount() >= 4);
        QVERIFY(table->index(0, pane->model()->columnOf(ui::AnalysisModel::MemoryColumn))
                    .data(ui::AnalysisModel::SortRole)
                    .toDouble()
            >= table->index(1, pane->model()->columnOf(ui::AnalysisModel::MemoryColumn))
                   .data(ui::AnalysisModel::SortRole)
                   .toDouble());
        int eventsRow = -1;
        for (int row = 0; row < table->rowCount(); ++row) {
            if (table->index(row, 0).data(ui::AnalysisModel::LabelRole).toByteArray() == "GET /api/events")
                eventsRow = row;
        }
        QVERIFY(eventsRow >= 0);
        QCOMPARE(table->index(eventsRow, pane->model()->columnOf(ui::AnalysisModel::MemoryColumn)).data().toString(),
            QLocale().formattedDataSize(truth.at(1).toLongLong()));
        QCOMPARE(
            table->index(eventsRow, pane->model()->columnOf(ui::AnalysisModel::MustExpireColumn)).data().toString(),
            u"1"_s);
        pane->table()->setCurrentIndex(table->index(eventsRow, 0));
        QVERIFY(pane->detailText().startsWith(u"GET /api/events\nBiggest keys (of "_s));
        QVERIFY(pane->detailText().contains(QString::fromUtf8(events.biggest.first().key)));
        // The chart: the largest groups, largest first, each bar the group's memory split by when it is freed.
        const auto bars = pane->chartedGroups();
        QVERIFY(!bars.isEmpty());
        QCOMPARE(bars.first().first, table->index(0, 0).data().toString());
        double chartedBytes = 0;
        for (double bytes : bars.first().second)
            chartedBytes += bytes;
        QCOMPARE(qRound64(chartedBytes),
            qRound64(table->index(0, pane->model()->columnOf(ui::AnalysisModel::MemoryColumn))
                         .data(ui::AnalysisModel::SortRole)
                         .toDouble()));
        save(&window, u"analysis-%1x%2"_s.arg(size.width()).arg(size.height()));

        // Looking did not show in the charted hit rate: no gateway ran, so nothing is charted.
        const qsizetype endSample = window.liveCharts()->sampleCount() + 2;
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= endSample, 10000);
        QVERIFY2((serverLookups(server) - serverBefore).hits >= report.total.keys, "the PTTLs reached the server");
        QCOMPARE(charted(window.liveCharts()->samples(), firstSample), redis::LookupCount());

        // Saved, then the keyspace grows by one big events entry, then compared.
        QVERIFY(pane->saveSnapshot(u"before"_s));
        QVERIFY(QFile::exists(snapshots.filePath(u"before.json"_s)));
        server.cli({u"SET"_s, u"gateway:response:GET:/api/events/1000:tenant:tenant-2:venue:v2"_s, QString(50000, u'x'),
            u"EX"_s, u"600"_s});
        const qint64 bigBytes =
            server.cli({u"MEMORY"_s, u"USAGE"_s, u"gateway:response:GET:/api/events/1000:tenant:tenant-2:venue:v2"_s})
                .trimmed()
                .toLongLong();
        finished.clear();
        pane->analyze();
        QVERIFY(finished.wait(30000));
        QVERIFY(pane->compareWith(u"before"_s));
        QCOMPARE(pane->model()->columnCount(), 12);
        QCOMPARE(pane->model()->columnOf(ui::AnalysisModel::ChangeColumn), 2);
        QCOMPARE(table->index(0, 0).data(ui::AnalysisModel::LabelRole).toByteArray(), "GET /api/events");
        const double growth = table->index(0, pane->model()->columnOf(ui::AnalysisModel::ChangeColumn))
                                  .data(ui::AnalysisModel::SortRole)
                                  .toDouble();
        // Other entries may have expired meanwhile (availability lives 30 s): the change is at most the new entry.
        QVERIFY2(growth <= double(bigBytes) && growth > 0.9 * double(bigBytes),
            qPrintable(u"%1 against %2"_s.arg(growth).arg(bigBytes)));
        QVERIFY(pane->statusText().contains(u"compared with \"before\""_s));
        save(&window, u"analysis-compared-%1x%2"_s.arg(size.width()).arg(size.height()));

        // One tenant alone, as its tree node's context menu asks: exactly that tenant's gateway keys.
        finished.clear();
        pane->compareWith({});
        pane->analyze(
            ops::selectGatewayKeys({QByteArray("tenant-3"), false, {}, false, {}, {}}, model::RouteConfig::defaults()));
        QVERIFY(finished.wait(30000));
        const qint64 tenantKeys = server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:*:tenant:tenant-3:*"_s})
                                      .trimmed()
                                      .split('\n')
                                      .size();
        QCOMPARE(pane->model()->report().scope, u"tenant tenant-3"_s);
        QCOMPARE(pane->model()->report().total.keys, tenantKeys);
        QCOMPARE(pane->model()->report().by(analysis::Dimension::Tenant).keys(), QList<QByteArray> {"tenant-3"});

        // Sampled one key in 100, by venue: most venues hold too few keys for the sample to reach, and their memory
        // says "none sampled" (never "≈ 0 bytes"); the venues it reached carry an estimate (exact where it reached
        // every key of one).
        QComboBox* sampling = nullptr;
        QComboBox* dimension = nullptr;
        for (QComboBox* box : pane->findChildren<QComboBox*>()) {
            if (box->findData(100) >= 0)
                sampling = box;
            else if (box->findData(int(analysis::Dimension::Venue)) >= 0)
                dimension = box;
        }
        QVERIFY(sampling && dimension);
        sampling->setCurrentIndex(sampling->findData(100));
        dimension->setCurrentIndex(dimension->findData(int(analysis::Dimension::Venue)));
        finished.clear();
        pane->analyze();
        QVERIFY(finished.wait(30000));
        QCOMPARE(pane->model()->report().sampleEvery, 100);
        int unsampled = 0;
        int sampled = 0;
        for (int row = 0; row < table->rowCount(); ++row) {
            const QByteArray label = table->index(row, 0).data(ui::AnalysisModel::LabelRole).toByteArray();
            const analysis::GroupFigures group = pane->model()->report().by(analysis::Dimension::Venue).value(label);
            const QString memory =
                table->index(row, pane->model()->columnOf(ui::AnalysisModel::MemoryColumn)).data().toString();
            if (group.keys > 0 && group.measured == 0) {
                ++unsampled;
                QCOMPARE(memory, u"none sampled"_s);
            } else if (group.measured > 0) {
                ++sampled;
                // An estimate, unless the sample happened to reach every key of the venue.
                QVERIFY2(memory.startsWith(u"≈ "_s) == (group.measured < group.keys),
                    qPrintable(u"%1: %2 of %3 keys measured"_s.arg(memory).arg(group.measured).arg(group.keys)));
            }
        }
        QVERIFY2(unsampled > 0 && sampled > 0, qPrintable(u"%1 unsampled, %2 sampled"_s.arg(unsampled).arg(sampled)));
        save(&window, u"analysis-sampled-%1x%2"_s.arg(size.width()).arg(size.height()));
        qunsetenv("CACHESCOPE_ANALYSES_DIR");
    }

    // The Server tab: the slow log with a script that held the server for 60 ms at the top by duration, the latency
    // monitor's event for it, and the command percentiles charted slowest first; read when the tab is shown.
    void theServerTabShowsTheSlowLogAndLatency_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1024x640") << QSize(1024, 640);
    }
    void theServerTabShowsTheSlowLogAndLatency()
    {
        QFETCH(QSize, size);
        testing::RedisServer::Config config;
        config.extraConfig = {u"latency-monitor-threshold 20"_s, u"slowlog-log-slower-than 0"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"500"_s, u"--duration"_s, u"2"_s});
        QVERIFY(sim.waitForFinished(20000));
        server.cli({u"EVAL"_s,
            u"local t = redis.call('TIME') local s = t[1] * 1000000 + t[2] "
            "repeat local n = redis.call('TIME') until n[1] * 1000000 + n[2] - s > 60000"_s,
            u"0"_s});
        redis::Connection connection(server.connectionOptions());
        ui::MainWindow window(&connection, {});
        window.resize(size);
        window.show();
        connection.open();
        QVERIFY(testing::openAndWait(connection));
        ui::ServerPane* pane = window.serverPane();
        QAbstractItemModelTester tester(pane->slowLog(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy refreshed(pane, &ui::ServerPane::refreshed);
        window.tabs()->setCurrentWidget(pane);
        QVERIFY(refreshed.wait(10000));
        const ops::SlowLog& log = pane->slowLog()->log();
        QCOMPARE(log.error, QString());
        const auto slowest = std::max_element(log.entries.cbegin(), log.entries.cend(),
            [](const ops::SlowLogEntry& a, const ops::SlowLogEntry& b) { return a.durationUs < b.durationUs; });
        QVERIFY(slowest != log.entries.cend());
        QCOMPARE(slowest->arguments.value(0).toUpper(), QByteArray("EVAL"));
        QVERIFY2(slowest->durationUs >= 60000, qPrintable(QString::number(slowest->durationUs)));
        QVERIFY2(pane->eventsText().startsWith(u"command: latest "_s), qPrintable(pane->eventsText()));
        QCOMPARE(pane->chartedCommands().value(0).first, u"eval"_s);
        QVERIFY(pane->chartedCommands().value(0).second.second >= 60000);
        save(&window, u"server-%1x%2"_s.arg(size.width()).arg(size.height()));

        // The latency history chart: the event's samples exactly as LATENCY HISTORY gives them.
        QCOMPARE(pane->chartChoice()->count(), 1 + pane->latency().events.size());
        QCOMPARE(pane->chartChoice()->itemText(1), u"History: command"_s);
        pane->chartChoice()->setCurrentIndex(1);
        QList<QByteArray> lines = server.cli({u"LATENCY"_s, u"HISTORY"_s, u"command"_s}).split('\n');
        lines.removeAll(QByteArray());
        QList<std::pair<QDateTime, qint64>> expected;
        for (qsizetype i = 0; i + 1 < lines.size(); i += 2)
            expected.append(
                {QDateTime::fromSecsSinceEpoch(lines.at(i).toLongLong(), Qt::UTC), lines.at(i + 1).toLongLong()});
        QVERIFY(!expected.isEmpty());
        QCOMPARE(pane->chartedHistory(), expected);
        QVERIFY(expected.last().second >= 60);
        QTest::qWait(100); // the chart's old axes are deleted later, as on screen
        save(&window, u"server-history-%1x%2"_s.arg(size.width()).arg(size.height()));
        // A refresh keeps the chosen chart; the commands come back with the first choice.
        pane->refresh();
        QVERIFY(refreshed.wait(10000));
        QCOMPARE(pane->chartChoice()->currentIndex(), 1);
        QCOMPARE(pane->chartedHistory(), expected);
        pane->chartChoice()->setCurrentIndex(0);
        QVERIFY(pane->chartedHistory().isEmpty());
        QCOMPARE(pane->chartedCommands().value(0).first, u"eval"_s);
    }

    // The tree says when it was scanned and how many keys the server holds now (DBSIZE every few seconds), and
    // rescans on a schedule when asked to.
    void theTreeSaysHowFreshItIs()
    {
        seed();
        redis::Connection connection(m_server.connectionOptions());
        ui::KeyspaceFeed keyspace(&connection);
        ui::KeyBrowser browser(&keyspace);
        QSignalSpy scanned(browser.feed(), &ui::KeyspaceFeed::scanFinished);
        browser.resize(800, 500);
        browser.show();
        connection.open();
        QTRY_VERIFY(connection.isReady());
        browser.rescan();
        QVERIFY(scanned.wait(10000));
        QVERIFY(browser.feed()->scannedAt().isValid());
        QTRY_COMPARE_WITH_TIMEOUT(browser.feed()->serverKeysNow(), 308, 8000);
        m_server.cli({}, "SET fresh:1 a\nSET fresh:2 b\n");
        QTRY_COMPARE_WITH_TIMEOUT(browser.feed()->serverKeysNow(), 310, 8000);
        auto* status = browser.findChild<QLabel*>(u"scanStatus"_s);
        QVERIFY(status);
        QVERIFY2(status->text().startsWith(u"308 keys, scanned "_s), qPrintable(status->text()));
        QVERIFY2(status->text().endsWith(u" · the server holds 310 now"_s), qPrintable(status->text()));
        save(&browser, u"keybrowser-freshness"_s);
        scanned.clear();
        browser.setAutoRescanInterval(1);
        QVERIFY(scanned.wait(10000));
        QCOMPARE(scanned.first().first().toLongLong(), 310);
        browser.setAutoRescanInterval(0);
        m_server.cli({u"DEL"_s, u"fresh:1"_s, u"fresh:2"_s});
    }

    // Above its aggregate threshold the tree counts every key and lists a sample per group; opening a group lists its
    // keys with SCAN MATCH, and a filter runs on the server into a tree of its own: every count equals redis-cli's.
    // A server frozen past the timeout in the middle of a filter stops it with a clear message, and the browser
    // goes on serving.
    void aHugeKeyspaceIsBrowsedInAggregateMode()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QByteArray commands;
        for (int venue = 1; venue <= 20; ++venue) {
            for (int event = 0; event < 300; ++event) {
                commands += "SET gateway:response:GET:/api/events/" + QByteArray::number(event) + ":tenant:acme:venue:v"
                    + QByteArray::number(venue) + " x\n";
            }
        }
        for (int i = 0; i < 1000; ++i)
            commands += "SET events:" + QByteArray::number(i) + " x\n";
        server.cli({}, commands);
        QCOMPARE(server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("7000"));
        const auto serverCount = [&server](const QString& pattern) {
            return qint64(server.cli({u"--scan"_s, u"--pattern"_s, pattern}).count('\n'));
        };

        redis::ConnectionOptions options = server.connectionOptions();
        options.commandTimeout = std::chrono::milliseconds(1000);
        redis::Connection connection(options);
        ui::KeyspaceFeed keyspace(&connection);
        ui::KeyBrowser browser(&keyspace);
        browser.feed()->setAggregateAbove(5000);
        QSignalSpy scanned(browser.feed(), &ui::KeyspaceFeed::scanFinished);
        browser.resize(1280, 800);
        browser.show();
        connection.open();
        QTRY_VERIFY(connection.isReady());
        browser.rescan();
        QVERIFY(scanned.wait(10000));
        QCOMPARE(scanned.first().first().toLongLong(), 7000);
        QVERIFY(browser.feed()->isAggregated());
        QCOMPARE(browser.feed()->wholeTree()->projection(), std::nullopt);

        QTreeView* view = browser.view();
        const auto childNamed = [view](const QModelIndex& parent, const QString& name) {
            for (int row = 0; row < view->model()->rowCount(parent); ++row) {
                const QModelIndex index = view->model()->index(row, 0, parent);
                if (index.data().toString() == name)
                    return index;
            }
            return QModelIndex();
        };
        const QModelIndex route =
            childNamed(childNamed(childNamed(childNamed({}, u"Gateway responses"_s), u"tenant acme"_s), u"venue v7"_s),
                u"GET /api/events"_s);
        QVERIFY(route.isValid());
        QCOMPARE(route.data(ui::KeyTreeModel::CountRole).toLongLong(), serverCount(u"*:venue:v7"_s));
        QCOMPARE(view->model()->rowCount(route), ui::KeyspaceFeed::listedPerGroupWhenAggregated);
        QCOMPARE(route.siblingAtColumn(1).data().toString(), u"300 (100 listed)"_s);
        save(&browser, u"keybrowser-aggregate"_s);

        // Opening the group lists exactly its keys.
        view->expand(route.parent());
        view->expand(route);
        QVERIFY(browser.feed()->isListingGroup());
        QTRY_VERIFY_WITH_TIMEOUT(!browser.feed()->isListingGroup(), 10000);
        QTRY_COMPARE(view->model()->rowCount(route), 300);
        QSet<QByteArray> listed;
        for (int row = 0; row < view->model()->rowCount(route); ++row)
            listed.insert(view->model()->index(row, 0, route).data(ui::KeyTreeModel::KeyRole).toByteArray());
        const QList<QByteArray> onServer = server.cli({u"--scan"_s, u"--pattern"_s, u"*:venue:v7"_s}).split('\n');
        QSet<QByteArray> expected(onServer.cbegin(), onServer.cend());
        expected.remove({});
        QCOMPARE(listed, expected);
        QCOMPARE(route.siblingAtColumn(1).data().toString(), u"300"_s);
        save(&browser, u"keybrowser-aggregate-group-listed"_s);

        // Filters run on the server: a glob and a substring.
        const auto filter = [&](const QString& text) {
            browser.setFilterText(text);
            if (!QTest::qWaitFor([&] { return browser.feed()->serverFilter() == text; }, 5000)
                || !QTest::qWaitFor([&] { return !browser.feed()->isFilteringOnServer(); }, 10000))
                return qint64(-1);
            return browser.feed()->shownTree()->totalKeys();
        };
        QCOMPARE(filter(u"*:venue:v1?"_s), serverCount(u"*:venue:v1?"_s));
        QCOMPARE(filter(u"events/29"_s), serverCount(u"*events/29*"_s));
        QCOMPARE(browser.feed()->shownTree()->totalKeys(), 20 * 11); // 29 and 290–299 in each of 20 venues
        auto* status = browser.findChild<QLabel*>(u"scanStatus"_s);
        QCOMPARE(status->text(),
            u"220 keys match “events/29” (SCAN MATCH on the server; the tree of all 7,000 keys lists a sample per "
            "group)"_s);
        // The TTL and size of a sample of the matches, as for the whole tree.
        QTRY_VERIFY(browser.feed()->shownTree()->index(0, 0).data(ui::KeyTreeModel::SampledKeysRole).toInt() > 0);
        browser.resize(1024, 640);
        save(&browser, u"keybrowser-aggregate-filtered"_s);
        browser.resize(1280, 800);

        // A group of the filter's tree lists only the keys that match the filter, not every key of the group.
        QCOMPARE(filter(u"events/1"_s), serverCount(u"*events/1*"_s)); // 1, 10–19, 100–199 in each venue
        const QModelIndex matchedRoute =
            childNamed(childNamed(childNamed(childNamed({}, u"Gateway responses"_s), u"tenant acme"_s), u"venue v7"_s),
                u"GET /api/events"_s);
        QVERIFY(matchedRoute.isValid());
        QCOMPARE(matchedRoute.data(ui::KeyTreeModel::CountRole).toLongLong(), 111);
        QCOMPARE(view->model()->rowCount(matchedRoute), ui::KeyspaceFeed::listedPerGroupWhenAggregated);
        browser.listKeysOf(matchedRoute);
        QVERIFY(browser.feed()->isListingGroup());
        QTRY_VERIFY_WITH_TIMEOUT(!browser.feed()->isListingGroup(), 10000);
        QCOMPARE(view->model()->rowCount(matchedRoute), 111);
        for (int row = 0; row < 111; ++row) {
            const QByteArray key =
                view->model()->index(row, 0, matchedRoute).data(ui::KeyTreeModel::KeyRole).toByteArray();
            QVERIFY2(key.contains("events/1") && key.endsWith(":venue:v7"), key.constData());
        }

        // Cleared: the whole tree is back, without a rescan.
        scanned.clear();
        browser.setFilterText({});
        QTRY_COMPARE(browser.feed()->shownTree(), browser.feed()->wholeTree());
        QCOMPARE(browser.feed()->shownTree()->totalKeys(), 7000);
        QCOMPARE(view->model()->rowCount(), 4);
        QCOMPARE(scanned.size(), 0);

        // Frozen past the timeout (1 s) while a filter runs: its SCAN gets no answer.
        server.pause();
        browser.setFilterText(u"*:venue:v3"_s);
        QTRY_VERIFY_WITH_TIMEOUT(browser.feed()->isFilteringOnServer(), 5000);
        QCOMPARE(
            status->text(), u"Filtering on the server (SCAN MATCH)… 0 % of the keyspace walked, 0 keys match so far"_s);
        save(&browser, u"keybrowser-aggregate-filtering-frozen"_s);
        QTest::qWait(2500);
        server.resume();
        QTRY_VERIFY_WITH_TIMEOUT(!browser.feed()->isFilteringOnServer(), 10000);
        if (status->text().startsWith(u"Filter stopped: "_s)) {
            // Another filter works once the server answers again.
            QTRY_VERIFY(connection.isReady());
            QCOMPARE(filter(u"*:venue:v4"_s), serverCount(u"*:venue:v4"_s));
        } else {
            QFAIL(qPrintable(u"the filter outlived a frozen server: "_s + status->text()));
        }
    }

    // Left open on an idle server, the dashboard (charts, per-label stats, key tree) costs the server at most one
    // lookup per second, and charts none of its own.
    void anIdleDashboardStaysOutOfTheCounters()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        redis::Connection connection(server.connectionOptions());
        ui::MainWindow window(&connection, {});
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        window.show();
        connection.open();
        QVERIFY(scanned.wait(10000));
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= 2, 10000);
        const qsizetype firstSample = window.liveCharts()->sampleCount();
        const redis::LookupCount before = serverLookups(server);
        QTest::qWait(10000); // two refreshes of the per-label stats, ten chart samples
        const redis::LookupCount made = serverLookups(server) - before;
        QVERIFY2(made.total() <= 10, qPrintable(u"%1 lookups in 10 s"_s.arg(made.total())));
        QCOMPARE(charted(window.liveCharts()->samples(), firstSample), redis::LookupCount());
    }

    // With a gateway (cachesim, another process) sending a known number of key reads while the dashboard rescans
    // 50,000 keys and samples their TTLs, the charted hits and misses are the gateway's reads within 1 %.
    void chartedLookupsAreTheGatewaysAlone()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QByteArray commands;
        for (int i = 0; i < 50000; ++i)
            commands += "SET bulk:" + QByteArray::number(i) + " x EX 3600\n";
        server.cli({}, commands);
        QCOMPARE(server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("50000"));
        redis::Connection connection(server.connectionOptions());
        ui::MainWindow window(&connection, {});
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        window.show();
        connection.open();
        QVERIFY(scanned.wait(30000));
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= 2, 10000);
        const qsizetype firstSample = window.liveCharts()->sampleCount();
        const redis::LookupCount serverBefore = serverLookups(server);

        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"300"_s, u"--duration"_s, u"8"_s, u"--db-latency"_s,
                u"2"_s, u"--json"_s});
        QTest::qWait(2000);
        scanned.clear();
        window.keyBrowser()->rescan(); // 50,000 keys again, TTLs and sizes sampled per page
        QVERIFY(scanned.wait(30000));
        QTRY_COMPARE_WITH_TIMEOUT(sim.state(), QProcess::NotRunning, 30000); // the event loop keeps running
        QCOMPARE(sim.exitCode(), 0);
        const QJsonObject keyReads =
            QJsonDocument::fromJson(sim.readAllStandardOutput()).object()[u"keyReads"_s].toObject();
        const redis::LookupCount gateway {keyReads[u"hits"_s].toInteger(), keyReads[u"misses"_s].toInteger()};
        QVERIFY2(gateway.total() > 1500, qPrintable(QString::number(gateway.total())));
        // Two more samples, so the intervals that hold the gateway's last reads are charted.
        const qsizetype endSample = window.liveCharts()->sampleCount() + 2;
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= endSample, 10000);
        const redis::LookupCount chart = charted(window.liveCharts()->samples(), firstSample);
        const redis::LookupCount counted = serverLookups(server) - serverBefore;
        qInfo("gateway %lld hits %lld misses; charted %lld hits %lld misses; server %lld hits %lld misses",
            gateway.hits, gateway.misses, chart.hits, chart.misses, counted.hits, counted.misses);
        QVERIFY2(counted.total() > gateway.total() + 1000, "the dashboard's own reads did reach the server");
        QVERIFY2(std::abs(chart.hits - gateway.hits) <= std::max<qint64>(1, gateway.hits / 100), "hits");
        QVERIFY2(std::abs(chart.misses - gateway.misses) <= std::max<qint64>(1, gateway.misses / 100), "misses");
    }

    void dashboardShowsKeysValuesAndLiveRates()
    {
        redis::Connection connection(m_server.connectionOptions());
        ui::MainWindow window(&connection, {});
        QAbstractItemModelTester tester(
            window.keyBrowser()->feed()->wholeTree(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        window.show();
        // The icon is the packaged SVG, drawn by Qt SVG's icon engine.
        QVERIFY(!window.windowIcon().pixmap(64).isNull());
        connection.open();
        QVERIFY(scanned.wait(10000));
        QCOMPARE(scanned.first().first().toLongLong(), 308);

        // Traffic while the charts sample: 3 hits and 1 miss, 50 times a second, from a connection named like a
        // gateway's (the dashboard's own lookups, under its own name, are taken out of the charts).
        redis::ConnectionOptions gateway = m_server.connectionOptions();
        gateway.clientName = u"gateway"_s;
        redis::Connection traffic(gateway);
        QVERIFY(testing::openAndWait(traffic));
        QTimer load;
        int sent = 0;
        connect(&load, &QTimer::timeout, this, [&] {
            for (int i = 0; i < 3; ++i)
                traffic.command({"GET", "events:" + QByteArray::number(sent++ % 200)}, nullptr, nullptr);
            traffic.command({"GET", "missing:" + QByteArray::number(sent)}, nullptr, nullptr);
            traffic.command({"SET", "short-lived:" + QByteArray::number(sent), "x", "PX", "5"}, nullptr, nullptr);
        });
        load.start(20);
        // Keys set to live 5 ms: the server expires them, and the expired series shows it.
        const auto expiredSeen = [&window] {
            double expired = 0;
            const QStringList lines = window.liveCharts()->toCsv().split(u'\n', Qt::SkipEmptyParts);
            for (const QString& line : lines.sliced(1))
                expired += line.split(u',').value(6).toDouble();
            return expired;
        };
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= 3 && expiredSeen() > 0, 10000);
        load.stop();
        const QString csv = window.liveCharts()->toCsv();
        QVERIFY2(csv.contains(u",0.75"_s), qPrintable(csv)); // 3 hits per miss: a 75 % interval
        QVERIFY(csv.startsWith(u"time,hits_per_second,misses_per_second,hit_rate,commands_per_second,used_memory_bytes,"
                               "expired_per_second,evicted_per_second,own_hits_excluded,own_misses_excluded\n"_s));
        save(&window, u"dashboard-live"_s);
        save(window.liveCharts(), u"pane-live-charts"_s);
        for (const auto view :
            {ui::LiveChartPane::View::OperationsAndMemory, ui::LiveChartPane::View::ExpiredAndEvicted}) {
            window.liveCharts()->setView(view);
            QCOMPARE(window.liveCharts()->pointCount(view), window.liveCharts()->sampleCount());
            QTest::qWait(50); // the chart lays out its axes on the next turn of the event loop
            save(window.liveCharts(),
                view == ui::LiveChartPane::View::OperationsAndMemory ? u"pane-live-ops-memory"_s
                                                                     : u"pane-live-expired-evicted"_s);
        }
        window.liveCharts()->setView(ui::LiveChartPane::View::HitsAndMisses);

        // Select a key: the detail pane shows its parsed parts and its value, pretty-printed.
        QTreeView* view = window.keyBrowser()->view();
        const QModelIndex services =
            view->model()
                ->match(view->model()->index(0, 0), Qt::DisplayRole, u"Service entries"_s, 1, Qt::MatchExactly)
                .value(0);
        QVERIFY(services.isValid());
        view->expand(services);
        const QModelIndex events = view->model()->index(0, 0, services);
        view->expand(events);
        const QModelIndex firstKey = view->model()->index(0, 0, events);
        // Expanding asked for the children's TTL and memory; the group shows a labelled estimate.
        QTRY_COMPARE_WITH_TIMEOUT(
            firstKey.siblingAtColumn(ui::KeyTreeModel::TtlColumn).data().toString(), u"no expiry"_s, 5000);
        QVERIFY(firstKey.siblingAtColumn(ui::KeyTreeModel::MemoryColumn).data(ui::KeyTreeModel::MemoryRole).toLongLong()
            > 0);
        QTRY_COMPARE(events.data(ui::KeyTreeModel::SampledKeysRole).toInt(), 200); // each child once, no more
        // All 200 measured: the exact sum, without "≈".
        const QModelIndex eventsMemory = events.siblingAtColumn(ui::KeyTreeModel::MemoryColumn);
        QCOMPARE(eventsMemory.data().toString(),
            QLocale().formattedDataSize(eventsMemory.data(ui::KeyTreeModel::MemoryRole).toLongLong()));
        QSignalSpy loaded(window.keyDetail(), &ui::KeyDetailPane::loaded);
        view->setCurrentIndex(firstKey);
        QVERIFY(loaded.wait(5000));
        QCOMPARE(window.tabs()->currentWidget(), window.keyDetail());
        QVERIFY2(window.keyDetail()->valueText().contains(u"\"name\": \"Concert\""_s),
            qPrintable(window.keyDetail()->valueText()));
        save(&window, u"dashboard-key"_s);

        // The filter narrows the tree to a venue, with a glob applied as SCAN MATCH would.
        auto* filter = window.keyBrowser()->findChild<QLineEdit*>();
        QVERIFY(filter);
        QTest::keyClicks(filter, u"*:venue:v12"_s);
        QTRY_COMPARE_WITH_TIMEOUT(view->model()->rowCount(view->model()->index(0, 0)), 3, 2000);
        save(window.keyBrowser(), u"pane-key-browser-filtered"_s);

        // By ':' prefix: the same keys as a prefix tree, for keyspaces of unknown shape.
        filter->clear();
        QTRY_VERIFY(view->model()->headerData(ui::KeyTreeModel::CountColumn, Qt::Horizontal).toString() == u"Keys"_s);
        scanned.clear();
        window.keyBrowser()->setGrouping(int(ui::KeyTreeModel::Grouping::ByDelimiter));
        QVERIFY(scanned.wait(10000));
        ui::KeyTreeModel* model = window.keyBrowser()->feed()->wholeTree();
        QStringList top;
        for (int row = 0; row < model->rowCount(); ++row)
            top.append(model->index(row, 0).data().toString());
        top.sort();
        QCOMPARE(top, (QStringList {u"events:"_s, u"gateway:"_s}));
        view->expandToDepth(2);
        QTest::qWait(200); // the children's TTL and memory arrive
        save(window.keyBrowser(), u"pane-key-browser-by-prefix"_s);
    }

    // A typed pattern deletes exactly what the server's own SCAN MATCH selects, after a dry run with the
    // same count; a tree node deletes exactly its keys; both are audited.
    void invalidationDeletesExactlyWhatMatches()
    {
        const auto scanMatch = [this](const QString& pattern) {
            QList<QByteArray> keys = m_server.cli({u"--scan"_s, u"--pattern"_s, pattern}).split('\n');
            keys.removeAll(QByteArray());
            return QSet<QByteArray>(keys.cbegin(), keys.cend());
        };
        QSet<QByteArray> everything = scanMatch(u"*"_s);
        const QSet<QByteArray> matched = scanMatch(u"gateway:response:GET:/api/venues*"_s);
        QCOMPARE(matched.size(), 36);

        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ui::SafetyOptions safety;
        safety.actor = u"dashboard-test"_s;
        ui::MainWindow window(&connection, safety);
        window.show();
        ui::InvalidationDialog* dialog = window.openInvalidation();
        QVERIFY(!dialog->findChild<QCheckBox*>(u"oneMasterAtATime"_s)); // a single server: nothing to pace
        dialog->setPatterns({u"gateway:response:GET:/api/venues*"_s});
        QSignalSpy previewed(dialog, &ui::InvalidationDialog::previewed);
        dialog->preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(dialog->previewTotal(), qint64(matched.size()));
        QSet<QByteArray> afterPreview = scanMatch(u"*"_s);
        afterPreview.remove("cachescope:audit{cachescope}"); // the preview is audited
        everything.remove("cachescope:audit{cachescope}");
        QCOMPARE(afterPreview, everything); // and deleted nothing
        save(dialog, u"dialog-invalidation-preview"_s);
        QSignalSpy executed(dialog, &ui::InvalidationDialog::executed);
        dialog->execute();
        QVERIFY(executed.wait(5000));
        QCOMPARE(dialog->deletedTotal(), qint64(matched.size()));
        save(dialog, u"dialog-invalidation-done"_s);
        QSet<QByteArray> remaining = scanMatch(u"*"_s);
        remaining.remove("cachescope:audit{cachescope}");
        QCOMPARE(remaining, everything - matched);
        QVERIFY(m_server.cli({u"XREVRANGE"_s, u"cachescope:audit{cachescope}"_s, u"+"_s, u"-"_s, u"COUNT"_s, u"1"_s})
                    .contains("dashboard-test"));
        dialog->close();

        // The Audit tab reads the record back, newest first.
        QAbstractItemModelTester auditTester(
            window.auditPane()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        window.tabs()->setCurrentWidget(window.auditPane());
        QTRY_VERIFY_WITH_TIMEOUT(window.auditPane()->model()->rowCount() > 0, 5000);
        const ops::AuditRecord newest = window.auditPane()->model()->records().first();
        QCOMPARE(newest.actor, u"dashboard-test"_s);
        QCOMPARE(newest.action, u"invalidate"_s);
        QCOMPARE(newest.count, qint64(matched.size()));
        save(&window, u"dashboard-audit"_s);

        // A venue node of the tree: exactly its keys.
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        window.keyBrowser()->rescan();
        QVERIFY(scanned.wait(5000));
        ui::KeyTreeModel* model = window.keyBrowser()->feed()->wholeTree();
        const QModelIndex gateway = model->index(0, 0);
        QModelIndex venue;
        for (int t = 0; t < model->rowCount(gateway) && !venue.isValid(); ++t) {
            const QModelIndex tenant = model->index(t, 0, gateway);
            if (tenant.data().toString() != u"tenant acme"_s)
                continue;
            for (int v = 0; v < model->rowCount(tenant); ++v) {
                if (model->index(v, 0, tenant).data().toString() == u"venue v7"_s)
                    venue = model->index(v, 0, tenant);
            }
        }
        QVERIFY(venue.isValid());
        const auto selection = model->selectionFor(venue);
        QVERIFY(selection);
        QCOMPARE(selection->description, u"tenant acme, venue v7"_s);
        const QSet<QByteArray> before = scanMatch(u"*"_s);
        ui::InvalidationDialog* nodeDialog = window.openInvalidation(selection);
        QSignalSpy nodePreviewed(nodeDialog, &ui::InvalidationDialog::previewed);
        QVERIFY(nodePreviewed.wait(5000));
        QCOMPARE(nodeDialog->previewTotal(), 2); // events and tickets; its venues entry went above
        QSignalSpy nodeExecuted(nodeDialog, &ui::InvalidationDialog::executed);
        nodeDialog->execute();
        QVERIFY(nodeExecuted.wait(5000));
        const QSet<QByteArray> gone = before - scanMatch(u"*"_s);
        QCOMPARE(gone.size(), 2);
        for (const QByteArray& key : gone)
            QVERIFY(key.contains(":tenant:acme:venue:v7"));
        nodeDialog->close();
        seed(); // put the keys back
    }

    // The dialog while the server freezes past the timeout mid-deletion: no crash, the run ends with the error on
    // screen, the confirmed count and its bound, the other patterns named as not run, and the audit record written
    // once the server is back.
    void invalidationDialogWhenTheServerFreezes()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.cli({u"EVAL"_s, u"for i = 0, 59999 do redis.call('SET', 'events:' .. i, 'x') end"_s, u"0"_s});
        redis::ConnectionOptions options = server.connectionOptions();
        options.commandTimeout = std::chrono::milliseconds(700);
        options.reconnectInitialDelay = std::chrono::milliseconds(50);
        options.reconnectMaxDelay = std::chrono::milliseconds(200);
        redis::Connection connection(options);
        QVERIFY(testing::openAndWait(connection));
        ui::SafetyOptions safety;
        safety.actor = u"frozen-test"_s;
        ui::InvalidationDialog dialog(&connection, safety);
        dialog.show();
        dialog.setPatterns({u"events:*"_s, u"other:*"_s});
        QSignalSpy previewed(&dialog, &ui::InvalidationDialog::previewed);
        dialog.preview();
        QVERIFY(previewed.wait(10000));
        QCOMPARE(dialog.previewTotal(), 60000);
        QSignalSpy executed(&dialog, &ui::InvalidationDialog::executed);
        dialog.execute();
        const auto remaining = [&server] { return server.cli({u"DBSIZE"_s}).trimmed().toInt(); };
        QTRY_VERIFY_WITH_TIMEOUT(remaining() < 60000, 10000);
        QVERIFY2(executed.isEmpty(), "the deletion ended before the fault");
        server.pause();
        QTest::qWait(2000);
        server.resume();
        QVERIFY(executed.wait(20000) || !executed.isEmpty());
        QString shown;
        for (const QLabel* label : dialog.findChildren<QLabel*>())
            shown += label->text() + u'\n';
        QVERIFY2(shown.contains(u"Stopped at a failure: no reply from"_s), qPrintable(shown));
        const qint64 reported = dialog.deletedTotal();
        const qint64 gone = 60001 - remaining(); // the audit stream came along
        QVERIFY2(reported > 0 && reported <= gone, qPrintable(u"%1 reported, %2 gone"_s.arg(reported).arg(gone)));
        save(&dialog, u"dialog-invalidation-server-froze"_s);
        const ops::AuditRecord record = testing::auditRecords(server.connectionOptions(), 1).value(0);
        QCOMPARE(record.outcome, u"failed"_s);
        QCOMPARE(record.count, reported);
        QCOMPARE(record.actor, u"frozen-test"_s);
    }

    // The design's runbook example in the dialog: the preview says why it matches nothing and what would match.
    void invalidationDialogWarnsAboutUnmatchablePatterns()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ui::InvalidationDialog dialog(&connection, ui::SafetyOptions {});
        dialog.show();
        dialog.setPatterns({u"gateway:response:/api/venues*"_s, u"events:1*"_s});
        QSignalSpy previewed(&dialog, &ui::InvalidationDialog::previewed);
        dialog.preview();
        QVERIFY(previewed.wait(10000));
        const auto* table = dialog.findChild<QTableView*>();
        QVERIFY(table);
        const QString note = table->model()->index(0, 3).data().toString();
        QVERIFY2(note.contains(u": gateway keys are gateway:response:{METHOD}:{path}"_s), qPrintable(note));
        const int expected =
            m_server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:*:/api/venues*"_s}).split('\n').size() - 1;
        QVERIFY2(
            note.startsWith(u"try gateway:response:*:/api/venues* (%L1 keys): "_s.arg(expected)), qPrintable(note));
        QVERIFY(!table->model()->index(1, 3).data().toString().contains(u"warning"_s));
        save(&dialog, u"dialog-invalidation-unmatchable"_s);
    }

    void readOnlyAndProductionGuards()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        // Keys other than the audit stream, which the previews write to.
        const auto dataKeys = [this] {
            return m_server.cli({u"DBSIZE"_s}).trimmed().toInt()
                - m_server.cli({u"EXISTS"_s, u"cachescope:audit{cachescope}"_s}).trimmed().toInt();
        };
        const int sizeBefore = dataKeys();

        ui::SafetyOptions readOnly;
        readOnly.readOnly = true;
        ui::InvalidationDialog viewer(&connection, readOnly);
        viewer.setPatterns({u"events:*"_s});
        QSignalSpy previewed(&viewer, &ui::InvalidationDialog::previewed);
        viewer.preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(viewer.previewTotal(), 200);
        const QList<QPushButton*> buttons = viewer.findChildren<QPushButton*>();
        const auto del = std::find_if(
            buttons.cbegin(), buttons.cend(), [](const QPushButton* b) { return b->text().contains(u"Delete"_s); });
        QVERIFY(del != buttons.cend());
        QVERIFY(!(*del)->isEnabled());
        viewer.execute(); // refused even when called directly
        QTest::qWait(200);
        QCOMPARE(dataKeys(), sizeBefore);

        ui::SafetyOptions production;
        production.production = true;
        production.protectedPatterns = {"session:*"};
        ui::InvalidationDialog careful(&connection, production);
        careful.show();
        // A batch with a protected pattern is refused whole, as in cachectl and the admin API: nothing is counted.
        careful.setPatterns({u"events:*"_s, u"cachescope:config:*"_s, u"session:*"_s});
        QSignalSpy refused(&careful, &ui::InvalidationDialog::refused);
        careful.preview();
        QVERIFY(refused.wait(5000));
        QCOMPARE(refused.first().at(0).toString(),
            u"'cachescope:config:*' is inside the protected namespace 'cachescope:config:*'"_s);
        QCOMPARE(careful.previewTotal(), 0);
        save(&careful, u"dialog-invalidation-refused"_s);
        careful.setPatterns({u"events:*"_s});
        QSignalSpy carefulPreviewed(&careful, &ui::InvalidationDialog::previewed);
        careful.preview();
        QVERIFY(carefulPreviewed.wait(5000));
        QCOMPARE(careful.previewTotal(), 200);
        save(&careful, u"dialog-invalidation-production"_s);
        careful.execute(); // the count was not typed
        QTest::qWait(200);
        QCOMPARE(dataKeys(), sizeBefore);
        auto* confirm = careful.findChild<QLineEdit*>();
        QVERIFY(confirm && confirm->isVisible());
        QTest::keyClicks(confirm, u"200"_s);
        QSignalSpy executed(&careful, &ui::InvalidationDialog::executed);
        careful.execute();
        QVERIFY(executed.wait(5000));
        QCOMPARE(careful.deletedTotal(), 200);
        seed();
    }

    // A TTL edited in the table reaches Redis and another process's response-cache policy; a concurrent
    // edit is reported, not overwritten; an invalid edit is refused with the reason.
    void routeTtlEditReachesRedisAndAnotherPolicy()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ui::SafetyOptions safety;
        safety.actor = u"editor@test"_s;
        ui::MainWindow window(&connection, safety);
        ui::RouteEditorPane* editor = showDefaultRoutes(window, connection);
        QVERIFY(editor);

        auto gatewayConnection = std::make_unique<redis::Connection>(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(*gatewayConnection));
        ops::RouteConfigWatcher watcher(
            gatewayConnection.get(), std::make_unique<redis::Connection>(m_server.connectionOptions()));
        cache::ResponseCachePolicy policy;
        connect(&watcher, &ops::RouteConfigWatcher::configChanged, this,
            [&policy](const ops::RouteConfigSnapshot& snapshot) { policy.setConfig(snapshot.config); });
        watcher.start(std::chrono::milliseconds(5000));
        const auto request = cache::GatewayRequest::fromUrl("GET", u"/api/events/9"_s);
        QTRY_COMPARE(policy.decide(request).ttlSeconds, 600);

        ui::RouteRulesModel* rules = editor->rulesModel();
        QVERIFY(!rules->setData(rules->index(0, ui::RouteRulesModel::TtlColumn), 0));
        QVERIFY2(editor->message().contains(u"between 1 and 2592000"_s), qPrintable(editor->message()));
        QVERIFY(rules->setData(rules->index(0, ui::RouteRulesModel::TtlColumn), 42));
        save(&window, u"dashboard-route-editor"_s);
        QSignalSpy saved(editor, &ui::RouteEditorPane::saved);
        editor->save();
        QVERIFY(saved.wait(5000));
        QTRY_COMPARE_WITH_TIMEOUT(policy.decide(request).ttlSeconds, 42, 1000);

        // Someone else saves version 2 while this editor, on version 1, has an edit open: it must not overwrite it.
        // (The edit comes first: the editor's own poll may notice their save at any moment, and with nothing edited
        // it would rightly take it at once.)
        QVERIFY(rules->setData(rules->index(2, ui::RouteRulesModel::TtlColumn), 15));
        ops::RouteConfigStore other(&connection);
        model::RouteConfig theirs = model::RouteConfig::defaults();
        theirs.routes[1].ttlSeconds = 99;
        std::optional<ops::RouteConfigSaveResult> theirResult;
        other.save(theirs, 1, u"someone@else"_s, this,
            [&theirResult](const ops::RouteConfigSaveResult& r) { theirResult = r; });
        QTRY_VERIFY(theirResult && theirResult->saved);
        QSignalSpy failed(editor, &ui::RouteEditorPane::saveFailed);
        editor->save();
        QVERIFY(failed.wait(5000));
        QCOMPARE(failed.first().at(1).toBool(), true);
        QVERIFY(editor->message().contains(u"changed by someone else"_s));
        std::optional<ops::RouteConfigSnapshot> stored;
        other.load(this, [&stored](std::optional<ops::RouteConfigSnapshot> s, const QString&) { stored = s; });
        QTRY_VERIFY(stored.has_value());
        QCOMPARE(stored->config.routes[1].ttlSeconds, 99);
        QCOMPARE(stored->config.routes[2].ttlSeconds, 30);
        // The refused save brings their version with the choice to merge: their two changes (the first rule back
        // to 600 s, the second to 99 s) and my edit of the third, saved together.
        QTRY_VERIFY_WITH_TIMEOUT(!editor->incomingSave().isEmpty(), 5000);
        QVERIFY2(
            editor->incomingSave().contains(u"someone@else saved version 2 at "_s), qPrintable(editor->incomingSave()));
        save(&window, u"dashboard-route-conflict"_s);
        editor->mergeIncoming();
        QVERIFY(editor->incomingSave().isEmpty());
        QCOMPARE(editor->baseVersion(), 2);
        QCOMPARE(editor->message(), u"Merged: their changes are in, yours are still unsaved."_s);
        QCOMPARE(rules->config().routes[0].ttlSeconds, 600);
        QCOMPARE(rules->config().routes[1].ttlSeconds, 99);
        QCOMPARE(rules->config().routes[2].ttlSeconds, 15);
        editor->save();
        QVERIFY(saved.wait(5000));
        stored.reset();
        other.load(this, [&stored](std::optional<ops::RouteConfigSnapshot> s, const QString&) { stored = s; });
        QTRY_VERIFY(stored.has_value());
        QCOMPARE(stored->version, 3);
        QCOMPARE(stored->config.routes[0].ttlSeconds, 600);
        QCOMPARE(stored->config.routes[1].ttlSeconds, 99);
        QCOMPARE(stored->config.routes[2].ttlSeconds, 15);
        save(&window, u"dashboard-route-merged"_s);
    }

    // Another client's save is shown at once when nothing is edited, announced when something is (keep mine:
    // saving replaces theirs); Reload and closing the window ask before they discard edits; the namespace TTLs
    // are shown.
    void theRouteEditorAnnouncesOtherSavesAndGuardsEdits()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        testing::runCommand(connection, {"DEL", ops::auditStreamKey});
        ui::SafetyOptions safety;
        safety.actor = u"editor@test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(1280, 800);
        ui::RouteEditorPane* editor = showDefaultRoutes(window, connection);
        QVERIFY(editor);
        // Empty states say what would be there.
        auto* noHistory = editor->findChild<QLabel*>(u"noHistory"_s);
        QTRY_VERIFY(noHistory && noHistory->isVisible());
        QCOMPARE(noHistory->text(),
            u"No route save in the audit trail yet: the rules shown are the stored ones, or the defaults."_s);
        QSignalSpy auditRead(window.auditPane(), &ui::AuditPane::refreshed);
        window.auditPane()->refresh();
        QVERIFY(auditRead.wait(5000));
        QCOMPARE(window.auditPane()->findChild<QLabel*>(u"auditStatus"_s)->text(),
            u"No records yet: every invalidation, TTL run and route save (dry runs and refusals too) is recorded "
            "here, in the stream cachescope:audit{cachescope}."_s);
        QCOMPARE(editor->findChild<QLabel*>(u"namespaceTtls"_s)->text(), u"Service namespaces: session 1h"_s);
        ui::RouteRulesModel* rules = editor->rulesModel();
        ops::RouteConfigStore other(&connection);
        const auto theySave = [&](model::RouteConfig config, qint64 expected) {
            std::optional<ops::RouteConfigSaveResult> result;
            other.save(config, expected, u"someone@else"_s, this,
                [&result](const ops::RouteConfigSaveResult& r) { result = r; });
            return QTest::qWaitFor([&result] { return result.has_value(); }, 5000) && result->saved;
        };

        model::RouteConfig theirs = model::RouteConfig::defaults();
        theirs.routes[1].ttlSeconds = 99;
        theirs.namespaces[0].ttlSeconds = 7200;
        QVERIFY(theySave(theirs, 0));
        editor->checkForNewerSave(); // nothing edited: shown at once
        QTRY_COMPARE_WITH_TIMEOUT(editor->baseVersion(), 1, 5000);
        QCOMPARE(rules->config().routes[1].ttlSeconds, 99);
        QVERIFY2(editor->message().startsWith(u"someone@else saved version 1 at "_s), qPrintable(editor->message()));
        QVERIFY(editor->message().endsWith(u"; it is shown now."_s));
        QCOMPARE(editor->findChild<QLabel*>(u"namespaceTtls"_s)->text(), u"Service namespaces: session 2h"_s);

        QVERIFY(rules->setData(rules->index(2, ui::RouteRulesModel::TtlColumn), 15)); // my edit
        theirs.routes[3].ttlSeconds = 77;
        QVERIFY(theySave(theirs, 1));
        editor->checkForNewerSave();
        QTRY_VERIFY_WITH_TIMEOUT(!editor->incomingSave().isEmpty(), 5000);
        QCOMPARE(editor->baseVersion(), 1); // not taken without asking
        QCOMPARE(rules->config().routes[2].ttlSeconds, 15);
        QCOMPARE(rules->config().routes[3].ttlSeconds, 300); // their change waits for the choice
        QVERIFY2(editor->incomingSave().contains(u"/api/search: ttl 5m, vary by q,category → ttl 1m 17s"_s),
            qPrintable(editor->incomingSave()));
        save(&window, u"dashboard-route-incoming-1280"_s);
        window.resize(1024, 640);
        save(&window, u"dashboard-route-incoming-1024"_s);
        editor->keepMine();
        QCOMPARE(editor->baseVersion(), 2);
        QCOMPARE(rules->config().routes[2].ttlSeconds, 15);

        // Reload asks; Cancel keeps the edits, Discard drops them. So does closing the window.
        const auto answer = [](QMessageBox::StandardButton button) {
            QTimer::singleShot(0, [button] {
                if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget()))
                    box->button(button)->click();
            });
        };
        auto* reloadButton = [editor] {
            for (QPushButton* button : editor->findChildren<QPushButton*>()) {
                if (button->text() == u"Reload"_s)
                    return button;
            }
            return static_cast<QPushButton*>(nullptr);
        }();
        QVERIFY(reloadButton);
        answer(QMessageBox::Cancel);
        reloadButton->click();
        QCOMPARE(rules->config().routes[2].ttlSeconds, 15);
        QVERIFY(editor->hasUnsavedEdits());
        answer(QMessageBox::Cancel);
        QVERIFY(!window.close());
        QVERIFY(window.isVisible());
        answer(QMessageBox::Discard);
        QSignalSpy loaded(editor, &ui::RouteEditorPane::loaded);
        reloadButton->click();
        QVERIFY(loaded.wait(5000));
        QVERIFY(!editor->hasUnsavedEdits());
        QCOMPARE(rules->config().routes[3].ttlSeconds, 77);
        QVERIFY(window.close());
    }

    // A route's new TTL applied to the keys it already cached, and a tree node's keys given a TTL: both after a
    // preview, both touching exactly the selected keys and nothing else.
    void ttlChangesReachExistingKeysAfterAPreview()
    {
        seed();
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ui::SafetyOptions safety;
        safety.actor = u"ttl@test"_s;
        ui::MainWindow window(&connection, safety);
        ui::RouteEditorPane* editor = showDefaultRoutes(window, connection);
        QVERIFY(editor);
        ui::RouteRulesModel* rules = editor->rulesModel();
        const QModelIndex eventsTtl = selectRule(editor, u"/api/events"_s);
        QVERIFY(eventsTtl.isValid());
        QVERIFY(rules->setData(eventsTtl, 42));
        editor->requestApplyTtl(); // unsaved: refused with the reason
        QVERIFY2(editor->message().contains(u"save them first"_s), qPrintable(editor->message()));
        QVERIFY(window.findChildren<ui::InvalidationDialog*>().isEmpty());
        QSignalSpy saved(editor, &ui::RouteEditorPane::saved);
        editor->save();
        QVERIFY(saved.wait(5000));
        QTRY_VERIFY(editor->historyLines().size() == 1); // the selected rule's history: this save
        QVERIFY2(editor->historyLines().first().contains(u"/api/events: ttl 10m → ttl 42s"_s),
            qPrintable(editor->historyLines().join(u'\n')));

        editor->requestApplyTtl();
        const auto dialogs = window.findChildren<ui::InvalidationDialog*>();
        QCOMPARE(dialogs.size(), 1);
        ui::InvalidationDialog* dialog = dialogs.first();
        QTRY_COMPARE_WITH_TIMEOUT(dialog->previewTotal(), 36, 5000); // 3 tenants x 12 venues of /api/events
        save(dialog, u"dialog-apply-route-ttl"_s);
        QSignalSpy executed(dialog, &ui::InvalidationDialog::executed);
        dialog->execute();
        QVERIFY(executed.wait(5000));
        QCOMPARE(dialog->deletedTotal(), 36);
        const auto ttlOf = [this](const char* key) {
            return m_server.cli({u"TTL"_s, QString::fromLatin1(key)}).trimmed().toInt();
        };
        QVERIFY(ttlOf("gateway:response:GET:/api/events:tenant:acme:venue:v3") <= 42);
        QVERIFY(ttlOf("gateway:response:GET:/api/venues/3:tenant:acme:venue:v3") > 500);
        QCOMPARE(m_server.cli({u"TTL"_s, u"events:1"_s}).trimmed(), QByteArray("-1"));
        const ops::AuditRecord record = testing::auditRecords(m_server.connectionOptions(), 1).value(0);
        QCOMPARE(record.action, u"expire"_s);
        QCOMPARE(record.detail, u"ttl 42s only shorten"_s);
        QCOMPARE(record.outcome, u"completed"_s);
        QCOMPARE(record.dryRun, false);
        dialog->close();

        // A venue node: its three keys get 120 s unless they expire sooner (events: 42 s, kept).
        ops::GatewayScope scope;
        scope.tenant = "globex";
        scope.venue = "v5";
        ui::InvalidationDialog* nodeDialog =
            window.openSetTtl(ops::selectGatewayKeys(scope, model::RouteConfig::defaults()), 120);
        QTRY_COMPARE_WITH_TIMEOUT(nodeDialog->previewTotal(), 2, 5000); // of 3: the events entry expires sooner
        QSignalSpy nodeExecuted(nodeDialog, &ui::InvalidationDialog::executed);
        nodeDialog->execute();
        QVERIFY(nodeExecuted.wait(5000));
        QCOMPARE(nodeDialog->deletedTotal(), 2); // LT: the events entry already expires sooner
        QVERIFY(ttlOf("gateway:response:GET:/api/events:tenant:globex:venue:v5") <= 42);
        QVERIFY(qAbs(ttlOf("gateway:response:GET:/api/venues/3:tenant:globex:venue:v5") - 120) <= 1);
        QVERIFY(ttlOf("gateway:response:GET:/api/venues/3:tenant:globex:venue:v6") > 500);
        save(nodeDialog, u"dialog-set-ttl-done"_s);
        nodeDialog->close();
        seed();
    }

    // The day-long complaint: after raising a route from 30 to 60 s, "Apply TTL to existing keys" cut entries from
    // 90 s (30 s + 60 s grace) to 60 s and lengthened none. Now the dialog opens on a raise with "only shorten" off,
    // warns when it is ticked, previews the exact number that will change, and writes what the cache manager would:
    // fresh for 60 s from now and the entry's own grace on top.
    void applyingARaisedRouteTtlLengthensEntriesAndKeepsTheirGrace()
    {
        seed();
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ui::SafetyOptions safety;
        safety.actor = u"raise@test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(1280, 800);
        ui::RouteEditorPane* editor = showDefaultRoutes(window, connection);
        QVERIFY(editor);
        ui::RouteRulesModel* rules = editor->rulesModel();
        const QModelIndex eventsTtl = selectRule(editor, u"/api/events"_s);
        QVERIFY(eventsTtl.isValid());
        for (const int ttl : {30, 60}) {
            QVERIFY(rules->setData(eventsTtl, ttl));
            QSignalSpy saved(editor, &ui::RouteEditorPane::saved);
            editor->save();
            QVERIFY(saved.wait(5000));
        }
        // The route's 36 entries, as a gateway wrote them under 30 s with 60 s of grace.
        const QSet<QByteArray> entries = testing::scanAll(connection, "gateway:response:GET:/api/events:*");
        QCOMPARE(entries.size(), 36);
        const qint64 writtenAt = QDateTime::currentMSecsSinceEpoch();
        for (const QByteArray& key : entries) {
            cache::CacheEnvelope entry;
            entry.payload = "[]";
            entry.expiresAtMs = writtenAt + 30000;
            QVERIFY(testing::runCommand(
                connection, {"SET", key, entry.encode(0), "PXAT", QByteArray::number(writtenAt + 90000)})
                        .isStatus("OK"));
        }

        editor->requestApplyTtl();
        const auto dialogs = window.findChildren<ui::InvalidationDialog*>();
        QCOMPARE(dialogs.size(), 1);
        ui::InvalidationDialog* dialog = dialogs.first();
        auto* onlyShorten = dialog->findChild<QCheckBox*>(u"onlyShorten"_s);
        QVERIFY(onlyShorten);
        QVERIFY(!onlyShorten->isChecked()); // a raise
        QVERIFY(!dialog->ttlNote().contains(u"goes up"_s));
        QTRY_COMPARE_WITH_TIMEOUT(dialog->previewTotal(), 36, 5000);

        onlyShorten->setChecked(true);
        QVERIFY2(dialog->ttlNote().contains(u"The TTL goes up from 30s to 1m, but"_s), qPrintable(dialog->ttlNote()));
        QCOMPARE(dialog->previewTotal(), 0); // the old preview no longer holds
        QSignalSpy previewed(dialog, &ui::InvalidationDialog::previewed);
        dialog->preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(previewed.last().at(0).toLongLong(), 0); // only shorten: none of them
        save(dialog, u"dialog-apply-raise-only-shorten"_s);

        onlyShorten->setChecked(false);
        dialog->preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(dialog->previewTotal(), 36);
        QSignalSpy executed(dialog, &ui::InvalidationDialog::executed);
        dialog->execute();
        QVERIFY(executed.wait(5000));
        QCOMPARE(dialog->deletedTotal(), 36);
        const QByteArray key = "gateway:response:GET:/api/events:tenant:acme:venue:v3";
        const auto entry = cache::CacheEnvelope::decode(testing::runCommand(connection, {"GET", key}).bytes());
        QVERIFY(entry);
        const qint64 fresh = entry->expiresAtMs - QDateTime::currentMSecsSinceEpoch();
        QVERIFY2(fresh > 57000 && fresh <= 60000, qPrintable(QString::number(fresh)));
        QCOMPARE(testing::runCommand(connection, {"PEXPIRETIME", key}).integer() - entry->expiresAtMs, 60000);
        save(dialog, u"dialog-apply-raise-done"_s);
        dialog->close();
        seed();
    }

    void largeValuesAreTruncatedWithAWayToLoadMore()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        const QByteArray big = QByteArray("seat-map;").repeated(100000); // 900,000 bytes
        QVERIFY(testing::runCommand(connection, {"SET", "venues:big-map", big}).isStatus("OK"));
        ui::KeyDetailPane pane(&connection);
        QSignalSpy loaded(&pane, &ui::KeyDetailPane::loaded);
        pane.showKey("venues:big-map");
        QVERIFY(loaded.wait(5000));
        const QString cut =
            u"… first %1 of %2 bytes"_s.arg(QLocale().formattedDataSize(65536), QLocale().toString(900000));
        QVERIFY2(pane.valueText().endsWith(cut), qPrintable(pane.valueText().right(80)));
        QVERIFY(pane.valueText().size() < 70000);
        pane.loadMore();
        QVERIFY(loaded.wait(5000));
        QVERIFY(pane.valueText().startsWith(u"seat-map;"_s));
        QCOMPARE(pane.valueText().size(), big.size()); // 900 KB < 1 MiB: all of it now
        testing::runCommand(connection, {"DEL", "venues:big-map"});
    }

    // The Key pane as an engineer reads it: a cache-manager entry decoded (fresh for…, then stale for… of grace),
    // its JSON in the order it was written, a TTL that counts down; a hash and a sorted set as member tables, a page
    // at a time; Delete through the invalidation flow, never on protected keys or a read-only connection; and a key
    // that vanished says so.
    void keyPaneReadsEntriesMembersAndVanishedKeys()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        cache::CacheEnvelope envelope;
        envelope.payload = "{\"zone\":\"A\",\"id\":7,\"name\":\"Concert\"}";
        envelope.expiresAtMs = QDateTime::currentMSecsSinceEpoch() + 90000;
        envelope.loadMs = 42;
        const QByteArray entryKey = "events:pane-entry";
        QVERIFY(testing::runCommand(connection, {"SET", entryKey, envelope.encode(0), "PX", "150000"}).isStatus("OK"));
        for (int i = 0; i < 250; ++i)
            connection.command({"HSET", "cachescope:stats:{1m:1}:route",
                                   "GET /api/events/" + QByteArray::number(i) + "|hit", QByteArray::number(i)},
                nullptr, nullptr);
        for (int i = 0; i < 249; ++i)
            connection.command({"ZADD", "cachescope:tag:venue%3Apane", QByteArray::number(100 + i),
                                   "events:other-" + QByteArray::number(i)},
                nullptr, nullptr);
        QVERIFY(testing::runCommand(connection, {"ZADD", "cachescope:tag:venue%3Apane", "1", "events:pane-entry"})
                    .isInteger());

        ui::SafetyOptions safety;
        safety.actor = u"pane-test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(1280, 800);
        window.show();
        ui::KeyDetailPane* pane = window.keyDetail();
        window.tabs()->setCurrentWidget(pane);
        QSignalSpy loaded(pane, &ui::KeyDetailPane::loaded);

        pane->showKey(entryKey);
        QVERIFY(loaded.wait(5000));
        QVERIFY2(pane->entryText().startsWith(u"fresh for 1m "_s)
                && pane->entryText().contains(u", then stale for 1m"_s) && pane->entryText().contains(u" of grace"_s),
            qPrintable(pane->entryText()));
        QVERIFY2(pane->entryText().contains(u"loaded in 42 ms"_s), qPrintable(pane->entryText()));
        QCOMPARE(pane->valueText(), u"{\n  \"zone\": \"A\",\n  \"id\": 7,\n  \"name\": \"Concert\"\n}"_s);
        const QString ttlBefore = pane->ttlText();
        QTRY_VERIFY_WITH_TIMEOUT(pane->ttlText() != ttlBefore, 2500); // it counts down without a new read
        QVERIFY(pane->canDelete());
        std::optional<ops::KeySelection> asked;
        connect(pane, &ui::KeyDetailPane::deleteRequested, this,
            [&asked](const ops::KeySelection& selection) { asked = selection; });
        QPushButton* deleteButton = nullptr;
        for (QPushButton* button : pane->findChildren<QPushButton*>()) {
            if (button->text() == u"Delete…"_s)
                deleteButton = button;
        }
        QVERIFY(deleteButton && deleteButton->isEnabled());
        deleteButton->click();
        QVERIFY(asked.has_value()); // and the window opened its invalidation dialog for exactly this key
        QVERIFY(asked->accepts(entryKey) && !asked->accepts(entryKey + "x"));
        auto* dialog = window.findChild<ui::InvalidationDialog*>();
        QVERIFY(dialog);
        dialog->close();
        save(&window, u"key-pane-entry-1280x800"_s);

        // A hash of 250 fields (HSCAN decides the page sizes), all of it on request; CacheScope's own, so not
        // deletable.
        pane->showKey("cachescope:stats:{1m:1}:route");
        QVERIFY(loaded.wait(5000));
        QVERIFY(!pane->canDelete());
        while (pane->memberRowsShown() < 250) {
            pane->loadMore();
            QVERIFY(loaded.wait(5000));
        }
        QCOMPARE(pane->memberRowsShown(), 250);
        save(&window, u"key-pane-hash-1280x800"_s);
        window.resize(1024, 640);
        // A sorted set by rank: 200, then the other 50, in score order.
        pane->showKey("cachescope:tag:venue%3Apane");
        QVERIFY(loaded.wait(5000));
        QCOMPARE(pane->memberRowsShown(), 200);
        QVERIFY(pane->valueText().startsWith(u"member\tscore\nevents:pane-entry\t1\n"_s));
        pane->loadMore();
        QVERIFY(loaded.wait(5000));
        QCOMPARE(pane->memberRowsShown(), 250);
        save(&window, u"key-pane-zset-1024x640"_s);

        // Gone meanwhile: said plainly, nothing to delete.
        pane->showKey(entryKey);
        QVERIFY(loaded.wait(5000));
        QVERIFY(testing::runCommand(connection, {"DEL", entryKey}).integer() == 1);
        pane->refresh();
        QVERIFY(loaded.wait(5000));
        QVERIFY(!pane->canDelete());
        QCOMPARE(pane->ttlText(), u"—"_s);
        QVERIFY(pane->findChild<QLabel*>() != nullptr);
        bool saysGone = false;
        for (QLabel* label : pane->findChildren<QLabel*>())
            saysGone = saysGone || (!label->isHidden() && label->text().startsWith(u"This key no longer exists"_s));
        QVERIFY(saysGone);
        save(&window, u"key-pane-gone-1024x640"_s);

        // Read-only: Delete stays off for any key.
        QVERIFY(testing::runCommand(connection, {"SET", "events:ro", "x"}).isStatus("OK"));
        pane->setSafety(true, {});
        pane->showKey("events:ro");
        QVERIFY(loaded.wait(5000));
        QVERIFY(!pane->canDelete());
        QVERIFY(!deleteButton->isEnabled());
        testing::runCommand(
            connection, {"DEL", "events:ro", "cachescope:stats:{1m:1}:route", "cachescope:tag:venue%3Apane"});
    }

    // A rescan (after an invalidation, on a schedule) keeps what the engineer opened, selected and scrolled to; the
    // categories keep their order whatever the sort, CacheScope's own keys collapsed and last; write items are off
    // on protected keys and read-only connections.
    void theTreeKeepsItsStateAcrossRescans()
    {
        seed();
        m_server.cli({u"SET"_s, u"cachescope:config:routes{cachescope}"_s, u"{}"_s});
        redis::Connection connection(m_server.connectionOptions());
        ui::SafetyOptions safety;
        safety.actor = u"tree-test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(1280, 800);
        window.show();
        ui::KeyBrowser* browser = window.keyBrowser();
        QSignalSpy scanned(browser->feed(), &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QVERIFY(scanned.wait(10000));
        QTreeView* view = browser->view();
        QAbstractItemModel* model = view->model();
        const auto topNames = [model] {
            QStringList names;
            for (int row = 0; row < model->rowCount(); ++row)
                names.append(model->index(row, 0).data().toString());
            return names;
        };
        const QStringList categories {u"Gateway responses"_s, u"Service entries"_s, u"Other keys"_s,
            u"CacheScope's own keys (stats, tags, config, audit)"_s};
        for (const int column : {int(ui::KeyTreeModel::CountColumn), int(ui::KeyTreeModel::MemoryColumn),
                 int(ui::KeyTreeModel::NameColumn)}) {
            for (const Qt::SortOrder order : {Qt::AscendingOrder, Qt::DescendingOrder}) {
                view->sortByColumn(column, order);
                QCOMPARE(topNames(), categories);
            }
        }
        // Groups in natural order: venue v2 before venue v12.
        view->sortByColumn(ui::KeyTreeModel::NameColumn, Qt::AscendingOrder);
        const QModelIndex acmeVenues =
            model->match(model->index(0, 0, model->index(0, 0)), Qt::DisplayRole, u"tenant acme"_s, 1, Qt::MatchExactly)
                .value(0);
        QStringList venues;
        for (int row = 0; row < model->rowCount(acmeVenues); ++row)
            venues.append(model->index(row, 0, acmeVenues).data().toString());
        QCOMPARE(venues.mid(0, 3), (QStringList {u"venue v1"_s, u"venue v2"_s, u"venue v3"_s}));
        QCOMPARE(venues.last(), u"venue v12"_s);
        const QModelIndex own = model->index(3, 0);
        QVERIFY(!view->isExpanded(own)); // collapsed on the first look, the others open
        QVERIFY(view->isExpanded(model->index(0, 0)) && view->isExpanded(model->index(1, 0)));

        const QModelIndex gateway = model->index(0, 0);
        const QModelIndex acme =
            model->match(model->index(0, 0, gateway), Qt::DisplayRole, u"tenant acme"_s, 1, Qt::MatchExactly).value(0);
        QVERIFY(acme.isValid());
        view->expand(acme);
        const QModelIndex venue =
            model->match(model->index(0, 0, acme), Qt::DisplayRole, u"venue v7"_s, 1, Qt::MatchExactly).value(0);
        QVERIFY(venue.isValid());
        view->expand(venue);
        view->setCurrentIndex(venue);
        view->collapse(model->index(1, 0)); // the engineer closed the service entries
        QCoreApplication::processEvents();
        view->verticalScrollBar()->setValue(40);
        const int scroll = view->verticalScrollBar()->value();

        // Written from outside; a rescan brings it in and leaves everything else as it was.
        m_server.cli({u"SET"_s, u"gateway:response:GET:/api/events:tenant:acme:venue:v7b"_s, u"x"_s});
        // Enough keys for several SCAN pages: what was open opens again while the scan is still running.
        m_server.cli({u"EVAL"_s, u"for i = 1, 5000 do redis.call('SET', 'events:bulk:' .. i, 'x') end"_s, u"0"_s});
        bool acmeOpenedDuringScan = false;
        const QMetaObject::Connection watch =
            connect(view, &QTreeView::expanded, this, [&acmeOpenedDuringScan](const QModelIndex& index) {
                // During the scan the view shows the tree model itself; the sorting proxy comes back at the end.
                if (index.data().toString() == u"tenant acme"_s && qobject_cast<const ui::KeyTreeModel*>(index.model()))
                    acmeOpenedDuringScan = true;
            });
        browser->rescan();
        QVERIFY(scanned.wait(10000));
        disconnect(watch);
        QVERIFY(acmeOpenedDuringScan);
        m_server.cli({u"EVAL"_s, u"for i = 1, 5000 do redis.call('DEL', 'events:bulk:' .. i) end"_s, u"0"_s});
        browser->rescan();
        QVERIFY(scanned.wait(10000));
        model = view->model();
        QCOMPARE(topNames(), categories);
        const QModelIndex acmeAgain =
            model->match(model->index(0, 0, model->index(0, 0)), Qt::DisplayRole, u"tenant acme"_s, 1, Qt::MatchExactly)
                .value(0);
        QVERIFY(view->isExpanded(model->index(0, 0)));
        QVERIFY(!view->isExpanded(model->index(1, 0)));
        QVERIFY(!view->isExpanded(model->index(3, 0)));
        QVERIFY(view->isExpanded(acmeAgain));
        QCOMPARE(view->currentIndex().data().toString(), u"venue v7"_s);
        QCOMPARE(view->currentIndex().parent(), acmeAgain);
        QVERIFY(view->isExpanded(view->currentIndex()));
        QTRY_COMPARE(view->verticalScrollBar()->value(), scroll);
        QCOMPARE(window.tabs()->currentWidget() == window.keyDetail(), false); // putting it back selected no key
        save(&window, u"tree-after-rescan-1280x800"_s);

        // A filter (typed, or set by an alert) opens every group it matches; cleared, the tree is as the engineer left
        // it, and a later rescan does not reopen what the filter opened.
        const auto tenantNode = [&view](const QString& name) {
            const QAbstractItemModel* shown = view->model();
            return shown->match(shown->index(0, 0, shown->index(0, 0)), Qt::DisplayRole, name, 1, Qt::MatchExactly)
                .value(0);
        };
        browser->setFilterText(u"venue:v12"_s);
        QTRY_VERIFY(view->isExpanded(tenantNode(u"tenant globex"_s)));
        browser->setFilterText({});
        QTRY_VERIFY(!view->isExpanded(tenantNode(u"tenant globex"_s)));
        for (int pass = 0; pass < 2; ++pass) {
            QVERIFY(view->isExpanded(tenantNode(u"tenant acme"_s)));
            QVERIFY(!view->isExpanded(tenantNode(u"tenant initech"_s)));
            QVERIFY(!view->isExpanded(view->model()->index(1, 0)));
            QCOMPARE(view->currentIndex().data().toString(), u"venue v7"_s);
            QVERIFY(view->isExpanded(view->currentIndex()));
            browser->rescan();
            QVERIFY(scanned.wait(10000));
        }

        // No write items on CacheScope's own keys; none at all when read-only.
        QCOMPARE(browser->whyNotWritable(ops::selectKey("cachescope:config:routes{cachescope}")), u"protected"_s);
        QCOMPARE(browser->whyNotWritable(ops::selectKey("events:1")), std::optional<QString>());
        browser->setSafety(true, {});
        QCOMPARE(browser->whyNotWritable(ops::selectKey("events:1")), u"read-only"_s);
        m_server.cli({u"DEL"_s, u"gateway:response:GET:/api/events:tenant:acme:venue:v7b"_s,
            u"cachescope:config:routes{cachescope}"_s});
    }

    // The divider between tree and tabs moves only when dragged: not when another tab, a long key or a refreshed
    // table asks for more room; it is remembered per server with the window and the tree's columns. Production
    // and read-only stay in sight whatever the status bar says.
    void theLayoutStaysPutAndIsRemembered()
    {
        redis::Connection connection(m_server.connectionOptions());
        ui::SafetyOptions production;
        production.production = true;
        production.actor = u"layout-test"_s;
        QList<int> sizes;
        {
            ui::MainWindow window(&connection, production);
            window.resize(1024, 640);
            window.show();
            QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
            connection.open();
            QVERIFY(scanned.wait(10000));
            window.splitter()->setSizes({330, 694});
            QCoreApplication::processEvents();
            sizes = window.splitter()->sizes();
            for (QWidget* tab : {static_cast<QWidget*>(window.routeEditor()), static_cast<QWidget*>(window.auditPane()),
                     static_cast<QWidget*>(window.keyDetail())}) {
                window.tabs()->setCurrentWidget(tab);
                QCoreApplication::processEvents();
                QCOMPARE(window.splitter()->sizes(), sizes);
            }
            QSignalSpy loaded(window.keyDetail(), &ui::KeyDetailPane::loaded);
            m_server.cli({u"SET"_s, u"events:"_s + QString(u'x').repeated(300), u"{\"a\":1}"_s});
            window.keyDetail()->showKey("events:" + QByteArray(300, 'x'));
            QVERIFY(loaded.wait(5000));
            QSignalSpy refreshed(window.labelStats(), &ui::LabelStatsPane::refreshed);
            window.labelStats()->refresh();
            QVERIFY(refreshed.wait(10000));
            QCoreApplication::processEvents();
            QCOMPARE(window.splitter()->sizes(), sizes);

            QVERIFY(window.safetyBanner()->isVisible());
            QVERIFY(window.safetyBanner()->text().startsWith(u"PRODUCTION"_s));
            window.statusBar()->showMessage(u"12 keys deleted"_s, 10000);
            QCoreApplication::processEvents();
            QVERIFY(window.safetyBanner()->isVisible());
            save(&window, u"layout-production-1024x640"_s);
            window.close(); // saves the layout
            m_server.cli({u"DEL"_s, u"events:"_s + QString(u'x').repeated(300)});
        }
        ui::MainWindow again(&connection, production);
        again.show();
        QCoreApplication::processEvents();
        QCOMPARE(again.size(), QSize(1024, 640));
        QCOMPARE(again.splitter()->sizes(), sizes);
        again.close();
        {
            // A size saved on a larger screen (1600×1000 here, on a 1280×800 one) opens inside the available area:
            // the status bar and the alerts are never off the bottom.
            ui::MainWindow large(&connection, production);
            large.resize(1600, 1000);
            large.move(200, 100);
            large.saveLayout();
        }
        ui::MainWindow fitted(&connection, production);
        fitted.show();
        QCoreApplication::processEvents();
        const QRect available = fitted.screen()->availableGeometry();
        QVERIFY2(available.contains(fitted.frameGeometry()),
            qPrintable(u"%1,%2 %3x%4 in %5x%6"_s.arg(fitted.frameGeometry().x())
                           .arg(fitted.frameGeometry().y())
                           .arg(fitted.frameGeometry().width())
                           .arg(fitted.frameGeometry().height())
                           .arg(available.width())
                           .arg(available.height())));
        QVERIFY(fitted.statusBar()->isVisible());
        QVERIFY(available.contains(fitted.statusBar()->mapToGlobal(QPoint(0, fitted.statusBar()->height() - 1))));
        fitted.resize(1024, 640);
        fitted.saveLayout(); // as the rest of this test expects it

        ui::SafetyOptions ordinary;
        ui::MainWindow plain(&connection, ordinary);
        QVERIFY(plain.safetyBanner()->isHidden());
    }

    // The production count is confirmed as it is shown ("1,200") or bare ("1200"); any other number keeps Delete off.
    void theTypedCountIsTheShownOne()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        for (int i = 0; i < 1200; ++i)
            connection.command({"SET", "bulk:" + QByteArray::number(i), "x"}, nullptr, nullptr);
        QCOMPARE(testing::runCommand(connection, {"EXISTS", "bulk:1199"}).integer(), 1);
        ui::SafetyOptions production;
        production.production = true;
        ui::InvalidationDialog dialog(&connection, production);
        dialog.show();
        dialog.setPatterns({u"bulk:*"_s});
        QSignalSpy previewed(&dialog, &ui::InvalidationDialog::previewed);
        dialog.preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(dialog.previewTotal(), 1200);
        auto* confirm = dialog.findChild<QLineEdit*>();
        QVERIFY(confirm && confirm->isVisible());
        QPushButton* del = nullptr;
        for (QPushButton* button : dialog.findChildren<QPushButton*>()) {
            if (button->text() == u"&Delete"_s)
                del = button;
        }
        QVERIFY(del);
        const QString shown = QLocale().toString(1200);
        for (const QString& typed : {shown, u"1200"_s, u" 1200 "_s, u"120"_s, u"1,201"_s, u"12,00x"_s, QString()}) {
            confirm->setText(typed);
            const bool right = typed == shown || typed.trimmed() == u"1200"_s;
            QVERIFY2(del->isEnabled() == right, qPrintable(typed));
        }
        for (int i = 0; i < 1200; i += 100)
            testing::runCommand(connection,
                {"EVAL", "for i = 0, 99 do redis.call('DEL', 'bulk:' .. (ARGV[1] + i)) end", "0",
                    QByteArray::number(i)});
        QCOMPARE(testing::runCommand(connection, {"EXISTS", "bulk:1199"}).integer(), 0);
    }

    // A tag typed in the dialog runs core's tag invalidation: the exact count of live entries, a warning that the
    // index goes too, the entries and then the index deleted, one audit record under "invalidate tags".
    void aTagCanBeInvalidatedFromTheDialog()
    {
        seed();
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        testing::runCommand(connection, {"DEL", ops::auditStreamKey});
        const QByteArray index = model::tagKey("venue:v7");
        const QByteArray future = QByteArray::number(QDateTime::currentMSecsSinceEpoch() + 3600000);
        const QList<QByteArray> entries {"gateway:response:GET:/api/events:tenant:acme:venue:v7",
            "gateway:response:GET:/api/venues/3:tenant:acme:venue:v7", "events:7"};
        for (const QByteArray& key : entries)
            QVERIFY(testing::runCommand(connection, {"ZADD", index, future, key}).isInteger());
        ui::SafetyOptions safety;
        safety.actor = u"tagger@test"_s;
        ui::InvalidationDialog dialog(&connection, safety);
        dialog.resize(900, 520);
        dialog.show();
        dialog.setTags({u"venue:v7"_s});
        QVERIFY(dialog.usesTags());
        QSignalSpy previewed(&dialog, &ui::InvalidationDialog::previewed);
        dialog.preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(dialog.previewTotal(), 3);
        QVERIFY2(
            dialog.summaryText().contains(u"Each tag's index is deleted too, last, once every entry it lists is"_s),
            qPrintable(dialog.summaryText()));
        save(&dialog, u"dialog-invalidate-tag"_s);
        QSignalSpy executed(&dialog, &ui::InvalidationDialog::executed);
        dialog.execute();
        QVERIFY(executed.wait(5000));
        QCOMPARE(dialog.deletedTotal(), 3);
        for (const QByteArray& key : entries)
            QCOMPARE(testing::runCommand(connection, {"EXISTS", key}).integer(), 0);
        QCOMPARE(testing::runCommand(connection, {"EXISTS", index}).integer(), 0);
        const ops::AuditRecord record = testing::auditRecords(m_server.connectionOptions(), 1).value(0);
        QCOMPARE(record.action, u"invalidate tags"_s);
        QCOMPARE(record.target, u"venue:v7"_s);
        QCOMPARE(record.count, 3);
        QCOMPARE(record.actor, u"tagger@test"_s);
        QCOMPARE(record.dryRun, false);
        seed();
    }

    // Invalidate… from the toolbar opens on typed patterns and offers the tree's node, never using it silently; a
    // node's glob box looks read-only; a pattern removed after a preview leaves no row behind; Del on a node opens
    // the dialog on exactly that node.
    void invalidateActsOnWhatItSays()
    {
        seed();
        redis::Connection connection(m_server.connectionOptions());
        ui::SafetyOptions safety;
        safety.actor = u"dialog-test"_s;
        ui::MainWindow window(&connection, safety);
        window.show();
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QVERIFY(scanned.wait(10000));
        QTreeView* view = window.keyBrowser()->view();
        const QModelIndex services = view->model()->index(1, 0);
        const QModelIndex events = view->model()->index(0, 0, services);
        QCOMPARE(events.data().toString(), u"events"_s);
        view->setCurrentIndex(events);

        QAction* invalidate = nullptr;
        for (QAction* action : window.findChildren<QAction*>()) {
            if (action->text() == u"&Invalidate…"_s)
                invalidate = action;
        }
        QVERIFY(invalidate);
        invalidate->trigger();
        auto* dialog = window.findChild<ui::InvalidationDialog*>();
        QVERIFY(dialog);
        QVERIFY(!dialog->usesSelection());
        auto* patterns = dialog->findChild<QPlainTextEdit*>();
        QVERIFY(patterns && !patterns->isReadOnly() && patterns->toPlainText().isEmpty());
        QPushButton* offer = nullptr;
        for (QPushButton* button : dialog->findChildren<QPushButton*>()) {
            if (button->text().startsWith(u"Use the selected node"_s))
                offer = button;
        }
        QVERIFY(offer && !offer->isHidden());
        QCOMPARE(offer->text(), u"Use the selected node: namespace events"_s);
        offer->click();
        QVERIFY(dialog->usesSelection());
        QVERIFY(patterns->isReadOnly());
        QVERIFY(offer->isHidden());
        save(dialog, u"invalidate-offered-node"_s);
        dialog->setPatterns({u"events:1*"_s, u"events:2*"_s});
        QSignalSpy previewed(dialog, &ui::InvalidationDialog::previewed);
        dialog->preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(dialog->resultRows(), 2);
        patterns->setPlainText(u"events:1*"_s);
        QCOMPARE(dialog->resultRows(), 0); // the old rows went with the old patterns
        QCOMPARE(dialog->previewTotal(), 0);
        dialog->close();
        delete dialog;

        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        view->setFocus();
        view->setCurrentIndex(events);
        QTest::keyClick(view, Qt::Key_Delete);
        auto* nodeDialog = window.findChild<ui::InvalidationDialog*>();
        QVERIFY(nodeDialog);
        QVERIFY(nodeDialog->usesSelection());
        nodeDialog->close();
        delete nodeDialog;
    }

    // What a run did against what was previewed: keys written since are named as the difference, the bar ends at
    // 100 %, and protected keys a pattern matched are counted, not hidden.
    void invalidationSaysWhatChangedSinceThePreview()
    {
        seed();
        m_server.cli({u"SET"_s, u"cachescope:config:routes{cachescope}"_s, u"{}"_s});
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ui::SafetyOptions safety;
        safety.actor = u"difference-test"_s;
        ui::InvalidationDialog dialog(&connection, safety);
        dialog.show();
        const auto summary = [&dialog] {
            QString text;
            for (QLabel* label : dialog.findChildren<QLabel*>()) {
                if (label->text().contains(u"<b>"_s) && label->text().contains(u"keys"_s))
                    text = label->text();
            }
            return text;
        };
        dialog.setPatterns({u"*"_s});
        QSignalSpy previewed(&dialog, &ui::InvalidationDialog::previewed);
        dialog.preview();
        QVERIFY(previewed.wait(5000));
        QVERIFY2(summary().contains(u"1 protected keys"_s) || summary().contains(u"protected keys (CacheScope"_s),
            qPrintable(summary()));

        dialog.setPatterns({u"events:*"_s});
        dialog.preview();
        QVERIFY(previewed.wait(5000));
        QCOMPARE(dialog.previewTotal(), 200);
        for (int i = 0; i < 5; ++i)
            m_server.cli({u"SET"_s, u"events:late-%1"_s.arg(i), u"x"_s});
        QSignalSpy executed(&dialog, &ui::InvalidationDialog::executed);
        dialog.execute();
        QVERIFY(executed.wait(10000));
        QCOMPARE(executed.first().first().toLongLong(), 205);
        QVERIFY2(
            summary().contains(u"That is 5 more than the 200 previewed: keys written since the preview matched too."_s),
            qPrintable(summary()));
        auto* bar = dialog.findChild<QProgressBar*>();
        QVERIFY(bar);
        QCOMPARE(bar->value(), bar->maximum());
        save(&dialog, u"invalidation-difference"_s);
        m_server.cli({u"DEL"_s, u"cachescope:config:routes{cachescope}"_s});
        seed();
    }

    // Pause freezes the headline and the chart, says so with a badge that counts what is kept meanwhile, and
    // freezes the hit-rate table with them; resume shows the newest figures.
    void pauseFreezesEverythingItSays()
    {
        redis::Connection connection(m_server.connectionOptions());
        ui::MainWindow window(&connection, ui::SafetyOptions {});
        ui::LiveChartPane* charts = window.liveCharts();
        const auto sample = [](qint64 hits, qint64 misses, int second) {
            ops::InfoSample s;
            s.at = QDateTime::currentDateTime().addSecs(second);
            s.delta.seconds = 1;
            s.delta.hits = hits;
            s.delta.misses = misses;
            s.keys = 100;
            return s;
        };
        charts->addSample(sample(90, 10, 0));
        QVERIFY2(charts->headline().startsWith(u"<b>90.0 %</b> hit rate"_s), qPrintable(charts->headline()));
        charts->setPaused(true);
        QVERIFY(window.labelStats()->isPaused());
        charts->addSample(sample(10, 90, 1));
        charts->addSample(sample(20, 80, 2));
        QVERIFY2(charts->headline().startsWith(u"<b>90.0 %</b> hit rate"_s), qPrintable(charts->headline()));
        QLabel* badge = nullptr;
        for (QLabel* label : charts->findChildren<QLabel*>()) {
            if (label->text().startsWith(u"PAUSED at "_s))
                badge = label;
        }
        QVERIFY(badge && !badge->isHidden());
        QVERIFY2(badge->text().endsWith(u" · 2 new samples kept"_s), qPrintable(badge->text()));
        charts->setPaused(false);
        QVERIFY(badge->isHidden());
        QVERIFY(!window.labelStats()->isPaused());
        QVERIFY2(charts->headline().startsWith(u"<b>20.0 %</b> hit rate"_s), qPrintable(charts->headline()));
    }

    // A row of the hit-rate table charts that label's hit rate per bucket over the window, from the stored stats;
    // a bucket without lookups is a gap in the line, not a straight line across it.
    void aRowsTrendHasRealGaps()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        const cache::StatsTier tier = cache::defaultStatsTiers().first();
        QCOMPARE(tier.bucket.count(), 1);
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QByteArray label = "GET /api/trend";
        for (int i = 1; i <= 10; ++i) {
            const qint64 bucket = now - 21 + i;
            if (i == 6)
                continue; // an idle second
            const QByteArray key = tier.bucketKey(bucket, cache::StatsDimension::Route);
            testing::runCommand(connection,
                {"HSET", key, label + '|' + cache::statsEventName(cache::StatsEvent::Hit), QByteArray::number(i),
                    label + '|' + cache::statsEventName(cache::StatsEvent::Miss), QByteArray::number(10 - i)});
            testing::runCommand(
                connection, {"ZADD", tier.indexKey(), QByteArray::number(bucket), QByteArray::number(bucket)});
        }
        ui::LabelStatsPane pane(&connection);
        pane.resize(700, 500);
        pane.show();
        QSignalSpy refreshed(&pane, &ui::LabelStatsPane::refreshed);
        pane.refresh();
        QVERIFY(refreshed.wait(5000));
        pane.showTrend(label);
        const QList<QList<QPointF>> segments = pane.trendSegments();
        QCOMPARE(segments.size(), 2);
        QCOMPARE(segments.at(0).size(), 5);
        QCOMPARE(segments.at(1).size(), 4);
        QCOMPARE(segments.at(0).first(), QPointF(double(now - 20) * 1000.0, 10.0));
        QCOMPARE(segments.at(1).first(), QPointF(double(now - 14) * 1000.0, 70.0));
        QCOMPARE(segments.at(1).last(), QPointF(double(now - 11) * 1000.0, 100.0));
        save(&pane, u"label-trend"_s);
        pane.showTrend({});
        QVERIFY(pane.trendSegments().isEmpty());
        for (int i = 1; i <= 10; ++i)
            testing::runCommand(connection, {"DEL", tier.bucketKey(now - 21 + i, cache::StatsDimension::Route)});
        testing::runCommand(connection, {"DEL", tier.indexKey()});
    }

    // What happened before you were paged: on open the chart reads the services' recorded lookups (CacheScope's
    // stats) for the time before its first sample, drawn dashed with a gap where a bucket is missing, and marks the
    // audit trail's writes (not its dry runs) on the time axis.
    void theChartOpensWithRecordedHistoryAndAuditMarkers()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        testing::runCommand(connection, {"DEL", ops::auditStreamKey});
        const cache::StatsTier tier = cache::defaultStatsTiers().first();
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        QList<QByteArray> written;
        for (int i = 1; i <= 10; ++i) {
            const qint64 bucket = now - 50 + i;
            if (i == 6)
                continue; // an idle second: no bucket
            const QByteArray key = tier.bucketKey(bucket, cache::StatsDimension::Total);
            written.append(key);
            testing::runCommand(connection,
                {"HSET", key, "all|" + cache::statsEventName(cache::StatsEvent::Hit), QByteArray::number(i),
                    "all|" + cache::statsEventName(cache::StatsEvent::Miss), QByteArray::number(10 - i)});
            testing::runCommand(
                connection, {"ZADD", tier.indexKey(), QByteArray::number(bucket), QByteArray::number(bucket)});
        }
        auto appended = [&connection, this](ops::AuditRecord record) {
            bool done = false;
            ops::appendAudit(connection, record, this, [&done](std::optional<QByteArray>, QString) { done = true; });
            return QTest::qWaitFor([&done] { return done; }, 5000);
        };
        auto invalidated = ops::AuditRecord::of(
            ops::AuditAction::Invalidate, ops::AuditOutcome::Completed, u"alice@ops"_s, u"events:*"_s, 1203);
        invalidated.at = QDateTime::currentDateTimeUtc().addSecs(-20);
        QVERIFY(appended(invalidated));
        auto preview = ops::AuditRecord::of(
            ops::AuditAction::Invalidate, ops::AuditOutcome::Completed, u"alice@ops"_s, u"events:*"_s, 1203);
        preview.dryRun = true;
        preview.at = QDateTime::currentDateTimeUtc().addSecs(-25);
        QVERIFY(appended(preview));

        ui::MainWindow window(&connection, ui::SafetyOptions {});
        window.resize(1280, 800);
        window.show();
        ui::LiveChartPane* charts = window.liveCharts();
        QTRY_VERIFY_WITH_TIMEOUT(!charts->segments(5).isEmpty() && charts->shownMarkers().size() == 1, 5000);
        const QList<QList<QPointF>> recorded = charts->segments(5); // the recorded hit rate
        QCOMPARE(recorded.size(), 2);
        QCOMPARE(recorded.at(0).size(), 5);
        QCOMPARE(recorded.at(1).size(), 4);
        // A bucket is drawn at its end: the bucket of second now-49 (1 hit, 9 misses) at now-48.
        QCOMPARE(recorded.at(0).first(), QPointF(double(now - 48) * 1000.0, 10.0));
        QCOMPARE(recorded.at(1).last(), QPointF(double(now - 39) * 1000.0, 100.0));
        QCOMPARE(charts->segments(3).size(), 2); // recorded hits/s break at the same gap
        const ui::ChartMarker marker = charts->shownMarkers().first();
        QCOMPARE(marker.at, invalidated.at);
        QCOMPARE(marker.text, u"alice@ops: invalidate events:* (1,203 keys)"_s);
        auto* note = charts->findChild<QLabel*>(u"chartNote"_s);
        QVERIFY(note && note->isVisible());
        const QStringList lines = note->text().split(u'\n');
        QCOMPARE(lines.size(), 2);
        // "…, 1 s buckets from HH:mm:ss).": the window's start is the reader's clock
        QVERIFY2(lines.at(0).startsWith(u"Dashed: the lookups the services recorded before the first sample "
                                        "(CacheScope's stats, 1 s buckets from "_s)
                && lines.at(0).endsWith(u")."_s),
            qPrintable(lines.at(0)));
        QCOMPARE(lines.at(1),
            u"Marked (dotted): "_s + invalidated.at.toLocalTime().toString(u"HH:mm:ss"_s) + u"  "_s + marker.text);
        window.tabs()->setCurrentWidget(charts);
        save(&window, u"dashboard-chart-history-1280"_s);
        window.resize(1024, 640);
        save(&window, u"dashboard-chart-history-1024"_s);
        for (const QByteArray& key : written)
            testing::runCommand(connection, {"DEL", key});
        testing::runCommand(connection, {"DEL", tier.indexKey()});
    }

    // Live samples: an idle stretch (no lookups) breaks the hit rate, not the rates (they are zero then); a stretch
    // without samples (the connection was down) breaks every line.
    void theLiveChartBreaksAtIdleAndMissingSamples()
    {
        ui::LiveChartPane charts;
        charts.resize(900, 500);
        charts.show();
        const QDateTime start = QDateTime::currentDateTime().addSecs(-50);
        const auto sample = [&start](int second, qint64 hits, qint64 misses) {
            ops::InfoSample s;
            s.at = start.addSecs(second);
            s.delta.seconds = 1;
            s.delta.hits = hits;
            s.delta.misses = misses;
            s.delta.commands = hits + misses;
            s.keys = 100;
            return s;
        };
        for (int second = 0; second < 10; ++second)
            charts.addSample(sample(second, 80, 20));
        for (int second = 10; second < 15; ++second)
            charts.addSample(sample(second, 0, 0)); // idle
        for (int second = 15; second < 25; ++second)
            charts.addSample(sample(second, 60, 40));
        for (int second = 45; second < 50; ++second) // 20 s without a sample
            charts.addSample(sample(second, 90, 10));
        const auto sizes = [](const QList<QList<QPointF>>& runs) {
            QList<qsizetype> counts;
            for (const QList<QPointF>& run : runs)
                counts.append(run.size());
            return counts;
        };
        QCOMPARE(sizes(charts.segments(2)), (QList<qsizetype> {10, 10, 5})); // hit rate
        QCOMPARE(sizes(charts.segments(0)), (QList<qsizetype> {25, 5})); // hits/s
        QCOMPARE(charts.segments(2).at(1).first().y(), 60.0);
        save(&charts, u"pane-live-chart-gaps"_s);
    }

    // The keyboard: Down from the filter into the tree, Ctrl+1…4 for the tabs; the Cache menu holds every cache
    // action.
    void keyboardAndCacheMenu()
    {
        seed();
        redis::Connection connection(m_server.connectionOptions());
        ui::MainWindow window(&connection, ui::SafetyOptions {});
        window.show();
        window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&window));
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QVERIFY(scanned.wait(10000));
        window.keyBrowser()->focusFilter();
        auto* filter = window.keyBrowser()->findChild<QLineEdit*>();
        QVERIFY(filter && filter->hasFocus());
        QTest::keyClick(filter, Qt::Key_Down);
        QVERIFY(window.keyBrowser()->view()->hasFocus());
        QVERIFY(window.keyBrowser()->view()->currentIndex().isValid());
        const QList<QWidget*> tabs {window.tabs()->widget(0), window.keyDetail(), window.routeEditor(),
            window.auditPane(), window.analysisPane(), window.missesPane(), window.serverPane()};
        for (int i = 6; i >= 0; --i) {
            QTest::keyClick(&window, Qt::Key(Qt::Key_1 + i), Qt::ControlModifier);
            QCOMPARE(window.tabs()->currentWidget(), tabs.at(i));
        }
        QStringList cacheActions;
        for (QMenu* menu : window.menuBar()->findChildren<QMenu*>()) {
            if (menu->title() == u"&Cache"_s) {
                for (QAction* action : menu->actions()) {
                    if (!action->isSeparator())
                        cacheActions.append(action->text());
                }
            }
        }
        QCOMPARE(cacheActions,
            (QStringList {u"&Invalidate…"_s, u"Set &TTL on keys…"_s, u"&Rescan keys"_s, u"Edit &route TTLs"_s,
                u"&Audit trail"_s, u"&Analyze keyspace"_s, u"Watch &expiries and evictions…"_s,
                u"&Measure CacheScope's own keys"_s}));
    }

    // cachesim's normal traffic sets each route's rate for the hour before (written as that hour's stats), then
    // it runs again with every search unique: the search route alone is flagged — its row tinted, counted in the
    // status bar — and the alert leads to its trend and its keys. Screenshots at both sizes.
    void hitRateAlertsFlagADegradedRoute_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1024x640") << QSize(1024, 640);
    }
    void hitRateAlertsFlagADegradedRoute()
    {
        QFETCH(QSize, size);
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        const QStringList common {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"300"_s, u"--json"_s};
        const testing::ToolRun normal =
            testing::runTool(QStringLiteral(CACHESIM_PATH), common + QStringList {u"--duration"_s, u"3"_s});
        QCOMPARE(normal.exitCode, 0);
        const QJsonArray normalRoutes = QJsonDocument::fromJson(normal.out).object().value(u"routes"_s).toArray();
        // The hour before: each route at the rate it just had, 55 one-minute buckets, 6 to 60 minutes ago.
        const cache::StatsTier tier = cache::defaultStatsTiers().at(1);
        const qint64 current = tier.bucketOf(QDateTime::currentSecsSinceEpoch());
        QByteArray history;
        for (qint64 bucket = current - 60; bucket <= current - 6; ++bucket) {
            const QByteArray key = tier.bucketKey(bucket, cache::StatsDimension::Route);
            for (const QJsonValue& value : normalRoutes) {
                const QJsonObject route = value.toObject();
                for (const auto& [field, counter] : {std::pair {u"hits"_s, "hit"}, std::pair {u"misses"_s, "miss"}}) {
                    history += "HINCRBY \"" + key + "\" \"" + route.value(u"route"_s).toString().toUtf8() + '|'
                        + counter + "\" " + QByteArray::number(route.value(field).toInteger()) + '\n';
                }
            }
            history +=
                "ZADD " + tier.indexKey() + ' ' + QByteArray::number(bucket) + ' ' + QByteArray::number(bucket) + '\n';
        }
        server.cli({}, history);
        const testing::ToolRun degraded = testing::runTool(
            QStringLiteral(CACHESIM_PATH), common + QStringList {u"--duration"_s, u"5"_s, u"--degrade-search"_s});
        QCOMPARE(degraded.exitCode, 0);
        const auto routeCounts = [](const QByteArray& report, const QString& name) {
            for (const QJsonValue& value : QJsonDocument::fromJson(report).object().value(u"routes"_s).toArray()) {
                if (value.toObject().value(u"route"_s).toString() == name)
                    return std::pair {
                        value.toObject().value(u"hits"_s).toInteger(), value.toObject().value(u"misses"_s).toInteger()};
            }
            return std::pair<qint64, qint64> {0, 0};
        };
        const auto [normalHits, normalMisses] = routeCounts(normal.out, u"GET /api/search"_s);
        const auto [degradedHits, degradedMisses] = routeCounts(degraded.out, u"GET /api/search"_s);
        QVERIFY(normalHits > 0);

        redis::Connection connection(server.connectionOptions());
        ui::MainWindow window(&connection, {});
        window.resize(size);
        window.show();
        connection.open();
        QTRY_VERIFY_WITH_TIMEOUT(!window.hitRateWatch()->alerts().isEmpty(), 15000);
        const QList<cache::HitRateAlert> alerts = window.hitRateWatch()->alerts();
        QCOMPARE(alerts.size(), 1);
        const cache::HitRateAlert& alert = alerts.first();
        QCOMPARE(alert.dimension, cache::StatsDimension::Route);
        QCOMPARE(alert.label, QByteArray("GET /api/search"));
        QCOMPARE(alert.reason, cache::HitRateAlert::Reason::BelowBaseline);
        QCOMPARE(alert.lookups, normalHits + normalMisses + degradedHits + degradedMisses);
        QCOMPARE(alert.recent, double(normalHits + degradedHits) / double(alert.lookups));
        QVERIFY(alert.baseline.has_value());
        QCOMPARE(*alert.baseline, double(normalHits) / double(normalHits + normalMisses));
        QVERIFY(window.alertButton()->isVisible());
        QCOMPARE(window.alertButton()->text(), u"1 hit-rate alert"_s);
        QCOMPARE(window.alertButton()->menu()->actions().size(), 1);

        QSignalSpy refreshed(window.labelStats(), &ui::LabelStatsPane::refreshed);
        window.labelStats()->refresh();
        QVERIFY(refreshed.wait(10000));
        ui::LabelStatsModel* model = window.labelStats()->model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        int flagged = 0;
        for (int row = 0; row < model->rowCount(); ++row) {
            const bool search = model->index(row, 0).data().toString() == u"GET /api/search"_s;
            QCOMPARE(model->isAlerted(row), search);
            QCOMPARE(model->index(row, 0).data(Qt::BackgroundRole).isValid(), search);
            flagged += model->isAlerted(row);
        }
        QCOMPARE(flagged, 1);
        const QString name = u"hit-rate-alert-%1x%2"_s.arg(size.width()).arg(size.height());
        save(&window, name);

        window.alertButton()->menu()->actions().first()->trigger();
        QCOMPARE(window.labelStats()->dimension(), cache::StatsDimension::Route);
        QCOMPARE(window.keyBrowser()->filterText(), u"gateway:response:GET:/api/search*"_s);
        // The tree shows the route's keys: as many as the server holds.
        QList<QByteArray> searchKeys =
            server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:GET:/api/search*"_s}).split('\n');
        searchKeys.removeAll(QByteArray());
        // Whatever the view shows by then (the filter's tree when the first scan was still running, the filtered
        // proxy when it was done): the route's keys.
        const auto shownCount = [&window] {
            const QAbstractItemModel* tree = window.keyBrowser()->view()->model();
            return tree->index(0, ui::KeyTreeModel::CountColumn).data(Qt::DisplayRole).toString();
        };
        QTRY_COMPARE_WITH_TIMEOUT(shownCount(), QLocale().toString(searchKeys.size()), 10000);
        // The trend over the last hour: the baseline written for it, then the drop.
        QTRY_VERIFY_WITH_TIMEOUT(window.labelStats()->model()->window().seconds == 3600, 10000);
        QVERIFY(window.labelStats()->trendSegments().size() >= 1);
        QVERIFY(window.labelStats()->trendSegments().first().size() >= 50);
        QVERIFY(window.width() <= size.width());
        save(&window, name + u"-trend"_s);
    }

    // Closing the window while the eviction watch runs puts the server's setting back before the window goes.
    void closingTheWindowRestoresTheEvictionSetting()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        ui::SafetyOptions safety;
        safety.actor = u"evictions-test"_s;
        ui::MainWindow window(&connection, safety);
        window.show();
        connection.open();
        QVERIFY(testing::openAndWait(connection));
        ui::EvictionWatchDialog* dialog = window.openEvictionWatch();
        dialog->consent()->setChecked(true);
        QSignalSpy started(dialog, &ui::EvictionWatchDialog::started);
        dialog->start();
        QVERIFY(started.wait(5000));
        QCOMPARE(testing::keyspaceEventsSetting(server), "xeE");
        window.close();
        QVERIFY(window.isVisible()); // not before the setting is back
        QTRY_VERIFY_WITH_TIMEOUT(!window.isVisible(), 5000);
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
    }

    // The Misses tab: without consent it says what it needs and changes nothing; with it, cachesim's misses fill the
    // table by reason while the setting is widened, a route shows its lateness and what-if, and a proposed TTL is
    // staged in the route editor as an unsaved edit. The server frozen past the timeout, or killed: the status says
    // since when and why and the figures go grey; answering again or restarted: live again without a click. Closing
    // puts the setting back. Both sizes.
    void theMissesTabTellsWhyLookupsMiss_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1024x640") << QSize(1024, 640);
    }
    void theMissesTabTellsWhyLookupsMiss()
    {
        QFETCH(QSize, size);
        testing::RedisServer server;
        QVERIFY(server.start());
        const QString port = QString::number(server.port());
        redis::Connection connection(server.connectionOptions());
        {
            // /api/events lives 2 s, so its entries expire while the test watches.
            redis::Connection writer(server.connectionOptions());
            QVERIFY(testing::openAndWait(writer));
            ops::RouteConfigStore store(&writer);
            model::RouteConfig config = model::RouteConfig::defaults();
            for (model::RouteRule& rule : config.routes) {
                if (rule.path == u"/api/events"_s)
                    rule.ttlSeconds = 2;
            }
            bool ok = false;
            store.save(config, 0, u"misses-test"_s, &store,
                [&ok](const ops::RouteConfigSaveResult& result) { ok = result.saved; });
            QTRY_VERIFY_WITH_TIMEOUT(ok, 5000);
        }
        ui::SafetyOptions safety;
        safety.actor = u"misses-test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(size);
        window.show();
        QSignalSpy loaded(window.routeEditor(), &ui::RouteEditorPane::loaded);
        connection.open();
        QVERIFY(testing::openAndWait(connection));
        QVERIFY(loaded.wait(5000));
        ui::MissesPane* pane = window.missesPane();
        window.tabs()->setCurrentWidget(pane);
        QAbstractItemModelTester tester(pane->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);

        QSignalSpy finished(pane, &ui::MissesPane::finished);
        pane->start();
        QVERIFY(finished.wait(5000));
        QVERIFY2(
            pane->statusText().startsWith(u"the server does not publish misses"_s), qPrintable(pane->statusText()));
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());

        pane->consent()->setChecked(true);
        QSignalSpy started(pane, &ui::MissesPane::started);
        pane->start();
        QVERIFY(started.wait(5000));
        QCOMPARE(testing::keyspaceEventsSetting(server), "g$xeEm");
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, port, u"--rate"_s, u"300"_s, u"--duration"_s, u"8"_s, u"--grace"_s, u"0"_s, u"--db-latency"_s,
                u"2"_s});
        QTRY_COMPARE_WITH_TIMEOUT(sim.state(), QProcess::NotRunning, 30000);
        QCOMPARE(sim.exitCode(), 0);
        QTest::qWait(1200);
        const int events = pane->model()->rowOf("GET /api/events");
        QVERIFY(events >= 0);
        const analysis::MissCounts counts = pane->model()->countsAt(events);
        QVERIFY2(counts.reasons[std::size_t(analysis::MissReason::Expired)] > 0, "no expired misses on a 2 s TTL");
        QVERIFY(pane->statusText().startsWith(u"Live: watching every master since "_s));
        // The table agrees with the watch's own report, cell for cell.
        const auto report = *pane->report();
        QCOMPARE(pane->model()->countsAt(events).misses,
            report.anatomy.groups[std::size_t(analysis::Dimension::Route)].value("GET /api/events").misses);
        QVERIFY(pane->selectGroup("GET /api/events"));
        // cachesim's cache manager simulates half the TTL: ½× is predicted, not said to need hit ages.
        const QList<analysis::TtlWhatIf> rows = report.whatIf("GET /api/events");
        QCOMPARE(rows.size(), 5);
        QVERIFY(rows.at(0).hitRate.has_value());
        QCOMPARE(rows.at(0).needs, QString());
        QVERIFY(!rows.at(1).hitRate || *rows.at(0).hitRate <= *rows.at(1).hitRate); // shorter never hits more
        QVERIFY2(!pane->routeDetailText().contains(u"Not predicted"_s), qPrintable(pane->routeDetailText()));
        QVERIFY(!pane->whatIfChart()->series().isEmpty());
        QCOMPARE(pane->proposedTtl()->count(), 4); // ½×, 2×, 4×, 10×
        const QString name = u"misses-%1x%2"_s.arg(size.width()).arg(size.height());
        for (int chart = 0; chart < pane->charts()->count(); ++chart) {
            pane->charts()->setCurrentIndex(chart);
            save(&window, name + u"-watching-"_s + QString::number(chart));
            const QStringList cut = cutTexts(pane);
            QVERIFY2(cut.isEmpty(), qPrintable(cut.join(u"; "_s)));
        }

        // 2× is offered first; 20 s (10×) picked stays picked across the once-a-second redraw, and is staged as an
        // unsaved edit in the route editor, shown there.
        QCOMPARE(pane->proposedTtl()->currentData().toInt(), 4);
        pane->proposedTtl()->setCurrentIndex(pane->proposedTtl()->findData(20));
        QTest::qWait(1500);
        QCOMPARE(pane->proposedTtl()->currentData().toInt(), 20);
        pane->stageButton()->click();
        QCOMPARE(window.tabs()->currentWidget(), static_cast<QWidget*>(window.routeEditor()));
        QVERIFY(window.routeEditor()->hasUnsavedEdits());
        const QTableView* rules = window.routeEditor()->table();
        QCOMPARE(rules->model()->index(rules->currentIndex().row(), ui::RouteRulesModel::PathColumn).data(Qt::EditRole),
            QVariant(u"/api/events"_s));
        QCOMPARE(rules->model()->index(rules->currentIndex().row(), ui::RouteRulesModel::TtlColumn).data(Qt::EditRole),
            QVariant(20));
        window.tabs()->setCurrentWidget(pane);

        // Frozen past the command timeout: stale, and live again by itself once it answers.
        server.pause();
        QTRY_VERIFY_WITH_TIMEOUT(pane->statusText().startsWith(u"Subscription lost at "_s), 12000);
        server.resume();
        QTRY_VERIFY_WITH_TIMEOUT(pane->statusText().startsWith(u"Live: watching every master since "_s), 15000);

        // Killed: stale within the tick, with since when and why; back: live again by itself.
        server.kill();
        QTRY_VERIFY_WITH_TIMEOUT(pane->statusText().startsWith(u"Subscription lost at "_s), 5000);
        QCOMPARE(pane->model()->index(events, 0).data(Qt::ForegroundRole).value<QBrush>(),
            QPalette().brush(QPalette::Disabled, QPalette::Text));
        save(&window, name + u"-server-down"_s);
        QVERIFY(server.restart());
        QTRY_VERIFY_WITH_TIMEOUT(pane->statusText().startsWith(u"Live: watching every master since "_s), 15000);
        QVERIFY2(pane->statusText().contains(u"(2 gap"_s), qPrintable(pane->statusText()));
        QCOMPARE(pane->model()->index(events, 0).data(Qt::ForegroundRole), QVariant());
        QCOMPARE(testing::keyspaceEventsSetting(server), "g$xeEm");

        window.routeEditor()->reload(); // the staged edit is not the question here
        window.close();
        QTRY_VERIFY_WITH_TIMEOUT(!pane->isWatching(), 5000);
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
    }

    // Cache › Watch expiries and evictions: with consent, the setting is turned on, what leaves is placed by
    // route and namespace and agrees with the server's own counters, and closing restores the setting. Without
    // consent nothing is changed; on a read-only connection the box cannot be ticked. Screenshots at both sizes.
    void theEvictionWatchShowsWhatLeftAndRestoresTheSetting_data()
    {
        QTest::addColumn<QSize>("size");
        QTest::newRow("1280x800") << QSize(1280, 800);
        QTest::newRow("1024x640") << QSize(1024, 640);
    }
    void theEvictionWatchShowsWhatLeftAndRestoresTheSetting()
    {
        QFETCH(QSize, size);
        testing::RedisServer::Config config;
        config.extraConfig = {u"maxmemory 3mb"_s, u"maxmemory-policy volatile-lru"_s};
        testing::RedisServer server(config);
        QVERIFY(server.start());
        redis::Connection connection(server.connectionOptions());
        ui::SafetyOptions safety;
        safety.actor = u"evictions-test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(size);
        window.show();
        connection.open();
        QVERIFY(testing::openAndWait(connection));
        ui::EvictionWatchDialog* dialog = window.openEvictionWatch();
        QAbstractItemModelTester tester(dialog->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QVERIFY(dialog->consent()->isEnabled());

        // Without consent: the watch says why it cannot run and changes nothing.
        QSignalSpy finished(dialog, &ui::EvictionWatchDialog::finished);
        dialog->start();
        QVERIFY(finished.wait(5000));
        QVERIFY2(dialog->statusText().contains(u"notify-keyspace-events"_s), qPrintable(dialog->statusText()));
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());

        dialog->consent()->setChecked(true);
        QSignalSpy started(dialog, &ui::EvictionWatchDialog::started);
        dialog->start();
        QVERIFY(started.wait(5000));
        QCOMPARE(testing::keyspaceEventsSetting(server), "xeE");
        QVERIFY(testing::causeExpiriesAndEvictions(server));
        // Live: the table fills while it watches.
        QTRY_VERIFY_WITH_TIMEOUT(dialog->model()->rowOf("GET /api/events") >= 0, 5000);
        QTest::qWait(300);
        const QString name = u"evictions-%1x%2"_s.arg(size.width()).arg(size.height());
        save(dialog, name + u"-watching"_s);

        // Closing stops the watch and puts the setting back before the dialog goes.
        dialog->close();
        QVERIFY(finished.wait(5000));
        QVERIFY(!dialog->isVisible());
        QCOMPARE(testing::keyspaceEventsSetting(server), QByteArray());
        const analysis::KeyEventWatch::Report& report = *dialog->report();
        QCOMPARE(report.error, QString());
        QVERIFY(report.serverDelta.has_value());
        QVERIFY2(report.total.evicted > 100, qPrintable(QString::number(report.total.evicted)));
        QCOMPARE(report.total.evicted, report.serverDelta->evicted);
        QCOMPARE(report.total.expired, report.serverDelta->expired);
        const int events = dialog->model()->rowOf("GET /api/events");
        QVERIFY(events >= 0);
        QCOMPARE(dialog->model()->countsAt(events).expired, 0);
        QCOMPARE(dialog->model()->index(events, ui::EvictionModel::EvictedShareColumn).data().toString(),
            QLocale().toString(100.0, 'f', 0) + u" %"_s);
        QCOMPARE(dialog->totalsText(),
            u"In all: %L1 expired, %L2 evicted (%3 % of what left was evicted); the server counted %L1 and %L2 "
            "(INFO, read around the watch)."_s.arg(report.total.expired)
                .arg(report.total.evicted)
                .arg(QLocale().toString(report.total.evictedShare() * 100.0, 'f', 0)));
        dialog->dimension()->setCurrentIndex(dialog->dimension()->findText(u"Namespace"_s));
        const int sessions = dialog->model()->rowOf("session");
        QVERIFY(sessions >= 0);
        QCOMPARE(dialog->model()->countsAt(sessions).expired, report.total.expired);
        dialog->show();
        save(dialog, name + u"-after"_s);
        const QList<ops::AuditRecord> records = testing::auditRecords(server.connectionOptions());
        QCOMPARE(records.size(), 2); // turned on, restored
        QCOMPARE(records.at(1).actor, u"evictions-test"_s);
        QCOMPARE(records.at(0).after, QByteArray());

        // Read-only: the box cannot be ticked.
        ui::SafetyOptions readOnly;
        readOnly.readOnly = true;
        ui::MainWindow viewer(&connection, readOnly);
        QVERIFY(!viewer.openEvictionWatch()->consent()->isEnabled());
        QVERIFY(!viewer.openEvictionWatch()->consent()->isChecked());
        viewer.openEvictionWatch()->close();
        dialog->close();
    }

    void perLabelHitRatesFromCoreStats()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        cache::StatsRecorder recorder(&connection, {});
        cache::CacheManager manager(&connection, {});
        manager.setStatsRecorder(&recorder);
        cache::CacheManager::SetOptions options;
        options.labels = {"gateway", "GET /api/search", "acme", "v1"};
        int done = 0;
        auto loader = [](cache::CacheManager::LoadDone finish) { finish(cache::LoadResult::found("[]")); };
        for (int i = 0; i < 4; ++i) {
            manager.getOrSet("gateway:response:GET:/api/search:q:x", loader, options, this,
                [&done](const cache::CacheResult&) { ++done; });
            QTRY_COMPARE(done, i + 1); // one after the other: 1 miss, then 3 hits
        }
        recorder.flush();
        QTest::qWait(1100); // the stats window ends at the last complete second

        ui::MainWindow window(&connection, {});
        window.show();
        QSignalSpy refreshed(window.labelStats(), &ui::LabelStatsPane::refreshed);
        window.labelStats()->refresh();
        QVERIFY(refreshed.wait(5000));
        ui::LabelStatsModel* model = window.labelStats()->model();
        QAbstractItemModelTester tester(model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        const QModelIndexList rows = model->match(model->index(0, 0), Qt::DisplayRole, u"GET /api/search"_s);
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows.first().siblingAtColumn(ui::LabelStatsModel::HitRateColumn).data().toString(), u"75.0 %"_s);
        QCOMPARE(rows.first().siblingAtColumn(ui::LabelStatsModel::LookupsColumn).data().toString(), u"4"_s);
        save(&window, u"dashboard-live-with-labels"_s);
    }

    void routeImportValidatesAndShowsTheDiff()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        ui::RouteEditorPane editor(&connection, u"t"_s, false);
        QSignalSpy loaded(&editor, &ui::RouteEditorPane::loaded);
        editor.reload();
        QVERIFY(loaded.wait(5000));
        QTemporaryDir dir;
        QFile bad(dir.filePath(u"bad.json"_s));
        QVERIFY(bad.open(QIODevice::WriteOnly));
        bad.write(R"({"routes":[{"path":"/api/x","ttl":99999999}]})");
        bad.close();
        QVERIFY(!editor.importFile(bad.fileName()));
        QVERIFY2(editor.message().contains(u"routes[0].ttl"_s), qPrintable(editor.message()));
        QFile good(dir.filePath(u"good.json"_s));
        QVERIFY(good.open(QIODevice::WriteOnly));
        good.write(R"({"routes":[{"path":"/api/events","ttl":5}]})");
        good.close();
        QVERIFY(editor.importFile(good.fileName()));
        QCOMPARE(editor.rulesModel()->rowCount(), 1);
    }

    // The same window on a real 3-master cluster: the tree holds every master's keys, the charts show the whole
    // cluster or one master (the whole is the sum of the masters), and an invalidation deletes exactly what matches
    // on every master.
    void aClusterIsBrowsedChartedPerMasterAndInvalidated()
    {
        testing::RedisCluster cluster;
        QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
        QByteArray commands;
        for (int venue = 1; venue <= 12; ++venue) {
            for (const char* route : {"/api/events", "/api/venues/3", "/api/tickets/availability/9"}) {
                commands += "SET \"gateway:response:GET:" + QByteArray(route) + ":tenant:acme:venue:v"
                    + QByteArray::number(venue) + "\" x EX 600\n";
            }
        }
        for (int i = 0; i < 200; ++i)
            commands += "SET events:" + QByteArray::number(i) + " x\n";
        cluster.cli({}, commands);
        const auto everyKey = [&cluster] {
            QSet<QByteArray> keys;
            for (int i = 0; i < cluster.size(); ++i) {
                QList<QByteArray> lines = cluster.node(i).cli({u"--scan"_s}).split('\n');
                lines.removeAll(QByteArray());
                keys.unite(QSet<QByteArray>(lines.cbegin(), lines.cend()));
            }
            return keys;
        };
        QCOMPARE(everyKey().size(), 236);

        redis::ClusterClient client(cluster.seedOptions());
        ui::SafetyOptions safety;
        safety.actor = u"cluster-test"_s;
        ui::MainWindow window(&client, safety);
        QSignalSpy scanned(window.keyBrowser()->feed(), &ui::KeyspaceFeed::scanFinished);
        window.show();
        client.open();
        QVERIFY(scanned.wait(10000));
        QCOMPARE(scanned.first().first().toLongLong(), 236);
        save(&window, u"dashboard-cluster"_s);

        // The masters are scanned side by side: with one frozen (SIGSTOP) the others finish, the status line counts
        // them and its tooltip names the one still scanning; thawed, it finishes and the tree is whole again.
        auto* status = window.keyBrowser()->findChild<QLabel*>(u"scanStatus"_s);
        QVERIFY(status);
        scanned.clear();
        cluster.node(2).pause();
        window.keyBrowser()->rescan();
        QTRY_VERIFY_WITH_TIMEOUT(status->text().contains(u"masters done: 2 of 3"_s), 4000);
        const QStringList stillScanning = status->toolTip().split(u'\n').filter(u"scanning"_s);
        QCOMPARE(stillScanning.size(), 1);
        QVERIFY2(stillScanning.first().contains(u":%1"_s.arg(cluster.node(2).port())), qPrintable(status->toolTip()));
        QVERIFY(window.keyBrowser()->feed()->isScanning());
        // The frozen master has not said its DBSIZE either: no total is claimed from the other two.
        QVERIFY2(!status->text().contains(u"of about"_s), qPrintable(status->text()));
        save(&window, u"dashboard-cluster-one-master-slow"_s);
        cluster.node(2).resume();
        QVERIFY(scanned.wait(10000));
        QCOMPARE(scanned.first().first().toLongLong(), 236);
        QVERIFY(status->toolTip().split(u'\n').filter(u"done"_s).size() == 3);

        redis::ConnectionOptions gateway = cluster.seedOptions();
        gateway.clientName = u"gateway"_s; // not the dashboard's own lookups, which the charts take out
        redis::ClusterClient traffic(gateway);
        QVERIFY(testing::openAndWait(traffic));
        QTimer load;
        int sent = 0;
        connect(&load, &QTimer::timeout, this, [&] {
            for (int i = 0; i < 6; ++i)
                traffic.command({"GET", "events:" + QByteArray::number(sent++ % 200)}, nullptr, nullptr);
        });
        load.start(20);
        ui::LiveChartPane* charts = window.liveCharts();
        QTRY_VERIFY_WITH_TIMEOUT(charts->sampleCount() >= 3, 10000);
        load.stop();
        // The whole cluster's hits per interval are the sum of the masters' (the same samples, split by node).
        const auto hitsColumn = [charts](int node) {
            charts->showNode(node);
            QList<double> hits;
            const QStringList lines = charts->toCsv().split(u'\n', Qt::SkipEmptyParts);
            for (const QString& line : lines.sliced(1))
                hits.append(line.split(u',').value(1).toDouble());
            return hits;
        };
        const QList<double> whole = hitsColumn(-1);
        QList<double> summed(whole.size(), 0.0);
        for (int node = 0; node < 3; ++node) {
            const QList<double> part = hitsColumn(node);
            QCOMPARE(part.size(), whole.size());
            for (qsizetype i = 0; i < part.size(); ++i)
                summed[i] += part.at(i);
        }
        for (qsizetype i = 0; i < whole.size(); ++i)
            QVERIFY2(std::abs(whole.at(i) - summed.at(i)) < 0.01 * std::max(1.0, whole.at(i)),
                qPrintable(u"%1 vs %2"_s.arg(whole.at(i)).arg(summed.at(i))));
        QVERIFY(std::accumulate(whole.cbegin(), whole.cend(), 0.0) > 0);
        charts->showNode(1);
        window.tabs()->setCurrentWidget(charts);
        QTest::qWait(50);
        save(&window, u"dashboard-cluster-charts-one-master"_s);
        charts->showNode(-1);

        const QSet<QByteArray> before = everyKey();
        ui::InvalidationDialog* dialog = window.openInvalidation();
        auto* oneAtATime = dialog->findChild<QCheckBox*>(u"oneMasterAtATime"_s);
        QVERIFY(oneAtATime);
        oneAtATime->setChecked(true); // the gentle pace deletes the same keys
        dialog->setPatterns({u"gateway:response:GET:/api/venues*"_s});
        QSignalSpy previewed(dialog, &ui::InvalidationDialog::previewed);
        dialog->preview();
        QVERIFY(previewed.wait(10000));
        QCOMPARE(dialog->previewTotal(), 12);
        QSignalSpy executed(dialog, &ui::InvalidationDialog::executed);
        dialog->execute();
        QVERIFY(executed.wait(10000));
        QCOMPARE(dialog->deletedTotal(), 12);
        save(dialog, u"dialog-invalidation-cluster"_s);
        QSet<QByteArray> gone = before - everyKey();
        QCOMPARE(gone.size(), 12);
        for (const QByteArray& key : gone)
            QVERIFY(key.startsWith("gateway:response:GET:/api/venues/3:"));
        QVERIFY(everyKey().contains(ops::auditStreamKey)); // audited, on the master serving its slot
        dialog->close();

        // Aggregate mode on a cluster: the masters' DBSIZEs summed decide it, an opened group is listed from every
        // master, and a filter on the server counts what every master's SCAN MATCH finds.
        ui::KeyBrowser* browser = window.keyBrowser();
        browser->feed()->setAggregateAbove(100);
        scanned.clear();
        browser->rescan();
        QVERIFY(scanned.wait(10000));
        QVERIFY(browser->feed()->isAggregated());
        const auto onMasters = [&cluster](const QString& pattern) {
            QSet<QByteArray> keys;
            for (int i = 0; i < cluster.size(); ++i) {
                QList<QByteArray> lines = cluster.node(i).cli({u"--scan"_s, u"--pattern"_s, pattern}).split('\n');
                lines.removeAll(QByteArray());
                keys.unite(QSet<QByteArray>(lines.cbegin(), lines.cend()));
            }
            return keys;
        };
        QTreeView* view = browser->view();
        QModelIndex namespaceRow;
        const QModelIndex services =
            view->model()
                ->match(view->model()->index(0, 0), Qt::DisplayRole, u"Service entries"_s, 1, Qt::MatchExactly)
                .value(0);
        for (int row = 0; row < view->model()->rowCount(services); ++row) {
            if (view->model()->index(row, 0, services).data().toString() == u"events"_s)
                namespaceRow = view->model()->index(row, 0, services);
        }
        QVERIFY(namespaceRow.isValid());
        QCOMPARE(namespaceRow.data(ui::KeyTreeModel::CountRole).toLongLong(), 200);
        QCOMPARE(view->model()->rowCount(namespaceRow), ui::KeyspaceFeed::listedPerGroupWhenAggregated);
        view->expand(services);
        view->expand(namespaceRow);
        QTRY_VERIFY_WITH_TIMEOUT(!browser->feed()->isListingGroup(), 10000);
        QTRY_COMPARE(view->model()->rowCount(namespaceRow), 200);
        QSet<QByteArray> listed;
        for (int row = 0; row < view->model()->rowCount(namespaceRow); ++row)
            listed.insert(view->model()->index(row, 0, namespaceRow).data(ui::KeyTreeModel::KeyRole).toByteArray());
        QCOMPARE(listed, onMasters(u"events:*"_s));
        browser->setFilterText(u"*:venue:v1?"_s);
        QTRY_COMPARE_WITH_TIMEOUT(browser->feed()->serverFilter(), u"*:venue:v1?"_s, 5000);
        QTRY_VERIFY_WITH_TIMEOUT(!browser->feed()->isFilteringOnServer(), 10000);
        QCOMPARE(browser->feed()->shownTree()->totalKeys(), onMasters(u"*:venue:v1?"_s).size());
        browser->setFilterText({});
        QTRY_COMPARE(browser->feed()->shownTree(), browser->feed()->wholeTree());
    }

    // A restart without persistence takes the stats with it: the hit-rate table's note names the loss and from when,
    // instead of passing an emptied window off as a quiet one.
    void aRestartThatLostTheStatsIsNamed()
    {
        testing::RedisServer server;
        QVERIFY(server.start());
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"200"_s, u"--duration"_s, u"2"_s, u"--db-latency"_s,
                u"1"_s});
        QVERIFY(sim.waitForFinished(30000));
        QCOMPARE(sim.exitCode(), 0);
        redis::Connection connection(server.connectionOptions());
        ui::MainWindow window(&connection, {});
        window.show();
        QVERIFY(testing::openAndWait(connection));
        ui::LabelStatsPane* stats = window.labelStats();
        QSignalSpy refreshed(stats, &ui::LabelStatsPane::refreshed);
        stats->refresh();
        QVERIFY(refreshed.wait(10000));
        QVERIFY(stats->model()->rowCount() > 0);
        QVERIFY2(!stats->noteText().contains(u"lost"_s), qPrintable(stats->noteText()));

        server.kill();
        QVERIFY(server.restart());
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 15000);
        QTRY_VERIFY_WITH_TIMEOUT(stats->noteText().startsWith(u"The server lost the stats written before "_s), 15000);
        QVERIFY2(stats->noteText().contains(u"(a restart without persistence, or their keys deleted): the figures "
                                            u"cover only what came after."_s),
            qPrintable(stats->noteText()));
        save(&window, u"stats-lost-after-restart"_s);
    }

    void serverGoingAwayShowsInTheStatusBar()
    {
        testing::RedisServer doomed;
        QVERIFY(doomed.start());
        redis::ConnectionOptions options = doomed.connectionOptions();
        options.reconnectInitialDelay = std::chrono::milliseconds(3000); // stays "reconnecting" while we look
        redis::Connection connection(options);
        ui::MainWindow window(&connection, {});
        window.show();
        QSignalSpy ready(&connection, &redis::Connection::ready);
        connection.open();
        QVERIFY(ready.wait(5000));
        doomed.kill();
        QTRY_COMPARE_WITH_TIMEOUT(connection.state(), redis::Connection::State::WaitingToReconnect, 5000);
        QTest::qWait(100);
        save(&window, u"dashboard-reconnecting"_s);
        // Since when and why, and that it retries: not a bare "reconnecting…".
        const QString said = window.connectionText();
        QVERIFY2(said.startsWith(u"lost since "_s), qPrintable(said));
        QVERIFY2(said.contains(u"Connection refused"_s) || said.contains(u"closed"_s), qPrintable(said));
        QVERIFY2(said.contains(u"retrying every 5 s at most"_s), qPrintable(said));
        const QList<QLabel*> labels = window.statusBar()->findChildren<QLabel*>();
        const bool shown = std::any_of(labels.cbegin(), labels.cend(),
            [&said](const QLabel* label) { return label->text().contains(said.toHtmlEscaped()); });
        QVERIFY(shown);
    }
};

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
