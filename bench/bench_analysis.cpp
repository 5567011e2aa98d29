// The keyspace analysis against baselines run in the same process on the same server:
//  1. an exact analysis (every key's MEMORY USAGE and PTTL) against a bare hiredis loop doing the same reads
//     (SCAN COUNT 1000, then the page's MEMORY USAGE and PTTL pipelined) and against one doing MEMORY USAGE alone,
//     with the worst PING another client sees meanwhile and the longest event-loop stall;
//  2. a sampled analysis (one key in 100): its time, and how far its byte figures fall from the exact ones
//     measured against the error they state;
//  3. the first estimate: how soon the first projected figures come, and whether every route, tenant and namespace
//     count lies within its stated error of the exact count; the process's RSS at the end.
// The keyspace is bench_keyspace's: 70 % gateway responses (4 routes, 5 tenants, 500 venues), 30 % service keys.
// Usage: bench_analysis [--keys N] [--smoke] [--max-batch N (the analysis's, default 250)] [--detail (each group's
// first estimate)]

#include "analysis/keyspaceanalysis.h"
#include "benchsupport.h"
#include "redis/connection.h"
#include "synccommand.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QTextStream>

#include <hiredis/hiredis.h>

#include <cmath>

using namespace cachescope;
using namespace cachescope::bench;
using namespace Qt::StringLiterals;

namespace {

struct Run
{
    analysis::AnalysisReport report;
    double seconds = 0;
    double stallMs = 0;
    Latency ping;
    double firstEstimateSeconds = -1;
    analysis::AnalysisReport firstEstimate;
};

// Runs one analysis on this thread's event loop; keeps the first estimate after `estimateAfterMs`.
Run analyse(const Target& target, analysis::KeyspaceAnalysis::Options options, qint64 estimateAfterMs = -1)
{
    Run run;
    LatencyProbes probes(target);
    analysis::KeyspaceAnalysis job(target.client, std::move(options));
    QEventLoop loop;
    QElapsedTimer clock;
    QObject::connect(&job, &analysis::KeyspaceAnalysis::finished, &loop, &QEventLoop::quit);
    QObject::connect(&job, &analysis::KeyspaceAnalysis::progressed, &loop, [&] {
        if (estimateAfterMs >= 0 && run.firstEstimateSeconds < 0 && job.isRunning()
            && clock.elapsed() >= estimateAfterMs && job.report().scannedFraction() > 0) {
            run.firstEstimateSeconds = seconds(clock);
            run.firstEstimate = job.report();
        }
    });
    StallProbe stall;
    clock.start();
    job.start();
    loop.exec();
    run.seconds = seconds(clock);
    run.stallMs = stall.worstMs();
    run.ping = probes.stop();
    run.report = job.report();
    return run;
}

// The bare loop: SCAN a page, then pipeline the commands `perKey` makes of each key, read every reply.
double bareLoop(quint16 port, const QList<const char*>& perKey, qint64* measured)
{
    QElapsedTimer clock;
    clock.start();
    redisContext* context = redisConnect("127.0.0.1", port);
    QByteArray cursor = "0";
    *measured = 0;
    do {
        auto* page = static_cast<redisReply*>(
            redisCommand(context, "SCAN %b COUNT 1000", cursor.constData(), size_t(cursor.size())));
        cursor = QByteArray(page->element[0]->str, qsizetype(page->element[0]->len));
        const redisReply* keys = page->element[1];
        for (size_t i = 0; i < keys->elements; ++i) {
            for (const char* command : perKey)
                redisAppendCommand(context, command, keys->element[i]->str, keys->element[i]->len);
        }
        for (size_t i = 0; i < keys->elements * size_t(perKey.size()); ++i) {
            void* reply = nullptr;
            redisGetReply(context, &reply);
            freeReplyObject(reply);
        }
        *measured += qint64(keys->elements);
        freeReplyObject(page);
    } while (cursor != "0");
    redisFree(context);
    return seconds(clock);
}

QString figure(double value, int decimals = 2)
{
    return QString::number(value, 'f', decimals);
}

} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const qint64 keys = keyCountArgument(args);
    QTextStream out(stdout);

    testing::RedisServer server(benchServerConfig());
    if (!server.start())
        qFatal("redis-server: %s", qPrintable(server.errorString()));
    redis::ConnectionOptions options = server.connectionOptions();
    options.commandTimeout = std::chrono::milliseconds(60000);
    redis::Connection connection(options);
    if (!testing::openAndWait(connection))
        qFatal("cannot connect");
    const Target target {u"One server"_s, {&server}, &connection};
    QElapsedTimer clock;
    clock.start();
    if (!populate(target, keys))
        qFatal("redis-cli --pipe failed");
    const qint64 total = target.dbsize();
    out << "CacheScope analysis benchmark: " << total << " keys (" << keys << " + " << (total - keys)
        << " venue indexes), loaded in " << figure(seconds(clock), 1) << " s\n\n"
        << Qt::flush;

    // 1. Exact.
    analysis::KeyspaceAnalysis::Options exactOptions;
    if (const qsizetype at = args.indexOf(u"--max-batch"_s); at >= 0 && at + 1 < args.size())
        exactOptions.maxBatch = args.at(at + 1).toInt();
    const Run exact = analyse(target, exactOptions, 1000);
    analysis::KeyspaceAnalysis::Options memoryOnlyOptions = exactOptions;
    memoryOnlyOptions.measureTtl = false;
    const Run withoutTtls = analyse(target, memoryOnlyOptions);
    qint64 bareKeys = 0;
    const double bare = bareLoop(server.port(), {"MEMORY USAGE %b", "PTTL %b"}, &bareKeys);
    qint64 memoryOnlyKeys = 0;
    LatencyProbes bareProbes(target);
    const double memoryOnly = bareLoop(server.port(), {"MEMORY USAGE %b"}, &memoryOnlyKeys);
    const Latency barePing = bareProbes.stop();
    out << "1. Exact analysis, every key measured (" << exact.report.total.measured << " of " << exact.report.total.keys
        << " keys" << (exact.report.complete ? "" : ", NOT COMPLETE: ") << exact.report.error << ")\n"
        << "   CacheScope (SCAN + MEMORY USAGE + PTTL, paced): " << figure(exact.seconds) << " s\n"
        << "   hiredis loop, SCAN + MEMORY USAGE + PTTL:       " << figure(bare) << " s (" << bareKeys
        << " keys) -> ratio " << figure(bare / exact.seconds) << " (goal >= 0.8)\n"
        << "   hiredis loop, SCAN + MEMORY USAGE only:         " << figure(memoryOnly) << " s -> ratio "
        << figure(memoryOnly / exact.seconds) << " (no TTLs: the issue's baseline, doing less); worst PING "
        << barePing.text() << "\n"
        << "   CacheScope without TTLs (--no-ttl):             " << figure(withoutTtls.seconds) << " s -> ratio "
        << figure(memoryOnly / withoutTtls.seconds) << " against the MEMORY USAGE loop (goal >= 0.8); worst PING "
        << withoutTtls.ping.text() << "\n"
        << "   worst PING seen by another client: " << exact.ping.text() << " (goal < 10)\n"
        << "   longest event-loop stall: " << figure(exact.stallMs, 1) << " ms (goal < 50)\n\n"
        << Qt::flush;

    // 2. Sampled: the byte figures against the exact ones, in units of their stated 95 % error.
    analysis::KeyspaceAnalysis::Options sampledOptions;
    sampledOptions.sampleEvery = 100;
    const Run sampled = analyse(target, sampledOptions);
    int groups = 0;
    int within = 0;
    double worstRatio = 0;
    double worstRelativeError = 0;
    for (analysis::Dimension dimension :
        {analysis::Dimension::Route, analysis::Dimension::Tenant, analysis::Dimension::Namespace}) {
        for (auto it = exact.report.by(dimension).cbegin(); it != exact.report.by(dimension).cend(); ++it) {
            const analysis::Estimate estimate =
                sampled.report.bytesEstimate(sampled.report.by(dimension).value(it.key()));
            if (!estimate.error || *estimate.error <= 0)
                continue;
            ++groups;
            const double miss = std::abs(estimate.value - double(it->bytes));
            within += miss <= *estimate.error ? 1 : 0;
            worstRatio = std::max(worstRatio, miss / *estimate.error);
            worstRelativeError = std::max(worstRelativeError, *estimate.error / double(it->bytes));
        }
    }
    out << "2. Sampled analysis, one key in 100 (" << sampled.report.total.measured << " measured)\n"
        << "   " << figure(sampled.seconds) << " s -> " << figure(exact.seconds / sampled.seconds, 1)
        << "x faster than the exact one\n"
        << "   byte figures of " << groups << " groups: " << within << " within their stated 95 % error; the worst "
        << figure(worstRatio) << "x its error; stated errors at most " << figure(100 * worstRelativeError, 1)
        << " % of the value\n\n"
        << Qt::flush;

    // 3. The first estimate, from the part of the scan done after about a second.
    int estimated = 0;
    int estimateWithin = 0;
    double estimateWorst = 0;
    if (exact.firstEstimateSeconds >= 0) {
        for (analysis::Dimension dimension :
            {analysis::Dimension::Route, analysis::Dimension::Tenant, analysis::Dimension::Namespace}) {
            for (auto it = exact.report.by(dimension).cbegin(); it != exact.report.by(dimension).cend(); ++it) {
                const analysis::Estimate estimate =
                    exact.firstEstimate.keysEstimate(exact.firstEstimate.by(dimension).value(it.key()));
                ++estimated;
                const double miss = std::abs(estimate.value - double(it->keys));
                const bool ok = estimate.error && miss <= *estimate.error;
                if (args.contains(u"--detail"_s))
                    out << "     " << it.key() << ": " << it->keys << " estimated " << estimate.value << " ± "
                        << estimate.error.value_or(-1) << " (seen "
                        << exact.firstEstimate.by(dimension).value(it.key()).keys << ")\n";
                estimateWithin += ok ? 1 : 0;
                if (estimate.error && *estimate.error > 0)
                    estimateWorst = std::max(estimateWorst, miss / *estimate.error);
            }
        }
        out << "3. First estimate at " << figure(exact.firstEstimateSeconds) << " s (goal <= 1.5), from "
            << figure(100 * exact.firstEstimate.scannedFraction(), 1) << " % of the keyspace: " << estimateWithin
            << " of " << estimated << " route, tenant and namespace counts within their stated 95 % error of the "
            << "exact count (worst " << figure(estimateWorst) << "x its error)\n";
    } else {
        out << "3. First estimate: the analysis ended before one second\n";
    }
    out << "   RSS at the end: " << figure(double(residentBytes()) / (1 << 20), 0) << " MiB\n" << Qt::flush;
    return 0;
}
