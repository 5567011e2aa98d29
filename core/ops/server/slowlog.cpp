#include "ops/server/slowlog.h"

#include "redis/client.h"
#include "redis/connection.h"
#include "redis/gather.h"

#include <QPointer>

#include <algorithm>
#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

QList<SlowLogEntry> parseSlowLog(const redis::Reply& reply, const QString& node)
{
    QList<SlowLogEntry> entries;
    if (!reply.isArray())
        return entries;
    for (const redis::Reply& item : reply.elements()) {
        const auto& fields = item.elements();
        // id, unix time, microseconds, arguments; then (Redis 4+) client address and name.
        if (!item.isArray() || fields.size() < 4 || !fields[0].isInteger() || !fields[1].isInteger()
            || !fields[2].isInteger() || !fields[3].isArray())
            continue;
        SlowLogEntry entry;
        entry.node = node;
        entry.id = fields[0].integer();
        entry.at = QDateTime::fromSecsSinceEpoch(fields[1].integer(), Qt::UTC);
        entry.durationUs = fields[2].integer();
        for (const redis::Reply& argument : fields[3].elements())
            entry.arguments.append(argument.bytes());
        if (fields.size() >= 6) {
            entry.clientAddress = QString::fromUtf8(fields[4].bytes());
            entry.clientName = QString::fromUtf8(fields[5].bytes());
        }
        entries.append(entry);
    }
    return entries;
}

void readSlowLog(redis::Client& client, int count, const QObject* context, std::function<void(const SlowLog&)> done)
{
    auto finish = std::make_shared<std::function<void(const SlowLog&)>>(std::move(done));
    QPointer<redis::Client> guard(&client);
    redis::whenNodesKnown(&client, context, [guard, count, context, finish](const QString& error) {
        if (!error.isEmpty() || !guard) {
            (*finish)(SlowLog {{}, {}, error.isEmpty() ? u"the connection is gone"_s : error});
            return;
        }
        QList<redis::AddressedCommand> commands;
        QStringList names;
        const QList<redis::Connection*> nodes = guard->nodes();
        for (int i = 0; i < nodes.size(); ++i) {
            commands.append({nodes.at(i), {"SLOWLOG", "GET", QByteArray::number(std::max(1, count))}});
            names.append(guard->describeNode(i));
        }
        redis::gatherReplies(commands, context, [names, count, finish](const std::vector<redis::Reply>& replies) {
            SlowLog log;
            log.nodes = names;
            for (std::size_t i = 0; i < replies.size(); ++i) {
                if (replies[i].isError()) {
                    if (log.error.isEmpty())
                        log.error = (names.size() > 1 ? names.at(qsizetype(i)) + u": "_s : QString())
                            + replies[i].errorMessage();
                    continue;
                }
                log.entries += parseSlowLog(replies[i], names.at(qsizetype(i)));
            }
            std::stable_sort(log.entries.begin(), log.entries.end(), [](const SlowLogEntry& a, const SlowLogEntry& b) {
                // Whole seconds: within one, a node's own order (its ids) decides.
                if (a.at != b.at)
                    return a.at > b.at;
                return a.node == b.node ? a.id > b.id : a.node < b.node;
            });
            if (log.entries.size() > count)
                log.entries.resize(count);
            (*finish)(log);
        });
    });
}

} // namespace cachescope::ops
