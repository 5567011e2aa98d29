#include "ops/keymetadata.h"

#include "redis/connection.h"
#include "redis/gather.h"

#include <QDateTime>

#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

void fetchKeyMetadata(redis::Client& connection, const QList<QByteArray>& keys, QObject* context,
    std::function<void(const QList<KeyMetadata>& metadata)> done)
{
    QList<redis::AddressedCommand> commands;
    for (const QByteArray& key : keys)
        commands << redis::AddressedCommand {&connection, {"PTTL", key}}
                 << redis::AddressedCommand {&connection, {"MEMORY", "USAGE", key}};
    redis::gatherReplies(commands, context, [keys, done = std::move(done)](const std::vector<redis::Reply>& replies) {
        QList<KeyMetadata> results(keys.size());
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        for (qsizetype i = 0; i < keys.size(); ++i) {
            const redis::Reply& ttl = replies[std::size_t(2 * i)];
            const redis::Reply& memory = replies[std::size_t(2 * i + 1)];
            if (ttl.errorKind() == redis::ErrorKind::ConnectionLost
                || ttl.errorKind() == redis::ErrorKind::NotConnected) {
                done({}); // the connection went away: nothing to show
                return;
            }
            results[i].key = keys.at(i);
            if (ttl.isInteger()) {
                results[i].pttlMs = ttl.integer();
                results[i].fetchedAtMs = now;
            }
            if (memory.isInteger())
                results[i].memoryBytes = memory.integer(); // a nil (key gone) or a refused command: unknown
        }
        done(results);
    });
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
