#pragma once

#include <QByteArray>
#include <QList>

#include <optional>

namespace cachescope::redis {

// Where a command's keys are, so a cluster client can send it to the node that serves them.
struct CommandKeys
{
    enum class Kind
    {
        NoKeys, // about the server (PING, INFO, SCAN …): any node answers
        Keys, // positions holds the indexes of the key arguments, in order
        Unknown, // a command CacheScope does not know: it is not sent rather than sent to a guessed node
    };
    Kind kind = Kind::Unknown;
    QList<qsizetype> positions;
};

// The key arguments of a command, as the server's COMMAND GETKEYS reports them (the table is checked against a
// real server in tst_commandkeys). Scripts (EVAL, EVALSHA, FCALL and their _RO forms) take theirs from numkeys.
CommandKeys commandKeys(const QList<QByteArray>& arguments);

// Every command name the table knows, upper case, for tests.
QList<QByteArray> knownKeyCommands();

} // namespace cachescope::redis
