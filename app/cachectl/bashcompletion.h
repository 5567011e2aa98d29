#pragma once

#include "commandtable.h"

#include <QString>

namespace cachescope::cli {

// A bash completion script for cachectl, from its command table: commands first, then the options of the command
// given (and the connection options); files for options that take one, the values of --by. Installed by the
// package as /usr/share/bash-completion/completions/cachectl (`cachectl --bash-completion` writes it).
QString bashCompletionScript(const QList<CommandSpec>& commands, const QList<QCommandLineOption>& connectionOptions);

} // namespace cachescope::cli
