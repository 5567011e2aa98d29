#pragma once

#include <QCommandLineOption>
#include <QCommandLineParser>
#include <QCoreApplication>
#include <QList>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTextStream>

#include <functional>
#include <memory>
#include <optional>

namespace cachescope::redis {
class Client;
struct ConnectionOptions;
}
namespace cachescope::analysis {
enum class Dimension;
}

namespace cachescope::cli {

// What a command is given to make itself ready: its arguments (after the command name), the parsed options, the
// connection (not yet open; nullptr for a command that needs no server) and the streams. Helpers turn options and
// arguments into values and keep the first usage error.
struct CommandInput
{
    const QCommandLineParser& parser;
    QStringList arguments;
    redis::Client* connection = nullptr;
    const redis::ConnectionOptions* connectionOptions = nullptr;
    QTextStream& out;
    QTextStream& err;
    QString usageError; // the first one; the command is not run

    bool json() const;
    QString actor() const; // --actor, else $USER@host
    int positive(const QString& option, int fallback); // ≥ 1, or a usage error
    int atLeast(const QString& option, int fallback, int minimum); // a whole number ≥ minimum, or a usage error
    int rows(); // --rows: groups printed, 20 unless given, 0 for all
    QByteArray bytes(const QString& argument); // a key or pattern as typed (redis-cli's "\x00" form too)
    void usage(const QString& message);
};

// A command ready to run: `start` once the connection is opening; `cancel` on Ctrl-C (else Ctrl-C exits 130).
// `exitNow` ends the run at once with that code (a command that needs no server, like `key` without --live).
struct PreparedCommand
{
    std::unique_ptr<QObject> runner;
    std::function<void()> start;
    std::function<void()> cancel;
    std::optional<int> exitNow;
};

// A command object whose finished(int) signal ends the run with its exit code; with `cancellable`, Ctrl-C calls its
// cancel() (when it has one).
template<typename Command>
PreparedCommand prepareObject(Command* command, bool cancellable = false)
{
    PreparedCommand prepared;
    QObject::connect(
        command, &Command::finished, QCoreApplication::instance(), [](int code) { QCoreApplication::exit(code); });
    prepared.start = [command] { command->start(); };
    if constexpr (requires { command->cancel(); }) {
        if (cancellable)
            prepared.cancel = [command] { command->cancel(); };
    }
    prepared.runner.reset(command);
    return prepared;
}

// A command that is one function of the connection and the streams, ending with its exit code.
using CommandFunction =
    std::function<void(redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done)>;
// `function` started once the connection is opening; a usage error when the command was given arguments.
PreparedCommand runFunction(CommandInput& input, const QString& name, CommandFunction function);

// --by tenant|venue|route|ns for the analysis and the watches (route when not given); a usage error else.
std::optional<analysis::Dimension> dimensionOption(CommandInput& input);

// What the keyspace-notification watches (`misses`, `evictions`) take alike: no arguments, --seconds, --rows,
// --json, --enable-events, the actor and --by. False after a usage error.
template<typename WatchCommandOptions>
bool readWatchOptions(CommandInput& input, const QString& command, WatchCommandOptions& options)
{
    if (!input.arguments.isEmpty()) {
        input.usage(command + QStringLiteral(" takes no arguments"));
        return false;
    }
    options.seconds = input.positive(QStringLiteral("seconds"), 60);
    options.rows = input.rows();
    options.json = input.json();
    options.watch.mayChangeConfig = input.parser.isSet(QStringLiteral("enable-events"));
    options.watch.actor = input.actor();
    const std::optional<analysis::Dimension> by = dimensionOption(input);
    if (!by)
        return false;
    options.by = *by;
    return true;
}

// One row of cachectl's command table: its name, its help, the options only it takes, and how it gets ready. A new
// command is a file of its own (the command and its prepare function) and one row in commandtable.cpp.
struct CommandSpec
{
    QString name;
    QString help; // the synopsis and what it does, as `cachectl --help` lists it
    QList<QCommandLineOption> options;
    std::function<bool(const QCommandLineParser&)> needsServer; // nullptr: always
    std::function<PreparedCommand(CommandInput&)> prepare; // sets input.usageError instead when it cannot run
};

const QList<CommandSpec>& commandTable();
const CommandSpec* findCommand(const QString& name);

// Every command's options, each name once (for the first parse, before the command is known).
QList<QCommandLineOption> allCommandOptions();

} // namespace cachescope::cli
