#pragma once

#include <QByteArray>
#include <QDateTime>
#include <QList>
#include <QObject>
#include <QString>

#include <functional>

namespace cachescope::redis {
class Client;
class Reply;
}

namespace cachescope::ops {

// One SLOWLOG entry, with the node it came from (a cluster's masters each keep their own log).
struct SlowLogEntry
{
    QString node; // "127.0.0.1:7000 (slots 0-5460)"
    qint64 id = 0;
    QDateTime at; // UTC
    qint64 durationUs = 0;
    QList<QByteArray> arguments; // as the server keeps them (it shortens long ones and says so)
    QString clientAddress;
    QString clientName;
};

struct SlowLog
{
    QList<SlowLogEntry> entries; // newest first, every node's merged
    QStringList nodes;
    QString error; // the first node that failed, named; the entries are then the other nodes'
};

// SLOWLOG GET `count` from every node of the client at once (read-only: allowed on read-only connections), merged
// newest first. Calls back once, never from inside this call.
void readSlowLog(redis::Client& client, int count, const QObject* context, std::function<void(const SlowLog&)> done);

// The entries of one SLOWLOG GET reply; entries of an unexpected shape are skipped.
QList<SlowLogEntry> parseSlowLog(const redis::Reply& reply, const QString& node);

} // namespace cachescope::ops
