#include "ops/server/infosampler.h"

#include "ops/server/nodesinfo.h"
#include "redis/connection.h"

#include <algorithm>

namespace cachescope::ops {

namespace {
// Takes `own` out of the delta's hits and misses, never below zero; returns what is left for the next interval.
redis::LookupCount takeOutOwnLookups(InfoDelta& delta, redis::LookupCount own)
{
    const qint64 hits = std::clamp<qint64>(own.hits, 0, delta.hits);
    const qint64 misses = std::clamp<qint64>(own.misses, 0, delta.misses);
    delta.hits -= hits;
    delta.misses -= misses;
    delta.ownHits = hits;
    delta.ownMisses = misses;
    return {own.hits - hits, own.misses - misses};
}
} // namespace

InfoSampler::InfoSampler(redis::Client* connection, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
{
    connect(&m_timer, &QTimer::timeout, this, &InfoSampler::poll);
}

void InfoSampler::start(std::chrono::milliseconds interval)
{
    m_clock.start();
    m_timer.start(interval);
    poll();
}

void InfoSampler::stop()
{
    m_timer.stop();
    m_previous.clear();
}

void InfoSampler::poll()
{
    if (m_inFlight || !m_connection || m_connection->nodes().isEmpty())
        return; // a slow server gets no pile of INFO commands; a cluster may not know its nodes yet
    m_inFlight = true;
    fetchNodesInfo(*m_connection, this, [this](const NodesInfo& round) {
        m_inFlight = false;
        finishRound(round, m_clock.elapsed());
    });
}

void InfoSampler::finishRound(const NodesInfo& round, qint64 atMs)
{
    QHash<const redis::Connection*, Previous> next;
    InfoSample sample;
    sample.at = QDateTime::currentDateTime();
    bool complete = round.error.isEmpty();
    for (qsizetype i = 0; i < round.nodes.size(); ++i) {
        if (!round.infos.at(i))
            continue; // the next good sample of this node starts a new interval
        const ServerInfo& info = *round.infos.at(i);
        const redis::LookupCount ownNow = round.nodes.at(i)->ownLookups().current();
        const auto previous = m_previous.constFind(round.nodes.at(i));
        Previous& kept = next[round.nodes.at(i)];
        kept = {info, atMs, ownNow, {}};
        if (previous == m_previous.cend()) {
            complete = false;
            continue;
        }
        NodeFigures figures;
        figures.delta =
            infoDelta(previous->info, info, std::chrono::duration<double>(double(atMs - previous->atMs) / 1000.0));
        if (!figures.delta.countersReset)
            kept.carried = takeOutOwnLookups(figures.delta, previous->carried + (ownNow - previous->own));
        figures.usedMemory = info.integer("used_memory").value_or(0);
        figures.opsPerSecond = info.integer("instantaneous_ops_per_sec").value_or(0);
        for (qint64 keys : info.keysPerDatabase())
            figures.keys += keys;
        sample.delta.addNode(figures.delta);
        sample.usedMemory += figures.usedMemory;
        sample.opsPerSecond += figures.opsPerSecond;
        sample.keys += figures.keys;
        sample.nodes.append(figures);
    }
    m_previous = next;
    if (!round.error.isEmpty())
        Q_EMIT failed(round.error);
    else if (complete)
        Q_EMIT sampled(sample);
}

} // namespace cachescope::ops
