#include "redis/backgroundscan.h"
#include "redis/clusterclient.h"
#include "redis/commandkeys.h"
#include "redis/connection.h"
#include "redis/keyslot.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <memory>

using namespace cachescope;
using namespace Qt::StringLiterals;

// ClusterClient against real Redis Clusters made by `redis-cli --cluster create`: every key lands on the master
// that serves its slot, multi-slot commands are split and put back together, MOVED after a resharding and ASK
// during one are followed (slots moved by hand with CLUSTER SETSLOT + MIGRATE, as redis-cli reshard does), and a
// master killed under a cluster with replicas is replaced by its promoted replica without a new client.
class TestClusterClient : public QObject
{
    Q_OBJECT
private:
    testing::RedisCluster m_cluster;
    std::unique_ptr<redis::ClusterClient> m_client;

    redis::Reply run(const QList<QByteArray>& arguments)
    {
        return testing::runCommand(*m_client, arguments);
    }
    testing::RedisServer* nodeOnPort(quint16 port)
    {
        for (int i = 0; i < m_cluster.size(); ++i) {
            if (m_cluster.node(i).port() == port)
                return &m_cluster.node(i);
        }
        return nullptr;
    }
    // The server that serves `slot` now, as the cluster itself says.
    testing::RedisServer* ownerOf(int slot)
    {
        redis::Connection probe(m_cluster.seedOptions());
        if (!testing::openAndWait(probe))
            return nullptr;
        QString error;
        const auto topology =
            redis::ClusterTopology::fromClusterSlots(testing::runCommand(probe, {"CLUSTER", "SLOTS"}), &error);
        if (!topology || topology->masterFor(slot) < 0)
            return nullptr;
        return nodeOnPort(topology->masters.at(topology->masterFor(slot)).port);
    }
    static QByteArray nodeId(const testing::RedisServer& node)
    {
        return node.cli({u"CLUSTER"_s, u"MYID"_s}).trimmed();
    }
    // The steps of `redis-cli --cluster reshard` for one slot; `keys` empty moves every key of the slot.
    void startMigration(int slot, testing::RedisServer& from, testing::RedisServer& to, const QList<QByteArray>& keys)
    {
        const QString s = QString::number(slot);
        QCOMPARE(to.cli({u"CLUSTER"_s, u"SETSLOT"_s, s, u"IMPORTING"_s, QString::fromLatin1(nodeId(from))}).trimmed(),
            QByteArray("OK"));
        QCOMPARE(from.cli({u"CLUSTER"_s, u"SETSLOT"_s, s, u"MIGRATING"_s, QString::fromLatin1(nodeId(to))}).trimmed(),
            QByteArray("OK"));
        QList<QByteArray> move = keys;
        if (move.isEmpty()) {
            move = from.cli({u"CLUSTER"_s, u"GETKEYSINSLOT"_s, s, u"1000"_s}).split('\n');
            move.removeAll(QByteArray());
        }
        for (const QByteArray& key : move) {
            QCOMPARE(from.cli({u"MIGRATE"_s, to.host(), QString::number(to.port()), QString::fromLatin1(key), u"0"_s,
                                  u"5000"_s})
                         .trimmed(),
                QByteArray("OK"));
        }
    }
    void finishMigration(int slot, testing::RedisServer& to)
    {
        for (int i = 0; i < m_cluster.size(); ++i) {
            m_cluster.node(i).cli(
                {u"CLUSTER"_s, u"SETSLOT"_s, QString::number(slot), u"NODE"_s, QString::fromLatin1(nodeId(to))});
        }
    }
    testing::RedisServer& anotherMaster(const testing::RedisServer& than)
    {
        for (int i = 0; i < m_cluster.size(); ++i) {
            if (&m_cluster.node(i) != &than)
                return m_cluster.node(i);
        }
        return m_cluster.node(0);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_cluster.start(), qPrintable(m_cluster.errorString()));
        m_client = std::make_unique<redis::ClusterClient>(m_cluster.seedOptions());
        QSignalSpy nodesChanged(m_client.get(), &redis::Client::nodesChanged);
        QVERIFY2(testing::openAndWait(*m_client), qPrintable(m_client->lastError()));
        QCOMPARE(m_client->nodes().size(), 3);
        QCOMPARE(nodesChanged.size(), 1);
        QVERIFY(m_client->isCluster());
        for (int slot = 0; slot < redis::clusterSlots; ++slot)
            QVERIFY(m_client->nodeForSlot(slot));
    }

    // The key positions CacheScope routes by are the ones the server itself reports with COMMAND GETKEYS, for
    // every command in the table, with the fewest arguments the command takes and with two more.
    void keyPositionsAreTheServers()
    {
        redis::Connection node(m_cluster.node(0).connectionOptions());
        QVERIFY(testing::openAndWait(node));
        const QList<QByteArray> names = redis::knownKeyCommands();
        QVERIFY(names.size() > 100);
        for (const QByteArray& entry : names) {
            const QList<QByteArray> parts = entry.split('|');
            const redis::Reply info = testing::runCommand(node, {"COMMAND", "INFO", entry.toLower()});
            QVERIFY2(info.isArray() && info.elements().size() == 1 && info.elements()[0].isArray(),
                entry.constData()); // the server knows it
            const qint64 arity = info.elements()[0].elements()[1].integer();
            for (int extra : {0, 2}) {
                if (arity > 0 && extra > 0)
                    continue;
                QList<QByteArray> arguments = parts;
                while (arguments.size() < std::abs(arity) + extra)
                    arguments.append("arg" + QByteArray::number(arguments.size()));
                QList<QList<QByteArray>> cases {arguments};
                if (entry.startsWith("EVAL") || entry.startsWith("FCALL")) {
                    // numkeys at each edge: negative, none, within, all that follow, one too many, not a number.
                    cases.clear();
                    for (const char* numkeys : {"-1", "0", "1", "2", "3", "4", "two"})
                        cases.append({parts.first(), "script", numkeys, "key:a", "key:b", "argv"});
                }
                for (const QList<QByteArray>& command : std::as_const(cases)) {
                    QList<QByteArray> getKeys {"COMMAND", "GETKEYS"};
                    getKeys += command;
                    const redis::Reply server = testing::runCommand(node, getKeys);
                    const redis::CommandKeys ours = redis::commandKeys(command);
                    const QByteArray what = command.join(' ');
                    // "the command has no key arguments" and the like, or (numkeys out of range) no keys at all
                    if (server.isError() || server.elements().empty()) {
                        QVERIFY2(ours.kind == redis::CommandKeys::Kind::NoKeys, what.constData());
                        continue;
                    }
                    QList<QByteArray> expected;
                    for (const redis::Reply& key : server.elements())
                        expected.append(key.bytes());
                    QList<QByteArray> found;
                    for (qsizetype at : ours.positions)
                        found.append(command.at(at));
                    QVERIFY2(ours.kind == redis::CommandKeys::Kind::Keys, what.constData());
                    QCOMPARE(found, expected);
                }
            }
        }
    }

    void everyKeyLandsOnItsSlotsMaster()
    {
        for (int i = 0; i < 1000; ++i)
            m_client->command({"SET", "route:" + QByteArray::number(i), QByteArray::number(i)}, nullptr, nullptr);
        QCOMPARE(run({"GET", "route:999"}).bytes(), QByteArray("999"));
        QSet<QByteArray> all;
        for (redis::Connection* master : m_client->nodes()) {
            redis::Connection direct(master->options());
            QVERIFY(testing::openAndWait(direct));
            const QSet<QByteArray> here = testing::scanAll(direct, "route:*");
            QVERIFY(!here.isEmpty());
            for (const QByteArray& key : here)
                QCOMPARE(m_client->nodeForSlot(redis::keySlot(key))->options().port, master->options().port);
            all.unite(here);
        }
        QCOMPARE(all.size(), 1000);
        QCOMPARE(m_client->redirectsFollowed(), 0);
    }

    void multiSlotCommandsAreSplitAndJoined()
    {
        QList<QByteArray> keys;
        for (int i = 0; i < 12; ++i)
            keys.append("split:" + QByteArray::number(i));
        QSet<int> slots;
        for (const QByteArray& key : keys)
            slots.insert(redis::keySlot(key));
        QVERIFY(slots.size() > 3); // they really span slots (and masters)
        for (int i = 0; i < 11; ++i) // the last one stays missing
            run({"SET", keys.at(i), "v" + QByteArray::number(i)});

        const redis::Reply values = run(QList<QByteArray> {"MGET"} + keys);
        QVERIFY2(values.isArray(), qPrintable(values.toDisplayString()));
        QCOMPARE(values.elements().size(), std::size_t(12));
        for (int i = 0; i < 11; ++i)
            QCOMPARE(values.elements()[std::size_t(i)].bytes(), "v" + QByteArray::number(i)); // in the caller's order
        QVERIFY(values.elements()[11].isNil());

        QCOMPARE(run(QList<QByteArray> {"EXISTS"} + keys).integer(), 11);
        QCOMPARE(run(QList<QByteArray> {"UNLINK"} + keys).integer(), 11);
        QCOMPARE(run(QList<QByteArray> {"EXISTS"} + keys).integer(), 0);
    }

    void commandsThatMustStayInOneSlotGetTheServersError()
    {
        const redis::Reply crossed = run({"EVAL", "return 1", "2", "split:a", "split:b"});
        QVERIFY(redis::keySlot("split:a") != redis::keySlot("split:b"));
        QCOMPARE(crossed.errorKind(), redis::ErrorKind::CrossSlot);
        // Hash tags keep them together, and then it runs.
        QCOMPARE(run({"EVAL", "return #KEYS", "2", "{tagged}:a", "{tagged}:b"}).integer(), 2);
    }

    void unknownCommandsAreRefusedNotGuessed()
    {
        const redis::Reply refused = run({"SORT", "route:1"});
        QCOMPARE(refused.errorKind(), redis::ErrorKind::Unroutable);
        QVERIFY(refused.errorMessage().contains(u"SORT"_s));
    }

    void movedAfterAReshardingIsFollowedAndTheMapRefreshed()
    {
        const QByteArray key = "moving:alpha";
        const int slot = redis::keySlot(key);
        QCOMPARE(run({"SET", key, "before"}).bytes(), QByteArray("OK"));
        testing::RedisServer* from = ownerOf(slot);
        QVERIFY(from);
        testing::RedisServer& to = anotherMaster(*from);
        startMigration(slot, *from, to, {});
        finishMigration(slot, to);

        const qint64 redirects = m_client->redirectsFollowed();
        const qint64 loads = m_client->topologyLoads();
        QCOMPARE(run({"GET", key}).bytes(), QByteArray("before")); // the client still thinks `from` has it
        QCOMPARE(m_client->redirectsFollowed(), redirects + 1);
        QCOMPARE(m_client->nodeForSlot(slot)->options().port, to.port()); // corrected at once
        QTRY_VERIFY(m_client->topologyLoads() > loads); // and the whole map re-read soon after
        QCOMPARE(m_client->nodeForSlot(slot)->options().port, to.port());
        QCOMPARE(run({"SET", key, "after"}).bytes(), QByteArray("OK"));
        QCOMPARE(m_client->redirectsFollowed(), redirects + 1); // no more redirects
        QCOMPARE(to.cli({u"GET"_s, QString::fromLatin1(key)}).trimmed(), QByteArray("after"));
    }

    // A caller gone before its reply (a pane closed, a job cancelled) is not served again: a MOVED that comes back
    // for its command is not followed, whether the command went whole or split across slots. What reached a server
    // before ran there; nothing is re-sent.
    void aRedirectForACallerThatIsGoneIsNotFollowed_data()
    {
        QTest::addColumn<bool>("split");
        QTest::newRow("one slot") << false;
        QTest::newRow("split across slots") << true;
    }
    void aRedirectForACallerThatIsGoneIsNotFollowed()
    {
        QFETCH(bool, split);
        const QByteArray tag = split ? "split" : "whole";
        const QByteArray moving = "gone:" + tag + ":moving";
        const QByteArray staying = "gone:" + tag + ":staying:" + QByteArray::number(redis::keySlot(moving));
        QVERIFY(redis::keySlot(moving) != redis::keySlot(staying));
        QCOMPARE(run({"SET", moving, "m"}).bytes(), QByteArray("OK"));
        QCOMPARE(run({"SET", staying, "s"}).bytes(), QByteArray("OK"));
        testing::RedisServer* from = ownerOf(redis::keySlot(moving));
        QVERIFY(from);
        testing::RedisServer& to = anotherMaster(*from);
        startMigration(redis::keySlot(moving), *from, to, {});
        finishMigration(redis::keySlot(moving), to); // the client still thinks `from` serves it

        const qint64 redirects = m_client->redirectsFollowed();
        bool called = false;
        auto caller = std::make_unique<QObject>();
        const QList<QByteArray> command =
            split ? QList<QByteArray> {"DEL", moving, staying} : QList<QByteArray> {"DEL", moving};
        m_client->command(command, caller.get(), [&called](const redis::Reply&) { called = true; });
        caller.reset();
        // Asked after it on the same connections: `from` answers both with MOVED in order, so a followed DEL would
        // reach `to` before this GET does.
        QCOMPARE(run({"GET", moving}).bytes(), QByteArray("m"));
        QCOMPARE(m_client->redirectsFollowed(), redirects + 1); // the GET's only
        QCOMPARE(run({"EXISTS", staying}).integer(), split ? 0 : 1); // sent before the caller went: it ran
        QVERIFY(!called);
        QCOMPARE(to.cli({u"EXISTS"_s, QString::fromLatin1(moving)}).trimmed(), QByteArray("1"));
    }

    void askDuringAMigrationIsFollowedWithoutChangingTheMap()
    {
        const QByteArray moved = "{asking}:moved";
        const QByteArray staying = "{asking}:staying";
        const int slot = redis::keySlot(moved);
        run({"SET", moved, "m"});
        run({"SET", staying, "s"});
        testing::RedisServer* from = ownerOf(slot);
        QVERIFY(from);
        testing::RedisServer& to = anotherMaster(*from);
        startMigration(slot, *from, to, {moved});

        const qint64 redirects = m_client->redirectsFollowed();
        QCOMPARE(run({"GET", moved}).bytes(), QByteArray("m")); // ASK to `to`, with ASKING
        QCOMPARE(m_client->redirectsFollowed(), redirects + 1);
        QCOMPARE(m_client->nodeForSlot(slot)->options().port, from->port()); // ASK is for one command only
        QCOMPARE(run({"GET", staying}).bytes(), QByteArray("s")); // still served where it was
        QCOMPARE(m_client->redirectsFollowed(), redirects + 1);
        // A multi-key command whose keys are half moved cannot run anywhere until the migration ends: the
        // server says TRYAGAIN; the client retries five times, then hands that error on (the server refused it six
        // times: its commandstats count each refusal).
        const auto mgetsRefused = [from] {
            return testing::commandStat(from->cli({u"INFO"_s, u"commandstats"_s}), "mget", "rejected_calls");
        };
        const qint64 refusedBefore = mgetsRefused();
        QCOMPARE(run({"MGET", moved, staying}).errorKind(), redis::ErrorKind::TryAgain);
        QCOMPARE(mgetsRefused() - refusedBefore, 6);

        startMigration(slot, *from, to, {staying});
        finishMigration(slot, to);
        const redis::Reply both = run({"MGET", moved, staying});
        QVERIFY2(both.isArray(), qPrintable(both.toDisplayString()));
        QCOMPARE(both.elements()[0].bytes(), QByteArray("m"));
        QCOMPARE(both.elements()[1].bytes(), QByteArray("s"));
        QCOMPARE(m_client->nodeForSlot(slot)->options().port, to.port());
    }

    void aSeedThatIsNoClusterSaysSo()
    {
        testing::RedisServer single;
        QVERIFY(single.start());
        redis::ConnectionOptions options = single.connectionOptions();
        options.cluster = true;
        redis::ClusterClient client(options);
        QSignalSpy errors(&client, &redis::Client::errorOccurred);
        QVERIFY(!testing::openAndWait(client));
        QCOMPARE(client.state(), redis::Client::State::Disconnected);
        QVERIFY2(client.lastError().contains(u"not part of a cluster"_s), qPrintable(client.lastError()));
        QCOMPARE(errors.size(), 1);
        const redis::Reply late = testing::runCommand(client, {"GET", "x"});
        QCOMPARE(late.errorKind(), redis::ErrorKind::NotConnected);
    }

    // A master dies; its replica is promoted after the node timeout. Keys on the other masters keep working
    // throughout, the dead master's keys fail with a connection error (never re-sent: they may have run), and the
    // same client finds the promoted replica by re-reading the map, and lets the dead one go.
    void aFailoverIsFoundWithoutANewClient()
    {
        testing::RedisCluster cluster({1, 1000});
        QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
        redis::ClusterClient client(cluster.seedOptions());
        QVERIFY(testing::openAndWait(client));
        QCOMPARE(client.nodes().size(), 3);
        QSignalSpy nodesChanged(&client, &redis::Client::nodesChanged);

        const QByteArray victimKey = "failover:victim";
        QCOMPARE(testing::runCommand(client, {"SET", victimKey, "kept"}).bytes(), QByteArray("OK"));
        redis::Connection* victim = client.nodeForSlot(redis::keySlot(victimKey));
        const quint16 victimPort = victim->options().port;
        QByteArray otherKey;
        for (int i = 0; otherKey.isEmpty(); ++i) {
            const QByteArray candidate = "failover:other:" + QByteArray::number(i);
            if (client.nodeForSlot(redis::keySlot(candidate)) != victim)
                otherKey = candidate;
        }
        testing::RedisServer* dying = nullptr;
        for (int i = 0; i < cluster.size(); ++i) {
            if (cluster.node(i).port() == victimPort)
                dying = &cluster.node(i);
        }
        QVERIFY(dying);
        QCOMPARE(dying->cli({u"WAIT"_s, u"1"_s, u"2000"_s}).trimmed(), QByteArray("1")); // the replica has it
        dying->kill();

        const redis::Reply lost = testing::runCommand(client, {"GET", victimKey});
        QVERIFY2(lost.isError(), qPrintable(lost.toDisplayString()));
        QCOMPARE(testing::runCommand(client, {"SET", otherKey, "fine"}).bytes(), QByteArray("OK"));

        redis::Reply last;
        QTRY_VERIFY2_WITH_TIMEOUT((last = testing::runCommand(client, {"GET", victimKey}, 2000)).bytes() == "kept",
            qPrintable(last.toDisplayString()), 30000);
        QVERIFY(client.nodeForSlot(redis::keySlot(victimKey))->options().port != victimPort);
        QVERIFY(nodesChanged.size() >= 1);
        QTRY_COMPARE_WITH_TIMEOUT(client.state(), redis::Client::State::Ready, 5000);
        // The dead master serves nothing now. It had a command pending when the new map came: once that is timed
        // out it stops reconnecting instead of knocking on a dead port for ever, and the client stays Ready.
        QVERIFY(!client.nodes().contains(victim));
        QTRY_COMPARE_WITH_TIMEOUT(victim->state(), redis::Client::State::Disconnected, 15000);
        QCOMPARE(victim->pendingCount(), 0);
        QCOMPARE(client.state(), redis::Client::State::Ready);
    }

    // A cluster that speaks only TLS (clients, bus and replication, as managed services run it): the masters it
    // announces are reached over TLS with the seed's settings, keys land on their slots, multi-slot commands are
    // split, the browser's scan (its own client, in its own thread) sees every key, and a CA that did not sign the
    // nodes' certificates is a TLS error at once, not a hang.
    void aTlsClusterWorksEndToEnd()
    {
        testing::RedisCluster::Options tlsOnly;
        tlsOnly.tls = true;
        testing::RedisCluster cluster(tlsOnly);
        QVERIFY2(cluster.start(), qPrintable(cluster.errorString()));
        QVERIFY(cluster.seedOptions().tls.enabled);
        redis::ClusterClient client(cluster.seedOptions());
        QVERIFY(testing::openAndWait(client));
        QCOMPARE(client.nodes().size(), 3);

        QSet<QByteArray> written;
        QList<QByteArray> mget {"MGET"};
        for (int i = 0; i < 300; ++i) {
            const QByteArray key = "tls:" + QByteArray::number(i);
            written.insert(key);
            mget.append(key);
            client.command({"SET", key, QByteArray::number(i)}, nullptr, nullptr);
        }
        const redis::Reply values = testing::runCommand(client, mget);
        QVERIFY2(values.isArray() && values.elements().size() == 300, qPrintable(values.toDisplayString()));
        for (int i = 0; i < 300; ++i)
            QCOMPARE(values.elements().at(i).bytes(), QByteArray::number(i));
        for (int i = 0; i < cluster.size(); ++i)
            QVERIFY(cluster.node(i).cli({u"DBSIZE"_s}).trimmed().toInt() > 50); // spread over the three masters

        redis::BackgroundScan scan(client, {"tls:*", 50, {}});
        QSet<QByteArray> seen;
        connect(&scan, &redis::BackgroundScan::page, this, [&seen](const QList<QByteArray>& keys) {
            for (const QByteArray& key : keys)
                seen.insert(key);
        });
        QSignalSpy finished(&scan, &redis::BackgroundScan::finished);
        scan.start();
        QVERIFY(finished.wait(15000));
        QCOMPARE(seen, written);

        redis::ConnectionOptions untrusting = cluster.seedOptions();
        untrusting.tls.caFile = cluster.node(0).unrelatedCaFile();
        untrusting.autoReconnect = false;
        redis::ClusterClient refused(untrusting);
        QSignalSpy errors(&refused, &redis::Client::errorOccurred);
        refused.open();
        QVERIFY(errors.wait(10000));
        QCOMPARE(errors.first().first().value<redis::ErrorKind>(), redis::ErrorKind::Tls);
    }
};

QTEST_GUILESS_MAIN(TestClusterClient)
#include "tst_clusterclient.moc"
