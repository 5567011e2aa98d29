// What the miss watch costs (issue 31):
// 1. its state at a 10M-key keyspace (MissAnatomy fed with every key written, expired and missed): the bound is 16 MB;
// 2. how fast it tells misses, against the notifications a server publishes at 20,000 ops/s;
// 3. the server's CPU with the watch on and off (INFO used_cpu_sys + used_cpu_user over the same paced workload),
//    and the subscriber's output buffer (CLIENT LIST omem) while it runs.
// Usage: bench_misswatch [--keys N] [--seconds S] [--rate OPS] [--rounds R] [--smoke]
#include "analysis/missanatomy.h"
#include "benchsupport.h"
#include "model/gatewaykey.h"
#include "ops/server/serverinfo.h"
#include "redisserver.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTextStream>
#include <QThread>

#include <hiredis.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <random>
#include <thread>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
int option(const QStringList& args, const QString& name, int fallback)
{
    const qsizetype at = args.indexOf(name);
    return at >= 0 && at + 1 < args.size() ? args.at(at + 1).toInt() : fallback;
}

QByteArray keyOf(qint64 i)
{
    return model::buildGatewayKey({"GET", "/api/events/" + QByteArray::number(i % 50'000), {}, {},
        "t" + QByteArray::number(i % 40), "v" + QByteArray::number(i / 50'000)});
}

// 1 and 2: every key written, expired, and asked for again one time in three; cold misses beside.
void stateAndSpeed(qint64 keys, QTextStream& out)
{
    analysis::MissAnatomy::Options options;
    const qint64 rssBefore = bench::residentBytes();
    analysis::MissAnatomy anatomy(options, 0);
    QElapsedTimer clock;
    clock.start();
    qint64 events = 0;
    for (qint64 i = 0; i < keys; ++i) {
        const QByteArray key = keyOf(i);
        const qint64 t = i / 20; // 20 writes a millisecond
        anatomy.written(key, t);
        anatomy.removed(key, analysis::MissAnatomy::Removal::Expired, t + 600'000);
        events += 2;
        if (i % 3 == 0) {
            anatomy.missed(key, t + 601'000);
            ++events;
        }
        if (i % 10 == 0) {
            anatomy.missed(keyOf(i + keys), t + 700'000);
            ++events;
        }
    }
    const double seconds = bench::seconds(clock);
    const auto report = anatomy.report(keys / 20 + 700'000, true);
    const qint64 rss = bench::residentBytes() - rssBefore;
    out << "1. state after " << keys << " keys written and expired (" << report.total.misses << " misses told)\n"
        << "   stateBytes (estimate): " << report.stateBytes / 1048576.0 << " MiB; RSS grew " << rss / 1048576.0
        << " MiB; bound 16 MiB: ratio " << double(std::max(rss, report.stateBytes)) / (16 << 20)
        << "\n   forgotten removals: " << report.droppedRemovals << "; reasons: expired " << report.total.reasons[0]
        << ", cold " << report.total.reasons[3] << ", unknown " << report.total.reasons[4] << "\n2. " << events
        << " events in " << seconds << " s: " << double(events) / seconds
        << " events/s on one core; a server at 20,000 ops/s publishes at most about 40,000 a second: ratio "
        << double(events) / seconds / 40'000.0 << " (goal >= 1)\n"
        << Qt::flush;
}

struct ServerCpu
{
    double seconds = 0;
    qint64 misses = 0;
};

ServerCpu serverCpu(redisContext* context)
{
    auto* reply = static_cast<redisReply*>(redisCommand(context, "INFO"));
    ServerCpu cpu;
    if (reply && reply->type == REDIS_REPLY_STRING) {
        const ops::ServerInfo info = ops::ServerInfo::parse(QByteArray(reply->str, qsizetype(reply->len)));
        cpu.seconds = info.text("used_cpu_sys").toDouble() + info.text("used_cpu_user").toDouble();
        cpu.misses = info.integer("keyspace_misses").value_or(0);
    }
    freeReplyObject(reply);
    return cpu;
}

qint64 subscriberOmem(redisContext* context)
{
    auto* reply = static_cast<redisReply*>(redisCommand(context, "CLIENT LIST TYPE pubsub"));
    qint64 omem = 0;
    if (reply && reply->type == REDIS_REPLY_STRING) {
        for (const QByteArray& line : QByteArray(reply->str, qsizetype(reply->len)).split('\n')) {
            const qsizetype at = line.indexOf(" omem=");
            if (at >= 0)
                omem = std::max(omem, line.mid(at + 6, line.indexOf(' ', at + 6) - at - 6).toLongLong());
        }
    }
    freeReplyObject(reply);
    return omem;
}

struct Mix
{
    const char* name;
    qint64 keys; // GETs skewed to the first of them
    int ttlMs; // SET on a miss with this TTL
};

// A cache-aside workload paced at `rate` operations a second: GET a skewed key; on a miss SET it. Returns the
// server's CPU seconds over it.
double pacedWorkload(const testing::RedisServer& server, const Mix& mix, int rate, int seconds, qint64* worstOmem,
    qint64* misses, qint64* lookups)
{
    redisContext* load = redisConnect("127.0.0.1", server.port());
    redisContext* probe = redisConnect("127.0.0.1", server.port());
    const ServerCpu before = serverCpu(probe);
    std::mt19937_64 random(42);
    std::uniform_real_distribution<double> uniform(0, 1);
    QElapsedTimer clock;
    clock.start();
    qint64 sent = 0;
    *worstOmem = 0;
    while (clock.elapsed() < qint64(seconds) * 1000) {
        const qint64 due = clock.elapsed() * rate / 1000;
        QList<qint64> batch;
        for (; sent < due; ++sent) {
            const auto i = qint64(double(mix.keys) * std::pow(uniform(random), 3)); // skewed to the first keys
            batch.append(i);
            const QByteArray key = keyOf(i);
            redisAppendCommand(load, "GET %b", key.constData(), std::size_t(key.size()));
        }
        QList<qint64> missed;
        for (qint64 i : batch) {
            void* reply = nullptr;
            redisGetReply(load, &reply);
            if (static_cast<redisReply*>(reply)->type == REDIS_REPLY_NIL)
                missed.append(i);
            freeReplyObject(reply);
        }
        for (qint64 i : missed) {
            const QByteArray key = keyOf(i);
            redisAppendCommand(
                load, "SET %b %s PX %d", key.constData(), std::size_t(key.size()), "{\"v\":1}", mix.ttlMs);
        }
        for (qsizetype n = 0; n < missed.size(); ++n) {
            void* reply = nullptr;
            redisGetReply(load, &reply);
            freeReplyObject(reply);
        }
        if (sent % (rate / 4 + 1) < qint64(batch.size()))
            *worstOmem = std::max(*worstOmem, subscriberOmem(probe));
        QThread::msleep(5);
    }
    const ServerCpu after = serverCpu(probe);
    *misses = after.misses - before.misses;
    *lookups = sent;
    redisFree(load);
    redisFree(probe);
    return after.seconds - before.seconds;
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    const QStringList args = app.arguments();
    const bool smoke = args.contains(u"--smoke"_s);
    const qint64 keys = option(args, u"--keys"_s, smoke ? 100'000 : 10'000'000);
    const int seconds = option(args, u"--seconds"_s, smoke ? 2 : 10);
    const int rate = option(args, u"--rate"_s, smoke ? 2'000 : 20'000);
    const int rounds = option(args, u"--rounds"_s, smoke ? 1 : 3);
    QTextStream out(stdout);

    stateAndSpeed(keys, out);

    // 3. The server's CPU: the watch's own processing is cheap (2.); what the server pays is publishing each
    // notification. So each mix runs three times: no watch; a bare subscriber that only reads the same channels (the
    // floor any keyspace-notification watch pays); cachectl misses.
    for (const Mix& mix : {Mix {"miss-heavy (200,000 keys, 5 s TTL)", 200'000, 5'000},
             Mix {"mostly hits (20,000 keys, 60 s TTL)", 20'000, 60'000}}) {
        testing::RedisServer server(bench::benchServerConfig());
        if (!server.start()) {
            out << "redis-server did not start\n";
            return 1;
        }
        qint64 omem = 0;
        qint64 worstOmem = 0;
        qint64 misses = 0;
        qint64 lookups = 0;
        pacedWorkload(server, mix, rate, std::max(2, seconds / 2), &omem, &misses, &lookups); // warm up
        // Alternated three times; the medians are compared (a shared 2-core VM varies by ±10 % from run to run).
        QList<double> off, bare, watched;
        double notifications = 0;
        QByteArray told;
        for (int round = 0; round < rounds; ++round) {
            off.append(pacedWorkload(server, mix, rate, seconds, &omem, &misses, &lookups));

            // The floor: every channel the watch needs, read by a bare hiredis subscriber.
            server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u"Emxeg$"_s});
            std::atomic<bool> stop = false;
            std::atomic<qint64> received = 0;
            std::thread subscriberThread([&] {
                redisContext* subscriber = redisConnect("127.0.0.1", server.port());
                const timeval timeout {0, 200'000};
                redisSetTimeout(subscriber, timeout);
                freeReplyObject(redisCommand(subscriber,
                    "SUBSCRIBE __keyevent@0__:keymiss __keyevent@0__:expired __keyevent@0__:evicted "
                    "__keyevent@0__:del __keyevent@0__:rename_from __keyevent@0__:set"));
                for (int i = 0; i < 5; ++i) {
                    void* reply = nullptr;
                    redisGetReply(subscriber, &reply);
                    freeReplyObject(reply);
                }
                while (!stop) {
                    void* reply = nullptr;
                    if (redisGetReply(subscriber, &reply) == REDIS_OK) {
                        ++received;
                        freeReplyObject(reply);
                    } else if (subscriber->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                        subscriber->err = 0; // the read timed out: look at the flag
                    } else {
                        break;
                    }
                }
                redisFree(subscriber);
            });
            QThread::msleep(300);
            bare.append(pacedWorkload(server, mix, rate, seconds, &omem, &misses, &lookups));
            stop = true;
            subscriberThread.join();
            server.cli({u"CONFIG"_s, u"SET"_s, u"notify-keyspace-events"_s, u""_s});
            notifications = double(received) / seconds;

            QProcess watcher;
            watcher.setProcessChannelMode(QProcess::ForwardedErrorChannel);
            watcher.start(QStringLiteral(CACHECTL_PATH),
                {u"-p"_s, QString::number(server.port()), u"misses"_s, u"--seconds"_s, QString::number(seconds + 3),
                    u"--enable-events"_s, u"--json"_s});
            QThread::msleep(1500); // subscribed
            watched.append(pacedWorkload(server, mix, rate, seconds, &omem, &misses, &lookups));
            worstOmem = std::max(worstOmem, omem);
            watcher.waitForFinished(30'000);
            const QByteArray json = watcher.readAllStandardOutput();
            const qsizetype at = json.indexOf("\"misses\": ");
            told = at >= 0 ? json.mid(at + 10, json.indexOf(',', at) - at - 10) : QByteArray("?");
        }
        const auto median = [](QList<double> values) {
            std::sort(values.begin(), values.end());
            return values.at(values.size() / 2);
        };
        const auto all = [](const QList<double>& values) {
            QStringList text;
            for (double v : values)
                text.append(QString::number(v, 'f', 3));
            return text.join(u" "_s);
        };
        out << "3. " << mix.name << ", " << seconds << " s at " << rate << " GETs/s, hit rate "
            << 100.0 * double(lookups - misses) / double(lookups) << " %; server CPU seconds, median of " << rounds
            << " (each run)\n"
            << "   no watch:          " << median(off) << " (" << all(off) << ")\n"
            << "   bare subscriber:   " << median(bare) << " (" << all(bare) << "): " << median(bare) / median(off)
            << "x, " << notifications << " notifications a second\n"
            << "   cachectl misses:   " << median(watched) << " (" << all(watched)
            << "): " << median(watched) / median(off) << "x (goal <= 1.05), " << median(watched) / median(bare)
            << "x the bare subscriber; last run " << misses << " misses, the watch told " << told
            << "; the subscriber's output buffer at most " << worstOmem << " bytes\n"
            << Qt::flush;
    }
    return 0;
}
