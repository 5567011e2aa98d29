#include "itemmodels/keyfilterproxymodel.h"
#include "itemmodels/keytreemodel.h"
#include "model/displaybytes.h"
#include "model/gatewaykey.h"
#include "ops/server/keyspacesummary.h"

#include <QAbstractItemModelTester>
#include <QColor>
#include <QDateTime>
#include <QSignalSpy>
#include <QTest>

using namespace cachescope;
using namespace cachescope::ui;
using namespace Qt::StringLiterals;

namespace {
QByteArray gateway(const char* path, const char* tenant, const char* venue)
{
    return model::buildGatewayKey({"GET", path, {}, {}, tenant ? std::optional<QByteArray>(tenant) : std::nullopt,
        venue ? std::optional<QByteArray>(venue) : std::nullopt});
}

QModelIndex child(const QAbstractItemModel& model, const QModelIndex& parent, const QString& name)
{
    for (int row = 0; row < model.rowCount(parent); ++row) {
        const QModelIndex index = model.index(row, 0, parent);
        if (index.data().toString() == name)
            return index;
    }
    return {};
}
} // namespace

class TestKeyTreeModel : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // The dashboard's tree and `cachectl keys` group one keyspace one way (model::KeyGrouping): fed the same keys,
    // they give the same counts for every tenant, venue, route rule, namespace, CacheScope's own keys and the rest.
    void theTreeAndCachectlKeysGroupAlike()
    {
        QList<QByteArray> keys;
        for (int i = 0; i < 30; ++i) {
            const QByteArray tenant = i % 3 == 0 ? QByteArray("acme") : QByteArray("globex");
            const QByteArray venue = "v" + QByteArray::number(i % 4);
            keys.append(model::buildGatewayKey(
                {"GET", "/api/events/" + QByteArray::number(i), {}, {}, tenant, venue})); // one rule
            keys.append(model::buildGatewayKey({"GET", "/api/search", {}, {}, tenant, venue}));
            keys.append(model::buildGatewayKey({"GET", "/unruled/a/b/" + QByteArray::number(i), {}, {}, {}, {}}));
        }
        keys.append(model::buildGatewayKey({"GET", "/api/events/7", {}, {}, QByteArray("ac:me"), QByteArray("v%1")}));
        keys << "events:1"
             << "events:2"
             << "users:9"
             << "cachescope:stats:{1s:1}:total"
             << "cachescope:tag:venue:v1"
             << "cachescope:audit{cachescope}"
             << "loose"
             << "a:b:c:d" << QByteArray("bin\xff:\x00", 7);

        KeyTreeModel tree;
        tree.addKeys(keys);
        ops::KeyspaceSummary summary;
        summary.add(keys);

        auto child = [&tree](const QModelIndex& parent, const QString& name) {
            for (int row = 0; row < tree.rowCount(parent); ++row) {
                const QModelIndex index = tree.index(row, 0, parent);
                if (index.data().toString() == name)
                    return index;
            }
            return QModelIndex();
        };
        auto count = [](const QModelIndex& index) { return index.data(KeyTreeModel::CountRole).toLongLong(); };
        const QModelIndex gateway = child({}, u"Gateway responses"_s);
        QCOMPARE(count(gateway), summary.gatewayTotal());
        QCOMPARE(count(child({}, u"Service entries"_s)), summary.serviceTotal());
        QCOMPARE(count(child({}, u"Other keys"_s)), summary.otherTotal());
        QCOMPARE(count(child({}, u"CacheScope's own keys (stats, tags, config, audit)"_s)), summary.cacheScopeTotal());
        QCOMPARE(summary.cacheScopeTotal(), 3);
        QCOMPARE(summary.otherTotal(), 2); // "loose" and the binary one; "a:b:c:d" is namespace a
        int routesCompared = 0;
        for (auto tenant = summary.gateway().cbegin(); tenant != summary.gateway().cend(); ++tenant) {
            const QString tenantName = u"tenant "_s + model::displayBytes(tenant.key()); // "(none)" too
            const QModelIndex tenantIndex = child(gateway, tenantName);
            QVERIFY2(tenantIndex.isValid(), qPrintable(tenantName));
            for (auto venue = tenant->cbegin(); venue != tenant->cend(); ++venue) {
                const QString venueName = u"venue "_s + model::displayBytes(venue.key());
                const QModelIndex venueIndex = child(tenantIndex, venueName);
                QVERIFY2(venueIndex.isValid(), qPrintable(venueName));
                for (auto route = venue->cbegin(); route != venue->cend(); ++route) {
                    const QModelIndex routeIndex = child(venueIndex, model::displayBytes(route.key()));
                    QVERIFY2(routeIndex.isValid(), route.key().constData());
                    QCOMPARE(count(routeIndex), route.value());
                    ++routesCompared;
                }
            }
        }
        QVERIFY(routesCompared >= 10);
        // Paths under one rule are one route, in both.
        QCOMPARE(summary.gateway().value("acme").value("v0").value("GET /api/events"), 3);
        QCOMPARE(summary.services().value("events"), 2);
    }

    void groupsByTenantVenueRouteAndNamespace()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addKeys({gateway("/api/events/1", "acme", "v1"), gateway("/api/events/2", "acme", "v1"),
            gateway("/api/venues/1", "acme", "v2"), gateway("/api/events/1", "globex", nullptr)});
        model.addKeys(
            {"events:1", "events:2", "session:abc", "plain", "cachescope:stats:1s:1", QByteArray("\xff\x00bin", 5)});
        QCOMPARE(model.totalKeys(), 10);

        const QModelIndex gatewayGroup = child(model, {}, u"Gateway responses"_s);
        QCOMPARE(gatewayGroup.siblingAtColumn(1).data().toLongLong(), 4);
        const QModelIndex acme = child(model, gatewayGroup, u"tenant acme"_s);
        QCOMPARE(acme.data(KeyTreeModel::CountRole).toLongLong(), 3);
        const QModelIndex v1 = child(model, acme, u"venue v1"_s);
        const QModelIndex events = child(model, v1, u"GET /api/events"_s);
        QCOMPARE(model.rowCount(events), 2);
        QCOMPARE(model.index(0, 0, events).data(KeyTreeModel::KeyRole).toByteArray(),
            gateway("/api/events/1", "acme", "v1"));
        QVERIFY(child(model, child(model, gatewayGroup, u"tenant globex"_s), u"venue (none)"_s).isValid());

        const QModelIndex services = child(model, {}, u"Service entries"_s);
        QCOMPARE(child(model, services, u"events"_s).data(KeyTreeModel::CountRole).toLongLong(), 2);
        QCOMPARE(child(model, {}, u"Other keys"_s).data(KeyTreeModel::CountRole).toLongLong(), 2);
        QCOMPARE(model.index(3, 0).data(KeyTreeModel::CountRole).toLongLong(), 1); // CacheScope's own
    }

    // Many pages into a viewed model: one insertion per parent per page, counts updated as ranges.
    void streamingPagesKeepTheModelConsistent()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        KeyFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester proxyTester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QSignalSpy inserts(&model, &QAbstractItemModel::rowsInserted);
        for (int page = 0; page < 20; ++page) {
            QList<QByteArray> keys;
            for (int i = 0; i < 100; ++i) {
                const int n = page * 100 + i;
                keys.append(gateway(QByteArray("/api/events/" + QByteArray::number(n)).constData(),
                    QByteArray("t" + QByteArray::number(n % 3)).constData(),
                    QByteArray("v" + QByteArray::number(n % 7)).constData()));
            }
            inserts.clear();
            model.addKeys(keys);
            if (page > 0) // every group exists after the first page: one leaf insertion per route node
                QCOMPARE(inserts.size(), 21);
        }
        QCOMPARE(model.totalKeys(), 2000);
        QCOMPARE(child(model, {}, u"Gateway responses"_s).data(KeyTreeModel::CountRole).toLongLong(), 2000);
    }

    void filterByGlobOrText_data()
    {
        QTest::addColumn<QString>("filter");
        QTest::addColumn<int>("visibleKeys");
        QTest::newRow("none") << QString() << 6;
        QTest::newRow("glob venue") << u"*:venue:v1"_s << 2;
        QTest::newRow("glob namespace") << u"events:*"_s << 2;
        QTest::newRow("text") << u"acme"_s << 3;
        QTest::newRow("glob set") << u"events:[2-9]"_s << 1;
        QTest::newRow("nothing") << u"nomatch"_s << 0;
    }
    void filterByGlobOrText()
    {
        QFETCH(QString, filter);
        QFETCH(int, visibleKeys);
        KeyTreeModel model;
        model.addKeys({gateway("/api/events/1", "acme", "v1"), gateway("/api/events/2", "acme", "v1"),
            gateway("/api/venues/1", "acme", "v2"), gateway("/api/events/1", "globex", "v3"), "events:1", "events:2"});
        KeyFilterProxyModel proxy;
        proxy.setSourceModel(&model);
        QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
        proxy.setKeyFilter(filter);
        int leaves = 0;
        std::function<void(const QModelIndex&)> walk = [&](const QModelIndex& parent) {
            for (int row = 0; row < proxy.rowCount(parent); ++row) {
                const QModelIndex index = proxy.index(row, 0, parent);
                if (!index.data(KeyTreeModel::KeyRole).isNull())
                    ++leaves;
                walk(index);
            }
        };
        walk({});
        QCOMPARE(leaves, visibleKeys);
        // Group counts say how many keys match below them, not how many there are.
        qint64 shownAtTop = 0;
        for (int row = 0; row < proxy.rowCount(); ++row)
            shownAtTop += proxy.index(row, KeyTreeModel::CountColumn).data(KeyTreeModel::CountRole).toLongLong();
        QCOMPARE(shownAtTop, visibleKeys);
        QCOMPARE(proxy.headerData(KeyTreeModel::CountColumn, Qt::Horizontal).toString(),
            filter.isEmpty() ? u"Keys"_s : u"Matching"_s);
    }

    // TTL and memory arrive for a sample of keys: leaves show their own, groups the sampled range of TTLs and a
    // memory estimate scaled to their key count; replies for keys cleared by a rescan change nothing.
    void sampledMetadataAggregatesUpTheTree()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<QByteArray> keys;
        for (int i = 0; i < 100; ++i)
            keys.append("events:" + QByteArray::number(i));
        const QList<QByteArray> sample = model.addKeys(keys, 10);
        QCOMPARE(sample.size(), 10);
        QCOMPARE(sample.first(), QByteArray("events:0"));
        QCOMPARE(sample.at(1), QByteArray("events:10")); // spread over the page
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        QList<ops::KeyMetadata> metadata;
        for (qsizetype i = 0; i < sample.size(); ++i)
            metadata.append({sample.at(i), i == 0 ? -1 : 60000 * i, 100 + 20 * i, now}); // sizes average 190 bytes
        metadata.append({"events:5", 1000, 1, now}); // not asked for: ignored
        model.setMetadata(metadata);
        QVERIFY(!changed.isEmpty());
        const QModelIndex services = child(model, {}, u"Service entries"_s);
        const QModelIndex events = child(model, services, u"events"_s);
        QCOMPARE(
            events.siblingAtColumn(KeyTreeModel::MemoryColumn).data(KeyTreeModel::MemoryRole).toLongLong(), 190 * 100);
        QCOMPARE(events.siblingAtColumn(KeyTreeModel::MemoryColumn).data().toString(),
            u"≈ "_s + QLocale().formattedDataSize(190 * 100) + u" · 10/100"_s); // 10 of its 100 keys measured
        QCOMPARE(events.siblingAtColumn(KeyTreeModel::TtlColumn).data().toString(), u"1m – no expiry"_s);
        // Shorter forms for a narrow column, longest first, each still a figure (FittingTextDelegate picks one).
        QCOMPARE(events.siblingAtColumn(KeyTreeModel::MemoryColumn).data(KeyTreeModel::ShorterTextsRole).toStringList(),
            (QStringList {u"≈ "_s + QLocale().formattedDataSize(190 * 100) + u" · 10/100"_s,
                u"≈ "_s + QLocale().formattedDataSize(190 * 100), u"≈"_s + QLocale().formattedDataSize(190 * 100, 0)}));
        const QStringList ttlForms =
            events.siblingAtColumn(KeyTreeModel::TtlColumn).data(KeyTreeModel::ShorterTextsRole).toStringList();
        QCOMPARE(ttlForms.size(), 3);
        QCOMPARE(ttlForms.first(), u"1m – no expiry"_s);
        QVERIFY2(ttlForms.last().endsWith(u"–no expiry"_s) && ttlForms.last().size() < 14, qPrintable(ttlForms.last()));
        QCOMPARE(events.data(KeyTreeModel::SampledKeysRole).toInt(), 10);
        const QModelIndex first = model.index(0, KeyTreeModel::TtlColumn, events);
        QCOMPARE(first.data().toString(), u"no expiry"_s);
        const QModelIndex second = model.index(10, KeyTreeModel::TtlColumn, events);
        QCOMPARE(second.siblingAtColumn(0).data(KeyTreeModel::KeyRole).toByteArray(), QByteArray("events:10"));
        QVERIFY(second.data(KeyTreeModel::TtlRole).toLongLong() > 59000);
        QCOMPARE(second.siblingAtColumn(KeyTreeModel::MemoryColumn).data(KeyTreeModel::MemoryRole).toLongLong(), 120);
        const QStringList secondTtl = second.data(KeyTreeModel::ShorterTextsRole).toStringList();
        QCOMPARE(secondTtl.size(), 2);
        QCOMPARE(secondTtl.first(), second.data().toString());
        QCOMPARE(secondTtl.last(), secondTtl.first().section(u' ', 0, 0)); // "59s", or "1m" of "1m 0s"
        QVERIFY(!model.index(5, KeyTreeModel::TtlColumn, events).data(KeyTreeModel::ShorterTextsRole).isValid());
        QVERIFY(!model.index(5, KeyTreeModel::TtlColumn, events).data().isValid()); // never sampled

        // An expanded node asks for its children without metadata, once.
        const QList<QByteArray> more = model.keysAwaitingMetadata(events, 1000);
        QCOMPARE(more.size(), 90);
        QVERIFY(model.keysAwaitingMetadata(events, 1000).isEmpty());

        model.clear();
        changed.clear();
        model.setMetadata({{"events:1", 5000, 10, now}}); // a reply after a rescan started
        QVERIFY(changed.isEmpty());
    }

    // While a scan fills the tree, rows added are signalled but changed counts are not (the view repaints instead);
    // switched back on, the top rows are announced changed and the counts read are the whole ones.
    void countSignalsCanBeHeldDuringAScan()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addKeys({"events:1"});
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
        model.setCountSignals(false);
        model.addKeys({"events:2", "events:3", "gateway:response:GET:/api/events:tenant:t:venue:v"});
        QCOMPARE(changed.size(), 0);
        QVERIFY(inserted.size() > 0);
        model.setCountSignals(true);
        QCOMPARE(changed.size(), 1);
        QCOMPARE(changed.first().at(0).value<QModelIndex>(), model.index(0, 0));
        QCOMPARE(changed.first().at(1).value<QModelIndex>(),
            model.index(model.rowCount() - 1, KeyTreeModel::ColumnCount - 1));
        const QModelIndex services = child(model, {}, u"Service entries"_s);
        QCOMPARE(services.siblingAtColumn(KeyTreeModel::CountColumn).data(KeyTreeModel::CountRole).toLongLong(), 3);
        model.addKeys({"events:4"});
        QVERIFY(changed.size() > 1); // signalled again
    }

    // A rescan keeps what was measured: each key that comes back shows its TTL and memory (greyed, not in the groups'
    // figures) until it is measured again; a key seen gone or expired is not carried.
    void aRescanKeepsWhatWasMeasured()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addKeys({"events:1", "events:2", "events:3", "events:4"}, 0);
        const QModelIndex services = child(model, {}, u"Service entries"_s);
        QCOMPARE(model.keysAwaitingMetadata(child(model, services, u"events"_s), 10).size(), 4);
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        model.setMetadata({{"events:1", 1'633'000, 168, now}, {"events:2", -2, std::nullopt, now},
            {"events:3", 10, 50, now - 1000}, {"events:4", -1, 70, now}});
        model.clear();
        model.addKeys({"events:4", "events:3", "events:2", "events:1"}, 0);
        const QModelIndex events = child(model, child(model, {}, u"Service entries"_s), u"events"_s);
        const auto row = [&](const QByteArray& key) {
            for (int r = 0; r < model.rowCount(events); ++r) {
                if (model.index(r, 0, events).data(KeyTreeModel::KeyRole).toByteArray() == key)
                    return r;
            }
            return -1;
        };
        const QModelIndex ttl1 = model.index(row("events:1"), KeyTreeModel::TtlColumn, events);
        QCOMPARE(ttl1.data().toString(), u"27m 13s"_s);
        QCOMPARE(ttl1.siblingAtColumn(KeyTreeModel::MemoryColumn).data(KeyTreeModel::MemoryRole).toLongLong(), 168);
        QCOMPARE(ttl1.data(Qt::ForegroundRole).value<QColor>(), QColor(Qt::gray));
        QVERIFY(ttl1.data(Qt::ToolTipRole).toString().contains(u"Measured before the rescan"_s));
        QCOMPARE(model.index(row("events:4"), KeyTreeModel::TtlColumn, events).data().toString(), u"no expiry"_s);
        QVERIFY(!model.index(row("events:2"), KeyTreeModel::TtlColumn, events).data().isValid()); // was gone
        QVERIFY(!model.index(row("events:3"), KeyTreeModel::TtlColumn, events).data().isValid()); // expired since
        QCOMPARE(model.goneKeys(), 0);
        QCOMPARE(events.data(KeyTreeModel::SampledKeysRole).toInt(), 0); // the groups count fresh measurements only
        // Asked again, like the unmeasured ones; the fresh answer replaces the old one and counts.
        QCOMPARE(model.keysAwaitingMetadata(events, 10).size(), 4);
        model.setMetadata({{"events:1", 5000, 200, QDateTime::currentMSecsSinceEpoch()}});
        QCOMPARE(ttl1.data(Qt::ForegroundRole), QVariant());
        QCOMPARE(ttl1.siblingAtColumn(KeyTreeModel::MemoryColumn).data(KeyTreeModel::MemoryRole).toLongLong(), 200);
        QCOMPARE(events.data(KeyTreeModel::SampledKeysRole).toInt(), 1);
    }

    void groupsByDelimiter_data()
    {
        QTest::addColumn<int>("grouping");
        QTest::addColumn<QString>("path"); // '/'-separated labels from the top
        QTest::addColumn<qint64>("count");
        QTest::addColumn<QString>("scanPattern");
        const int byShape = int(KeyTreeModel::Grouping::ByShape);
        const int byDelimiter = int(KeyTreeModel::Grouping::ByDelimiter);
        QTest::newRow("prefix at the top") << byDelimiter << u"app:"_s << qint64(5) << u"app:*"_s;
        QTest::newRow("nested prefix") << byDelimiter << u"app:/cart:"_s << qint64(2) << u"app:cart:*"_s;
        QTest::newRow("empty segment") << byDelimiter << u"app:/:"_s << qint64(1) << u"app::*"_s;
        QTest::newRow("glob characters escaped") << byDelimiter << u"we*ird:"_s << qint64(1) << u"we\\*ird:*"_s;
        QTest::newRow("service namespace as a prefix") << byDelimiter << u"events:"_s << qint64(2) << u"events:*"_s;
        QTest::newRow("other keys by prefix") << byShape << u"Other keys/we*ird:"_s << qint64(1) << u"we\\*ird:*"_s;
        QTest::newRow("malformed gateway keys")
            << byShape << u"Other keys/gateway:/response:"_s << qint64(1) << u"gateway:response:*"_s;
    }
    void groupsByDelimiter()
    {
        QFETCH(int, grouping);
        QFETCH(QString, path);
        QFETCH(qint64, count);
        QFETCH(QString, scanPattern);
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setGrouping(KeyTreeModel::Grouping(grouping));
        model.clear();
        model.addKeys({"app:cart:1", "app:cart:2", "app:user", "app::z", "app:x:y:z:1:2:3:4:5", "plain", "we*ird:1",
            "events:1", "events:2", "gateway:response:no-method"});
        QCOMPARE(model.totalKeys(), 10);
        QModelIndex node;
        for (const QString& label : path.split(u'/'))
            node = child(model, node, label);
        QVERIFY2(node.isValid(), qPrintable(path));
        QCOMPARE(node.siblingAtColumn(KeyTreeModel::CountColumn).data(KeyTreeModel::CountRole).toLongLong(), count);
        const auto selection = model.selectionFor(node);
        QVERIFY(selection);
        QCOMPARE(QString::fromUtf8(selection->scanPattern), scanPattern);
        const QByteArray prefix = selection->scanPattern.chopped(1).replace("\\", "");
        QVERIFY(selection->accepts(prefix + (prefix.startsWith("gateway") ? "no-method" : "anything")));
        QVERIFY(!selection->accepts(prefix.chopped(1) + "x"));
        // Under "Other keys" a prefix selects only keys the parser does not recognise: never a real gateway entry.
        const bool underOther = path.startsWith(u"Other keys"_s);
        QCOMPARE(selection->accepts(model::buildGatewayKey({"GET", "/api/events", {}, {}, {}, {}})),
            !underOther && prefix == "gateway:response:");
    }

    // Aggregate mode: every key counted, at most N listed per group; the listed ones are the first the scan met,
    // the only ones offered for TTL and memory; opening a group lists more of its keys (and only its keys).
    void aggregateModeCountsEveryKeyAndListsASample()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setListedKeysPerGroup(5);
        QList<QByteArray> firstPage;
        QList<QByteArray> secondPage;
        for (int i = 0; i < 8; ++i)
            firstPage.append(gateway(QByteArray("/api/events/" + QByteArray::number(i)).constData(), "acme", "v1"));
        for (int i = 8; i < 12; ++i)
            secondPage.append(gateway(QByteArray("/api/events/" + QByteArray::number(i)).constData(), "acme", "v1"));
        secondPage.append("events:1");
        const QList<QByteArray> sampled = model.addKeys(firstPage, 8);
        model.addKeys(secondPage, 5);
        QCOMPARE(model.totalKeys(), 13);
        const QModelIndex route = child(model,
            child(model, child(model, child(model, {}, u"Gateway responses"_s), u"tenant acme"_s), u"venue v1"_s),
            u"GET /api/events"_s);
        QCOMPARE(route.data(KeyTreeModel::CountRole).toLongLong(), 12);
        QCOMPARE(model.rowCount(route), 5);
        QCOMPARE(route.data(KeyTreeModel::ListedKeysRole).toLongLong(), 5);
        QCOMPARE(route.data(KeyTreeModel::UnlistedKeysRole).toLongLong(), 7);
        QCOMPARE(model.unlistedKeys(route), 7);
        QCOMPARE(route.siblingAtColumn(KeyTreeModel::CountColumn).data().toString(), u"12 (5 listed)"_s);
        QCOMPARE(sampled, firstPage.mid(0, 5)); // only listed keys are sampled
        for (int row = 0; row < 5; ++row)
            QCOMPARE(model.index(row, 0, route).data(KeyTreeModel::KeyRole).toByteArray(), firstPage.at(row));

        // Listing the group: keys of other groups and keys already listed are passed over, up to the limit.
        QList<QByteArray> fetched = firstPage + secondPage;
        fetched.prepend(gateway("/api/events/1", "acme", "v2"));
        QCOMPARE(model.addListedKeys(route, fetched, 10), 5);
        QCOMPARE(model.rowCount(route), 10);
        QCOMPARE(model.addListedKeys(route, fetched, 100), 2);
        QCOMPARE(model.rowCount(route), 12);
        QCOMPARE(model.unlistedKeys(route), 0);
        QCOMPARE(route.siblingAtColumn(KeyTreeModel::CountColumn).data().toString(), u"12"_s);
        QSet<QByteArray> listed;
        for (int row = 0; row < model.rowCount(route); ++row)
            listed.insert(model.index(row, 0, route).data(KeyTreeModel::KeyRole).toByteArray());
        QCOMPARE(listed, QSet<QByteArray>(fetched.cbegin() + 1, fetched.cend() - 1));
        QVERIFY(!child(model, child(model, child(model, {}, u"Gateway responses"_s), u"tenant acme"_s),
            u"venue v2"_s)
                     .isValid()); // looking for a key's group made none
        // A key written since the scan counted the group: listed and counted.
        QCOMPARE(model.addListedKeys(route, {gateway("/api/events/99", "acme", "v1")}, 100), 1);
        QCOMPARE(route.data(KeyTreeModel::CountRole).toLongLong(), 13);
        QCOMPARE(model.totalKeys(), 14);
    }

    // A hostile keyspace (every key its own prefix, or more venues than anyone can browse) cannot grow the tree
    // without end: past the group budget a key is counted with the deepest group that exists, so every count stays
    // exact; past the listed budget nothing more is listed.
    void budgetsBoundTheTreeWhateverTheKeys()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.setListedKeysPerGroup(3);
        model.setBudgets(6, 8);
        QList<QByteArray> keys;
        for (int i = 0; i < 20; ++i)
            keys.append("u" + QByteArray::number(i) + ":session:x"); // a service namespace per key
        for (int i = 0; i < 5; ++i)
            keys.append(gateway("/api/events/1", "acme", QByteArray("v" + QByteArray::number(i)).constData()));
        const QList<QByteArray> sampled = model.addKeys(keys, 25);
        QCOMPARE(model.totalKeys(), 25);
        // Six namespaces got a group (the budget); the other 14 keys are counted with "Service entries" itself.
        const QModelIndex services = child(model, {}, u"Service entries"_s);
        QCOMPARE(services.data(KeyTreeModel::CountRole).toLongLong(), 20);
        QCOMPARE(model.rowCount(services), 6 + 2); // six groups, then two of its own keys: the listed budget ran out
        QCOMPARE(services.data(KeyTreeModel::UnlistedKeysRole).toLongLong(), 12);
        QVERIFY(services.siblingAtColumn(KeyTreeModel::CountColumn)
                    .data(Qt::ToolTipRole)
                    .toString()
                    .startsWith(u"14 of its keys belong to groups below it that the tree has no room for"_s));
        // No room for a tenant either, nor for a listed key: the gateway's keys are counted, none listed.
        const QModelIndex gatewayGroup = child(model, {}, u"Gateway responses"_s);
        QCOMPARE(gatewayGroup.data(KeyTreeModel::CountRole).toLongLong(), 5);
        QCOMPARE(model.rowCount(gatewayGroup), 0);
        QCOMPARE(gatewayGroup.data(KeyTreeModel::UnlistedKeysRole).toLongLong(), 5);
        qint64 listed = 0;
        std::function<void(const QModelIndex&)> sum = [&](const QModelIndex& parent) {
            for (int row = 0; row < model.rowCount(parent); ++row) {
                const QModelIndex index = model.index(row, 0, parent);
                if (KeyTreeModel::isKey(index))
                    ++listed;
                else
                    sum(index);
            }
        };
        sum({});
        QCOMPARE(listed, 8);
        QCOMPARE(sampled.size(), 8); // only listed keys are sampled, whatever the budget
        model.addKeys({"u99:session:y"});
        QCOMPARE(services.data(KeyTreeModel::CountRole).toLongLong(), 21);
        QCOMPARE(model.totalKeys(), 26);
        // Listing "Service entries" takes only the keys counted with it, not those of its groups.
        QCOMPARE(model.addListedKeys(services, keys.mid(0, 20), 100), 12);
    }

    // While a scan runs the counts are projected onto DBSIZE with the analysis's 95 % error; exact after.
    void countsAreProjectedWhileTheScanRuns()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        QList<QByteArray> keys;
        for (int i = 0; i < 100; ++i)
            keys.append(i < 25 ? gateway(QByteArray("/api/events/" + QByteArray::number(i)).constData(), "acme", "v1")
                               : QByteArray("events:" + QByteArray::number(i)));
        model.addKeys(keys);
        QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
        model.setProjection(1000);
        QCOMPARE(changed.size(), 1);
        const QModelIndex gatewayCount = child(model, {}, u"Gateway responses"_s).siblingAtColumn(1);
        // 25 of 100 seen, of 1,000: 250 ± 1.96 · 1000 · sqrt(0.25 · 0.75 / 100 · 0.9) = 250 ± 80.5
        QCOMPARE(gatewayCount.data(KeyTreeModel::CountEstimateRole).toDouble(), 250.0);
        QCOMPARE(std::round(gatewayCount.data(KeyTreeModel::CountErrorRole).toDouble() * 10), 805.0);
        QCOMPARE(gatewayCount.data().toString(), u"≈ 250 ± 81"_s);
        QCOMPARE(gatewayCount.data(KeyTreeModel::CountRole).toLongLong(), 25); // as seen, for sorting
        QVERIFY(gatewayCount.data(Qt::ToolTipRole).toString().contains(u"95 % between 169 and 331"_s));
        model.setProjection(std::nullopt);
        QCOMPARE(gatewayCount.data().toString(), u"25"_s);
        QCOMPARE(gatewayCount.data(KeyTreeModel::CountErrorRole).toDouble(), 0.0);
        model.setProjection(50); // more keys seen than DBSIZE said: no projection, no error claimed
        QCOMPARE(gatewayCount.data().toString(), u"≈ 25"_s);
        // A tree of SCAN MATCH results: its 25 matches came from a walk over 400 of the 1,000 keys.
        model.setProjection(1000, 400);
        QCOMPARE(gatewayCount.data(KeyTreeModel::CountEstimateRole).toDouble(), 62.5);
        // 1.96 · 1000 · sqrt(0.0625 · 0.9375 / 400 · 0.6) = 18.375
        QVERIFY(std::abs(gatewayCount.data(KeyTreeModel::CountErrorRole).toDouble() - 18.375) < 1e-9);
    }

    void clearResets()
    {
        KeyTreeModel model;
        QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
        model.addKeys({"events:1"});
        model.clear();
        QCOMPARE(model.totalKeys(), 0);
        QCOMPARE(model.rowCount(), 4);
    }
};

QTEST_MAIN(TestKeyTreeModel)
#include "tst_keytreemodel.moc"
