#include "cache/cachemanager.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

using namespace cachescope;
using namespace cachescope::cache;
using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

// A mixed fleet: a real Node process on Debian's node-redis (tests/node/fleet-client.js, the seed's way: GET then
// JSON.parse, SETEX of JSON text) reads what core's cache manager wrote, and core reads what Node wrote — in the
// namespaces the two share (CacheManager::Options::plainNamespaces), and, for contrast, in one only core reads.
class TestNodeFleet : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server;
    std::unique_ptr<redis::Connection> m_connection;

    CacheManager::Options options()
    {
        CacheManager::Options o;
        o.defaultTtl = 60s;
        o.grace = 30s;
        o.negativeTtl = 20s;
        o.compressionThreshold = 1024;
        o.randomSeed = 7;
        o.plainNamespaces = {"events", "user", "gateway"};
        return o;
    }

    // fleet-client.js's answer, one object per key (or an empty map when node failed).
    QHash<QString, QJsonObject> nodeReads(const QStringList& keys)
    {
        QProcess node;
        node.setProcessEnvironment(nodeEnvironment());
        node.start(QStringLiteral(NODE_PATH_BIN),
            QStringList {nodeScript(), u"read"_s, QString::number(m_server.port())} + keys);
        if (!node.waitForFinished(30000) || node.exitCode() != 0) {
            qWarning("node: %s", node.readAllStandardError().constData());
            return {};
        }
        QHash<QString, QJsonObject> answers;
        for (const QByteArray& line : node.readAllStandardOutput().split('\n')) {
            const QJsonObject object = QJsonDocument::fromJson(line).object();
            if (!object.isEmpty())
                answers.insert(object.value(u"key"_s).toString(), object);
        }
        return answers;
    }

    bool nodeWrites(const QString& key, int ttl, const QString& json)
    {
        QProcess node;
        node.setProcessEnvironment(nodeEnvironment());
        node.start(QStringLiteral(NODE_PATH_BIN),
            {nodeScript(), u"write"_s, QString::number(m_server.port()), key, QString::number(ttl), json});
        return node.waitForFinished(30000) && node.exitCode() == 0;
    }

    static QProcessEnvironment nodeEnvironment()
    {
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(u"NODE_PATH"_s, QStringLiteral(NODE_MODULES_DIR)); // Debian's node-redis
        return env;
    }

    static QString nodeScript()
    {
        return qEnvironmentVariable("CACHESCOPE_SOURCE_DIR") + u"/tests/node/fleet-client.js"_s;
    }

    CacheResult getOrSetAndWait(CacheManager& manager, const QByteArray& key, CacheManager::Loader loader)
    {
        std::optional<CacheResult> result;
        QObject context;
        manager.getOrSet(key, std::move(loader), {}, &context, [&result](const CacheResult& r) { result = r; });
        if (!QTest::qWaitFor([&result] { return result.has_value(); }, 5000))
            qWarning("getOrSet gave no result within 5 s");
        return result.value_or(CacheResult {CacheResult::Status::Error, {}, u"timed out"_s});
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        m_connection = std::make_unique<redis::Connection>(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(*m_connection));
    }

    // Every kind of entry core writes, as a plain reader sees it.
    void nodeReadsWhatCoreWrote()
    {
        CacheManager manager(m_connection.get(), options());
        const QByteArray small = R"({"id":1,"name":"Concert"})";
        QByteArray big = "[";
        for (int seat = 0; seat < 2000; ++seat)
            big += (seat ? ",{\"seat\":" : "{\"seat\":") + QByteArray::number(seat) + ",\"row\":\"A\"}";
        big += ']';
        const auto load = [](std::optional<QByteArray> value) {
            return [value](CacheManager::LoadDone done) {
                done(value ? LoadResult::found(*value) : LoadResult::notFound());
            };
        };
        QCOMPARE(getOrSetAndWait(manager, "events:1", load(small)).status, CacheResult::Status::Loaded);
        QCOMPARE(getOrSetAndWait(manager, "events:big", load(big)).status, CacheResult::Status::Loaded);
        QCOMPARE(getOrSetAndWait(manager, "events:404", load(std::nullopt)).status,
            CacheResult::Status::LoadedNotFound);
        QCOMPARE(getOrSetAndWait(manager, "svc:1", load(small)).status, CacheResult::Status::Loaded);
        QCOMPARE(getOrSetAndWait(manager, "svc:big", load(big)).status, CacheResult::Status::Loaded);
        // Shared: the body as written, never compressed, for the logical TTL alone (no grace: a plain reader
        // cannot tell a stale copy from a fresh one).
        QCOMPARE(testing::runCommand(*m_connection, {"GET", "events:big"}).bytes(), big);
        const qint64 pttl = testing::runCommand(*m_connection, {"PTTL", "events:1"}).integer();
        QVERIFY2(pttl > 55000 && pttl <= 60000, QByteArray::number(pttl).constData());
        QVERIFY(testing::runCommand(*m_connection, {"PTTL", "events:404"}).integer() <= 20000);
        QVERIFY(testing::runCommand(*m_connection, {"STRLEN", "svc:big"}).integer() < big.size() / 4); // compressed

        const QHash<QString, QJsonObject> seen =
            nodeReads({u"events:1"_s, u"events:big"_s, u"events:404"_s, u"svc:1"_s, u"svc:big"_s, u"events:none"_s});
        QCOMPARE(seen.size(), 6);
        QCOMPARE(seen[u"events:1"_s].value(u"value"_s).toObject(), QJsonDocument::fromJson(small).object());
        QCOMPARE(seen[u"events:big"_s].value(u"parsed"_s).toBool(), true);
        QCOMPARE(seen[u"events:big"_s].value(u"value"_s).toArray(), QJsonDocument::fromJson(big).array());
        // A cached "not found" is JSON null: the service's own `JSON.parse` gives null, its "no such event".
        QCOMPARE(seen[u"events:404"_s].value(u"parsed"_s).toBool(), true);
        QVERIFY(seen[u"events:404"_s].value(u"value"_s).isNull());
        QCOMPARE(seen[u"events:none"_s].value(u"found"_s).toBool(), false);
        // Where only core reads, the envelope (magic, expiry, load time, zlib) is opaque to a plain reader.
        QCOMPARE(seen[u"svc:1"_s].value(u"parsed"_s).toBool(), false);
        QCOMPARE(seen[u"svc:big"_s].value(u"parsed"_s).toBool(), false);
    }

    // A shared entry past its TTL is gone for both (a plain reader cannot tell stale from fresh, so none is kept);
    // an envelope entry is kept for the grace, which only core can use.
    void aSharedEntryIsNotKeptForGrace()
    {
        CacheManager::Options o = options();
        o.defaultTtl = 1s;
        CacheManager manager(m_connection.get(), o);
        const auto load = [](CacheManager::LoadDone done) { done(LoadResult::found(R"({"id":5})")); };
        QCOMPARE(getOrSetAndWait(manager, "user:5", load).status, CacheResult::Status::Loaded);
        QCOMPARE(getOrSetAndWait(manager, "svc:5", load).status, CacheResult::Status::Loaded);
        QTest::qWait(1300);
        const QHash<QString, QJsonObject> seen = nodeReads({u"user:5"_s, u"svc:5"_s});
        QCOMPARE(seen[u"user:5"_s].value(u"found"_s).toBool(), false);
        QCOMPARE(seen[u"svc:5"_s].value(u"found"_s).toBool(), true); // kept for the grace, opaque
        QCOMPARE(seen[u"svc:5"_s].value(u"parsed"_s).toBool(), false);
    }

    // What Node wrote with SETEX is a hit for core, byte for byte, without calling the loader; its null is a
    // cached "not found".
    void coreReadsWhatNodeWrote()
    {
        QVERIFY(nodeWrites(u"events:77"_s, 60, uR"({"id":77,"name":"Jazz night"})"_s));
        QVERIFY(nodeWrites(u"events:78"_s, 60, u"null"_s));
        CacheManager manager(m_connection.get(), options());
        int loads = 0;
        const auto load = [&loads](CacheManager::LoadDone done) {
            ++loads;
            done(LoadResult::found("{}"));
        };
        const CacheResult found = getOrSetAndWait(manager, "events:77", load);
        QCOMPARE(found.status, CacheResult::Status::Hit);
        QCOMPARE(found.value, std::optional<QByteArray>(R"({"id":77,"name":"Jazz night"})"));
        const CacheResult absent = getOrSetAndWait(manager, "events:78", load);
        QCOMPARE(absent.status, CacheResult::Status::NegativeHit);
        QCOMPARE(loads, 0);
    }
};

QTEST_GUILESS_MAIN(TestNodeFleet)
#include "tst_nodefleet.moc"
