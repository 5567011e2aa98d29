#include "ops/keys/keymetadata.h"

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
            results[i].answered = ttl.isInteger();
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

} // namespace cachescope::ops
