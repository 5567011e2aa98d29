// The key tree's rules, without a view: what a scan puts in the tree, a filter typed while it runs, aggregate mode,
// projections, a scan cancelled or stopped by a frozen server, and the last known tree while the server is away.
// Each against a real redis-server; the line under the tree is compared whole, as the engineer reads it.
#include "feeds/keyspacefeed.h"
#include "itemmodels/keyfilterproxymodel.h"
#include "itemmodels/keytreemodel.h"
#include "redis/connection.h"

#include "redisserver.h"

#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
// `count` gateway keys over 40 tenants and 200 venues, written by the server itself (fast).
void seedGatewayKeys(const testing::RedisServer& server, int count)
{
    server.cli({u"EVAL"_s,
        u"for i = 0, %1 do redis.call('SET', 'gateway:response:GET:/api/events/' .. i .. ':tenant:t' .. (i % 40) .. "
        "':venue:v' .. (i % 200), 'x', 'EX', 3600) end"_s.arg(count - 1),
        u"0"_s});
}

qint64 serverCount(const testing::RedisServer& server, const QString& pattern)
{
    return qint64(server.cli({u"--scan"_s, u"--pattern"_s, pattern}).count('\n'));
}

QString timeOf(const QDateTime& at)
{
    return at.toString(u"HH:mm:ss"_s);
}
} // namespace

class TestKeyspaceFeed : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        seedGatewayKeys(m_server, keys);
        QCOMPARE(m_server.cli({u"DBSIZE"_s}).trimmed().toLongLong(), keys);
    }

    // A whole scan: every key counted, the counts exact at the end (projected while it runs), the line says when.
    void aScanCountsEveryKeyAndSaysWhen()
    {
        redis::Connection connection(m_server.connectionOptions());
        ui::KeyspaceFeed feed(&connection);
        QSignalSpy scanned(&feed, &ui::KeyspaceFeed::scanFinished);
        QCOMPARE(feed.statusText(), u"Not scanned yet"_s);
        connection.open();
        QTRY_VERIFY(connection.isReady());
        bool projectedWhileScanning = false;
        connect(&feed, &ui::KeyspaceFeed::pageIngested, this, [&] {
            // Shown as it fills, unsorted: a sorting proxy would keep a mapping of every group up to date per page.
            QCOMPARE(feed.viewModel(), feed.wholeTree());
            if (feed.wholeTree()->projection() == std::optional<qint64>(keys))
                projectedWhileScanning = true;
        });
        feed.rescan();
        QVERIFY(feed.isScanning());
        QVERIFY(feed.progress().shown);
        QVERIFY(scanned.wait(30000));
        QCOMPARE(scanned.first().first().toLongLong(), keys);
        QCOMPARE(feed.wholeTree()->totalKeys(), keys);
        QCOMPARE(feed.wholeTree()->gatewayKeys(), keys);
        QVERIFY(projectedWhileScanning);
        QCOMPARE(feed.wholeTree()->projection(), std::nullopt);
        QCOMPARE(feed.viewModel(), feed.proxy()); // sorted again
        QVERIFY(!feed.progress().shown);
        QVERIFY(!feed.isAggregated());
        QCOMPARE(feed.statusText(), u"%L1 keys, scanned %2 (just now)"_s.arg(keys).arg(timeOf(feed.scannedAt())));
        // DBSIZE at once after the scan: the server's figure beside the tree's.
        QTRY_COMPARE(feed.serverKeysNow(), keys);
        QCOMPARE(feed.statusText(),
            u"%L1 keys, scanned %2 (just now) · the server holds %L1 now"_s.arg(keys).arg(timeOf(feed.scannedAt())));
    }

    // Aggregate mode is for keyspaces larger than the threshold: at the threshold the tree lists every key.
    void aggregateModeStartsAboveItsThreshold_data()
    {
        QTest::addColumn<qint64>("threshold");
        QTest::addColumn<bool>("aggregated");
        QTest::newRow("threshold - 1") << keys - 1 << true;
        QTest::newRow("threshold") << keys << false;
        QTest::newRow("threshold + 1") << keys + 1 << false;
    }
    void aggregateModeStartsAboveItsThreshold()
    {
        QFETCH(qint64, threshold);
        QFETCH(bool, aggregated);
        redis::Connection connection(m_server.connectionOptions());
        ui::KeyspaceFeed feed(&connection);
        feed.setAggregateAbove(threshold);
        QSignalSpy scanned(&feed, &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QTRY_VERIFY(connection.isReady());
        feed.rescan();
        QVERIFY(scanned.wait(30000));
        QCOMPARE(feed.isAggregated(), aggregated);
        QCOMPARE(feed.wholeTree()->totalKeys(), keys); // counted whole either way
        QCOMPARE(
            feed.wholeTree()->listedKeysPerGroup(), aggregated ? ui::KeyspaceFeed::listedPerGroupWhenAggregated : 0);
    }

    // A filter typed while a scan runs fills a tree of its own from each page's matches (never by re-filtering the
    // whole tree per page), and ends with exactly the keys the server holds that match. In aggregate mode the tree
    // listed only a sample of what came before the filter: the server finds the rest (SCAN MATCH) after the scan.
    void aFilterTypedDuringAScanEndsExact_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<QString>("pattern"); // as redis-cli --scan --pattern
        QTest::addColumn<bool>("aggregated");
        QTest::newRow("glob") << u"*:venue:v17"_s << u"*:venue:v17"_s << false;
        QTest::newRow("text") << u"events/12"_s << u"*events/12*"_s << false;
        QTest::newRow("glob, aggregated") << u"*:tenant:t3:*"_s << u"*:tenant:t3:*"_s << true;
        QTest::newRow("text, aggregated") << u"venue:v19"_s << u"*venue:v19*"_s << true;
    }
    void aFilterTypedDuringAScanEndsExact()
    {
        QFETCH(QString, filter);
        QFETCH(QString, pattern);
        QFETCH(bool, aggregated);
        redis::Connection connection(m_server.connectionOptions());
        ui::KeyspaceFeed feed(&connection);
        if (aggregated)
            feed.setAggregateAbove(keys / 10);
        QSignalSpy scanned(&feed, &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QTRY_VERIFY(connection.isReady());
        bool typedDuringScan = false;
        bool refilteredWholeTree = false;
        connect(&feed, &ui::KeyspaceFeed::pageIngested, this, [&] {
            if (!typedDuringScan && feed.wholeTree()->totalKeys() > 0 && feed.isScanning()) {
                typedDuringScan = true;
                feed.setFilter(filter);
                QVERIFY(feed.isFilteredFromScan());
            }
            // The proxy (which re-checks every group's keys) is detached while the pages come in.
            if (feed.proxy()->sourceModel() != nullptr || feed.viewModel() == feed.proxy())
                refilteredWholeTree = true;
        });
        feed.rescan();
        QVERIFY(scanned.wait(30000));
        QVERIFY(typedDuringScan);
        QVERIFY(!refilteredWholeTree);
        const qint64 expected = serverCount(m_server, pattern);
        QVERIFY(expected > 0);
        if (aggregated) {
            QTRY_VERIFY2_WITH_TIMEOUT(
                feed.serverFilter() == filter && !feed.isFilteringOnServer(), qPrintable(feed.statusText()), 20000);
            QVERIFY(!feed.isFilteredFromScan());
            QCOMPARE(feed.statusText(),
                u"%L1 keys match “%2” (SCAN MATCH on the server; the tree of all %L3 keys lists a sample per group)"_s
                    .arg(expected)
                    .arg(filter)
                    .arg(keys));
        } else {
            QVERIFY(feed.isFilteredFromScan());
            QCOMPARE(feed.statusText(),
                u"%L1 keys match “%2” of the %L3 keys scanned at %4"_s.arg(expected).arg(filter).arg(keys).arg(
                    timeOf(feed.scannedAt())));
        }
        QCOMPARE(feed.filterTree()->totalKeys(), expected);
        QCOMPARE(feed.filterTree()->projection(), std::nullopt);
        QCOMPARE(feed.viewModel(), feed.proxy());
        QCOMPARE(feed.proxy()->sourceModel(), feed.filterTree());

        // Cleared: the whole tree, as scanned, without a rescan.
        feed.setFilter({});
        QCOMPARE(feed.shownTree(), feed.wholeTree());
        QCOMPARE(feed.wholeTree()->totalKeys(), keys);
        QCOMPARE(scanned.size(), 1);
    }

    // A cancelled scan's tree says it is partial, with its own time, and names the last complete scan apart.
    void aCancelledScanSaysWhatItHolds()
    {
        redis::Connection connection(m_server.connectionOptions());
        ui::KeyspaceFeed feed(&connection);
        QSignalSpy scanned(&feed, &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QTRY_VERIFY(connection.isReady());
        feed.rescan();
        QVERIFY(scanned.wait(30000));
        const QDateTime complete = feed.scannedAt();
        QTest::qWait(1100); // the cancelled scan's second differs from the complete one's
        QDateTime cancelledAt;
        connect(&feed, &ui::KeyspaceFeed::pageIngested, this, [&] {
            // Once DBSIZE is in: the counts are projections then, and the line says onto what.
            if (!cancelledAt.isValid() && feed.isScanning() && feed.wholeTree()->projection()) {
                feed.cancel();
                cancelledAt = QDateTime::currentDateTime();
            }
        });
        feed.rescan();
        QTRY_VERIFY_WITH_TIMEOUT(cancelledAt.isValid(), 10000);
        QVERIFY(!feed.isScanning());
        QVERIFY(!feed.progress().shown);
        const qint64 seen = feed.wholeTree()->totalKeys();
        QVERIFY2(seen > 0 && seen < keys, qPrintable(QString::number(seen)));
        QCOMPARE(feed.statusText(),
            u"%L1 keys seen before the scan was cancelled at %2 (the counts are projected onto the %L3 keys of the "
            "keyspace) · the last complete scan was at %4"_s.arg(seen)
                .arg(timeOf(cancelledAt))
                .arg(keys)
                .arg(timeOf(complete)));
        QCOMPARE(scanned.size(), 1); // no scanFinished for a cancelled scan
    }

    // The server frozen past the command timeout in the middle of a scan: the scan stops with the connection's
    // own account, the tree keeps what it had and says so; once the server answers, a rescan counts exactly again.
    void aFrozenServerStopsTheScanHonestly()
    {
        redis::ConnectionOptions options = m_server.connectionOptions();
        options.commandTimeout = std::chrono::milliseconds(1000);
        redis::Connection connection(options);
        ui::KeyspaceFeed feed(&connection);
        QSignalSpy scanned(&feed, &ui::KeyspaceFeed::scanFinished);
        connection.open();
        QTRY_VERIFY(connection.isReady());
        bool frozen = false;
        const auto resume = qScopeGuard([this] { m_server.resume(); });
        connect(&feed, &ui::KeyspaceFeed::pageIngested, this, [&] {
            if (!frozen && feed.isScanning()) {
                frozen = true;
                m_server.pause();
            }
        });
        feed.rescan();
        QTRY_VERIFY_WITH_TIMEOUT(frozen && !feed.isScanning(), 15000);
        const qint64 seen = feed.wholeTree()->totalKeys();
        const QString expectedStart = u"%L1 keys seen before the scan stopped at "_s.arg(seen);
        const QString reason = u": no reply from %1 for 1000 ms"_s.arg(options.displayName());
        QVERIFY2(feed.statusText().startsWith(expectedStart) && feed.statusText().contains(reason),
            qPrintable(feed.statusText()));
        QVERIFY(seen < keys);
        QCOMPARE(scanned.size(), 0);
        m_server.resume();
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 10000);
        feed.rescan();
        QVERIFY(scanned.wait(30000));
        QCOMPARE(feed.wholeTree()->totalKeys(), keys);
    }

    // While the server cannot be reached the tree is the last known one: a rescan keeps it and waits, the line says
    // so first; when the server answers again the waiting rescan runs by itself, and counts what is there now.
    void theLastKnownTreeIsKeptUntilTheServerAnswers()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        seedGatewayKeys(server, 500);
        redis::Connection connection(server.connectionOptions());
        ui::KeyspaceFeed feed(&connection);
        // Checked on a small keyspace: the tester's checks per change would take minutes over 100,000 keys.
        QAbstractItemModelTester tester(feed.wholeTree(), QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy scanned(&feed, &ui::KeyspaceFeed::scanFinished);
        QSignalSpy live(&feed, &ui::KeyspaceFeed::liveChanged);
        connection.open();
        QTRY_VERIFY(connection.isReady());
        feed.rescan();
        QVERIFY(scanned.wait(30000));
        const QString scannedAt = timeOf(feed.scannedAt());

        server.kill();
        QTRY_VERIFY(!connection.isReady());
        feed.setConnectionLost(u"server unreachable since 03:34:52"_s);
        QCOMPARE(live.size(), 1);
        QCOMPARE(live.first().first().toBool(), false);
        QCOMPARE(feed.statusText(),
            u"Last known — 500 keys, scanned %1 (just now) · server unreachable since 03:34:52; kept, rescanned when "
            "it answers"_s.arg(scannedAt));
        feed.rescan(); // F5 while down
        QVERIFY(feed.isRescanWaiting());
        QVERIFY(!feed.isScanning());
        QCOMPARE(feed.wholeTree()->totalKeys(), 500);
        QVERIFY(feed.statusText().endsWith(u"; kept, rescanned when it answers · a rescan waits for it"_s));

        // Back without its data (no persistence), and with new keys written since.
        QVERIFY2(server.restart(), qPrintable(server.errorString()));
        seedGatewayKeys(server, 120);
        QTRY_VERIFY_WITH_TIMEOUT(connection.isReady(), 10000);
        feed.setConnectionLive();
        QCOMPARE(live.size(), 2);
        QVERIFY(scanned.wait(30000)); // by itself
        QVERIFY(!feed.isRescanWaiting());
        QCOMPARE(feed.wholeTree()->totalKeys(), 120);
        QVERIFY2(!feed.statusText().startsWith(u"Last known"_s), qPrintable(feed.statusText()));
    }

private:
    static constexpr qint64 keys = 100'000;
    testing::RedisServer m_server;
};

QTEST_GUILESS_MAIN(TestKeyspaceFeed)
#include "tst_keyspacefeed.moc"
