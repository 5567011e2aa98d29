#include "benchsupport.h"

#include "model/reservedkeys.h"
#include "model/tagindexmember.h"
#include "redis/clusterclient.h"
#include "redis/connection.h"
#include "redis/keyslot.h"

#include <QProcess>
#include <QTimer>

#include <hiredis/hiredis.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace cachescope::bench {

using namespace Qt::StringLiterals;

namespace {
const char* const routes[] = {"/api/events", "/api/venues/7", "/api/tickets/availability/3", "/api/search"};
}

QByteArray resp(const QList<QByteArray>& arguments)
{
    QByteArray command = '*' + QByteArray::number(arguments.size()) + "\r\n";
    for (const QByteArray& argument : arguments)
        command += '$' + QByteArray::number(argument.size()) + "\r\n" + argument + "\r\n";
    return command;
}

QByteArray gatewayKey(qint64 i)
{
    const int route = int(i % 4);
    const qint64 venue = (i / 4) % venues;
    const qint64 page = i / (4 * venues);
    QByteArray key = "gateway:response:GET:" + QByteArray(routes[route]);
    if (route == 3)
        key += ":q:term" + QByteArray::number(i % 997) + ":category:c" + QByteArray::number(page);
    else
        key += ":page:" + QByteArray::number(page);
    return key + ":tenant:t" + QByteArray::number(i % 5) + ":venue:v" + QByteArray::number(venue);
}

qint64 keyCountArgument(const QStringList& arguments)
{
    if (const qsizetype at = arguments.indexOf(u"--keys"_s); at >= 0 && at + 1 < arguments.size())
        return arguments.at(at + 1).toLongLong();
    return arguments.contains(u"--smoke"_s) ? 20000 : 1000000;
}

testing::RedisServer::Config benchServerConfig()
{
    return {false, false, {u"save \"\""_s, u"appendonly no"_s}};
}

std::size_t Target::ownerOf(const QByteArray& key) const
{
    if (!isCluster())
        return 0;
    const quint16 port = static_cast<redis::ClusterClient*>(client)->nodeForSlot(redis::keySlot(key))->options().port;
    for (std::size_t i = 0; i < masters.size(); ++i) {
        if (masters[i]->port() == port)
            return i;
    }
    qFatal("no master serves %s", key.constData());
}

qint64 Target::dbsize() const
{
    qint64 total = 0;
    for (const testing::RedisServer* master : masters)
        total += master->cli({u"DBSIZE"_s}).trimmed().toLongLong();
    return total;
}

bool populate(const Target& target, qint64 keys, const std::function<bool(qint64)>& only)
{
    std::vector<std::unique_ptr<QProcess>> pipes;
    for (const testing::RedisServer* master : target.masters) {
        pipes.push_back(std::make_unique<QProcess>());
        pipes.back()->start(u"redis-cli"_s, master->cliArguments() + QStringList {u"--pipe"_s});
        if (!pipes.back()->waitForStarted())
            return false;
    }
    std::vector<QByteArray> chunks(pipes.size());
    const auto send = [&](const QByteArray& key, const QByteArray& command) {
        const std::size_t to = target.ownerOf(key);
        chunks[to] += command;
        if (chunks[to].size() > (1 << 20)) {
            pipes[to]->write(chunks[to]);
            chunks[to].clear();
            while (pipes[to]->bytesToWrite() > (4 << 20))
                pipes[to]->waitForBytesWritten(1000);
        }
    };
    const QByteArray value(300, 'v');
    const qint64 gatewayKeys = keys * 7 / 10;
    // As the cache manager lists a key (model/tagindexmember.h), scored by expiry in ms.
    const auto indexKey = [&send](const QByteArray& key, const QList<QByteArray>& tags) {
        for (const model::TagIndexWrite& write : model::tagIndexWrites(key, tags)) {
            const QByteArray index = model::tagKey(write.tag);
            send(index, resp({"ZADD", index, "GT", "99999999999999", write.member}));
        }
    };
    for (qint64 i = 0; i < keys; ++i) {
        if (only && !only(i))
            continue;
        if (i < gatewayKeys) {
            const QByteArray key = gatewayKey(i);
            send(key, resp({"SET", key, value, "EX", "3600"}));
            indexKey(key, {"venue:v" + QByteArray::number((i / 4) % venues), "tenant:t" + QByteArray::number(i % 5)});
        } else {
            const QByteArray key = "events:" + QByteArray::number(i);
            send(key, resp({"SET", key, value}));
        }
    }
    // Two small tenants with venues of their own (a ticketing venue belongs to one tenant), for section 3's tenant.
    for (const QByteArray& tenant : {QByteArray("ta"), QByteArray("tb")}) {
        for (int j = 0; !only && j < smallTenantKeys; ++j) {
            const QByteArray venue = tenant + "-v" + QByteArray::number(j % 50);
            const QByteArray key = "gateway:response:GET:/api/tenant-report:page:" + QByteArray::number(j)
                + ":tenant:" + tenant + ":venue:" + venue;
            send(key, resp({"SET", key, value, "EX", "3600"}));
            indexKey(key, {"venue:" + venue, "tenant:" + tenant});
        }
    }
    bool ok = true;
    for (std::size_t i = 0; i < pipes.size(); ++i) {
        pipes[i]->write(chunks[i]);
        pipes[i]->closeWriteChannel();
        ok = pipes[i]->waitForFinished(600000) && pipes[i]->exitCode() == 0 && ok;
    }
    return ok;
}

double seconds(const QElapsedTimer& clock)
{
    return double(clock.nsecsElapsed()) / 1e9;
}

double timeProcess(const QString& program, const QStringList& arguments)
{
    QProcess process;
    process.setStandardOutputFile(QProcess::nullDevice());
    QElapsedTimer clock;
    clock.start();
    process.start(program, arguments);
    process.waitForFinished(-1);
    return seconds(clock);
}

QString Latency::text() const
{
    return u"%1 ms (p99 %2 ms)"_s.arg(QString::number(worstMs, 'f', 1), QString::number(p99Ms, 'f', 1));
}

LatencyProbe::LatencyProbe(quint16 port)
{
    m_thread = QThread::create([this, port] {
        redisContext* context = redisConnect("127.0.0.1", port);
        while (!m_stop.load()) {
            QElapsedTimer clock;
            clock.start();
            auto* reply = static_cast<redisReply*>(redisCommand(context, "PING"));
            freeReplyObject(reply);
            m_samplesNs.push_back(clock.nsecsElapsed()); // read only after the thread ended
            QThread::usleep(500);
        }
        redisFree(context);
    });
    m_thread->start();
}

std::vector<qint64> LatencyProbe::stop()
{
    m_stop = true;
    m_thread->wait();
    delete m_thread;
    return std::move(m_samplesNs);
}

LatencyProbes::LatencyProbes(const Target& target)
{
    for (const testing::RedisServer* master : target.masters)
        m_probes.push_back(std::make_unique<LatencyProbe>(master->port()));
}

Latency LatencyProbes::stop()
{
    std::vector<qint64> all;
    for (const auto& probe : m_probes) {
        const std::vector<qint64> samples = probe->stop();
        all.insert(all.end(), samples.cbegin(), samples.cend());
    }
    if (all.empty())
        return {};
    std::sort(all.begin(), all.end());
    return {double(all.back()) / 1e6, double(all[std::size_t(double(all.size() - 1) * 0.99)]) / 1e6};
}

qint64 heapInUse()
{
    return qint64(mallinfo2().uordblks);
}

qint64 residentBytes()
{
    long pages = 0;
    long resident = 0;
    if (FILE* statm = std::fopen("/proc/self/statm", "r")) {
        if (std::fscanf(statm, "%ld %ld", &pages, &resident) != 2)
            resident = 0;
        std::fclose(statm);
    }
    return qint64(resident) * sysconf(_SC_PAGESIZE);
}

struct StallProbe::Private
{
    QTimer timer;
    QElapsedTimer sinceTick;
    qint64 worstGapNs = 0;
};

StallProbe::StallProbe()
    : d(std::make_unique<Private>())
{
    QObject::connect(&d->timer, &QTimer::timeout, &d->timer, [p = d.get()] {
        p->worstGapNs = std::max(p->worstGapNs, p->sinceTick.nsecsElapsed());
        p->sinceTick.restart();
    });
    d->timer.start(5);
    d->sinceTick.start();
}

StallProbe::~StallProbe() = default;

double StallProbe::worstMs() const
{
    return double(std::max(d->worstGapNs, d->sinceTick.nsecsElapsed())) / 1e6;
}

} // namespace cachescope::bench
