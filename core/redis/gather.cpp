#include "redis/gather.h"

#include "redis/client.h"

#include <QCoreApplication>
#include <QPointer>
#include <QTimer>

#include <memory>

namespace cachescope::redis {

void gatherReplies(const QList<AddressedCommand>& commands, const QObject* context,
    std::function<void(const std::vector<Reply>& replies)> done)
{
    if (commands.isEmpty()) {
        QPointer<const QObject> guard(context);
        QTimer::singleShot(0, context ? context : QCoreApplication::instance(),
            [guard, guarded = context != nullptr, done = std::move(done)] {
                if (!guarded || guard)
                    done({});
            });
        return;
    }
    struct Round
    {
        std::vector<Reply> replies;
        qsizetype remaining = 0;
        std::function<void(const std::vector<Reply>&)> done;
    };
    auto round = std::make_shared<Round>();
    round->replies.resize(std::size_t(commands.size()));
    round->remaining = commands.size();
    round->done = std::move(done);
    for (qsizetype i = 0; i < commands.size(); ++i) {
        commands.at(i).first->command(commands.at(i).second, context, [round, i](const Reply& reply) {
            round->replies[std::size_t(i)] = reply;
            if (--round->remaining == 0)
                round->done(round->replies);
        });
    }
}

const Reply* firstError(const std::vector<Reply>& replies)
{
    for (const Reply& reply : replies) {
        if (reply.isError())
            return &reply;
    }
    return nullptr;
}

} // namespace cachescope::redis
