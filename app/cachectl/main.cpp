// cachectl: the command-line face of CacheScope, for ops engineers and their scripts. It calls the same
// core as the dashboard.

#include "argumentbytes.h"
#include "bashcompletion.h"
#include "cliconnection.h"
#include "cliresult.h"
#include "commandtable.h"

#include "redis/client.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>
#include <QTimer>

#include <algorithm>

#include <atomic>
#include <csignal>
#include <memory>

using namespace cachescope;
using namespace cachescope::cli;
using namespace Qt::StringLiterals;

namespace {
// The general help after the command list (each command's own: cachectl COMMAND --help).
const QString generalHelp = uR"(
-c/--cluster: the server is one node of a Redis Cluster. Every command works on the whole cluster: key
commands go to the master serving the key's hash slot (following MOVED/ASK), scans and invalidations walk every
master (UNLINK per slot), stats sum INFO over the masters.

Exit codes: 0 done, 1 the server failed, refused or could not be reached, 2 usage error, 130 interrupted.
Connection: REDIS_URL and REDISCLI_AUTH are read from the environment; flags win over them.)"_s;

QString commandsHelp()
{
    QString help = u"\n\nCommands (cachectl COMMAND --help for each one's options):\n"_s;
    for (const CommandSpec& spec : commandTable()) {
        const QStringList lines = spec.help.split(u'\n');
        help += u"  "_s + spec.name.leftJustified(12) + lines.first() + u'\n';
        for (const QString& line : lines.sliced(1))
            help += QString(14, u' ') + line + u'\n';
    }
    return help;
}

std::atomic<bool> interrupted {false};
void onSignal(int)
{
    interrupted = true;
}
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cachectl"_s);
    QCoreApplication::setApplicationVersion(QStringLiteral(CACHESCOPE_VERSION));
    QTextStream out(stdout);
    QTextStream err(stderr);

    // One parse with every command's options, then a check that each option given belongs to the command named:
    // options are scoped per command (keys' --count is a SCAN hint, audit's a number of records).
    QCommandLineParser parser;
    parser.setApplicationDescription(u"Inspect and safely invalidate a Redis-backed API cache."_s);
    // -h is the host, as in redis-cli; help is --help only.
    const QCommandLineOption helpOption {u"help"_s, u"Show this help (after a command: that command's)."_s};
    parser.addOption(helpOption);
    parser.addVersionOption();
    addConnectionOptions(parser);
    parser.addOptions(allCommandOptions());
    parser.addPositionalArgument(u"command"_s, u"See below."_s, u"<command> [args]"_s);
    auto usage = [&err](const QString& message) {
        err << "cachectl: " << message << "\nTry 'cachectl --help'.\n";
        return int(ExitUsage);
    };

    // For the package's build: not an option a person uses, so not in --help.
    if (argc == 2 && qstrcmp(argv[1], "--bash-completion") == 0) {
        out << bashCompletionScript(commandTable(), connectionOptions());
        return ExitOk;
    }
    // Arguments keep their bytes: a key or pattern that is not UTF-8 reaches Redis as typed.
    if (!parser.parse(argumentsKeepingBytes(argc, argv))) {
        err << "cachectl: " << parser.errorText() << "\nTry 'cachectl --help'.\n";
        return ExitUsage;
    }
    const QStringList positional = parser.positionalArguments();
    const CommandSpec* spec = positional.isEmpty() ? nullptr : findCommand(positional.first());
    if (parser.isSet(helpOption)) {
        if (!spec) {
            QCommandLineParser general;
            general.setApplicationDescription(parser.applicationDescription() + commandsHelp() + generalHelp);
            general.addOption(helpOption);
            general.addVersionOption();
            addConnectionOptions(general);
            out << general.helpText();
        } else {
            QCommandLineParser own;
            own.setApplicationDescription(spec->help);
            own.addOptions(spec->options);
            own.addPositionalArgument(spec->name, QString(), spec->name + u" [args]"_s);
            out << own.helpText() << "\nConnection options: see cachectl --help.\n";
        }
        return ExitOk;
    }
    if (parser.isSet(u"version"_s)) {
        out << "cachectl " << QCoreApplication::applicationVersion() << '\n';
        return ExitOk;
    }
    if (positional.isEmpty()) {
        err << "cachectl: no command given." << commandsHelp() << '\n';
        return ExitUsage;
    }
    if (!spec)
        return usage(u"unknown command or wrong arguments: "_s + positional.join(u' ') + commandsHelp());
    const QList<QCommandLineOption> commandOptions = allCommandOptions();
    auto among = [](const QList<QCommandLineOption>& options, const QString& name) {
        return std::any_of(options.cbegin(), options.cend(),
            [&name](const QCommandLineOption& option) { return option.names().contains(name); });
    };
    for (const QString& name : parser.optionNames()) {
        if (among(commandOptions, name) && !among(spec->options, name))
            return usage(u"--%1 is not an option of %2 (cachectl %2 --help lists them)"_s.arg(name, spec->name));
    }

    const bool needsServer = !spec->needsServer || spec->needsServer(parser);
    ConnectionArguments connectionArguments;
    std::unique_ptr<redis::Client> client;
    if (needsServer) {
        connectionArguments = connectionFromArguments(parser);
        if (!connectionArguments.error.isEmpty())
            return usage(connectionArguments.error);
        if (!connectionArguments.warning.isEmpty())
            err << connectionArguments.warning << '\n';
        if (spec->name == u"serve") {
            connectionArguments.options.autoReconnect = true; // a long-running server rides out Redis restarts
            connectionArguments.options.retryInitialConnect = true;
        }
        client = redis::Client::create(connectionArguments.options);
    }
    CommandInput input {parser, positional.sliced(1), client.get(), &connectionArguments.options, out, err, {}};
    PreparedCommand command = spec->prepare(input);
    if (!input.usageError.isEmpty())
        return usage(input.usageError);
    if (command.exitNow)
        return *command.exitNow;

    // Ctrl-C stops a long invalidation cleanly, reporting exactly what was deleted; other commands just end.
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    QTimer interruptCheck;
    QObject::connect(&interruptCheck, &QTimer::timeout, &app, [&command] {
        if (!interrupted.exchange(false))
            return;
        if (command.cancel)
            command.cancel();
        else
            QCoreApplication::exit(ExitInterrupted);
    });
    interruptCheck.start(100);

    // A connection failure reaches the command as an error on its pending command, which reports it.
    client->open();
    command.start();
    const int code = app.exec();
    out.flush();
    command.runner.reset(); // before the connection it uses
    return code;
}
