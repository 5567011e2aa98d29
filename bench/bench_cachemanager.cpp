// Cache manager benchmarks, each against a baseline measured in the same run:
//  1. getOrSet hit throughput with many concurrent callers on one connection, against redis-benchmark's
//     pipelined GET (-P 16) on the same server;
//  2. the cost of stats recording, as a fraction of a cached getOrSet: end-to-end A/B runs, and the
//     per-call cost of record() against the time of one cached getOrSet.
// Usage: bench_cachemanager [--requests N] [--concurrency C] [--smoke]

#include "cache/cachemanager.h"
#include "cache/statsrecorder.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTextStream>
#include <QThread>

#include <algorithm>
#include <vector>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
constexpr int keyCount = 1000;

QByteArray keyName(int i)
{
    return "events:" + QByteArray::number(i);
}

// Runs `total` cached getOrSet calls keeping `concurrency` in flight; returns calls per second.
double getOrSetThroughput(cache::CacheManager& manager, int total, int concurrency)
{
    QEventLoop loop;
    int started = 0;
    int done = 0;
    int hits = 0;
    auto loader = [](cache::CacheManager::LoadDone finish) { finish(cache::LoadResult::found("unexpected")); };
    std::function<void()> launch = [&] {
        const int i = started++;
        manager.getOrSet(keyName(i % keyCount), loader, {}, &loop, [&](const cache::CacheResult& r) {
            hits += r.status == cache::CacheResult::Status::Hit;
            if (++done == total)
                loop.quit();
            else if (started < total)
                launch();
        });
    };
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < std::min(concurrency, total); ++i)
        launch();
    loop.exec();
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    if (hits != total)
        qFatal("expected only hits, got %d of %d", hits, total);
    return double(total) / seconds;
}

double redisBenchmarkGet(const testing::RedisServer& server, int requests, int clients)
{
    QProcess process;
    process.start(u"redis-benchmark"_s,
        {u"-h"_s, server.host(), u"-p"_s, QString::number(server.port()), u"-t"_s, u"get"_s, u"-n"_s,
            QString::number(requests), u"-P"_s, u"16"_s, u"-c"_s, QString::number(clients), u"-q"_s, u"-d"_s,
            u"300"_s});
    process.waitForFinished(300000);
    const QString output = QString::fromUtf8(process.readAllStandardOutput());
    // "GET: 123456.79 requests per second, p50=…"; \r-separated progress lines come before it.
    const QRegularExpression pattern(u"GET: ([0-9.]+) requests per second"_s);
    const auto match = pattern.match(output);
    if (!match.hasMatch())
        qFatal("could not read redis-benchmark's output: %s", qPrintable(output));
    return match.captured(1).toDouble();
}

// Runs a child process of this benchmark under callgrind and returns the instructions it executed.
std::optional<qint64> instructionsOf(const QStringList& childArguments)
{
    QProcess valgrind;
    valgrind.start(u"valgrind"_s,
        QStringList {
            u"--tool=callgrind"_s, u"--callgrind-out-file=/dev/null"_s, QCoreApplication::applicationFilePath()}
            + childArguments);
    if (!valgrind.waitForFinished(600000) || valgrind.exitCode() != 0)
        return std::nullopt;
    const QString log = QString::fromUtf8(valgrind.readAllStandardError());
    const auto match = QRegularExpression(u"Collected : ([0-9]+)"_s).match(log);
    return match.hasMatch() ? std::optional<qint64>(match.captured(1).toLongLong()) : std::nullopt;
}

// The child: `count` cached getOrSet calls against the parent's server, with or without a stats recorder.
int runChild(quint16 port, int count, bool withStats)
{
    redis::ConnectionOptions options;
    options.port = port;
    redis::Connection connection(options);
    if (!testing::openAndWait(connection))
        return 1;
    cache::StatsRecorder recorder(&connection, {});
    cache::CacheManager manager(&connection, {});
    if (withStats)
        manager.setStatsRecorder(&recorder);
    if (count > 0)
        getOrSetThroughput(manager, count, 256);
    return 0;
}

double median(std::vector<double> values)
{
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QTextStream out(stdout);
    const QStringList args = QCoreApplication::arguments();
    const bool smoke = args.contains(u"--smoke"_s);
    auto option = [&args](const QString& name, int fallback) {
        const qsizetype at = args.indexOf(name);
        return at >= 0 && at + 1 < args.size() ? args.at(at + 1).toInt() : fallback;
    };
    const int requests = option(u"--requests"_s, smoke ? 20000 : 400000);
    const int concurrency = option(u"--concurrency"_s, 256);
    const int rounds = smoke ? 1 : 7;
    if (args.contains(u"--child"_s))
        return runChild(quint16(option(u"--child"_s, 0)), option(u"--count"_s, 0), args.contains(u"--stats"_s));

    testing::RedisServer server;
    if (!server.start())
        qFatal("cannot start redis-server: %s", qPrintable(server.errorString()));
    redis::Connection connection(server.connectionOptions());
    if (!testing::openAndWait(connection))
        qFatal("cannot connect");
    cache::CacheManager plain(&connection, {});
    const QByteArray value(300, 'x'); // the size of a typical cached API response fragment
    for (int i = 0; i < keyCount; ++i)
        plain.set(keyName(i), value, {}, nullptr, nullptr);
    testing::runCommand(connection, {"SET", "key:__rand_int__", value}); // what redis-benchmark GETs

    out << "CacheScope cache manager benchmark: " << requests << " cached getOrSet calls, " << concurrency
        << " in flight, " << rounds << " rounds; machine: " << QSysInfo::prettyProductName() << ", "
        << QThread::idealThreadCount() << " cores\n\n";
    out.flush();

    // 1. Throughput against redis-benchmark.
    std::vector<double> ours;
    std::vector<double> baseline;
    for (int round = 0; round < rounds; ++round) {
        ours.push_back(getOrSetThroughput(plain, requests, concurrency));
        baseline.push_back(redisBenchmarkGet(server, requests, 50));
    }
    const double oursPerSecond = median(ours);
    const double baselinePerSecond = median(baseline);
    out << "1. getOrSet hit throughput (median of " << rounds << ")\n";
    out << "   CacheScope getOrSet, 1 connection:        " << qint64(oursPerSecond) << " calls/s\n";
    out << "   redis-benchmark GET -P 16 -c 50 -d 300:   " << qint64(baselinePerSecond) << " requests/s\n";
    out << "   ratio: " << QString::number(oursPerSecond / baselinePerSecond, 'f', 2) << " (goal >= 0.60)\n\n";
    out.flush();

    // 2. Stats overhead, A/B interleaved so drift hits both sides alike.
    cache::StatsRecorder recorder(&connection, {});
    cache::CacheManager recorded(&connection, {});
    recorded.setStatsRecorder(&recorder);
    std::vector<double> without;
    std::vector<double> with;
    // Alternate which side goes first: the second of two back-to-back runs tends to be a little slower.
    cache::CacheManager& other = qEnvironmentVariableIsSet("BENCH_AA") ? plain : recorded;
    for (int round = 0; round < rounds; ++round) {
        if (round % 2 == 0) {
            without.push_back(getOrSetThroughput(plain, requests, concurrency));
            with.push_back(getOrSetThroughput(other, requests, concurrency));
        } else {
            with.push_back(getOrSetThroughput(other, requests, concurrency));
            without.push_back(getOrSetThroughput(plain, requests, concurrency));
        }
    }
    const double endToEnd = median(without) / median(with) - 1.0;
    if (qEnvironmentVariableIsSet("BENCH_VERBOSE")) {
        for (int round = 0; round < rounds; ++round)
            out << "   round " << round << ": without " << qint64(without[std::size_t(round)]) << ", with "
                << qint64(with[std::size_t(round)]) << '\n';
    }

    // The recording itself, as a cached getOrSet does it (labels from the key, one record()), timed in a
    // tight loop with a recorder that writes nowhere.
    cache::StatsRecorder offline(nullptr, {});
    const int calls = smoke ? 200000 : 5000000;
    std::vector<QByteArray> keys;
    for (int i = 0; i < keyCount; ++i)
        keys.push_back(keyName(i));
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < calls; ++i)
        offline.record(recorded.statsLabelsFor(keys[std::size_t(i % keyCount)], {}), cache::StatsEvent::Hit);
    const double recordNs = double(clock.nsecsElapsed()) / calls;
    const double getOrSetNs = 1e9 / median(without);
    out << "2. stats recording cost\n";
    out << "   labels + record() per call:               " << QString::number(recordNs, 'f', 1) << " ns\n";
    out << "   one cached getOrSet (at full throughput):  " << QString::number(getOrSetNs, 'f', 1) << " ns\n";
    out << "   ratio record/getOrSet: " << QString::number(100.0 * recordNs / getOrSetNs, 'f', 2) << "% (goal < 2%)\n";
    out << "   end-to-end A/B (median throughput without / with - 1): " << QString::number(100.0 * endToEnd, 'f', 2)
        << "% (wall clock: noisy on a shared machine)\n";
    out.flush();

    // Instructions do not depend on what else the machine is doing: count them with callgrind for
    // N cached calls with and without stats, minus a run with no calls (start-up and connection).
    if (!smoke && !QStandardPaths::findExecutable(u"valgrind"_s).isEmpty()) {
        const int n = 20000;
        const QString port = QString::number(server.port());
        const auto idle = instructionsOf({u"--child"_s, port, u"--count"_s, u"0"_s});
        const auto bare = instructionsOf({u"--child"_s, port, u"--count"_s, QString::number(n)});
        const auto stats = instructionsOf({u"--child"_s, port, u"--count"_s, QString::number(n), u"--stats"_s});
        if (idle && bare && stats) {
            const double perCallBare = double(*bare - *idle) / n;
            const double perCallStats = double(*stats - *idle) / n;
            out << "   instructions per cached getOrSet (callgrind): " << qint64(perCallBare) << " without stats, "
                << qint64(perCallStats) << " with: +"
                << QString::number(100.0 * (perCallStats / perCallBare - 1.0), 'f', 2) << "% (goal < 2%)\n";
        } else {
            out << "   callgrind measurement failed\n";
        }
    }
    return 0;
}
