// cachectl: the command-line face of CacheScope, for ops engineers and their scripts. It calls the same
// core as the dashboard.

#include "cliconnection.h"
#include "cliresult.h"
#include "getcommand.h"
#include "keyscommand.h"
#include "statscommand.h"

#include "redis/connection.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QTextStream>

#include <cstdio>
#include <memory>

using namespace cachescope;
using namespace cachescope::cli;
using namespace Qt::StringLiterals;

namespace {
const QString commandsHelp = uR"(
Commands:
  keys              Scan keys (SCAN, never KEYS) and count them by tenant, venue and route,
                    service namespace, or other. --match PATTERN, --count N, --type T, --list, --json.
  stats             Cache figures from INFO: hits, misses, hit rate, expired, evicted, memory.
                    --watch prints the figures of each interval (--interval MS, --samples N).
  get KEY           A key's value (JSON pretty-printed, binary escaped), type, TTL and parsed parts.

Exit codes: 0 done, 1 the server failed or could not be reached, 2 usage error.
Connection: REDIS_URL and REDISCLI_AUTH are read from the environment; flags win over them.)"_s;
} // namespace

int main(int argc, char* argv[])
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(u"cachectl"_s);
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);
    QTextStream out(stdout);
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Inspect a Redis-backed API cache."_s + commandsHelp);
    // -h is the host, as in redis-cli; help is --help only.
    parser.addOption({u"help"_s, u"Show this help."_s});
    parser.addVersionOption();
    addConnectionOptions(parser);
    parser.addOptions({
        {u"match"_s, u"keys: SCAN MATCH pattern (Redis glob)."_s, u"pattern"_s},
        {u"count"_s, u"keys: SCAN COUNT hint per page (default 1000)."_s, u"n"_s},
        {u"type"_s, u"keys: only keys of this type (string, hash, …)."_s, u"type"_s},
        {u"list"_s, u"keys: print each key instead of counts."_s},
        {u"json"_s, u"Print JSON."_s},
        {u"watch"_s, u"stats: print the figures of every interval until interrupted."_s},
        {u"interval"_s, u"stats: sampling interval in milliseconds (default 1000)."_s, u"ms"_s},
        {u"samples"_s, u"stats: stop after this many intervals."_s, u"n"_s},
    });
    parser.addPositionalArgument(u"command"_s, u"keys, stats or get."_s, u"<command> [args]"_s);

    if (!parser.parse(QCoreApplication::arguments())) {
        err << "cachectl: " << parser.errorText() << "\nTry 'cachectl --help'.\n";
        return ExitUsage;
    }
    if (parser.isSet(u"help"_s)) {
        out << parser.helpText();
        return ExitOk;
    }
    if (parser.isSet(u"version"_s)) {
        out << "cachectl " << QCoreApplication::applicationVersion() << '\n';
        return ExitOk;
    }
    const QStringList positional = parser.positionalArguments();
    if (positional.isEmpty()) {
        err << "cachectl: no command given." << commandsHelp << '\n';
        return ExitUsage;
    }
    const ConnectionArguments connectionArguments = connectionFromArguments(parser);
    if (!connectionArguments.error.isEmpty()) {
        err << "cachectl: " << connectionArguments.error << '\n';
        return ExitUsage;
    }
    if (!connectionArguments.warning.isEmpty())
        err << connectionArguments.warning << '\n';
    auto positiveNumber = [&parser, &err](const QString& option, int fallback, bool* ok) {
        if (!parser.isSet(option))
            return fallback;
        const int value = parser.value(option).toInt(ok);
        if (!*ok || value <= 0) {
            err << "cachectl: --" << option << " needs a positive number, got '" << parser.value(option) << "'\n";
            *ok = false;
        }
        return value;
    };

    redis::Connection connection(connectionArguments.options);
    const QString command = positional.first();
    std::unique_ptr<QObject> runner;
    std::function<void()> start;
    bool ok = true;

    if (command == u"keys" && positional.size() == 1) {
        KeysCommand::Options options;
        options.scan.match = parser.value(u"match"_s).toUtf8();
        options.scan.count = positiveNumber(u"count"_s, 1000, &ok);
        options.scan.type = parser.value(u"type"_s).toUtf8();
        options.list = parser.isSet(u"list"_s);
        options.json = parser.isSet(u"json"_s);
        auto* keys = new KeysCommand(&connection, options, out, err);
        QObject::connect(keys, &KeysCommand::finished, &app, &QCoreApplication::exit);
        start = [keys] { keys->start(); };
        runner.reset(keys);
    } else if (command == u"stats" && positional.size() == 1) {
        StatsCommand::Options options;
        options.json = parser.isSet(u"json"_s);
        options.watch = parser.isSet(u"watch"_s) || parser.isSet(u"samples"_s);
        options.intervalMs = positiveNumber(u"interval"_s, 1000, &ok);
        options.samples = parser.isSet(u"samples"_s) ? positiveNumber(u"samples"_s, 0, &ok) : 0;
        auto* stats = new StatsCommand(&connection, options, out, err);
        QObject::connect(stats, &StatsCommand::finished, &app, &QCoreApplication::exit);
        start = [stats] { stats->start(); };
        runner.reset(stats);
    } else if (command == u"get" && positional.size() == 2) {
        auto* get = new GetCommand(&connection, positional.at(1).toUtf8(), parser.isSet(u"json"_s), out, err);
        QObject::connect(get, &GetCommand::finished, &app, &QCoreApplication::exit);
        start = [get] { get->start(); };
        runner.reset(get);
    } else {
        err << "cachectl: unknown command or wrong arguments: " << positional.join(u' ') << commandsHelp << '\n';
        return ExitUsage;
    }
    if (!ok)
        return ExitUsage;

    // A connection failure reaches the command as an error on its pending command, which reports it.
    connection.open();
    start();
    const int code = app.exec();
    out.flush();
    return code;
}
