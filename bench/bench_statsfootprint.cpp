// What CacheScope's stats cost in the Redis they describe: cachesim drives a gateway of many tenants and venues,
// then each tier's steady-state size is projected from the keys it wrote (MEMORY USAGE per bucket × buckets kept),
// the writes are counted against the gateway's own GETs (INFO commandstats), and each window's read is counted in
// keys. The old design's figures (per-second and per-minute hashes of every label kept 24 h, one HINCRBY per
// field) were measured on main before this change: see bench/RESULTS.md.
//
// Usage: bench_statsfootprint [--seconds S] [--rate R] [--tenants T] [--venues V] [--smoke]
#include "cache/statsreader.h"
#include "cache/statstiers.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QMap>
#include <QProcess>
#include <QTest>
#include <QTextStream>

#include <algorithm>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
qint64 commandCalls(const QByteArray& commandStats, const QByteArray& name)
{
    const qsizetype at = commandStats.indexOf(QByteArray("cmdstat_" + name + ":calls="));
    if (at < 0)
        return 0;
    const qsizetype from = at + name.size() + 15;
    return commandStats.mid(from, commandStats.indexOf(',', from) - from).toLongLong();
}

qint64 median(QList<qint64> values)
{
    if (values.isEmpty())
        return 0;
    std::sort(values.begin(), values.end());
    return values.at(values.size() / 2);
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = app.arguments();
    auto option = [&args](const QString& name, int fallback) {
        const qsizetype at = args.indexOf(name);
        return at >= 0 && at + 1 < args.size() ? args.at(at + 1).toInt() : fallback;
    };
    const bool smoke = args.contains(u"--smoke"_s);
    const int seconds = option(u"--seconds"_s, smoke ? 4 : 150);
    const int rate = option(u"--rate"_s, smoke ? 200 : 600);
    const int tenants = option(u"--tenants"_s, 50);
    const int venues = option(u"--venues"_s, tenants * 500);

    testing::RedisServer server;
    if (!server.start())
        qFatal("redis-server: %s", qPrintable(server.errorString()));
    out << "CacheScope stats footprint: " << tenants << " tenants, " << venues << " venues, " << rate
        << " requests/s for " << seconds << " s (cachesim)\n";
    out.flush();
    QProcess sim;
    sim.start(QStringLiteral(CACHESIM_PATH),
        {u"-p"_s, QString::number(server.port()), u"--rate"_s, QString::number(rate), u"--duration"_s,
            QString::number(seconds), u"--tenants"_s, QString::number(tenants), u"--venues"_s, QString::number(venues),
            u"--db-latency"_s, u"2"_s});
    if (!sim.waitForFinished((seconds + 60) * 1000) || sim.exitCode() != 0)
        qFatal("cachesim failed: %s", sim.readAllStandardError().constData());
    const qint64 end = QDateTime::currentSecsSinceEpoch();
    const qint64 start = end - seconds;

    redis::Connection connection(server.connectionOptions());
    if (!testing::openAndWait(connection))
        qFatal("cannot connect");
    const QByteArray commandStats = testing::runCommand(connection, {"INFO", "commandstats"}).bytes();
    const qint64 gets = commandCalls(commandStats, "get");
    const qint64 evals = commandCalls(commandStats, "eval");
    out << "\n1. Writes: " << evals << " script calls for " << gets
        << " gateway GETs: " << QString::number(double(evals) / double(std::max<qint64>(1, gets)), 'f', 3)
        << " per GET (the old design sent 1.05 HINCRBY per GET at 300 requests/s, and more with more labels)\n";

    out << "\n2. Steady-state size, projected per tier from the buckets this run filled\n";
    out << "   tier  bucket   kept       buckets  bytes/bucket (median, all dimensions)   projected\n";
    qint64 total = 0;
    for (const cache::StatsTier& tier : cache::defaultStatsTiers()) {
        QMap<qint64, qint64> bytesPerBucket;
        const QList<QByteArray> keys =
            server
                .cli({u"--scan"_s, u"--pattern"_s, u"cachescope:stats:{"_s + QString::fromLatin1(tier.name) + u":*"_s})
                .split('\n');
        for (const QByteArray& key : keys) {
            if (key.isEmpty())
                continue;
            const qint64 bucket =
                key.mid(key.indexOf(':', 17) + 1, key.indexOf('}') - key.indexOf(':', 17) - 1).toLongLong();
            bytesPerBucket[bucket] +=
                testing::runCommand(connection, {"MEMORY", "USAGE", key, "SAMPLES", "0"}).integer();
        }
        // Whole buckets only where the run covered some (the first and last seconds and minutes are partial);
        // an hour or day bucket is always partial here: its labels are already capped at K, so its size is taken
        // as it is (the counters' values grow by a byte or two).
        QList<qint64> whole;
        for (auto it = bytesPerBucket.cbegin(); it != bytesPerBucket.cend(); ++it) {
            const qint64 from = it.key() * tier.bucket.count();
            if (tier.bucket.count() >= 3600 || (from >= start && from + tier.bucket.count() <= end))
                whole.append(it.value());
        }
        const qint64 indexBytes =
            testing::runCommand(connection, {"MEMORY", "USAGE", tier.indexKey(), "SAMPLES", "0"}).integer();
        const qint64 indexMembers = testing::runCommand(connection, {"ZCARD", tier.indexKey()}).integer();
        // The index grows by one member per bucket: ~ its bytes per member once it has many.
        const qint64 perIndexMember = indexMembers > 0 ? indexBytes / indexMembers : 0;
        const qint64 bucketBytes = median(whole);
        const qint64 projected = (bucketBytes + std::min<qint64>(perIndexMember, 64)) * (tier.bucketCount() + 1);
        total += projected;
        out << "   " << QString::fromLatin1(tier.name).leftJustified(5)
            << QString::number(tier.bucket.count()).rightJustified(6) << " s "
            << QString::number(tier.retention.count()).rightJustified(9) << " s "
            << QString::number(tier.bucketCount()).rightJustified(7) << QString::number(bucketBytes).rightJustified(14)
            << " (" << whole.size() << " measured)" << QString(u" "_s).repeated(14)
            << QString::number(double(projected) / 1048576.0, 'f', 1).rightJustified(8) << " MiB\n";
    }
    out << "   all tiers: " << QString::number(double(total) / 1048576.0, 'f', 1)
        << " MiB (goal <= 64 MiB; the old design: ~820 MiB at this scale)\n";

    const QList<cache::StatsTier> tiers = cache::defaultStatsTiers(); // tierForWindow() points into it
    out << "\n3. Reading a window (keys touched: the index, then one hash per bucket that exists)\n";
    for (const auto& [label, window] : QList<std::pair<QString, qint64>> {{u"1 min"_s, 60}, {u"15 min"_s, 900},
             {u"1 h"_s, 3600}, {u"24 h"_s, 86400}, {u"7 d"_s, 7 * 86400}, {u"30 d"_s, 30 * 86400}}) {
        for (const cache::StatsDimension dimension : {cache::StatsDimension::Route, cache::StatsDimension::Venue}) {
            const redis::LookupCount before = connection.ownLookups().current();
            bool done = false;
            std::optional<cache::StatsWindow> read;
            cache::readStatsWindow(
                connection, dimension, window, &app, [&](std::optional<cache::StatsWindow> w, const QString&) {
                    read = std::move(w);
                    done = true;
                });
            while (!done)
                QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
            const qint64 keysRead = (connection.ownLookups().current() - before).total();
            const cache::StatsTier* tier = cache::tierForWindow(tiers, dimension, window);
            const qint64 bound = tier ? (window + tier->bucket.count() - 1) / tier->bucket.count() + 2 : 0;
            out << "   " << label.leftJustified(7)
                << QString::fromUtf8(cache::statsDimensionName(dimension)).leftJustified(7) << " tier "
                << (read ? QString::fromLatin1(read->tier) : u"-"_s).leftJustified(3) << " keys read "
                << QString::number(keysRead).rightJustified(4) << " (at most " << bound << " once every bucket exists; "
                << (read ? read->byLabel.size() : 0) << " labels)\n";
        }
    }
    out.flush();
    return total <= 64LL * 1048576 || smoke ? 0 : 1;
}
