// cachesim: a busy ticketing gateway in one process, against a real Redis. It is the load for benchmarks
// and the live traffic of the dashboard's demo.

#include "cliconnection.h"
#include "cliresult.h"
#include "gatewaysimulator.h"

#include "cache/statsrecorder.h"
#include "model/displaybytes.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/connection.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTextStream>

#include <atomic>
#include <csignal>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
std::atomic<bool> interrupted {false};

void onSignal(int)
{
    interrupted = true;
}

QString percent(qint64 part, qint64 whole)
{
    return whole > 0 ? QString::number(100.0 * double(part) / double(whole), 'f', 1) + u'%' : u"-"_s;
}

// What the run sent to the server as keyspace lookups (every node), and whether its stats all landed: the figures a
// dashboard's charted hits and misses, and the stored stats, are checked against.
struct RunTotals
{
    redis::LookupCount keyReads;
    cache::StatsRecorder::FlushResult statsFlush;
    qint64 failedStores = 0; // entry writes the server refused or left unanswered
    QString firstStoreError;
};

void printReport(QTextStream& out, const QMap<QString, sim::GatewaySimulator::RouteCounts>& counts, bool json,
    double seconds, const RunTotals& totals)
{
    sim::GatewaySimulator::RouteCounts total;
    QJsonArray routes;
    if (!json)
        out << "route                              requests     hits   misses  bypass  stale  errors  hit rate  avg "
               "load\n";
    for (auto it = counts.cbegin(); it != counts.cend(); ++it) {
        const auto& c = it.value();
        total.requests += c.requests;
        total.hits += c.hits;
        total.misses += c.misses;
        total.bypassed += c.bypassed;
        total.stale += c.stale;
        total.errors += c.errors;
        total.loads += c.loads;
        total.loadMsTotal += c.loadMsTotal;
        const qint64 lookups = c.hits + c.misses;
        if (json) {
            routes.append(QJsonObject {{u"route"_s, it.key()}, {u"requests"_s, c.requests}, {u"hits"_s, c.hits},
                {u"misses"_s, c.misses}, {u"bypassed"_s, c.bypassed}, {u"stale"_s, c.stale}, {u"errors"_s, c.errors},
                {u"hitRate"_s, lookups > 0 ? QJsonValue(double(c.hits) / double(lookups)) : QJsonValue()}});
            continue;
        }
        out << it.key().leftJustified(33) << QString::number(c.requests).rightJustified(10)
            << QString::number(c.hits).rightJustified(9) << QString::number(c.misses).rightJustified(9)
            << QString::number(c.bypassed).rightJustified(8) << QString::number(c.stale).rightJustified(7)
            << QString::number(c.errors).rightJustified(8) << percent(c.hits, lookups).rightJustified(10)
            << (c.loads ? QString::number(c.loadMsTotal / c.loads) + u" ms"_s : u"-"_s).rightJustified(10) << '\n';
    }
    const qint64 lookups = total.hits + total.misses;
    if (json) {
        out << QJsonDocument(
            QJsonObject {{u"seconds"_s, seconds}, {u"requests"_s, total.requests},
                {u"hitRate"_s, lookups > 0 ? QJsonValue(double(total.hits) / double(lookups)) : QJsonValue()},
                {u"keyReads"_s, QJsonObject {{u"hits"_s, totals.keyReads.hits}, {u"misses"_s, totals.keyReads.misses}}},
                {u"statsUnconfirmedWrites"_s, totals.statsFlush.unconfirmed},
                {u"statsRefusedWrites"_s, totals.statsFlush.refused}, {u"failedStores"_s, totals.failedStores},
                {u"firstError"_s,
                    totals.firstStoreError.isEmpty() ? totals.statsFlush.firstError : totals.firstStoreError},
                {u"routes"_s, routes}})
                   .toJson(QJsonDocument::Indented);
        return;
    }
    out << u"all"_s.leftJustified(33) << QString::number(total.requests).rightJustified(10)
        << QString::number(total.hits).rightJustified(9) << QString::number(total.misses).rightJustified(9)
        << QString::number(total.bypassed).rightJustified(8) << QString::number(total.stale).rightJustified(7)
        << QString::number(total.errors).rightJustified(8) << percent(total.hits, lookups).rightJustified(10) << '\n';
    out << total.requests << " requests in " << QString::number(seconds, 'f', 1)
        << " s; key reads sent: " << totals.keyReads.hits << " hits, " << totals.keyReads.misses << " misses\n";
    // Refused writes are known not to be stored; unanswered ones may or may not be.
    if (totals.failedStores > 0)
        out << "cache: " << totals.failedStores
            << " entry writes failed (first: " << model::displayText(totals.firstStoreError)
            << "): those requests were answered, not cached\n";
    const int statsRefused = totals.statsFlush.refused;
    const int statsUnanswered = totals.statsFlush.unconfirmed - statsRefused;
    if (statsRefused > 0)
        out << "stats: " << statsRefused << " of " << totals.statsFlush.sent
            << " writes refused by the server (first: " << model::displayText(totals.statsFlush.firstError)
            << "): the stored figures are short\n";
    if (statsUnanswered > 0)
        out << "stats: " << statsUnanswered << " writes unanswered, the stored figures may be short\n";
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cachesim"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CACHESCOPE_VERSION));
    QTextStream out(stdout);
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(
        u"Simulates a busy ticketing gateway against Redis: Zipf-distributed routes, venues, users and search "
        u"terms through the gateway's response cache, with database-like loaders. Prints the hit rate per route."_s);
    parser.addOption({u"help"_s, u"Show this help."_s});
    parser.addVersionOption();
    cli::addConnectionOptions(parser);
    parser.addOptions({
        {u"rate"_s, u"Requests per second (default 500)."_s, u"n"_s},
        {u"duration"_s, u"Seconds to run; 0 runs until interrupted (default 10)."_s, u"s"_s},
        {u"seed"_s, u"Random seed (default 1)."_s, u"n"_s},
        {u"tenants"_s, u"Number of tenants (default 5)."_s, u"n"_s},
        {u"venues"_s, u"Number of venues (default 500)."_s, u"n"_s},
        {u"users"_s, u"Number of users (default 1000)."_s, u"n"_s},
        {u"db-latency"_s, u"Mean loader latency in ms (default 20)."_s, u"ms"_s},
        {u"fail-rate"_s, u"Fraction of loads that fail, 0 to 1 (default 0)."_s, u"f"_s},
        {u"grace"_s, u"Seconds a stale value is served when its reload fails (default 60)."_s, u"s"_s},
        {u"plain"_s,
            u"Namespaces written plain, for services that JSON.parse what they GET (comma-separated, e.g. "
            "gateway,events; docs/wire-format.md)."_s,
            u"ns,…"_s},
        {u"degrade-search"_s,
            u"Every search asks for a term never asked before: its hit rate collapses (to try alerts)."_s},
        {u"json"_s, u"Print the report as JSON."_s},
    });
    if (!parser.parse(QCoreApplication::arguments())) {
        err << "cachesim: " << parser.errorText() << '\n';
        return cli::ExitUsage;
    }
    if (parser.isSet(u"help"_s)) {
        out << parser.helpText();
        return cli::ExitOk;
    }
    if (parser.isSet(u"version"_s))
        parser.showVersion(); // exits
    const cli::ConnectionArguments connectionArguments = cli::connectionFromArguments(parser);
    if (!connectionArguments.error.isEmpty()) {
        err << "cachesim: " << connectionArguments.error << '\n';
        return cli::ExitUsage;
    }
    sim::GatewaySimulator::Options options;
    bool ok = true;
    auto number = [&](const QString& name, int fallback, int minimum) {
        return cli::intOption(parser, name, fallback, minimum, err, u"cachesim"_s, &ok);
    };
    options.requestsPerSecond = number(u"rate"_s, options.requestsPerSecond, 1);
    options.durationSeconds = number(u"duration"_s, options.durationSeconds, 0);
    options.seed = quint64(number(u"seed"_s, 1, 0));
    options.tenants = number(u"tenants"_s, options.tenants, 1);
    options.venues = number(u"venues"_s, options.venues, 1);
    options.users = number(u"users"_s, options.users, 1);
    options.databaseLatencyMs = number(u"db-latency"_s, options.databaseLatencyMs, 0);
    const int grace = number(u"grace"_s, 60, 0);
    options.degradeSearch = parser.isSet(u"degrade-search"_s);
    if (parser.isSet(u"fail-rate"_s)) {
        options.loaderFailureRate = parser.value(u"fail-rate"_s).toDouble(&ok);
        if (!ok || options.loaderFailureRate < 0 || options.loaderFailureRate > 1) {
            err << "cachesim: --fail-rate needs a number from 0 to 1\n";
            ok = false;
        }
    }
    if (!ok)
        return cli::ExitUsage;

    redis::ConnectionOptions connectionOptions = connectionArguments.options;
    connectionOptions.clientName = u"cachesim"_s;
    connectionOptions.noTouch = false; // a gateway's reads are what LRU/LFU must see
    connectionOptions.autoReconnect = true; // a long demo run rides out a server restart
    connectionOptions.retryInitialConnect = true; // and may start before its server accepts connections
    const std::unique_ptr<redis::Client> client = redis::Client::create(connectionOptions);
    redis::Client& connection = *client;
    // Published messages reach every node of a cluster, so the seed node serves as the subscriber's.
    auto* subscriber = new redis::Connection(connectionOptions);

    cache::CacheManager::Options managerOptions;
    managerOptions.grace = std::chrono::seconds(grace);
    for (const QString& ns : parser.value(u"plain"_s).split(u',', Qt::SkipEmptyParts))
        managerOptions.plainNamespaces.append(ns.trimmed().toUtf8());
    cache::CacheManager manager(&connection, managerOptions);
    cache::StatsRecorder stats(&connection, {});
    manager.setStatsRecorder(&stats);
    cache::ResponseCachePolicy policy;
    // Route TTLs come from the live configuration, so an edit in the dashboard changes the traffic at once.
    ops::RouteConfigWatcher watcher(&connection, std::unique_ptr<redis::Connection>(subscriber));
    QObject::connect(&watcher, &ops::RouteConfigWatcher::configChanged, &app,
        [&policy, &err](const ops::RouteConfigSnapshot& snapshot) {
            policy.setConfig(snapshot.config);
            err << "cachesim: route configuration version " << snapshot.version << " in use\n";
            err.flush();
        });
    // A stored configuration that cannot be used is said: the traffic runs on the last one in use (or the defaults).
    QObject::connect(&watcher, &ops::RouteConfigWatcher::loadFailed, &app, [&err](const QString& error) {
        err << "cachesim: the route configuration could not be used, the previous one stays in use: "
            << model::displayText(error) << '\n';
        err.flush();
    });
    sim::GatewaySimulator simulator(&manager, &policy, options);
    QElapsedTimer clock;
    QObject::connect(&simulator, &sim::GatewaySimulator::finished, &app, [&] {
        const double seconds = double(clock.elapsed()) / 1000.0;
        // The last interval is written, and answered, before the report: what is stored equals what was counted.
        // The watcher stops first: a configuration poll (a key read) sent after the flush would be counted by the
        // server but answered after the report (1 miss short in 1 run of 5).
        watcher.stop();
        stats.flush([&, seconds](const cache::StatsRecorder::FlushResult&) {
            RunTotals totals;
            for (const redis::Connection* node : connection.nodes())
                totals.keyReads += node->ownLookups().current();
            totals.statsFlush = stats.flushTotals(); // the timer's flushes too: a refusal there is the run's
            totals.failedStores = manager.failedStores();
            totals.firstStoreError = manager.firstStoreError();
            printReport(out, simulator.counts(), parser.isSet(u"json"_s), seconds, totals);
            out.flush();
            QCoreApplication::exit(cli::ExitOk);
        });
    });

    bool started = false;
    QObject::connect(&connection, &redis::Client::ready, &app, [&] {
        if (started)
            return;
        started = true;
        clock.start();
        watcher.start();
        simulator.start();
    });
    bool waitingSaid = false;
    QObject::connect(&connection, &redis::Client::errorOccurred, &app,
        [&started, &err, &connection, &waitingSaid](redis::ErrorKind, const QString& message) {
            // A server that is still starting is waited for (with backoff); only a connection that gave up — wrong
            // password, TLS refused — ends the run before it started.
            const bool gaveUp = connection.state() == redis::Client::State::Disconnected;
            if (started || gaveUp || !waitingSaid) {
                err << "cachesim: " << message << (started || gaveUp ? "" : " (waiting for the server)") << '\n';
                err.flush();
            }
            waitingSaid = waitingSaid || !started;
            if (!started && gaveUp)
                QCoreApplication::exit(cli::ExitFailure);
        });
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    QTimer interruptCheck;
    QObject::connect(&interruptCheck, &QTimer::timeout, &app, [&] {
        if (interrupted.exchange(false))
            simulator.stop();
    });
    interruptCheck.start(100);
    connection.open();
    return app.exec();
}
