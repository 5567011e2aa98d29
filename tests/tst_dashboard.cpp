#include "mainwindow.h"
#include "models/keytreemodel.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"
#include "widgets/keybrowser.h"
#include "widgets/keydetailpane.h"
#include "widgets/livechartpane.h"

#include <QAbstractItemModelTester>
#include <QDir>
#include <QLabel>
#include <QLineEdit>
#include <QStatusBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTest>
#include <QTimer>
#include <QTreeView>

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
        QVERIFY(widget->grab().save(dir + u'/' + name + u".png"_s));
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
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
        m_server.cli({}, commands);
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed(), QByteArray("308"));
    }

    void dashboardShowsKeysValuesAndLiveRates()
    {
        redis::Connection connection(m_server.connectionOptions());
        ui::MainWindow window(&connection);
        QAbstractItemModelTester tester(window.keyBrowser()->model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy scanned(window.keyBrowser(), &ui::KeyBrowser::scanFinished);
        window.show();
        connection.open();
        QVERIFY(scanned.wait(10000));
        QCOMPARE(scanned.first().first().toLongLong(), 308);

        // Traffic while the charts sample: 3 hits and 1 miss, 50 times a second.
        redis::Connection traffic(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(traffic));
        QTimer load;
        int sent = 0;
        connect(&load, &QTimer::timeout, this, [&] {
            for (int i = 0; i < 3; ++i)
                traffic.command({"GET", "events:" + QByteArray::number(sent++ % 200)}, nullptr, nullptr);
            traffic.command({"GET", "missing:" + QByteArray::number(sent)}, nullptr, nullptr);
        });
        load.start(20);
        QTRY_VERIFY_WITH_TIMEOUT(window.liveCharts()->sampleCount() >= 3, 8000);
        load.stop();
        const QString csv = window.liveCharts()->toCsv();
        QVERIFY2(csv.contains(u",0.75"_s), qPrintable(csv)); // 3 hits per miss: a 75 % interval
        save(&window, u"dashboard-live"_s);
        save(window.liveCharts(), u"pane-live-charts"_s);

        // Select a key: the detail pane shows its parsed parts and its value, pretty-printed.
        QTreeView* view = window.keyBrowser()->view();
        const QModelIndex services = view->model()->match(view->model()->index(0, 0), Qt::DisplayRole,
            u"Service entries"_s, 1, Qt::MatchExactly).value(0);
        QVERIFY(services.isValid());
        view->expand(services);
        const QModelIndex events = view->model()->index(0, 0, services);
        view->expand(events);
        const QModelIndex firstKey = view->model()->index(0, 0, events);
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
    }

    void serverGoingAwayShowsInTheStatusBar()
    {
        testing::RedisServer doomed;
        QVERIFY(doomed.start());
        redis::ConnectionOptions options = doomed.connectionOptions();
        options.reconnectInitialDelay = std::chrono::milliseconds(100);
        redis::Connection connection(options);
        ui::MainWindow window(&connection);
        window.show();
        QSignalSpy ready(&connection, &redis::Connection::ready);
        connection.open();
        QVERIFY(ready.wait(5000));
        doomed.kill();
        QTRY_COMPARE_WITH_TIMEOUT(connection.state(), redis::Connection::State::WaitingToReconnect, 5000);
        QTest::qWait(100);
        save(&window, u"dashboard-reconnecting"_s);
        const QList<QLabel*> labels = window.statusBar()->findChildren<QLabel*>();
        const bool shown = std::any_of(labels.cbegin(), labels.cend(),
            [](const QLabel* label) { return label->text().contains(u"reconnecting"_s); });
        QVERIFY(shown);
    }
};

QTEST_MAIN(TestDashboard)
#include "tst_dashboard.moc"
