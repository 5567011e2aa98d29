// Cache manager benchmarks, each against a baseline measured in the same run:
//  1. getOrSet hit throughput with many concurrent callers on one connection, against redis-benchmark's
//     pipelined GET (-P 16) on the same server;
//  2. the cost of stats recording, as a fraction of a cached getOrSet: end-to-end A/B runs, and the
//     per-call cost of record() against the time of one cached getOrSet;
//  3. instructions per operation of each stage of a cached getOrSet (callgrind, so the same on any machine):
//     encode (a GET into RESP), parse (a 317-byte reply out of a 64 KiB read), dispatch (a pipelined GET through
//     the connection, socket and event loop included), manager (the whole getOrSet), and with stats on.
//     A change that makes one of them slower shows in its line.
// Usage: bench_cachemanager [--requests N] [--concurrency C] [--smoke]

#include "cache/cachemanager.h"
#include "cache/statsrecorder.h"
#include "redis/commandencoder.h"
#include "redis/connection.h"
#include "redis/replyreader.h"
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
#include <map>
#include <vector>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
constexpr int keyCount = 1000;

// The keys, built once: a service has its key before it asks the cache, so building it (720 instructions of
// QByteArray::number and concatenation here) is not the cache manager's cost.
const std::vector<QByteArray>& keys()
{
    static const std::vector<QByteArray> built = [] {
        std::vector<QByteArray> made;
        for (int i = 0; i < keyCount; ++i)
            made.push_back("events:" + QByteArray::number(i));
        return made;
    }();
    return built;
}

// `total` cached getOrSet calls keeping `concurrency` in flight. Each answer starts the next call, as a service
// answering requests would; the callback captures one pointer, as a service's would capture its request.
struct ThroughputRun
{
    cache::CacheManager* manager = nullptr;
    QEventLoop loop;
    int total = 0;
    int started = 0;
    int done = 0;
    int hits = 0;

    void launch()
    {
        const QByteArray& key = keys()[std::size_t(started++ % keyCount)];
        manager->getOrSet(
            key, [](cache::CacheManager::LoadDone finish) { finish(cache::LoadResult::found("unexpected")); }, {},
            &loop, [this](const cache::CacheResult& r) { answered(r); });
    }
    void answered(const cache::CacheResult& result)
    {
        hits += result.status == cache::CacheResult::Status::Hit;
        if (++done == total)
            loop.quit();
        else if (started < total)
            launch();
    }
};

// Returns calls per second.
double getOrSetThroughput(cache::CacheManager& manager, int total, int concurrency)
{
    ThroughputRun run;
    run.manager = &manager;
    run.total = total;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < std::min(concurrency, total); ++i)
        run.launch();
    run.loop.exec();
    const double seconds = double(clock.nsecsElapsed()) / 1e9;
    if (run.hits != total)
        qFatal("expected only hits, got %d of %d", run.hits, total);
    return double(total) / seconds;
}

// Stores every key through getOrSet, as a service fills its cache: the values carry their load time, so every hit
// after this evaluates XFetch (a value set() wrote has none, and XFetch would be skipped).
void populate(cache::CacheManager& manager, redis::Connection& connection, const QByteArray& value)
{
    QEventLoop loop;
    int loaded = 0;
    for (const QByteArray& key : keys()) {
        manager.getOrSet(
            key, [value](cache::CacheManager::LoadDone finish) { finish(cache::LoadResult::found(value)); }, {}, &loop,
            [&](const cache::CacheResult& r) {
                if (r.status != cache::CacheResult::Status::Loaded)
                    qFatal("could not store the benchmark's values: %s", qPrintable(r.error));
                if (++loaded == keyCount)
                    loop.quit();
            });
    }
    loop.exec();
    testing::runCommand(connection, {"PING"}); // answered after every SET the loads sent
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

// `total` pipelined GETs straight through the connection, `concurrency` in flight, each answer sending the next.
void dispatchGets(redis::Connection& connection, int total, int concurrency)
{
    QEventLoop loop;
    int started = 0;
    int done = 0;
    std::function<void()> send = [&] {
        connection.command(
            {QByteArrayLiteral("GET"), keys()[std::size_t(started++ % keyCount)]}, &loop, [&](const redis::Reply&) {
                if (++done == total)
                    loop.quit();
                else if (started < total)
                    send();
            });
    };
    for (int i = 0; i < std::min(concurrency, total); ++i)
        send();
    if (total > 0)
        loop.exec();
}

// The child: `count` operations of one stage (see the top of this file), against the parent's server where one is
// needed. Run under callgrind, once with the count and once with 0: the difference is the operations alone.
int runChild(quint16 port, const QString& stage, int count)
{
    keys(); // built in the idle run too
    if (stage == u"encode") {
        QByteArray buffer;
        QList<QByteArray> arguments {QByteArrayLiteral("GET"), QByteArray()};
        for (int i = 0; i < count; ++i) {
            if (buffer.size() > 60000)
                buffer.truncate(0);
            arguments[1] = keys()[std::size_t(i % keyCount)];
            redis::appendCommand(buffer, arguments);
        }
        return buffer.isEmpty() == (count > 0); // keeps the work from being optimised away
    }
    if (stage == u"parse") {
        const QByteArray value = QByteArray("\0CS1", 4) + QByteArray(13, '\0') + QByteArray(300, 'x');
        const QByteArray one = "$" + QByteArray::number(value.size()) + "\r\n" + value + "\r\n";
        const QByteArray read = one.repeated(64 * 1024 / one.size()); // what one socket read holds
        const int perRead = int(read.size() / one.size());
        redis::ReplyReader reader;
        redis::Reply reply;
        int parsed = 0;
        while (parsed < count) {
            reader.feed(read);
            while (reader.next(&reply) == redis::ReplyReader::Status::HaveReply)
                ++parsed;
        }
        return parsed % perRead != 0 && count > 0 && parsed < count;
    }
    if (stage == u"stats") {
        // What a cached getOrSet adds when stats are on, alone: the labels of the key and one count.
        cache::StatsRecorder offline(nullptr, {});
        cache::CacheManager manager(nullptr, {});
        manager.setStatsRecorder(&offline);
        const cache::StatsLabels none;
        const std::vector<QByteArray>& all = keys();
        for (int i = 0; i < count; ++i)
            manager.recordAnswer(all[std::size_t(i % keyCount)], none, cache::StatsEvent::Hit);
        return 0;
    }
    if (stage == u"gateway-count") {
        // A gateway's request without the what-if's counters: its route labels and the count alone.
        cache::StatsRecorder offline(nullptr, {});
        cache::CacheManager manager(nullptr, {});
        manager.setStatsRecorder(&offline);
        const cache::StatsLabels gateway {"gateway", "GET /api/events", "acme", "v1"};
        const std::vector<QByteArray>& all = keys();
        for (int i = 0; i < count; ++i)
            manager.recordAnswer(all[std::size_t(i % keyCount)], gateway, cache::StatsEvent::Hit);
        return 0;
    }
    if (stage == u"gateway-stats") {
        // The same for a gateway's request, labelled with its route: the count, the hit's remaining-life bin, and the
        // half-TTL shadow (CacheManager::halfTtlShadow) that the TTL what-if's ½× row reads.
        cache::StatsRecorder offline(nullptr, {});
        cache::CacheManager manager(nullptr, {});
        manager.setStatsRecorder(&offline);
        const cache::StatsLabels gateway {"gateway", "GET /api/events", "acme", "v1"};
        const std::vector<QByteArray>& all = keys();
        // getOrSet hashes the key for its flights anyway, and the shadow takes that hash.
        std::vector<size_t> hashes;
        for (const QByteArray& key : all)
            hashes.push_back(std::hash<std::string_view> {}(std::string_view(key.constData(), size_t(key.size()))));
        for (int i = 0; i < count; ++i) {
            const std::size_t k = std::size_t(i % keyCount);
            manager.halfTtlShadow(hashes[k], gateway, std::chrono::seconds(60));
            manager.recordAnswer(all[k], gateway, cache::StatsEvent::Hit, cache::hitLeftBin(30'000));
        }
        return 0;
    }
    redis::ConnectionOptions options;
    options.port = port;
    redis::Connection connection(options);
    if (!testing::openAndWait(connection))
        return 1;
    if (stage == u"dispatch") {
        dispatchGets(connection, count, 256);
        return 0;
    }
    // No flush within the run: a flush is a cost per second, not per call, and under callgrind's slowness a run of
    // 20,000 calls spans several seconds (it would count ~30 times what it costs at full speed).
    cache::StatsRecorder::Options noFlush;
    noFlush.flushInterval = std::chrono::hours(1);
    cache::StatsRecorder recorder(&connection, noFlush);
    cache::CacheManager manager(&connection, {});
    if (stage == u"manager+stats")
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
    if (args.contains(u"--child"_s)) {
        const qsizetype stage = args.indexOf(u"--stage"_s);
        return runChild(quint16(option(u"--child"_s, 0)), stage > 0 ? args.value(stage + 1) : u"manager"_s,
            option(u"--count"_s, 0));
    }

    testing::RedisServer server;
    if (!server.start())
        qFatal("cannot start redis-server: %s", qPrintable(server.errorString()));
    redis::Connection connection(server.connectionOptions());
    if (!testing::openAndWait(connection))
        qFatal("cannot connect");
    cache::CacheManager plain(&connection, {});
    const QByteArray value(300, 'x'); // the size of a typical cached API response fragment
    populate(plain, connection, value);
    testing::runCommand(connection, {"SET", "key:__rand_int__", value}); // what redis-benchmark GETs

    out << "CacheScope cache manager benchmark: " << requests << " cached getOrSet calls, " << concurrency
        << " in flight, " << rounds << " rounds; machine: " << QSysInfo::prettyProductName() << ", "
        << QThread::idealThreadCount() << " cores\n\n";
    out.flush();

    // 1. Throughput against redis-benchmark.
    // The connection alone (the same GETs, no cache manager) bounds what getOrSet can reach.
    std::vector<double> ours;
    std::vector<double> connectionAlone;
    std::vector<double> baseline;
    for (int round = 0; round < rounds; ++round) {
        ours.push_back(getOrSetThroughput(plain, requests, concurrency));
        QElapsedTimer clock;
        clock.start();
        dispatchGets(connection, requests, concurrency);
        connectionAlone.push_back(double(requests) / (double(clock.nsecsElapsed()) / 1e9));
        baseline.push_back(redisBenchmarkGet(server, requests, 50));
    }
    const double oursPerSecond = median(ours);
    const double baselinePerSecond = median(baseline);
    out << "1. getOrSet hit throughput (median of " << rounds << ")\n";
    out << "   CacheScope getOrSet, 1 connection:        " << qint64(oursPerSecond) << " calls/s\n";
    out << "   the connection alone, the same GETs:      " << qint64(median(connectionAlone)) << " commands/s ("
        << QString::number(median(connectionAlone) / baselinePerSecond, 'f', 2) << ")\n";
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

    // The recording itself, as a cached getOrSet does it for each answer (CacheManager::recordAnswer: the key's
    // labels, one count), timed in a tight loop with a recorder that writes nowhere.
    cache::StatsRecorder offline(nullptr, {});
    cache::CacheManager counting(nullptr, {});
    counting.setStatsRecorder(&offline);
    const cache::StatsLabels none;
    const std::vector<QByteArray>& all = keys();
    const int calls = smoke ? 200000 : 5000000;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < calls; ++i)
        counting.recordAnswer(all[std::size_t(i % keyCount)], none, cache::StatsEvent::Hit);
    const double recordNs = double(clock.nsecsElapsed()) / calls;
    const double getOrSetNs = 1e9 / median(without);
    out << "2. stats recording cost\n";
    out << "   labels + record() per call:               " << QString::number(recordNs, 'f', 1) << " ns\n";
    out << "   one cached getOrSet (at full throughput):  " << QString::number(getOrSetNs, 'f', 1) << " ns\n";
    out << "   ratio record/getOrSet: " << QString::number(100.0 * recordNs / getOrSetNs, 'f', 2) << "% (goal < 2%)\n";
    out << "   end-to-end A/B (median throughput without / with - 1): " << QString::number(100.0 * endToEnd, 'f', 2)
        << "% (wall clock: noisy on a shared machine)\n";
    out.flush();

    // 3. Instructions do not depend on what else the machine is doing: count them with callgrind for N operations
    // of each stage, minus a run of the same child with none (start-up and connection).
    if (!smoke && !QStandardPaths::findExecutable(u"valgrind"_s).isEmpty()) {
        const int n = 20000;
        const QString port = QString::number(server.port());
        auto perOperation = [&](const QString& stage) -> std::optional<double> {
            const QStringList child {u"--child"_s, port, u"--stage"_s, stage, u"--count"_s};
            const auto idle = instructionsOf(child + QStringList {u"0"_s});
            const auto busy = instructionsOf(child + QStringList {QString::number(n)});
            return idle && busy ? std::optional<double>(double(*busy - *idle) / n) : std::nullopt;
        };
        out << "\n3. instructions per operation, by stage (callgrind, " << n << " operations)\n";
        std::map<QString, double> cost;
        for (const QString& stage : {u"encode"_s, u"parse"_s, u"dispatch"_s, u"stats"_s, u"gateway-count"_s,
                 u"gateway-stats"_s, u"manager"_s, u"manager+stats"_s}) {
            const auto measured = perOperation(stage);
            out << "   " << stage.leftJustified(14) << (measured ? QString::number(qint64(*measured)) : u"failed"_s)
                << '\n';
            out.flush();
            if (measured)
                cost[stage] = *measured;
        }
        // "manager" and "manager+stats" are whole runs, whose batching of replies varies with timing (±40
        // instructions a call from run to run): the stats' share is taken from their own stage, which is exact.
        if (cost.size() == 8) {
            out << "   cached getOrSet: " << qint64(cost[u"manager"_s]) << " instructions without stats, "
                << qint64(cost[u"manager+stats"_s]) << " with (goal <= 4000); stats " << qint64(cost[u"stats"_s])
                << " = " << QString::number(100.0 * cost[u"stats"_s] / cost[u"manager"_s], 'f', 2)
                << "% of it (goal < 2%)\n";
            out << "   a gateway's request: route labels and the count " << qint64(cost[u"gateway-count"_s])
                << "; with the remaining-life bin and the half-TTL shadow " << qint64(cost[u"gateway-stats"_s]) << " (+"
                << QString::number(
                       100.0 * (cost[u"gateway-stats"_s] - cost[u"gateway-count"_s]) / cost[u"manager"_s], 'f', 2)
                << "% of a cached getOrSet)\n";
        }
    }
    return 0;
}
