// The dashboard under stress tells the truth: a big keyspace with traffic, a filter typed while a rescan runs, a server
// killed and restarted with its state lost. A busy GUI may be slow, never wrong; stale is shown as stale.
#include "feeds/keyspacefeed.h"
#include "itemmodels/keytreemodel.h"
#include "mainwindow.h"
#include "widgets/auditpane.h"
#include "widgets/keybrowser.h"
#include "widgets/labelstatspane.h"
#include "widgets/livechartpane.h"
#include "widgets/routeeditorpane.h"

#include "model/routeconfigjson.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/connection.h"
#include "redis/connectionhealth.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QColor>
#include <QElapsedTimer>
#include <QLabel>
#include <QProcess>
#include <QScopeGuard>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabBar>
#include <QTest>
#include <QTimer>
#include <QTreeView>

#include <algorithm>
#include <functional>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {

// The longest gap between ticks of a 5 ms timer: how long the GUI thread was held at a stretch.
class StallMeter : public QObject
{
public:
    StallMeter()
    {
        m_tick.setInterval(5);
        m_tick.setTimerType(Qt::PreciseTimer);
        QObject::connect(&m_tick, &QTimer::timeout, this, [this] {
            if (m_since.isValid())
                m_longest = std::max(m_longest, m_since.elapsed());
            m_since.restart();
        });
    }
    void start()
    {
        m_longest = 0;
        m_since.invalidate();
        m_tick.start();
    }
    qint64 stop()
    {
        m_tick.stop();
        return m_longest;
    }

private:
    QTimer m_tick;
    QElapsedTimer m_since;
    qint64 m_longest = 0;
};

// Every key of the tree the view shows, with its TTL as the tree shows it (null when not sampled).
void collectLeaves(
    const QAbstractItemModel* model, const QModelIndex& parent, std::function<void(const QModelIndex&)> visit)
{
    for (int row = 0; row < model->rowCount(parent); ++row) {
        const QModelIndex child = model->index(row, 0, parent);
        if (!child.data(ui::KeyTreeModel::KeyRole).isNull()) // a key's row (through a proxy too)
            visit(child);
        else
            collectLeaves(model, child, visit);
    }
}

} // namespace

class TestStress : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase()
    {
        QStandardPaths::setTestModeEnabled(true);
        QSettings().remove(u"layout"_s);
    }

    // The measurement, as a test: 400,000 gateway keys and cachesim traffic; F5, then a filter typed while
    // the rescan runs. The filtered rescan takes no more than 1.25× the unfiltered one, no connection is dropped
    // and reopened (no false timeout: a 1 s command timeout makes one easy to hit), no key that exists is shown
    // "gone", and the GUI thread is never held for more than 100 ms.
    void aFilterTypedDuringARescanOf400kKeys()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.cli({u"EVAL"_s,
            u"for i = 0, 399999 do redis.call('SET', 'gateway:response:GET:/api/events/' .. i .. ':tenant:tenant-' .. "
            "(i % 40) .. ':venue:sv' .. (i % 20000), '{\"items\":[1,2,3]}', 'EX', 3600) end"_s,
            u"0"_s});
        QCOMPARE(server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("400000"));
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"300"_s, u"--duration"_s, u"120"_s,
                u"--db-latency"_s, u"2"_s});
        QVERIFY(sim.waitForStarted());
        const auto stopSim = qScopeGuard([&sim] {
            sim.kill();
            sim.waitForFinished();
        });

        redis::ConnectionOptions options = server.connectionOptions();
        options.commandTimeout = std::chrono::milliseconds(1000);
        redis::Connection connection(options);
        ui::SafetyOptions safety;
        safety.actor = u"stress-test"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(1280, 800);
        window.show();
        ui::KeyBrowser* browser = window.keyBrowser();
        QSignalSpy scanned(browser->feed(), &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QVERIFY(scanned.wait(60000)); // the first scan, on opening
        QSignalSpy states(&connection, &redis::Connection::stateChanged);
        QSignalSpy errors(&connection, &redis::Connection::errorOccurred);

        StallMeter stalls;
        QElapsedTimer clock;
        scanned.clear();
        stalls.start();
        clock.start();
        browser->rescan();
        QVERIFY(scanned.wait(60000));
        const qint64 unfiltered = clock.elapsed();
        const qint64 unfilteredStall = stalls.stop();
        QVERIFY(browser->feed()->wholeTree()->totalKeys() >= 400000);

        scanned.clear();
        stalls.start();
        clock.start();
        browser->rescan();
        QTRY_VERIFY_WITH_TIMEOUT(browser->feed()->wholeTree()->totalKeys() > 100000, 30000); // well into the rescan
        browser->setFilterText(u"venue:sv1234"_s);
        QVERIFY(scanned.wait(60000));
        const qint64 filtered = clock.elapsed();
        QTRY_VERIFY_WITH_TIMEOUT(!browser->feed()->isScanning(), 5000);
        const qint64 filteredStall = stalls.stop();
        qInfo("400k keys: unfiltered rescan %lld ms (longest GUI stall %lld ms), rescan with a filter typed during it "
              "%lld ms (%.2fx; longest GUI stall %lld ms)",
            unfiltered, unfilteredStall, filtered, double(filtered) / double(unfiltered), filteredStall);
        QVERIFY2(double(filtered) <= 1.25 * double(unfiltered) + 250.0,
            qPrintable(u"filtered %1 ms against %2 ms"_s.arg(filtered).arg(unfiltered)));
        // 100 ms is the bound for what ships (an optimised build; bench/RESULTS.md); the unoptimised debug build of
        // the CI suite spends about four times as long on the same model work. On the 2-core CI machine its longest
        // stall measured 157–267 ms over eight rescans (2026-12-07, with and without this change's code), so 200 ms
        // failed one run in two; the bugs this guards against held the thread for 481 ms and ~30 s.
#ifdef NDEBUG
        constexpr qint64 stallBound = 100;
#else
        constexpr qint64 stallBound = 350;
#endif
        QVERIFY2(filteredStall <= stallBound, qPrintable(u"the GUI thread was held %1 ms"_s.arg(filteredStall)));
        QVERIFY2(unfilteredStall <= stallBound, qPrintable(u"the GUI thread was held %1 ms"_s.arg(unfilteredStall)));

        // Exactly the keys the server holds for that venue, each with a live TTL once sampled.
        QVERIFY(browser->feed()->isFilteredFromScan());
        const QList<QByteArray> onServer =
            server.cli({u"--scan"_s, u"--pattern"_s, u"*venue:sv1234*"_s}).trimmed().split('\n');
        QCOMPARE(browser->feed()->shownTree()->totalKeys(), onServer.size());
        QTRY_VERIFY_WITH_TIMEOUT(browser->feed()->shownTree()->keysAwaitingMetadata({}, 1).isEmpty(), 100); // settle
        QTest::qWait(1500); // the TTL replies of the filter's keys
        int sampled = 0;
        int gone = 0;
        collectLeaves(browser->view()->model(), {}, [&](const QModelIndex& leaf) {
            const QVariant ttl = leaf.siblingAtColumn(ui::KeyTreeModel::TtlColumn).data(ui::KeyTreeModel::TtlRole);
            if (!ttl.isValid())
                return;
            ++sampled;
            gone += ttl.toLongLong() == -2 ? 1 : 0;
        });
        QVERIFY(sampled > 0);
        QCOMPARE(gone, 0);
        QCOMPARE(browser->feed()->shownTree()->goneKeys(), 0);

        QCOMPARE(states.size(), 0); // never dropped and reopened
        QCOMPARE(errors.size(), 0);
        QVERIFY2(window.connectionText() == u"connected"_s, qPrintable(window.connectionText()));
        QVERIFY2(!window.liveCharts()->isHeadlineStale(), qPrintable(window.liveCharts()->headline()));
        QVERIFY2(browser->statusText().startsWith(u"%L1 keys match “venue:sv1234” of the "_s.arg(onServer.size())),
            qPrintable(browser->statusText()));
    }

    // Killed with the dashboard open: within 2 s every live figure says it is stale, with its age; F5 keeps the last
    // known tree; restarted on the same port (its keys lost), within 5 s everything is live and the tree rescanned
    // without a click. A restart that lost the route configuration is named, and the configuration restored.
    void aKilledServerIsShownStaleThenLiveAgain()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        server.cli({u"EVAL"_s,
            u"for i = 0, 999 do redis.call('SET', 'gateway:response:GET:/api/events/' .. i .. "
            u"':tenant:tenant-1:venue:v'"
            " .. (i % 10), '{}', 'EX', 3600) end"_s,
            u"0"_s});
        redis::ConnectionOptions options = server.connectionOptions();
        options.reconnectMaxDelay = std::chrono::milliseconds(1000);
        redis::Connection connection(options);
        {
            // A saved route configuration, version 2.
            QVERIFY(testing::openAndWait(connection));
            ops::RouteConfigStore store(&connection);
            model::RouteConfig config = model::RouteConfig::defaults();
            for (int version = 1; version <= 2; ++version) {
                std::optional<ops::RouteConfigSaveResult> result;
                config.routes.first().ttlSeconds = 100 + version;
                store.save(config, version - 1, u"ana@ops"_s, this,
                    [&result](const ops::RouteConfigSaveResult& r) { result = r; });
                QTRY_VERIFY_WITH_TIMEOUT(result.has_value(), 5000);
                QVERIFY2(result->saved, qPrintable(result->error));
            }
        }
        ui::SafetyOptions safety;
        safety.actor = u"oncall@ops"_s;
        ui::MainWindow window(&connection, safety);
        window.resize(1280, 800);
        window.show();
        ui::KeyBrowser* browser = window.keyBrowser();
        QSignalSpy scanned(browser->feed(), &ui::KeyspaceFeed::scanFinished);
        QSignalSpy routesLoaded(window.routeEditor(), &ui::RouteEditorPane::loaded);
        browser->rescan();
        QVERIFY(scanned.wait(10000));
        window.routeEditor()->reload();
        QVERIFY(routesLoaded.wait(5000));
        QCOMPARE(window.routeEditor()->baseVersion(), 2);
        const model::RouteConfig saved = window.routeEditor()->liveConfig();
        QVERIFY(!(saved == model::RouteConfig::defaults()));
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= 2, 5000);
        QVERIFY(!window.liveCharts()->isHeadlineStale());
        QCOMPARE(browser->feed()->wholeTree()->totalKeys(), 1000 + 2); // with CacheScope's config and audit keys

        server.kill();
        QElapsedTimer sinceKill;
        sinceKill.start();
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->isHeadlineStale(), 2000);
        QTRY_VERIFY_WITH_TIMEOUT(!browser->feed()->isLive(), 2000);
        QVERIFY2(sinceKill.elapsed() <= 2000, qPrintable(QString::number(sinceKill.elapsed())));
        QVERIFY2(
            window.liveCharts()->headline().contains(u"last known "_s), qPrintable(window.liveCharts()->headline()));
        QVERIFY2(window.connectionText().startsWith(u"lost since "_s), qPrintable(window.connectionText()));
        QVERIFY2(browser->statusText().startsWith(u"Last known — 1,002 keys, scanned "_s),
            qPrintable(browser->statusText()));
        QVERIFY2(!browser->statusText().contains(u"the server holds"_s), qPrintable(browser->statusText()));
        QVERIFY2(window.staleTabsText().startsWith(u"Last known — server unreachable since "_s),
            qPrintable(window.staleTabsText()));
        QCOMPARE(window.tabs()->tabBar()->tabTextColor(2), QColor(Qt::gray));
        save(window, u"stress-server-down"_s);

        browser->rescan(); // F5 while down: the last known tree stays
        QCOMPARE(browser->feed()->wholeTree()->totalKeys(), 1002);
        QVERIFY(browser->feed()->isRescanWaiting());
        QVERIFY2(browser->statusText().endsWith(u"a rescan waits for it"_s), qPrintable(browser->statusText()));

        // Back on the same port without its data: a new life.
        QTest::qWait(1500);
        scanned.clear();
        routesLoaded.clear();
        QVERIFY2(server.restart(), qPrintable(server.errorString()));
        server.cli({u"SET"_s, u"gateway:response:GET:/api/venues/1:tenant:tenant-1:venue:v1"_s, u"{}"_s});
        QElapsedTimer sinceRestart;
        sinceRestart.start();
        QVERIFY(scanned.wait(5000));
        QTRY_VERIFY_WITH_TIMEOUT(!window.liveCharts()->isHeadlineStale(), 5000);
        QVERIFY2(sinceRestart.elapsed() <= 5000, qPrintable(QString::number(sinceRestart.elapsed())));
        QVERIFY(browser->feed()->isLive());
        QCOMPARE(browser->feed()->wholeTree()->totalKeys(), qint64(server.cli({u"DBSIZE"_s}).trimmed().toLongLong()));
        QCOMPARE(window.connectionText(), u"connected"_s);
        QCOMPARE(window.staleTabsText(), QString());
        QVERIFY2(
            browser->statusText().startsWith(u"%L1 keys, scanned "_s.arg(browser->feed()->wholeTree()->totalKeys())),
            qPrintable(browser->statusText()));

        // So is the audit trail: the two route saves read before are gone with the stream.
        QTRY_VERIFY_WITH_TIMEOUT(window.auditPane()->statusText().startsWith(
                                     u"The audit trail was lost from the server: the 2 records read before"_s),
            5000);

        // The route configuration the server lost is named as lost, never as somebody's save of version 0.
        if (routesLoaded.isEmpty())
            QVERIFY(routesLoaded.wait(5000));
        ui::RouteEditorPane* routes = window.routeEditor();
        QVERIFY(routes->loss().has_value());
        QCOMPARE(routes->loss()->lastSeen.version, 2);
        QCOMPARE(routes->loss()->versionNow, 0);
        QVERIFY2(routes->statusText().startsWith(u"The route configuration was lost from the server: it holds no "
                                                 "configuration now (the defaults apply) where version 2 was, saved by "
                                                 "ana@ops at "_s),
            qPrintable(routes->statusText()));
        QVERIFY2(!routes->message().contains(u"saved version 0"_s), qPrintable(routes->message()));
        window.tabs()->setCurrentWidget(routes);
        save(window, u"stress-route-config-lost"_s);
        QSignalSpy restored(routes, &ui::RouteEditorPane::saved);
        QSignalSpy reloaded(routes, &ui::RouteEditorPane::loaded);
        routes->restoreLost();
        QVERIFY(restored.wait(5000));
        QVERIFY(reloaded.wait(5000)); // what the server holds after the restore
        QCOMPARE(restored.first().first().toLongLong(), 3); // numbered past the lost version
        QTRY_VERIFY_WITH_TIMEOUT(!routes->loss().has_value(), 5000);
        QVERIFY2(routes->liveConfig() == saved,
            qPrintable(QString::fromUtf8(
                model::routeConfigToJson(routes->liveConfig()) + "\nagainst\n" + model::routeConfigToJson(saved))));
        const QByteArray audit =
            server.cli({u"XREVRANGE"_s, u"cachescope:audit{cachescope}"_s, u"+"_s, u"-"_s, u"COUNT"_s, u"1"_s});
        QVERIFY2(audit.contains("restore of version 2 (saved by ana@ops at "), audit.constData());
        QVERIFY2(audit.contains("oncall@ops"), audit.constData());
    }

private:
    static void save(ui::MainWindow& window, const QString& name)
    {
        const QByteArray directory = qgetenv("CACHESCOPE_SCREENSHOT_DIR");
        if (!directory.isEmpty())
            window.grab().save(QString::fromUtf8(directory) + u'/' + name + u".png"_s);
    }
};

QTEST_MAIN(TestStress)
#include "tst_stress.moc"
