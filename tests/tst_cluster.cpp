#include "analysis/misswatch.h"
#include "keyevents.h"
#include "model/gatewaykey.h"
#include "model/keyescaping.h"
#include "model/tagindexmember.h"
#include "ops/audit/audit.h"
#include "ops/invalidation/keyspaceinvalidation.h"
#include "ops/server/nodesinfo.h"
#include "redis/backgroundscan.h"
#include "redis/clusterclient.h"
#include "redis/keyslot.h"
#include "redis/keyspacescan.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

// Against a real 3-master Redis Cluster made by `redis-cli --cluster create`: hash slots as the server computes
// them, topology discovery, SCAN over every master, and invalidation that deletes exactly what matches, one
// UNLINK per slot (a multi-slot UNLINK would fail with CROSSSLOT).
class TestCluster : public QObject
{
    Q_OBJECT
private:
    testing::RedisCluster m_cluster;

    // Every key of the cluster, from each node's own SCAN (redis-cli -c only follows redirects for key commands).
    QSet<QByteArray> allKeys()
    {
        QSet<QByteArray> keys;
        for (int i = 0; i < m_cluster.size(); ++i) {
            QList<QByteArray> lines = m_cluster.node(i).cli({u"--scan"_s}).split('\n');
            lines.removeAll(QByteArray());
            keys.unite(QSet<QByteArray>(lines.cbegin(), lines.cend()));
        }
        return keys;
    }

    void seed()
    {
        for (int i = 0; i < m_cluster.size(); ++i)
            m_cluster.node(i).cli({u"FLUSHALL"_s});
        QByteArray commands;
        for (int i = 0; i < 600; ++i) {
            commands += "SET gateway:response:GET:/api/events/" + QByteArray::number(i) + ":venue:v"
                + QByteArray::number(i % 6) + " x\n";
            commands += "SET events:" + QByteArray::number(i) + " x\n";
        }
        commands += "SET cachescope:config:routes {}\n";
        m_cluster.cli({}, commands);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
    }

    void keySlotsAreTheServers_data()
    {
        QTest::addColumn<QByteArray>("key");
        QTest::newRow("plain") << QByteArray("events:123");
        QTest::newRow("gateway") << QByteArray("gateway:response:GET:/api/events:tenant:acme:venue:v1");
        QTest::newRow("hash tag") << QByteArray("{user1000}.following");
        QTest::newRow("empty tag") << QByteArray("foo{}{bar}");
        QTest::newRow("nested braces") << QByteArray("foo{{bar}}zap");
        QTest::newRow("two tags") << QByteArray("foo{bar}{zap}");
        QTest::newRow("unclosed") << QByteArray("foo{bar");
        QTest::newRow("stats bucket") << QByteArray("cachescope:stats:1s:1700000000");
        QTest::newRow("empty") << QByteArray("");
        QTest::newRow("long") << QByteArray(5000, 'k');
    }
    void keySlotsAreTheServers()
    {
        QFETCH(QByteArray, key);
        redis::Connection connection(m_cluster.seedOptions());
        QVERIFY(testing::openAndWait(connection));
        const redis::Reply slot = testing::runCommand(connection, {"CLUSTER", "KEYSLOT", key});
        QVERIFY2(slot.isInteger(), qPrintable(slot.errorMessage()));
        QCOMPARE(redis::keySlot(key), int(slot.integer()));
    }

    void topologyCoversEverySlot()
    {
        redis::Connection seed(m_cluster.seedOptions());
        QVERIFY(testing::openAndWait(seed));
        std::optional<redis::ClusterTopology> topology;
        redis::discoverCluster(
            seed, this, [&topology](std::optional<redis::ClusterTopology> t, const QString&) { topology = t; });
        QTRY_VERIFY(topology.has_value());
        QCOMPARE(topology->masters.size(), 3);
        for (int slot : {0, 5000, 10000, 16383})
            QVERIFY(topology->masterFor(slot) >= 0);
        int covered = 0;
        for (const auto& master : topology->masters)
            for (const auto& [first, last] : master.slotRanges)
                covered += last - first + 1;
        QCOMPARE(covered, redis::clusterSlots);

        // A plain server says it is not a cluster.
        testing::RedisServer plain;
        QVERIFY(plain.start());
        redis::Connection single(plain.connectionOptions());
        QVERIFY(testing::openAndWait(single));
        QString error;
        bool answered = false;
        redis::discoverCluster(single, this, [&](std::optional<redis::ClusterTopology> t, const QString& e) {
            answered = !t.has_value();
            error = e;
        });
        QTRY_VERIFY(answered);
        QVERIFY2(error.contains(u"not part of a cluster"_s), qPrintable(error));
    }

    // The key tree's count: one DBSIZE per master, named as the topology names it; the sum only when every master
    // answered (a partial sum would look like keys vanishing), -1 for a master that did not.
    void keysAreCountedOnEveryMaster()
    {
        seed();
        redis::ConnectionOptions options = m_cluster.seedOptions();
        options.commandTimeout = std::chrono::milliseconds(500);
        redis::ClusterClient client(options);
        QVERIFY(testing::openAndWait(client));
        const auto nodeNamed = [this](const QString& name) -> testing::RedisServer* {
            const int port = name.section(u' ', 0, 0).section(u':', -1).toInt();
            for (int i = 0; i < m_cluster.size(); ++i) {
                if (m_cluster.node(i).port() == port)
                    return &m_cluster.node(i);
            }
            return nullptr;
        };
        std::optional<ops::NodesKeyCount> count;
        ops::fetchNodesKeyCount(client, this, [&count](const ops::NodesKeyCount& c) { count = c; });
        QVERIFY(!count); // never from inside the call
        QTRY_VERIFY(count.has_value());
        QCOMPARE(count->names.size(), 3);
        QCOMPARE(count->perNode.size(), 3);
        QCOMPARE(count->error, QString());
        QCOMPARE(count->total, 1201);
        for (qsizetype i = 0; i < 3; ++i) {
            QCOMPARE(count->names.at(i), client.describeNode(int(i)));
            testing::RedisServer* node = nodeNamed(count->names.at(i));
            QVERIFY(node);
            QCOMPARE(count->perNode.at(i), node->cli({u"DBSIZE"_s}).trimmed().toLongLong());
        }
        const QList<qint64> answered = count->perNode;

        testing::RedisServer* frozen = nodeNamed(count->names.at(1));
        frozen->pause(); // past the command timeout
        count.reset();
        ops::fetchNodesKeyCount(client, this, [&count](const ops::NodesKeyCount& c) { count = c; });
        QTRY_VERIFY_WITH_TIMEOUT(count.has_value(), 5000);
        frozen->resume();
        QCOMPARE(count->names.size(), 3);
        QCOMPARE(count->perNode, (QList<qint64> {answered.at(0), -1, answered.at(2)}));
        QCOMPARE(count->total, -1);
        QVERIFY2(!count->error.isEmpty(), "a master that did not answer is said");
    }

    void scanVisitsEveryMaster_data()
    {
        QTest::addColumn<int>("parallelNodes");
        QTest::addColumn<bool>("inBackground");
        QTest::newRow("side by side") << 0 << false;
        QTest::newRow("one master at a time") << 1 << false;
        QTest::newRow("in a thread of its own") << 0 << true;
    }
    void scanVisitsEveryMaster()
    {
        QFETCH(int, parallelNodes);
        QFETCH(bool, inBackground);
        seed();
        const QSet<QByteArray> expected = allKeys();
        QCOMPARE(expected.size(), 1201);
        redis::ClusterClient client(m_cluster.seedOptions());
        QSet<QByteArray> seen;
        QStringList events; // "start 0", "done 0", … in the order they came
        qint64 keysPerNode = 0;
        const auto onPage = [&seen](const QList<QByteArray>& keys) {
            for (const QByteArray& key : keys)
                seen.insert(key);
        };
        const auto onStarted = [&events](int index, int count, const QString& description) {
            QCOMPARE(count, 3);
            QVERIFY(description.contains(u"slots"_s));
            events << u"start %1"_s.arg(index);
        };
        const auto onFinished = [&events, &keysPerNode](int index, qint64 keys) {
            events << u"done %1"_s.arg(index);
            keysPerNode += keys;
        };
        const auto run = [&](auto& scan) {
            using Scan = std::remove_reference_t<decltype(scan)>;
            scan.setMaxParallelNodes(parallelNodes);
            connect(&scan, &Scan::page, this, onPage);
            connect(&scan, &Scan::nodeStarted, this, onStarted);
            connect(&scan, &Scan::nodeFinished, this, onFinished);
            QSignalSpy finished(&scan, &Scan::finished);
            scan.start();
            return finished.wait(15000);
        };
        if (inBackground) {
            redis::BackgroundScan scan(client, {{}, 100, {}}); // its own cluster client, from the seed's options
            QVERIFY(run(scan));
        } else {
            client.open();
            redis::KeyspaceScan scan(&client, {{}, 100, {}});
            QVERIFY(run(scan));
        }
        QCOMPARE(seen, expected);
        QVERIFY(keysPerNode >= expected.size());
        QCOMPARE(events.size(), 6);
        if (parallelNodes == 1) {
            QCOMPARE(events,
                (QStringList {u"start 0"_s, u"done 0"_s, u"start 1"_s, u"done 1"_s, u"start 2"_s, u"done 2"_s}));
        } else {
            // Every master started before the first is done: they are walked side by side.
            QCOMPARE(events.mid(0, 3), (QStringList {u"start 0"_s, u"start 1"_s, u"start 2"_s}));
        }
    }

    void invalidationDeletesExactlyWhatMatchesOnEveryNode_data()
    {
        QTest::addColumn<bool>("dryRun");
        QTest::addColumn<int>("parallelNodes");
        QTest::newRow("dry run") << true << 0;
        QTest::newRow("delete") << false << 0;
        QTest::newRow("delete, one master at a time") << false << 1;
    }
    void invalidationDeletesExactlyWhatMatchesOnEveryNode()
    {
        QFETCH(bool, dryRun);
        QFETCH(int, parallelNodes);
        seed();
        const QSet<QByteArray> before = allKeys();
        QSet<QByteArray> matching;
        for (const QByteArray& key : before) {
            if (key.startsWith("gateway:response:GET:/api/events/") && key.endsWith(":venue:v2"))
                matching.insert(key);
        }
        QCOMPARE(matching.size(), 100);
        ops::PacedInvalidation::Options options;
        options.dryRun = dryRun;
        options.scanCount = 50;
        options.maxParallelNodes = parallelNodes;
        redis::ClusterClient client(m_cluster.seedOptions());
        client.open();
        ops::KeyspaceInvalidation job(&client, "gateway:response:GET:/api/events/*:venue:v2", options);
        QSignalSpy finished(&job, &ops::KeyspaceInvalidation::finished);
        job.start();
        QVERIFY(finished.wait(15000));
        const ops::InvalidationProgress p = job.progress();
        QVERIFY2(!p.error, qPrintable(p.error ? p.error->errorMessage() : QString()));
        QCOMPARE(p.matched, qint64(matching.size()));
        QCOMPARE(p.sample.size(), options.sampleSize); // merged over the masters, at most the sample size
        for (const QByteArray& key : p.sample)
            QVERIFY(matching.contains(key));
        QCOMPARE(p.deleted, dryRun ? 0 : qint64(matching.size()));
        QCOMPARE(allKeys(), dryRun ? before : before - matching);
        const auto nodes = job.perNode();
        QCOMPARE(nodes.size(), 3);
        qint64 sum = 0;
        for (const auto& [description, progress] : nodes) {
            QVERIFY(description.contains(u"slots"_s));
            QVERIFY(progress.matched > 0); // 100 keys spread over 16384 slots land on every master
            sum += progress.matched;
        }
        QCOMPARE(sum, p.matched);
    }

    // Why UNLINKs go per slot: one UNLINK of keys from different slots is refused by the node.
    void unlinkAcrossSlotsIsRefusedByTheServer()
    {
        seed();
        redis::Connection node(m_cluster.node(0).connectionOptions());
        QVERIFY(testing::openAndWait(node));
        ops::PacedInvalidation::Options options;
        options.groupBySlot = false;
        ops::PacedInvalidation job(&node, "events:*", options);
        QSignalSpy finished(&job, &ops::PacedInvalidation::finished);
        job.start();
        QVERIFY(finished.wait(5000));
        QVERIFY(job.progress().error.has_value());
        QCOMPARE(job.progress().error->errorKind(), redis::ErrorKind::CrossSlot);
    }

    // cachectl with --cluster: counts and deletes over every master, audited on the node owning the stream; without
    // it, a multi-slot UNLINK on one node is refused and the message points at --cluster.
    void cachectlWorksOnEveryMaster_data()
    {
        QTest::addColumn<QStringList>("pace");
        QTest::newRow("every master at once") << QStringList();
        QTest::newRow("one master at a time") << QStringList {u"--masters-at-once"_s, u"1"_s};
    }
    void cachectlWorksOnEveryMaster()
    {
        QFETCH(QStringList, pace);
        seed();
        const QStringList at =
            QStringList {u"-h"_s, m_cluster.node(1).host(), u"-p"_s, QString::number(m_cluster.node(1).port())} + pace;
        QProcess process;
        process.start(QStringLiteral(CACHECTL_PATH), at + QStringList {u"--cluster"_s, u"keys"_s});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 0);
        // Per-master progress on stderr; one at a time, each master is done before the next starts.
        const QByteArray progress = process.readAllStandardError();
        QVERIFY2(progress.contains("master 3 done"), progress.constData());
        const bool inTurn = progress.indexOf("master 1 done") < progress.indexOf("scanning master 2");
        QVERIFY2(inTurn == !pace.isEmpty(), progress.constData());

        process.start(QStringLiteral(CACHECTL_PATH), at + QStringList {u"--cluster"_s, u"keys"_s, u"--json"_s});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 0);
        QCOMPARE(QJsonDocument::fromJson(process.readAllStandardOutput()).object()[u"total"_s].toInt(), 1201);

        const QSet<QByteArray> before = allKeys();
        process.start(QStringLiteral(CACHECTL_PATH),
            at + QStringList {u"--cluster"_s, u"invalidate"_s, u"events:1*"_s, u"--yes"_s, u"--json"_s});
        QVERIFY(process.waitForFinished(30000));
        const QByteArray answer = process.readAllStandardOutput();
        QCOMPARE(process.exitCode(), 0);
        QCOMPARE(QJsonDocument::fromJson(answer).object()[u"invalidated"_s].toInt(), 111); // 1, 10-19, 100-199
        QCOMPARE((before - allKeys()).size(), 111);
        QCOMPARE(m_cluster.cli({u"XLEN"_s, u"cachescope:audit{cachescope}"_s}).trimmed(), QByteArray("1"));

        process.start(QStringLiteral(CACHECTL_PATH), at + QStringList {u"invalidate"_s, u"events:*"_s, u"--yes"_s});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 1);
        const QByteArray written = process.readAllStandardOutput() + process.readAllStandardError();
        QVERIFY2(written.contains("--cluster"), written.constData());

        process.start(QStringLiteral(CACHECTL_PATH),
            at + QStringList {u"--cluster"_s, u"invalidate"_s, u"events:*"_s, u"--masters-at-once"_s, u"0"_s});
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitCode(), 2);
        QVERIFY(process.readAllStandardError().contains("--masters-at-once needs a whole number of at least 1"));
        QCOMPARE((before - allKeys()).size(), 111); // nothing more deleted
    }

    // The same tools on a cluster that speaks only TLS: the masters it announces are reached with the seed's TLS
    // settings (--tls --cacert), as on a managed cluster with encryption in transit.
    void cachectlOnATlsCluster()
    {
        testing::RedisCluster::Options tlsOnly;
        tlsOnly.tls = true;
        testing::RedisCluster cluster(tlsOnly);
        QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
        QByteArray commands;
        for (int i = 0; i < 200; ++i)
            commands += "SET events:" + QByteArray::number(i) + " x\n";
        cluster.cli({}, commands);
        const QStringList at {u"-h"_s, cluster.node(2).host(), u"-p"_s, QString::number(cluster.node(2).port()),
            u"--tls"_s, u"--cacert"_s, cluster.node(0).caFile(), u"--cluster"_s};
        QProcess process;
        process.start(QStringLiteral(CACHECTL_PATH), at + QStringList {u"keys"_s, u"--json"_s});
        QVERIFY(process.waitForFinished(30000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        QCOMPARE(QJsonDocument::fromJson(process.readAllStandardOutput()).object()[u"total"_s].toInt(), 200);

        process.start(
            QStringLiteral(CACHECTL_PATH), at + QStringList {u"invalidate"_s, u"events:1*"_s, u"--yes"_s, u"--json"_s});
        QVERIFY(process.waitForFinished(30000));
        QVERIFY2(process.exitCode() == 0, process.readAllStandardError().constData());
        QCOMPARE(QJsonDocument::fromJson(process.readAllStandardOutput()).object()[u"invalidated"_s].toInt(), 111);
        qint64 left = 0;
        for (int i = 0; i < cluster.size(); ++i)
            left += cluster.node(i).cli({u"DBSIZE"_s}).trimmed().toLongLong();
        QCOMPARE(left, 200 - 111 + 1); // and the audit record
    }

    // What one run of each tool leaves on a cluster: cachesim's traffic (entries, tag indexes, stats buckets and
    // the route configuration it reads), then every cachectl command with -c against it, checked node by node.
    void theToolsWorkOnACluster()
    {
        for (int i = 0; i < m_cluster.size(); ++i)
            m_cluster.node(i).cli({u"FLUSHALL"_s});
        const QStringList at {
            u"-c"_s, u"-h"_s, m_cluster.node(2).host(), u"-p"_s, QString::number(m_cluster.node(2).port())};
        const auto run = [](const QString& program, const QStringList& arguments, int expectedExit = 0) {
            QProcess process;
            process.start(program, arguments);
            if (!process.waitForFinished(60000))
                return QByteArray("(timed out)");
            const QByteArray out = process.readAllStandardOutput();
            const QByteArray err = process.readAllStandardError();
            if (process.exitCode() != expectedExit)
                qWarning().noquote() << program << arguments.join(u' ') << "exited" << process.exitCode() << out << err;
            return process.exitCode() == expectedExit ? out : QByteArray("(failed)");
        };
        const QString cachectl = QStringLiteral(CACHECTL_PATH);

        // The route configuration is saved (Lua: config + audit stream, one hash slot thanks to the tag).
        QVERIFY(run(cachectl, at + QStringList {u"routes"_s, u"set"_s, u"/api/events/*"_s, u"--ttl"_s, u"45"_s})
            != "(failed)");
        QVERIFY(redis::keySlot("cachescope:config:routes{cachescope}") == redis::keySlot(ops::auditStreamKey));
        const QJsonDocument routes =
            QJsonDocument::fromJson(run(cachectl, at + QStringList {u"routes"_s, u"get"_s, u"--json"_s}));
        QVERIFY2(routes.toJson().contains("45"), routes.toJson().constData());

        const QByteArray simulated = run(QStringLiteral(CACHESIM_PATH),
            at + QStringList {u"--rate"_s, u"400"_s, u"--duration"_s, u"2"_s, u"--venues"_s, u"20"_s, u"--json"_s});
        const QJsonObject report = QJsonDocument::fromJson(simulated).object();
        QVERIFY2(report[u"requests"_s].toInt() > 300, simulated.constData());
        QVERIFY(report[u"hitRate"_s].toDouble() > 0.1);

        // Entries, tag indexes and stats buckets spread over every master.
        const QSet<QByteArray> keys = allKeys();
        for (int i = 0; i < m_cluster.size(); ++i) {
            QList<QByteArray> here = m_cluster.node(i).cli({u"--scan"_s}).split('\n');
            here.removeAll(QByteArray());
            QVERIFY2(here.size() > 10, qPrintable(u"node %1 holds %2 keys"_s.arg(i).arg(here.size())));
        }
        qint64 dbsize = 0;
        for (int i = 0; i < m_cluster.size(); ++i)
            dbsize += m_cluster.node(i).cli({u"DBSIZE"_s}).trimmed().toLongLong();

        const QJsonObject totals =
            QJsonDocument::fromJson(run(cachectl, at + QStringList {u"stats"_s, u"--json"_s})).object();
        QCOMPARE(totals[u"keys"_s].toObject()[u"db0"_s].toInteger(), dbsize); // INFO summed over the masters
        const QJsonObject byRoute =
            QJsonDocument::fromJson(run(cachectl, at + QStringList {u"stats"_s, u"--by"_s, u"route"_s, u"--json"_s}))
                .object();
        QVERIFY2(!byRoute[u"rows"_s].toObject().isEmpty(), QJsonDocument(byRoute).toJson().constData());

        // The analysis walks every master (pipelined reads routed per key: a script batch would span nodes) and
        // counts what the masters hold; entries may expire meanwhile, so between DBSIZE after and before.
        const QJsonObject analysed =
            QJsonDocument::fromJson(run(cachectl, at + QStringList {u"analyze"_s, u"--json"_s})).object();
        qint64 dbsizeAfter = 0;
        for (int i = 0; i < m_cluster.size(); ++i)
            dbsizeAfter += m_cluster.node(i).cli({u"DBSIZE"_s}).trimmed().toLongLong();
        const qint64 analysedKeys = analysed[u"total"_s].toObject()[u"keys"_s].toInteger();
        QVERIFY2(analysed[u"complete"_s].toBool() && analysedKeys <= dbsize && analysedKeys >= dbsizeAfter,
            qPrintable(u"%1 analysed, %2 then %3 held"_s.arg(analysedKeys).arg(dbsize).arg(dbsizeAfter)));
        QCOMPARE(analysed[u"total"_s].toObject()[u"measured"_s].toInteger() + analysed[u"unmeasured"_s].toInteger(),
            analysedKeys);

        // The slow log of every master, merged, each entry naming its node.
        for (int i = 0; i < m_cluster.size(); ++i)
            m_cluster.node(i).cli({u"CONFIG"_s, u"SET"_s, u"slowlog-log-slower-than"_s, u"0"_s});
        run(cachectl, at + QStringList {u"keys"_s});
        const QJsonObject slow =
            QJsonDocument::fromJson(run(cachectl, at + QStringList {u"slowlog"_s, u"--count"_s, u"200"_s, u"--json"_s}))
                .object();
        QSet<QString> slowNodes;
        for (const QJsonValue& entry : slow[u"entries"_s].toArray())
            slowNodes.insert(entry[u"node"_s].toString());
        QCOMPARE(slowNodes.size(), m_cluster.size());
        for (int i = 0; i < m_cluster.size(); ++i)
            m_cluster.node(i).cli({u"CONFIG"_s, u"SET"_s, u"slowlog-log-slower-than"_s, u"10000"_s});

        QByteArray entry;
        for (const QByteArray& key : keys) {
            if (key.startsWith("gateway:response:"))
                entry = key;
        }
        QVERIFY(!entry.isEmpty());
        const QByteArray shown = run(cachectl, at + QStringList {u"get"_s, QString::fromLatin1(entry)});
        QVERIFY2(shown.contains("TTL"), shown.constData());

        // A venue by its tag index: entries on every master, each UNLINKed on its own node.
        QByteArray venueIndex;
        for (const QByteArray& key : keys) {
            if (key.startsWith("cachescope:tag:venue%3A"))
                venueIndex = key;
        }
        QVERIFY(!venueIndex.isEmpty());
        const QByteArray venueTag =
            model::unescapeKeyComponent(venueIndex.sliced(qsizetype(strlen("cachescope:tag:")))).value_or("");
        const QJsonObject dry = QJsonDocument::fromJson(
            run(cachectl, at + QStringList {u"invalidate"_s, u"--tag"_s, QString::fromLatin1(venueTag), u"--json"_s}))
                                    .object();
        const int matched = dry[u"matched"_s].toInt();
        QVERIFY(matched > 0);
        // Exactly the tagged entries that exist: each is made persistent first, so none can expire meanwhile.
        QList<QByteArray> members =
            m_cluster.cli({u"ZRANGE"_s, QString::fromLatin1(venueIndex), u"0"_s, u"-1"_s}).split('\n');
        members.removeAll(QByteArray());
        int existing = 0;
        for (const QByteArray& member : std::as_const(members)) {
            const QByteArray key = model::decodeTagIndexMember(venueTag, member).key;
            m_cluster.cli({u"PERSIST"_s, QString::fromLatin1(key)});
            existing += m_cluster.cli({u"EXISTS"_s, QString::fromLatin1(key)}).trimmed() == "1";
        }
        QVERIFY(existing > 0);
        const QJsonObject done = QJsonDocument::fromJson(
            run(cachectl,
                at + QStringList {u"invalidate"_s, u"--tag"_s, QString::fromLatin1(venueTag), u"--yes"_s, u"--json"_s}))
                                     .object();
        QCOMPARE(done[u"invalidated"_s].toInt(), existing);
        QVERIFY(!allKeys().contains(venueIndex));

        const QJsonArray audit =
            QJsonDocument::fromJson(run(cachectl, at + QStringList {u"audit"_s, u"--json"_s})).array();
        QStringList actions;
        for (const QJsonValue& record : audit)
            actions.append(record.toObject()[u"action"_s].toString());
        QVERIFY2(actions.contains(u"routes.save"_s), qPrintable(actions.join(u", "_s)));
        QVERIFY2(actions.contains(u"invalidate tags"_s), qPrintable(actions.join(u", "_s)));
    }

    // The master that holds the audit stream freezes past the timeout mid-invalidation: the run fails with the
    // bound, exits 1, and the audit record reaches that master once it answers again.
    void losingTheAuditMasterMidRun()
    {
        seed();
        // Keys in the audit stream's slot ({cachescope}), so the frozen master is the one doing the deleting.
        int auditNode = -1;
        for (int i = 0; i < m_cluster.size(); ++i) {
            const QByteArray answer = m_cluster.node(i).cli(
                {u"EVAL"_s, u"for i = 0, 59999 do redis.call('SET', 'events:{cachescope}:' .. i, 'x') end"_s, u"1"_s,
                    u"{cachescope}"_s});
            if (!answer.contains("MOVED"))
                auditNode = i;
        }
        QVERIFY(auditNode >= 0);
        testing::RedisServer& master = m_cluster.node(auditNode);
        const auto remaining = [&master] { return master.cli({u"DBSIZE"_s}).trimmed().toInt(); };
        const int before = remaining();
        QVERIFY(before >= 60000);
        const redis::ConnectionOptions seed = m_cluster.seedOptions();
        QProcess process;
        process.start(QStringLiteral(CACHECTL_PATH),
            {u"-c"_s, u"-p"_s, QString::number(seed.port), u"--timeout"_s, u"700"_s, u"invalidate"_s,
                u"events:{cachescope}:*"_s, u"--yes"_s, u"--json"_s, u"--actor"_s, u"cluster-fault"_s});
        QVERIFY(process.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(remaining() < before, 10000);
        QVERIFY2(process.state() == QProcess::Running, "the run ended before the fault");
        master.pause();
        QTest::qWait(2000);
        master.resume();
        QVERIFY(process.waitForFinished(30000));
        QCOMPARE(process.exitStatus(), QProcess::NormalExit);
        QCOMPARE(process.exitCode(), 1);
        const QJsonObject report = QJsonDocument::fromJson(process.readAllStandardOutput()).object();
        const qint64 done = report[u"invalidated"_s].toInteger(-1);
        const qint64 unconfirmed = report[u"unconfirmed"_s].toInteger(-1);
        QTest::qWait(200);
        const qint64 truth = before - remaining() + 1; // + 1: the audit stream, written since
        QVERIFY2(done > 0 && done <= truth && truth <= done + unconfirmed,
            qPrintable(u"reported %1 (+ up to %2), really %3"_s.arg(done).arg(unconfirmed).arg(truth)));
        QProcess auditRun;
        auditRun.start(QStringLiteral(CACHECTL_PATH),
            {u"-c"_s, u"-p"_s, QString::number(seed.port), u"audit"_s, u"--json"_s, u"--count"_s, u"1"_s});
        QVERIFY(auditRun.waitForFinished(30000));
        const QJsonArray audit = QJsonDocument::fromJson(auditRun.readAllStandardOutput()).array();
        const QJsonObject newest = audit.first().toObject();
        QCOMPARE(newest[u"actor"_s].toString(), u"cluster-fault"_s);
        QCOMPARE(newest[u"outcome"_s].toString(), u"failed"_s);
        QCOMPARE(newest[u"count"_s].toInteger(), done);
    }

    // One master at a time, cancelled while the first runs: the others never start, and the count is exact.
    void cancellingOneMasterAtATimeLeavesTheRestAlone()
    {
        seed();
        const QSet<QByteArray> before = allKeys();
        redis::ClusterClient client(m_cluster.seedOptions());
        QVERIFY(testing::openAndWait(client));
        ops::PacedInvalidation::Options options;
        options.scanCount = 10;
        options.maxParallelNodes = 1;
        ops::KeyspaceInvalidation job(&client, "events:*", options);
        QSignalSpy finished(&job, &ops::KeyspaceInvalidation::finished);
        connect(&job, &ops::KeyspaceInvalidation::progressed, &job, [&job](const ops::InvalidationProgress& p) {
            if (p.deleted > 0)
                job.cancel();
        });
        job.start();
        QVERIFY(finished.wait(10000));
        const ops::InvalidationProgress p = job.progress();
        QVERIFY(p.cancelled);
        QVERIFY(p.deleted > 0);
        QCOMPARE(qint64((before - allKeys()).size()), p.deleted);
        const auto nodes = job.perNode();
        QCOMPARE(nodes.at(1).second.deleted + nodes.at(2).second.deleted, 0); // never started
    }

    // cachectl serve's /metrics on a cluster: the stats buckets (one slot per bucket, on whichever master holds
    // it) fold to cachesim's exact counts, every master is a node series, and an invalidation by another
    // cachectl process shows up in the audit-trail counters.
    void metricsOnACluster()
    {
        for (int i = 0; i < m_cluster.size(); ++i)
            m_cluster.node(i).cli({u"FLUSHALL"_s});
        const QStringList at {
            u"-c"_s, u"-h"_s, m_cluster.node(1).host(), u"-p"_s, QString::number(m_cluster.node(1).port())};
        QProcess serve;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"CACHESCOPE_ADMIN_TOKEN"_s, u"admin-token-0123456789abcdef"_s);
        serve.setProcessEnvironment(env);
        serve.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        serve.start(QStringLiteral(CACHECTL_PATH), at + QStringList {u"serve"_s, u"--http-port"_s, u"0"_s});
        QVERIFY(serve.waitForStarted());
        QTRY_VERIFY_WITH_TIMEOUT(serve.canReadLine(), 10000);
        const QByteArray line = serve.readLine().trimmed();
        const QUrl url(
            u"http://127.0.0.1:%1/metrics"_s.arg(QString::fromLatin1(line.sliced(line.lastIndexOf(':') + 1))));
        QNetworkAccessManager http;
        const auto scrape = [&http, &url] {
            QNetworkRequest request(url);
            request.setRawHeader("Authorization", "Bearer admin-token-0123456789abcdef");
            QNetworkReply* reply = http.get(request);
            QSignalSpy done(reply, &QNetworkReply::finished);
            if (!reply->isFinished())
                done.wait(10000);
            const QByteArray body = reply->readAll();
            reply->deleteLater();
            return body;
        };
        const auto value = [](const QByteArray& text, const QByteArray& series) {
            for (const QByteArray& l : text.split('\n')) {
                if (l.startsWith(QByteArray(series + ' ')))
                    return l.sliced(series.size() + 1).toDouble();
            }
            return -1.0;
        };
        QTRY_VERIFY_WITH_TIMEOUT(scrape().contains("cachescope_metrics_last_complete_round_timestamp_seconds"), 15000);

        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            at + QStringList {u"--rate"_s, u"300"_s, u"--duration"_s, u"3"_s, u"--venues"_s, u"20"_s, u"--json"_s});
        QTRY_COMPARE_WITH_TIMEOUT(sim.state(), QProcess::NotRunning, 60000); // serve keeps reading meanwhile
        QCOMPARE(sim.exitCode(), 0);
        const QJsonObject report = QJsonDocument::fromJson(sim.readAllStandardOutput()).object();
        double hits = 0;
        double misses = 0;
        for (const QJsonValue& route : report.value(u"routes"_s).toArray()) {
            hits += route.toObject().value(u"hits"_s).toDouble();
            misses += route.toObject().value(u"misses"_s).toDouble();
        }
        QVERIFY(hits > 0);
        QTRY_COMPARE_WITH_TIMEOUT(value(scrape(), "cachescope_requests_total{result=\"hit\"}"), hits, 15000);
        QTRY_COMPARE_WITH_TIMEOUT(value(scrape(), "cachescope_requests_total{result=\"miss\"}"), misses, 5000);
        const QByteArray text = scrape();
        for (int i = 0; i < m_cluster.size(); ++i) {
            const QByteArray node = "127.0.0.1:" + QByteArray::number(m_cluster.node(i).port());
            QCOMPARE(value(text, "cachescope_redis_up{node=\"" + node + "\"}"), 1.0);
        }

        QProcess invalidate;
        invalidate.start(QStringLiteral(CACHECTL_PATH),
            at + QStringList {u"invalidate"_s, u"gateway:response:GET:/api/venues*"_s, u"--yes"_s, u"--json"_s});
        QVERIFY(invalidate.waitForFinished(60000));
        QCOMPARE(invalidate.exitCode(), 0);
        const qint64 deleted =
            QJsonDocument::fromJson(invalidate.readAllStandardOutput()).object().value(u"invalidated"_s).toInteger();
        QVERIFY(deleted > 0);
        QTRY_COMPARE_WITH_TIMEOUT(
            value(scrape(), "cachescope_invalidated_keys_total{action=\"invalidate\"}"), double(deleted), 10000);
        QCOMPARE(value(scrape(),
                     "cachescope_audit_records_total{action=\"invalidate\",outcome=\"completed\",dry_run=\"false\"}"),
            1.0);
        serve.terminate();
        QVERIFY(serve.waitForFinished(10000));
    }

    void protectedNamespacesAreRefusedOnClustersToo()
    {
        seed();
        redis::ClusterClient client(m_cluster.seedOptions());
        client.open();
        ops::KeyspaceInvalidation job(&client, "cachescope:config:*", {});
        QSignalSpy finished(&job, &ops::KeyspaceInvalidation::finished);
        job.start();
        QVERIFY(finished.wait(5000));
        QVERIFY(job.progress().error.has_value());
        QCOMPARE(job.progress().deleted, 0);
        QVERIFY(allKeys().contains("cachescope:config:routes"));
    }

    // The miss watch on every master, merged: the setting widened and put back on each, deletions and cold misses
    // told on whichever master holds the key, and the total is the masters' own keyspace_misses.
    void missesAreToldOnEveryMaster()
    {
        for (int i = 0; i < m_cluster.size(); ++i)
            m_cluster.node(i).cli({u"FLUSHALL"_s});
        redis::ClusterClient client(m_cluster.seedOptions());
        QVERIFY(testing::openAndWait(client));
        redis::ClusterClient other(m_cluster.seedOptions());
        QVERIFY(testing::openAndWait(other));
        analysis::MissWatch::Options options;
        options.mayChangeConfig = true;
        options.readStats = false;
        options.anatomy.routes.routes = {{u"/api/events"_s, 1, {}, false, {}}};
        options.anatomy.graceMs = 0;
        analysis::MissWatch watch(&client, options);
        QSignalSpy started(&watch, &analysis::MissWatch::started);
        QSignalSpy finished(&watch, &analysis::MissWatch::finished);
        watch.start();
        QVERIFY(started.wait(10000));
        for (int i = 0; i < m_cluster.size(); ++i)
            QCOMPARE(testing::keyspaceEventsSetting(m_cluster.node(i)), "g$xeEm");
        const auto key = [](const QByteArray& name, int i) {
            return model::buildGatewayKey({"GET", "/api/events/" + name + QByteArray::number(i), {}, {},
                QByteArray("t1"), "v" + QByteArray::number(i)});
        };
        QSet<int> mastersHit;
        for (int i = 0; i < 30; ++i) {
            testing::runCommand(other, {"SET", key("d", i), "v"});
            testing::runCommand(other, {"DEL", key("d", i)});
            QVERIFY(testing::runCommand(other, {"GET", key("d", i)}).isNil());
            mastersHit.insert(redis::keySlot(key("d", i)) * 3 / 16384);
        }
        QCOMPARE(mastersHit.size(), 3);
        QTest::qWait(1100);
        for (int i = 0; i < 20; ++i)
            QVERIFY(testing::runCommand(other, {"GET", key("c", i)}).isNil());
        QTest::qWait(200);
        watch.stop();
        QVERIFY(finished.wait(10000));
        const analysis::MissWatch::Report report = watch.report();
        QCOMPARE(report.error, QString());
        const auto& reasons = report.anatomy.total.reasons;
        QCOMPARE(reasons[std::size_t(analysis::MissReason::Invalidated)], 30);
        QCOMPARE(reasons[std::size_t(analysis::MissReason::Cold)], 20);
        QCOMPARE(reasons[std::size_t(analysis::MissReason::Unknown)], 0);
        QCOMPARE(report.anatomy.invalidatedByOthers, 30);
        QVERIFY(report.serverMisses.has_value());
        QCOMPARE(*report.serverMisses, report.anatomy.total.misses + report.anatomy.ownKeys);
        QCOMPARE(report.configNote, u"notify-keyspace-events restored to \"\""_s);
        for (int i = 0; i < m_cluster.size(); ++i)
            QCOMPARE(testing::keyspaceEventsSetting(m_cluster.node(i)), QByteArray());
    }
};

QTEST_GUILESS_MAIN(TestCluster)
#include "tst_cluster.moc"
