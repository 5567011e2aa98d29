#include "redis/clustertopology.h"

#include "redis/connection.h"
#include "redis/keyslot.h"

namespace cachescope::redis {

using namespace Qt::StringLiterals;

int ClusterTopology::masterFor(int slot) const
{
    for (qsizetype i = 0; i < masters.size(); ++i) {
        for (const auto& [first, last] : masters.at(i).slotRanges) {
            if (slot >= first && slot <= last)
                return int(i);
        }
    }
    return -1;
}

QString ClusterTopology::describe(int master) const
{
    QStringList ranges;
    for (const auto& [first, last] : masters.at(master).slotRanges)
        ranges.append(first == last ? QString::number(first) : u"%1-%2"_s.arg(first).arg(last));
    return u"%1:%2 (slots %3)"_s.arg(masters.at(master).host).arg(masters.at(master).port).arg(ranges.join(u','));
}

std::optional<ClusterTopology> ClusterTopology::fromClusterSlots(const Reply& reply, QString* error)
{
    if (reply.isError()) {
        *error = reply.errorMessage().contains(u"cluster support disabled"_s)
            ? u"this server is not part of a cluster (cluster support disabled)"_s
            : reply.errorMessage();
        return std::nullopt;
    }
    if (!reply.isArray()) {
        *error = u"CLUSTER SLOTS did not return an array"_s;
        return std::nullopt;
    }
    ClusterTopology topology;
    // Each entry: [first, last, [host, port, id, …] (the master), replicas…].
    for (const Reply& range : reply.elements()) {
        const auto& parts = range.elements();
        // A server's reply is input: a slot outside the table, a range backwards or a port that is none is damage,
        // never a node to connect to.
        if (!range.isArray() || parts.size() < 3 || !parts[0].isInteger() || !parts[1].isInteger()
            || !parts[2].isArray() || parts[2].elements().size() < 2 || !parts[2].elements()[1].isInteger()
            || parts[0].integer() < 0 || parts[0].integer() > parts[1].integer() || parts[1].integer() >= clusterSlots
            || parts[2].elements()[1].integer() < 1 || parts[2].elements()[1].integer() > 65535) {
            *error = u"unexpected CLUSTER SLOTS entry: "_s + range.toDisplayString();
            return std::nullopt;
        }
        const auto& master = parts[2].elements();
        const QString host = QString::fromUtf8(master[0].bytes());
        const auto port = quint16(master[1].integer());
        const QByteArray id = master.size() > 2 ? master[2].bytes() : QByteArray();
        auto existing = std::find_if(topology.masters.begin(), topology.masters.end(),
            [&](const Master& m) { return m.host == host && m.port == port; });
        if (existing == topology.masters.end()) {
            topology.masters.append({host, port, id, {}});
            existing = topology.masters.end() - 1;
        }
        existing->slotRanges.append({int(parts[0].integer()), int(parts[1].integer())});
    }
    std::sort(topology.masters.begin(), topology.masters.end(),
        [](const Master& a, const Master& b) { return a.slotRanges.first().first < b.slotRanges.first().first; });
    return topology;
}

void discoverCluster(Connection& seed, const QObject* context,
    std::function<void(std::optional<ClusterTopology> topology, QString error)> callback)
{
    seed.command({"CLUSTER", "SLOTS"}, context, [callback](const Reply& reply) {
        QString error;
        auto topology = ClusterTopology::fromClusterSlots(reply, &error);
        callback(std::move(topology), error);
    });
}

} // namespace cachescope::redis
