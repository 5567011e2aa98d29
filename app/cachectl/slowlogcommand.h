#pragma once

#include "commandtable.h"

#include <QTextStream>

#include <functional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::cli {

// `cachectl slowlog`: the newest SLOWLOG entries of every node (a cluster's masters merged, with a node column).
// Exit 1 when a node failed (its name and error on stderr; the other nodes' entries are still printed).
void runSlowLogCommand(
    redis::Client& connection, int count, bool json, QTextStream& out, QTextStream& err, std::function<void(int)> done);

// `cachectl latency`: the latency monitor's events with their history, and each command's p50/p99/p99.9 from
// INFO latencystats, per node.
void runLatencyCommand(
    redis::Client& connection, bool json, QTextStream& out, QTextStream& err, std::function<void(int)> done);

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareSlowLog(CommandInput& input);
PreparedCommand prepareLatency(CommandInput& input);

} // namespace cachescope::cli
