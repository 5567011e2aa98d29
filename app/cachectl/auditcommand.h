#pragma once

#include "commandtable.h"

#include <QTextStream>

namespace cachescope::redis {
class Client;
}

namespace cachescope::cli {

// `cachectl audit`: the newest audit records, newest first. Calls `done` with the exit code.
void runAuditCommand(
    redis::Client& connection, int count, bool json, QTextStream& out, QTextStream& err, std::function<void(int)> done);

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareAudit(CommandInput& input);

} // namespace cachescope::cli
