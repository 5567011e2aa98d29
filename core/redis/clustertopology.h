#pragma once

#include "redis/reply.h"

#include <QList>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace cachescope::redis {

class Connection;

// Who serves which slots, as CLUSTER SLOTS reports it. Only masters: the tools read and write there.
struct ClusterTopology
{
    struct Master
    {
        QString host;
        quint16 port = 0;
        QByteArray id;
        QList<std::pair<int, int>> slotRanges; // inclusive
    };
    QList<Master> masters;

    // Index into masters of the one serving `slot`; -1 when no master has it (a cluster being resharded or
    // missing slots).
    int masterFor(int slot) const;
    // "127.0.0.1:7000 (slots 0-5460)"
    QString describe(int master) const;

    static std::optional<ClusterTopology> fromClusterSlots(const Reply& reply, QString* error);
};

// Asks the seed for CLUSTER SLOTS; a server without cluster support answers with an error that says so.
void discoverCluster(Connection& seed, const QObject* context,
    std::function<void(std::optional<ClusterTopology> topology, QString error)> callback);

} // namespace cachescope::redis
