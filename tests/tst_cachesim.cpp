#include "model/keyparser.h"
#include "redisserver.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

// Runs the real cachesim binary against a real redis-server.
class TestCachesim : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void simulatesAGatewayAndLeavesStats()
    {
        testing::RedisServer server;
        QVERIFY2(server.start(), qPrintable(server.errorString()));
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH),
            {u"-p"_s, QString::number(server.port()), u"--rate"_s, u"400"_s, u"--duration"_s, u"3"_s, u"--venues"_s,
                u"20"_s, u"--db-latency"_s, u"5"_s, u"--json"_s});
        QVERIFY(sim.waitForFinished(30000));
        QCOMPARE(sim.exitCode(), 0);
        const QJsonObject report = QJsonDocument::fromJson(sim.readAllStandardOutput()).object();
        const int requests = report[u"requests"_s].toInt();
        QVERIFY2(requests >= 1000 && requests <= 1300, QByteArray::number(requests).constData());
        const double hitRate = report[u"hitRate"_s].toDouble();
        QVERIFY2(hitRate > 0.2 && hitRate < 1.0, QByteArray::number(hitRate).constData());
        QStringList routes;
        for (const QJsonValue& route : report[u"routes"_s].toArray())
            routes.append(route[u"route"_s].toString());
        QVERIFY(routes.contains(u"GET /api/search"_s));

        // What it wrote is shaped like the design's keys, with tenant and venue.
        const QList<QByteArray> keys = server.cli({u"--scan"_s, u"--pattern"_s, u"gateway:response:*"_s}).split('\n');
        int gateway = 0;
        for (const QByteArray& key : keys) {
            if (key.isEmpty())
                continue;
            const model::ParsedKey parsed = model::parseKey(key);
            QCOMPARE(parsed.kind, model::ParsedKey::Kind::GatewayResponse);
            QVERIFY(parsed.gateway.tenantId && parsed.gateway.venueId);
            ++gateway;
        }
        QVERIFY(gateway > 50);
        QVERIFY(!server.cli({u"--scan"_s, u"--pattern"_s, u"cachescope:stats:1s:*"_s}).trimmed().isEmpty());
        QVERIFY(!server.cli({u"--scan"_s, u"--pattern"_s, u"cachescope:tag:*"_s}).trimmed().isEmpty());

        // cachectl reads the per-route figures every CacheScope process writes.
        QProcess ctl;
        ctl.start(QStringLiteral(CACHECTL_PATH),
            {u"-p"_s, QString::number(server.port()), u"stats"_s, u"--by"_s, u"route"_s, u"--window"_s, u"30"_s,
                u"--json"_s});
        QVERIFY(ctl.waitForFinished(10000));
        QCOMPARE(ctl.exitCode(), 0);
        const QJsonObject rows = QJsonDocument::fromJson(ctl.readAllStandardOutput()).object()[u"rows"_s].toObject();
        const QJsonObject search = rows[u"GET /api/search"_s].toObject();
        QVERIFY(search[u"hits"_s].toInt() + search[u"misses"_s].toInt() > 50);
        QVERIFY(search[u"hitRate"_s].isDouble());
    }

    void badArgumentsAreUsageErrors()
    {
        QProcess sim;
        sim.start(QStringLiteral(CACHESIM_PATH), {u"--rate"_s, u"0"_s});
        QVERIFY(sim.waitForFinished(10000));
        QCOMPARE(sim.exitCode(), 2);
        QVERIFY(sim.readAllStandardError().contains("--rate"));
    }
};

QTEST_GUILESS_MAIN(TestCachesim)
#include "tst_cachesim.moc"
