#include "ops/keymetadata.h"

#include "redis/connection.h"

#include <QDateTime>

#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

void fetchKeyMetadata(redis::Client& connection, const QList<QByteArray>& keys, QObject* context,
    std::function<void(const QList<KeyMetadata>& metadata)> done)
{
    if (keys.isEmpty()) {
        QMetaObject::invokeMethod(
            context, [done] { done({}); }, Qt::QueuedConnection);
        return;
    }
    struct Pending
    {
        QList<KeyMetadata> results;
        qsizetype replies = 0;
        bool lost = false;
    };
    auto pending = std::make_shared<Pending>();
    pending->results.resize(keys.size());
    const qsizetype expected = keys.size() * 2;
    auto settle = [pending, expected, done] {
        if (++pending->replies < expected)
            return;
        done(pending->lost ? QList<KeyMetadata>() : pending->results);
    };
    for (qsizetype i = 0; i < keys.size(); ++i) {
        pending->results[i].key = keys.at(i);
        connection.command({"PTTL", keys.at(i)}, context, [pending, i, settle](const redis::Reply& reply) {
            if (reply.isInteger()) {
                pending->results[i].pttlMs = reply.integer();
                pending->results[i].fetchedAtMs = QDateTime::currentMSecsSinceEpoch();
            } else if (reply.errorKind() == redis::ErrorKind::ConnectionLost
                || reply.errorKind() == redis::ErrorKind::NotConnected) {
                pending->lost = true;
            }
            settle();
        });
        connection.command({"MEMORY", "USAGE", keys.at(i)}, context, [pending, i, settle](const redis::Reply& reply) {
            if (reply.isInteger())
                pending->results[i].memoryBytes = reply.integer();
            settle(); // a nil (key gone) or a refused command leaves the size unknown
        });
    }
}

QString describeTtlShort(qint64 pttlMs)
{
    if (pttlMs == -1)
        return u"no expiry"_s;
    if (pttlMs < 0)
        return u"gone"_s;
    const qint64 seconds = (pttlMs + 999) / 1000;
    if (seconds < 60)
        return u"%1s"_s.arg(seconds);
    if (seconds < 3600)
        return seconds % 60 ? u"%1m %2s"_s.arg(seconds / 60).arg(seconds % 60) : u"%1m"_s.arg(seconds / 60);
    if (seconds < 86400) {
        const qint64 minutes = seconds / 60 % 60;
        return minutes ? u"%1h %2m"_s.arg(seconds / 3600).arg(minutes) : u"%1h"_s.arg(seconds / 3600);
    }
    const qint64 hours = seconds / 3600 % 24;
    return hours ? u"%1d %2h"_s.arg(seconds / 86400).arg(hours) : u"%1d"_s.arg(seconds / 86400);
}

} // namespace cachescope::ops
