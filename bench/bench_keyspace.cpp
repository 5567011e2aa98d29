// Keyspace-scale benchmarks, each against baselines run in the same process on the same servers:
//  1. a full scan into the dashboard's key model (with its filter/sort proxy) against `redis-cli --scan` and
//     against a bare hiredis SCAN COUNT 1000 loop; plus memory per key and the longest event-loop stall;
//  2. invalidating gateway:response:GET:/api/events* (~17.5 % of keys) against
//     `redis-cli --scan --pattern … | xargs redis-cli unlink` and a server-side Lua SCAN+UNLINK, with the worst
//     PING latency another client sees during each;
//  3. invalidating one venue (~0.14 % of keys), and one small tenant, by its tag index against SCAN MATCH;
//  4. the same three on a 3-master Redis Cluster (keys placed on the master serving their slot; the baselines
//     walk every master in turn, as an engineer with redis-cli would, and the bare scan loop also runs with a
//     thread per master, side by side as ours walks them).
// The keyspace is shaped like the design's: 70 % gateway responses over 4 routes x 500 venues, 30 % service
// keys, 300-byte values, loaded with `redis-cli --pipe`.
//  5. on one server, the tree in aggregate mode (the browser above its threshold): the fill against the bare loop,
//     memory, the first estimate's accuracy, and a filter run on the server against a bare SCAN MATCH loop.
// Usage: bench_keyspace [--keys N] [--smoke] [--no-cluster] [--only-cluster] [--only-tree]
//   --only-tree: one server, section 5 alone (for 10,000,000 keys and more)

#include "benchsupport.h"
#include "cache/cachemanager.h"
#include "itemmodels/keyfilterproxymodel.h"
#include "itemmodels/keytreemodel.h"
#include "model/reservedkeys.h"
#include "ops/invalidation/keyspaceinvalidation.h"
#include "redis/backgroundscan.h"
#include "redis/clusterclient.h"
#include "redis/connection.h"
#include "redis/keyslot.h"
#include "redisserver.h"
#include "synccommand.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QFile>
#include <QProcess>
#include <QTextStream>
#include <QThread>
#include <QTimer>

#include <hiredis/hiredis.h>
#include <malloc.h>

#include <algorithm>
#include <atomic>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
using namespace cachescope::bench;

// The bare hiredis loop: SCAN [MATCH pattern] COUNT 1000 to the end; the keys it saw.
qint64 bareScanLoop(quint16 port, const QByteArray& match)
{
    qint64 seen = 0;
    redisContext* context = redisConnect("127.0.0.1", port);
    QByteArray cursor = "0";
    do {
        auto* reply = static_cast<redisReply*>(match.isEmpty()
                ? redisCommand(context, "SCAN %b COUNT 1000", cursor.constData(), size_t(cursor.size()))
                : redisCommand(context, "SCAN %b MATCH %b COUNT 1000", cursor.constData(), size_t(cursor.size()),
                    match.constData(), size_t(match.size())));
        cursor = QByteArray(reply->element[0]->str, qsizetype(reply->element[0]->len));
        seen += qint64(reply->element[1]->elements);
        freeReplyObject(reply);
    } while (cursor != "0");
    redisFree(context);
    return seen;
}

qint64 residentBytes()
{
    QFile status(u"/proc/self/status"_s);
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray& line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong() * 1024;
    }
    return -1;
}

// A 5 ms timer on the event loop; the longest gap between its ticks is the longest the loop was busy.
struct StallProbe
{
    QTimer timer;
    QElapsedTimer sinceTick;
    qint64 worstNs = 0;
    StallProbe()
    {
        QObject::connect(&timer, &QTimer::timeout, [this] {
            worstNs = std::max(worstNs, sinceTick.nsecsElapsed());
            sinceTick.restart();
        });
        timer.start(5);
        sinceTick.start();
    }
    double worstMs() const
    {
        return double(worstNs) / 1e6;
    }
};

// The browser above its aggregate threshold (KeyBrowser): counts for every group with a sample of 100 keys listed
// per group, counts projected onto DBSIZE while the scan runs; then a filter, run on the server with SCAN MATCH
// into a tree of its own. One server only (the projection's base is one DBSIZE).
void benchAggregateTree(const Target& target, QTextStream& out)
{
    const qint64 whole = target.dbsize();
    const qint64 heapBefore = heapInUse();
    auto model = std::make_unique<ui::KeyTreeModel>();
    model->setListedKeysPerGroup(100);
    model->setProjection(whole);
    redis::BackgroundScan scan(*target.client, {{}, 1000, {}});
    struct Projected
    {
        QModelIndex index;
        double value;
        double error;
        int depth;
    };
    std::vector<Projected> firstEstimate;
    double firstAt = 0;
    qint64 seenAtFirst = 0;
    qint64 inModelNs = 0;
    QElapsedTimer clock;
    const auto groups = [&model](auto&& self, const QModelIndex& parent, int depth, auto&& visit) -> void {
        for (int row = 0; row < model->rowCount(parent); ++row) {
            const QModelIndex index = model->index(row, 0, parent);
            if (ui::KeyTreeModel::isKey(index))
                break; // groups come first
            visit(index, depth);
            self(self, index, depth + 1, visit);
        }
    };
    QObject::connect(&scan, &redis::BackgroundScan::page, model.get(), [&](const QList<QByteArray>& page) {
        QElapsedTimer inModel;
        inModel.start();
        model->addKeys(page, 20);
        inModelNs += inModel.nsecsElapsed();
        if (firstEstimate.empty() && clock.elapsed() >= 1000) {
            // What the tree shows a second in: every group's projected count and its stated error.
            firstAt = seconds(clock);
            seenAtFirst = model->totalKeys();
            groups(groups, {}, 0, [&](const QModelIndex& index, int depth) {
                const QModelIndex count = index.siblingAtColumn(ui::KeyTreeModel::CountColumn);
                // A group's index stays valid: groups are only appended, before the keys.
                firstEstimate.push_back({index, count.data(ui::KeyTreeModel::CountEstimateRole).toDouble(),
                    count.data(ui::KeyTreeModel::CountErrorRole).toDouble(), depth});
            });
        }
    });
    QEventLoop loop;
    QObject::connect(&scan, &redis::BackgroundScan::finished, &loop, &QEventLoop::quit);
    QObject::connect(&scan, &redis::BackgroundScan::failed, &loop, &QEventLoop::quit);
    std::optional<StallProbe> probe(std::in_place);
    clock.start();
    scan.start();
    loop.exec();
    model->setProjection(std::nullopt);
    const double ours = seconds(clock);
    const double fillStall = probe->worstMs();
    const qint64 heapAfter = heapInUse();
    qint64 groupCount = 0;
    qint64 listed = 0;
    groups(groups, {}, 0, [&](const QModelIndex& index, int) {
        ++groupCount;
        listed += index.data(ui::KeyTreeModel::ListedKeysRole).toLongLong();
    });
    // Every group's first estimate against its exact count at the end; the overview is the top two levels
    // (categories; tenants and service namespaces).
    int within = 0;
    int overview = 0;
    int overviewWithin = 0;
    double worst = 0;
    for (const Projected& first : firstEstimate) {
        const double exact = double(first.index.data(ui::KeyTreeModel::CountRole).toLongLong());
        const bool ok = std::abs(first.value - exact) <= first.error;
        within += ok;
        if (first.error > 0)
            worst = std::max(worst, std::abs(first.value - exact) / first.error);
        if (first.depth <= 1) {
            ++overview;
            overviewWithin += ok;
        }
    }
    clock.restart();
    bareScanLoop(target.masters.front()->port(), {});
    const double bare = seconds(clock);

    // A filter in aggregate mode: SCAN MATCH on the server into a tree of its own, as the browser runs it.
    const QByteArray glob = "*:venue:v12";
    auto matches = std::make_unique<ui::KeyTreeModel>();
    matches->setListedKeysPerGroup(100);
    redis::BackgroundScan filter(*target.client, {glob, 1000, {}});
    QObject::connect(&filter, &redis::BackgroundScan::page, matches.get(),
        [&](const QList<QByteArray>& page) { matches->addKeys(page, 20); });
    QObject::connect(&filter, &redis::BackgroundScan::finished, &loop, &QEventLoop::quit);
    QObject::connect(&filter, &redis::BackgroundScan::failed, &loop, &QEventLoop::quit);
    probe.emplace();
    clock.restart();
    filter.start();
    loop.exec();
    const double filtered = seconds(clock);
    const double filterStall = probe->worstMs();
    probe.reset();
    clock.restart();
    const qint64 bareMatches = bareScanLoop(target.masters.front()->port(), glob);
    const double bareFilter = seconds(clock);

    out << "5. The tree in aggregate mode (the browser above its threshold: every key counted, 100 listed per group), "
        << model->totalKeys() << " keys\n"
        << "   CacheScope:                      " << QString::number(ours, 'f', 2) << " s\n"
        << "   hiredis SCAN COUNT 1000 loop:    " << QString::number(bare, 'f', 2) << " s -> ratio "
        << QString::number(bare / ours, 'f', 2) << " (goal >= 0.9)\n"
        << "   time in the model: " << QString::number(double(inModelNs) / 1e9, 'f', 2) << " s\n"
        << "   longest event-loop stall while filling: " << QString::number(fillStall, 'f', 1) << " ms (goal < 50)\n"
        << "   memory: " << groupCount << " groups, " << listed << " keys listed; heap "
        << QString::number(double(heapAfter - heapBefore) / 1048576.0, 'f', 0) << " MiB, process RSS "
        << QString::number(double(residentBytes()) / 1048576.0, 'f', 0) << " MiB (goal <= 1.5 GB)\n"
        << "   first estimate at " << QString::number(firstAt, 'f', 2) << " s (goal <= 1.5), from "
        << QString::number(100.0 * double(seenAtFirst) / double(whole), 'f', 1) << " % of the keyspace: overview "
        << overviewWithin << " of " << overview << " groups within their stated 95 % error of the exact count; all "
        << within << " of " << firstEstimate.size() << " groups (worst " << QString::number(worst, 'f', 2)
        << "x its error)\n"
        << "   filter " << glob << " on the server (SCAN MATCH): " << QString::number(filtered, 'f', 2) << " s, "
        << matches->totalKeys() << " keys; hiredis SCAN MATCH loop " << QString::number(bareFilter, 'f', 2) << " s, "
        << bareMatches << " keys -> ratio " << QString::number(bareFilter / filtered, 'f', 2) << "; longest stall "
        << QString::number(filterStall, 'f', 1) << " ms (goal < 50)\n\n"
        << Qt::flush;
}

void benchScan(const Target& target, QTextStream& out)
{
    const qint64 heapBefore = heapInUse();
    auto* model = new ui::KeyTreeModel;
    ui::KeyFilterProxyModel proxy; // attached when the scan is done, as the browser does
    redis::BackgroundScan scan(*target.client, {{}, 1000, {}}); // as the browser scans: in a thread of its own
    qint64 keyBytes = 0;
    qint64 inModelNs = 0;
    QObject::connect(&scan, &redis::BackgroundScan::page, model, [&](const QList<QByteArray>& page) {
        for (const QByteArray& key : page)
            keyBytes += key.size();
        QElapsedTimer inModel;
        inModel.start();
        model->addKeys(page, 20);
        inModelNs += inModel.nsecsElapsed();
    });
    QEventLoop loop;
    QObject::connect(&scan, &redis::BackgroundScan::finished, &loop, &QEventLoop::quit);
    QObject::connect(&scan, &redis::BackgroundScan::failed, &loop, &QEventLoop::quit);
    std::optional<StallProbe> probe(std::in_place);
    QElapsedTimer clock;
    clock.start();
    scan.start();
    loop.exec();
    // The browser then shows the tree through its sorting proxy, top level and first level open.
    QElapsedTimer attach;
    attach.start();
    proxy.setSourceModel(model);
    proxy.sort(ui::KeyTreeModel::CountColumn, Qt::DescendingOrder);
    for (int row = 0; row < proxy.rowCount(); ++row)
        proxy.rowCount(proxy.index(row, 0));
    const double worstGapMs = std::max(probe->worstMs(), double(attach.nsecsElapsed()) / 1e6);
    const double ours = seconds(clock);
    probe.reset();
    const qint64 heapAfter = heapInUse();
    const qint64 modelKeys = model->totalKeys();

    // Typing a filter into the browser: the proxy re-filters the whole tree at once, on the GUI thread.
    const auto timeFilter = [&proxy](const QString& text) {
        QElapsedTimer filtering;
        filtering.start();
        proxy.setKeyFilter(text);
        for (int row = 0; row < proxy.rowCount(); ++row)
            proxy.rowCount(proxy.index(row, 0));
        return double(filtering.nsecsElapsed()) / 1e6;
    };
    const double globFilterMs = timeFilter(u"*:venue:v12"_s);
    const double textFilterMs = timeFilter(u"availability"_s);
    const double otherGlobFilterMs = timeFilter(u"*:venue:v12?"_s); // not one of the shapes RedisGlob shortcuts
    timeFilter(QString());

    // The baselines walk the masters one after another, as redis-cli does; on a cluster the bare loop runs a
    // second time with one thread per master, side by side as ours does.
    double cliScan = 0;
    for (const testing::RedisServer* master : target.masters)
        cliScan += timeProcess(u"redis-cli"_s, master->cliArguments() + QStringList {u"--scan"_s});
    const auto bareScan = [](quint16 port) { return bareScanLoop(port, {}); };
    clock.restart();
    qint64 seen = 0;
    for (const testing::RedisServer* master : target.masters)
        seen += bareScan(master->port());
    const double bare = seconds(clock);
    // The floor: the server's own time for the same SCANs, run by a script inside it (nothing goes over the socket).
    clock.restart();
    for (const testing::RedisServer* master : target.masters) {
        master->cli({u"EVAL"_s,
            u"local c, n = '0', 0 repeat local r = redis.call('SCAN', c, 'COUNT', 1000) c = r[1] n = n + #r[2] "
            "until c == '0' return n"_s,
            u"0"_s});
    }
    const double serverOwn = seconds(clock);
    double bareSideBySide = 0;
    if (target.isCluster()) {
        std::vector<std::unique_ptr<QThread>> threads;
        clock.restart();
        for (const testing::RedisServer* master : target.masters) {
            threads.emplace_back(QThread::create([&bareScan, port = master->port()] { bareScan(port); }));
            threads.back()->start();
        }
        for (const auto& thread : threads)
            thread->wait();
        bareSideBySide = seconds(clock);
    }
    const double perKey = double(heapAfter - heapBefore) / double(modelKeys);
    const double keyAverage = double(keyBytes) / double(modelKeys);
    out << "1. Full scan into the key model (then shown through its filter/sort proxy), " << modelKeys << " keys\n"
        << "   CacheScope:                      " << QString::number(ours, 'f', 2) << " s\n"
        << "   redis-cli --scan:                " << QString::number(cliScan, 'f', 2) << " s -> "
        << QString::number(cliScan / ours, 'f', 1) << "x faster (goal >= 5)\n"
        << "   hiredis SCAN COUNT 1000 loop:    " << QString::number(bare, 'f', 2) << " s (" << seen
        << " keys) -> ratio " << QString::number(bare / ours, 'f', 2) << " (goal >= 0.9)\n";
    if (target.isCluster())
        out << "   hiredis loops, a thread per master: " << QString::number(bareSideBySide, 'f', 2) << " s -> ratio "
            << QString::number(bareSideBySide / ours, 'f', 2) << "\n";
    out << "   the server's own SCAN time (a Lua loop inside it" << (target.isCluster() ? ", master by master" : "")
        << "): " << QString::number(serverOwn, 'f', 2) << " s -> ours takes "
        << QString::number(ours / serverOwn, 'f', 2) << "x it; 5x redis-cli would need "
        << QString::number(cliScan / 5, 'f', 2) << " s\n";
    out << "   memory: " << QString::number(perKey, 'f', 0) << " bytes per key for keys of "
        << QString::number(keyAverage, 'f', 0) << " bytes on average = " << QString::number(perKey / keyAverage, 'f', 2)
        << "x the key bytes (goal well under 3x)\n"
        << "   time in the model and proxy: " << QString::number(double(inModelNs) / 1e9, 'f', 2) << " s\n"
        << "   longest event-loop stall while filling: " << QString::number(worstGapMs, 'f', 1) << " ms (goal < 50)\n"
        << "   filtering the filled tree: glob *:venue:v12 " << QString::number(globFilterMs, 'f', 0)
        << " ms, glob *:venue:v12? " << QString::number(otherGlobFilterMs, 'f', 0) << " ms, text "
        << QString::number(textFilterMs, 'f', 0) << " ms\n\n"
        << Qt::flush;
    delete model;
}

void benchRouteInvalidation(const Target& target, qint64 keys, QTextStream& out)
{
    const QByteArray pattern = "gateway:response:GET:/api/events*";
    const auto eventsOnly = [keys](qint64 i) { return i < keys * 7 / 10 && i % 4 == 0; };
    const qint64 before = target.dbsize();

    LatencyProbes oursProbe(target);
    ops::KeyspaceInvalidation job(target.client, pattern, {});
    QEventLoop loop;
    QObject::connect(&job, &ops::KeyspaceInvalidation::finished, &loop, &QEventLoop::quit);
    QElapsedTimer clock;
    clock.start();
    job.start();
    loop.exec();
    const double ours = seconds(clock);
    const Latency oursWorst = oursProbe.stop();
    const qint64 deleted = job.progress().deleted;

    // The shell way, master by master. On a cluster `xargs redis-cli unlink` fails (its keys span slots: CROSSSLOT),
    // so there each key gets its own UNLINK through one redis-cli.
    populate(target, keys, eventsOnly);
    LatencyProbes shellProbe(target);
    clock.restart();
    for (const testing::RedisServer* master : target.masters) {
        const QString cli = master->cliArguments().join(u' ');
        const QString unlink = target.isCluster() ? u"awk '{print \"UNLINK \" $0}' | redis-cli %1"_s.arg(cli)
                                                  : u"xargs redis-cli %1 unlink"_s.arg(cli);
        timeProcess(u"sh"_s,
            {u"-c"_s, u"redis-cli %1 --scan --pattern '%2' | %3"_s.arg(cli, QString::fromUtf8(pattern), unlink)});
    }
    const double shell = seconds(clock);
    const Latency shellWorst = shellProbe.stop();
    const qint64 shellDeleted = before - target.dbsize();

    populate(target, keys, eventsOnly);
    LatencyProbes luaProbe(target);
    clock.restart();
    qint64 luaDeleted = 0;
    QString luaError;
    for (const testing::RedisServer* master : target.masters) {
        const QByteArray answer = master->cli({u"EVAL"_s,
            u"local c, n = '0', 0 repeat local r = redis.call('SCAN', c, 'MATCH', ARGV[1], 'COUNT', 1000) c = r[1] "
            "for _, k in ipairs(r[2]) do n = n + redis.call('UNLINK', k) end until c == '0' return n"_s,
            u"0"_s, QString::fromUtf8(pattern)});
        bool isNumber = false;
        luaDeleted += answer.trimmed().toLongLong(&isNumber);
        if (!isNumber)
            luaError = QString::fromUtf8(answer.trimmed());
    }
    const double lua = seconds(clock);
    const Latency luaWorst = luaProbe.stop();
    populate(target, keys, eventsOnly); // for the next round (and section 3's SCAN MATCH keyspace)

    // On a cluster whose masters share two cores, every busy master takes CPU from its neighbours: the same run,
    // one master at a time.
    double serial = 0;
    Latency serialWorst;
    if (target.isCluster()) {
        LatencyProbes serialProbe(target);
        ops::PacedInvalidation::Options oneAtATime;
        oneAtATime.maxParallelNodes = 1;
        ops::KeyspaceInvalidation serialJob(target.client, pattern, oneAtATime);
        QObject::connect(&serialJob, &ops::KeyspaceInvalidation::finished, &loop, &QEventLoop::quit);
        clock.restart();
        serialJob.start();
        loop.exec();
        serial = seconds(clock);
        serialWorst = serialProbe.stop();
        populate(target, keys, eventsOnly);
    }

    out << "2. Invalidating " << pattern << " (" << deleted << " keys, "
        << QString::number(100.0 * double(deleted) / double(keys), 'f', 1) << " %)\n"
        << "   CacheScope (SCAN + UNLINK, pipelined): " << QString::number(ours, 'f', 2)
        << " s, worst PING seen by another client " << oursWorst.text() << " (goal < 10)\n"
        << (target.isCluster() ? "   redis-cli --scan | one UNLINK per key: "
                               : "   redis-cli --scan | xargs unlink:       ")
        << QString::number(shell, 'f', 2) << " s (" << shellDeleted << " keys), worst PING " << shellWorst.text()
        << " -> " << QString::number(shell / ours, 'f', 1) << "x faster (goal >= 5)\n"
        << (target.isCluster() ? u"   CacheScope, one master at a time:      %1 s, worst PING %2 (goal < 10)\n"_s.arg(
                QString::number(serial, 'f', 2), serialWorst.text())
                               : QString())
        << "   server-side Lua SCAN + UNLINK:         " << QString::number(lua, 'f', 2) << " s (" << luaDeleted
        << " keys" << (luaError.isEmpty() ? QString() : u", "_s + luaError) << "), worst PING " << luaWorst.text()
        << " -> ours takes " << QString::number(ours / lua, 'f', 2) << "x its time (goal <= 1.2)\n\n"
        << Qt::flush;
}

// One scope (`tag`) by its tag index against a twin of the same size (`twinPattern`) by SCAN MATCH.
void benchTagInvalidation(const Target& target, QTextStream& out, const QString& heading, const QByteArray& tag,
    const QByteArray& twinPattern, const QString& twinName)
{
    cache::CacheManager manager(target.client, {});
    std::optional<qint64> byIndex;
    QEventLoop loop;
    QElapsedTimer clock;
    clock.start();
    manager.invalidateTags({tag}, &loop, [&](std::optional<qint64> count, const QString&) {
        byIndex = count;
        loop.quit();
    });
    loop.exec();
    const double indexed = seconds(clock);

    ops::KeyspaceInvalidation scan(target.client, twinPattern, {});
    QObject::connect(&scan, &ops::KeyspaceInvalidation::finished, &loop, &QEventLoop::quit);
    clock.restart();
    scan.start();
    loop.exec();
    const double scanned = seconds(clock);
    out << heading << '\n'
        << QString(u"   by its tag index ("_s + QString::fromUtf8(tag) + u"):"_s).leftJustified(34)
        << QString::number(indexed * 1000, 'f', 1) << " ms, " << byIndex.value_or(-1) << " keys\n"
        << QString(u"   by SCAN MATCH ("_s + twinName + u"):"_s).leftJustified(34)
        << QString::number(scanned * 1000, 'f', 1) << " ms, " << scan.progress().deleted << " keys -> index is "
        << QString::number(scanned / indexed, 'f', 0) << "x faster (goal >= 50)\n"
        << Qt::flush;
}

void runAll(const Target& target, qint64 keys, QTextStream& out, bool onlyTree)
{
    QElapsedTimer clock;
    clock.start();
    if (!populate(target, keys))
        qFatal("redis-cli --pipe failed");
    const qint64 total = target.dbsize();
    out << "== " << target.title << ": " << keys << " keys (+" << 2 * smallTenantKeys << " of two small tenants, +"
        << (total - keys - 2 * smallTenantKeys) << " tag indexes), loaded in "
        << QString::number(seconds(clock), 'f', 1) << " s with redis-cli --pipe\n\n"
        << Qt::flush;
    if (!onlyTree)
        benchScan(target, out);
    if (!target.isCluster())
        benchAggregateTree(target, out);
    if (onlyTree)
        return;
    benchRouteInvalidation(target, keys, out);
    benchTagInvalidation(
        target, out, u"3. Invalidating one venue"_s, "venue:v7", "gateway:response:*:venue:v8", u"venue:v8"_s);
    // A tenant's index lists its venues; its keys are read from theirs (model/tagindexmember.h).
    benchTagInvalidation(target, out,
        u"   Invalidating one tenant (%1 keys over 50 venues of its own)"_s.arg(smallTenantKeys), "tenant:ta",
        "gateway:response:*:tenant:tb:*", u"tenant:tb"_s);
    out << '\n';
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    QTextStream out(stdout);
    const QStringList known {u"--keys"_s, u"--smoke"_s, u"--no-cluster"_s, u"--only-cluster"_s, u"--only-tree"_s};
    const char* usage = "Usage: bench_keyspace [--keys N] [--smoke] [--no-cluster] [--only-cluster] [--only-tree]\n"
                        "  --keys N        keys to write (default 1,000,000)\n"
                        "  --smoke         a small, quick run (for CI)\n"
                        "  --no-cluster    the single server only\n"
                        "  --only-cluster  the 3-master cluster only\n"
                        "  --only-tree     one server, the key tree section alone (10,000,000 keys and more)\n";
    for (qsizetype i = 1; i < args.size(); ++i) {
        // Usage, and nothing started: no server, no keys written.
        if (args.at(i) == u"--help"_s || args.at(i) == u"-h"_s) {
            out << usage;
            return 0;
        }
        const bool count = i > 1 && args.at(i - 1) == u"--keys"_s;
        if (!count && !known.contains(args.at(i))) {
            QTextStream(stderr) << "bench_keyspace: unknown option " << args.at(i) << '\n' << usage;
            return 2;
        }
    }
    const qint64 keys = keyCountArgument(args);
    out << "CacheScope keyspace benchmark\n\n";

    if (!args.contains(u"--only-cluster"_s)) {
        testing::RedisServer server(benchServerConfig());
        if (!server.start())
            qFatal("redis-server: %s", qPrintable(server.errorString()));
        redis::ConnectionOptions options = server.connectionOptions();
        options.commandTimeout = std::chrono::milliseconds(60000);
        redis::Connection connection(options);
        if (!testing::openAndWait(connection))
            qFatal("cannot connect");
        runAll({u"One server"_s, {&server}, &connection}, keys, out, args.contains(u"--only-tree"_s));
    }
    if (!args.contains(u"--no-cluster"_s) && !args.contains(u"--only-tree"_s)) {
        testing::RedisCluster cluster;
        if (!cluster.start())
            qFatal("cluster: %s", qPrintable(cluster.errorString()));
        for (int i = 0; i < cluster.size(); ++i)
            cluster.node(i).cli({u"CONFIG"_s, u"SET"_s, u"save"_s, u""_s});
        redis::ConnectionOptions options = cluster.seedOptions();
        options.commandTimeout = std::chrono::milliseconds(60000);
        redis::ClusterClient client(options);
        if (!testing::openAndWait(client))
            qFatal("cannot connect to the cluster: %s", qPrintable(client.lastError()));
        Target target {u"4. The same on a 3-master Redis Cluster"_s, {}, &client};
        for (int i = 0; i < cluster.size(); ++i)
            target.masters.push_back(&cluster.node(i));
        runAll(target, keys, out, false);
    }
    return 0;
}
