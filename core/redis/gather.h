#pragma once

#include "redis/reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>

#include <functional>
#include <utility>
#include <vector>

namespace cachescope::redis {

class Client;

// A command and where it goes: one node (a Connection), or a client that routes it by its keys.
using AddressedCommand = std::pair<Client*, QList<QByteArray>>;

// Sends every command at once (pipelined) and calls `done` once, with each reply in the order the commands were
// given, when the last has answered — the fan-in "count the replies, keep the first error" written once. Never from
// inside this call (an empty list answers on the next turn of the event loop); not at all once `context` is gone.
void gatherReplies(const QList<AddressedCommand>& commands, const QObject* context,
    std::function<void(const std::vector<Reply>& replies)> done);

// The first error among `replies`, if any: what most callers report.
const Reply* firstError(const std::vector<Reply>& replies);

} // namespace cachescope::redis
