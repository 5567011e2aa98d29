// cachectl: the command-line face of CacheScope, for ops engineers and their scripts. It calls the same
// core as the dashboard.

#include "argumentbytes.h"
#include "auditcommand.h"
#include "cliconnection.h"
#include "cliresult.h"
#include "getcommand.h"
#include "invalidatecommand.h"
#include "keycommand.h"
#include "keyscommand.h"
#include "routescommand.h"
#include "servecommand.h"
#include "statscommand.h"
#include "taginvalidatecommand.h"

#include "model/routeconfigjson.h"
#include "ops/audit.h"
#include "redis/connection.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFile>
#include <QTextStream>
#include <QTimer>

#include <atomic>
#include <csignal>
#include <memory>

using namespace cachescope;
using namespace cachescope::cli;
using namespace Qt::StringLiterals;

namespace {
const QString commandsHelp = uR"(
Commands:
  keys                   Scan keys (SCAN, never KEYS) and count them by tenant, venue and route, service
                         namespace, or other (busiest ten per level; --all). --match PATTERN, --count N,
                         --type T, --list, --json.
  get KEY                A key's value (JSON pretty-printed, binary escaped), type, TTL and parsed parts.
  key METHOD URL         The gateway's cache decision for a request: key, TTL, headers, or why it bypasses.
                         --user-id, --tenant, --venue; rules from --routes FILE, the server (--live) or defaults.
  stats                  Cache figures from INFO (--watch: per interval). --by route|tenant|venue|ns shows
                         CacheScope's own per-label hit rates over --window SECONDS (default 60).
                         --footprint: what CacheScope's own keys (stats, tags, audit, config) cost.
  invalidate --tag TAG   By the cache manager's tag indexes (venue:…, tenant:…, route:…): cost in proportion
                         to the tagged keys, not the keyspace. Dry run counts; --yes deletes; audited.
  invalidate PATTERN...  Dry run: exact count and a sample per pattern. --yes deletes (SCAN + UNLINK),
                         shows progress, writes the audit trail. Protected namespaces are refused;
                         --protect PATTERN adds one (e.g. 'session:*').
  expire PATTERN... --ttl N
                         The same flow, setting a TTL of N seconds (EXPIRE) instead of deleting;
                         --only-shorten leaves keys that already expire sooner (EXPIRE … LT).
  routes get|export FILE|import FILE|set PATH [--ttl N] [--vary a,b] [--private|--shared] [--remove]
                         The live route configuration; writes detect concurrent edits.
  audit                  The newest audit records (--count N, default 20).
  serve                  The admin HTTP API: POST /admin/cache/invalidate {"patterns": [...]},
                         GET /admin/cache/stats?window=60, GET /healthz. Needs a bearer token
                         (--token-file FILE or CACHESCOPE_ADMIN_TOKEN, 16+ characters); --bind ADDRESS
                         (default 127.0.0.1), --http-port N (default 8089, 0: any free port).

-c/--cluster: the server is one node of a Redis Cluster. Every command works on the whole cluster: key
commands go to the master serving the key's hash slot (following MOVED/ASK), scans and invalidations walk every
master (UNLINK per slot), stats sum INFO over the masters.

Exit codes: 0 done, 1 the server failed, refused or could not be reached, 2 usage error.
Connection: REDIS_URL and REDISCLI_AUTH are read from the environment; flags win over them.)"_s;

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
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);
    QTextStream out(stdout);
    QTextStream err(stderr);

    QCommandLineParser parser;
    parser.setApplicationDescription(u"Inspect and safely invalidate a Redis-backed API cache."_s + commandsHelp);
    // -h is the host, as in redis-cli; help is --help only.
    parser.addOption({u"help"_s, u"Show this help."_s});
    parser.addVersionOption();
    addConnectionOptions(parser);
    parser.addOptions({
        {u"match"_s, u"keys: SCAN MATCH pattern (Redis glob)."_s, u"pattern"_s},
        {u"count"_s, u"keys: SCAN COUNT hint per page (default 1000); audit: records to show."_s, u"n"_s},
        {u"type"_s, u"keys: only keys of this type (string, hash, …)."_s, u"type"_s},
        {u"list"_s, u"keys: print each key instead of counts."_s},
        {u"all"_s, u"keys: every tenant, venue and route (default: the busiest ten of each)."_s},
        {u"json"_s, u"Print JSON."_s},
        {u"watch"_s, u"stats: print the figures of every interval until interrupted."_s},
        {u"interval"_s, u"stats: sampling interval in milliseconds (default 1000)."_s, u"ms"_s},
        {u"samples"_s, u"stats: stop after this many intervals."_s, u"n"_s},
        {u"by"_s, u"stats: route, tenant, venue or ns."_s, u"dimension"_s},
        {u"window"_s, u"stats --by: seconds to sum (default 60)."_s, u"s"_s},
        {u"footprint"_s, u"stats: the keys and bytes CacheScope's own data takes in this Redis, by kind."_s},
        {u"yes"_s, u"invalidate, expire: really write (without it, a dry run)."_s},
        {u"protect"_s, u"invalidate, expire: another protected pattern (repeatable)."_s, u"pattern"_s},
        {u"actor"_s, u"Name recorded in the audit trail (default $USER@host)."_s, u"name"_s},
        {u"user-id"_s, u"key: the authenticated user."_s, u"id"_s},
        {u"tenant"_s, u"key: the tenant from the auth context."_s, u"id"_s},
        {u"venue"_s, u"key: the venue from the auth context."_s, u"id"_s},
        {u"routes"_s, u"key: route rules from this JSON file."_s, u"file"_s},
        {u"live"_s, u"key: route rules from the server."_s},
        {u"ttl"_s, u"routes set, expire: TTL in seconds."_s, u"s"_s},
        {u"only-shorten"_s, u"expire: never lengthen a key's TTL."_s},
        {u"masters-at-once"_s,
            u"keys, invalidate, expire: on a cluster, work on at most n masters at once (default: all; 1 is the "
            u"gentlest where masters share a host)."_s,
            u"n"_s},
        {u"tag"_s, u"invalidate: by a tag index instead of patterns, e.g. venue:v7 (repeatable)."_s, u"tag"_s},
        {u"allow-no-match"_s,
            u"invalidate, expire: run even when every pattern provably matches no gateway key (default: refuse)."_s},
        {u"token-file"_s, u"serve: file holding the bearer token (else CACHESCOPE_ADMIN_TOKEN)."_s, u"file"_s},
        {u"bind"_s, u"serve: address to listen on (default 127.0.0.1)."_s, u"address"_s},
        {u"http-port"_s, u"serve: port to listen on (default 8089; 0: any free port)."_s, u"port"_s},
        {u"vary"_s, u"routes set: comma-separated vary-by query parameters."_s, u"params"_s},
        {u"private"_s, u"routes set: one entry per user."_s},
        {u"shared"_s, u"routes set: one entry for everyone."_s},
        {u"remove"_s, u"routes set: delete the rule."_s},
    });
    parser.addPositionalArgument(u"command"_s, u"See below."_s, u"<command> [args]"_s);

    // Arguments keep their bytes: a key or pattern that is not UTF-8 reaches Redis as typed.
    if (!parser.parse(argumentsKeepingBytes(argc, argv))) {
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
    auto usage = [&err](const QString& message) {
        err << "cachectl: " << message << "\nTry 'cachectl --help'.\n";
        return int(ExitUsage);
    };
    bool ok = true;
    auto positiveNumber = [&parser, &err, &ok](const QString& option, int fallback) {
        return intOption(parser, option, fallback, 1, err, u"cachectl"_s, &ok);
    };
    auto mastersAtOnce = [&positiveNumber] { return positiveNumber(u"masters-at-once"_s, 0); };
    auto keyRequest = [&parser, &positional] {
        KeyRequest request {positional.at(1).toUtf8(), positional.at(2), {}, {}, {}};
        if (parser.isSet(u"user-id"_s))
            request.userId = parser.value(u"user-id"_s);
        if (parser.isSet(u"tenant"_s))
            request.tenantId = parser.value(u"tenant"_s);
        if (parser.isSet(u"venue"_s))
            request.venueId = parser.value(u"venue"_s);
        return request;
    };
    // The exact bytes of a key or pattern argument (redis-cli's "\x00\xff" form accepted); a malformed quoted
    // form is a usage error.
    QString bytesError;
    auto bytesOf = [&bytesError](const QString& argument) {
        QString error;
        const QByteArray bytes = argumentBytes(argument, &error);
        if (!error.isEmpty() && bytesError.isEmpty())
            bytesError = u"%1: %2"_s.arg(argument.left(100), error);
        return bytes;
    };
    const QString command = positional.first();
    const bool json = parser.isSet(u"json"_s);
    const QString actor = parser.isSet(u"actor"_s) ? parser.value(u"actor"_s) : ops::defaultActor();

    // `key` needs no server unless --live.
    if (command == u"key" && !parser.isSet(u"live"_s)) {
        if (positional.size() != 3)
            return usage(u"key takes METHOD and URL, e.g. cachectl key GET '/api/search?q=rock'"_s);
        model::RouteConfig rules = model::RouteConfig::defaults();
        if (parser.isSet(u"routes"_s)) {
            QFile file(parser.value(u"routes"_s));
            if (!file.open(QIODevice::ReadOnly))
                return usage(u"cannot read %1: %2"_s.arg(file.fileName(), file.errorString()));
            const auto parsed = model::parseRouteConfigJson(file.readAll());
            if (!parsed.config)
                return usage(file.fileName() + u": "_s + parsed.errors.first().toString());
            rules = *parsed.config;
        }
        return printKeyDecision(rules, keyRequest(), json, out);
    }

    const ConnectionArguments connectionArguments = connectionFromArguments(parser);
    if (!connectionArguments.error.isEmpty())
        return usage(connectionArguments.error);
    if (!connectionArguments.warning.isEmpty())
        err << connectionArguments.warning << '\n';
    redis::ConnectionOptions connectionOptions = connectionArguments.options;
    if (command == u"serve") {
        connectionOptions.autoReconnect = true; // a long-running server rides out Redis restarts
        connectionOptions.retryInitialConnect = true;
    }
    const std::unique_ptr<redis::Client> client = redis::Client::create(connectionOptions);
    redis::Client& connection = *client;
    std::unique_ptr<QObject> runner;
    std::function<void()> start;
    std::function<void()> cancel;
    auto finish = [](int code) { QCoreApplication::exit(code); };

    if (command == u"keys" && positional.size() == 1) {
        KeysCommand::Options options;
        options.scan.match = bytesOf(parser.value(u"match"_s));
        options.scan.count = positiveNumber(u"count"_s, 1000);
        options.scan.type = parser.value(u"type"_s).toUtf8();
        options.list = parser.isSet(u"list"_s);
        options.all = parser.isSet(u"all"_s);
        options.json = json;
        options.mastersAtOnce = mastersAtOnce();
        if (!ok)
            return ExitUsage;
        auto* keys = new KeysCommand(&connection, options, out, err);
        QObject::connect(keys, &KeysCommand::finished, &app, finish);
        start = [keys] { keys->start(); };
        runner.reset(keys);
    } else if (command == u"stats" && positional.size() == 1) {
        StatsCommand::Options options;
        options.json = json;
        options.watch = parser.isSet(u"watch"_s) || parser.isSet(u"samples"_s);
        options.intervalMs = positiveNumber(u"interval"_s, 1000);
        options.samples = parser.isSet(u"samples"_s) ? positiveNumber(u"samples"_s, 0) : 0;
        options.windowSeconds = positiveNumber(u"window"_s, 60);
        options.footprint = parser.isSet(u"footprint"_s);
        if (options.footprint && (options.watch || parser.isSet(u"by"_s)))
            return usage(u"--footprint stands alone: not with --watch, --samples or --by"_s);
        if (parser.isSet(u"by"_s)) {
            const QString by = parser.value(u"by"_s);
            for (int d = 0; d < int(cache::StatsDimension::Count_); ++d) {
                if (QString::fromUtf8(cache::statsDimensionName(cache::StatsDimension(d))) == by)
                    options.by = cache::StatsDimension(d);
            }
            if (!options.by || by == u"total")
                return usage(u"--by takes route, tenant, venue or ns"_s);
        }
        auto* stats = new StatsCommand(&connection, options, out, err);
        QObject::connect(stats, &StatsCommand::finished, &app, finish);
        start = [stats] { stats->start(); };
        runner.reset(stats);
    } else if (command == u"get" && positional.size() == 2) {
        const QByteArray key = bytesOf(positional.at(1));
        if (!bytesError.isEmpty())
            return usage(bytesError);
        auto* get = new GetCommand(&connection, key, json, out, err);
        QObject::connect(get, &GetCommand::finished, &app, finish);
        start = [get] { get->start(); };
        runner.reset(get);
    } else if (command == u"key" && positional.size() == 3) { // --live
        const KeyRequest request = keyRequest();
        auto* store = new ops::RouteConfigStore(&connection);
        start = [store, request, json, &out, &err] {
            store->load(
                store, [request, json, &out, &err](std::optional<ops::RouteConfigSnapshot> s, const QString& e) {
                    if (!s) {
                        err << "cachectl key: " << e << '\n';
                        QCoreApplication::exit(ExitFailure);
                        return;
                    }
                    QCoreApplication::exit(printKeyDecision(s->config, request, json, out));
                });
        };
        runner.reset(store);
    } else if (command == u"invalidate" && parser.isSet(u"tag"_s) && positional.size() == 1) {
        TagInvalidateCommand::Options options;
        for (const QString& tag : parser.values(u"tag"_s))
            options.tags.append(bytesOf(tag));
        options.execute = parser.isSet(u"yes"_s);
        options.json = json;
        options.actor = actor;
        auto* byTag = new TagInvalidateCommand(&connection, options, out, err);
        QObject::connect(byTag, &TagInvalidateCommand::finished, &app, finish);
        start = [byTag] { byTag->start(); };
        runner.reset(byTag);
    } else if ((command == u"invalidate" || command == u"expire") && positional.size() >= 2) {
        InvalidateCommand::Options options;
        if (command == u"expire") {
            if (!parser.isSet(u"ttl"_s))
                return usage(u"expire needs --ttl SECONDS"_s);
            options.expireSeconds = positiveNumber(u"ttl"_s, 0);
            options.onlyShorten = parser.isSet(u"only-shorten"_s);
            if (!ok)
                return ExitUsage;
        }
        for (const QString& pattern : positional.sliced(1))
            options.patterns.append(bytesOf(pattern));
        for (const QString& pattern : parser.values(u"protect"_s))
            options.safety.protectedPatterns.append(bytesOf(pattern));
        options.safety.readOnly = connectionOptions.readOnly;
        options.safety.actor = actor;
        options.execute = parser.isSet(u"yes"_s);
        options.json = json;
        options.mastersAtOnce = mastersAtOnce();
        options.allowNoMatch = parser.isSet(u"allow-no-match"_s);
        if (!ok)
            return ExitUsage;
        auto* invalidate = new InvalidateCommand(&connection, options, out, err);
        QObject::connect(invalidate, &InvalidateCommand::finished, &app, finish);
        start = [invalidate] { invalidate->start(); };
        cancel = [invalidate] { invalidate->cancel(); };
        runner.reset(invalidate);
    } else if (command == u"serve" && positional.size() == 1) {
        ServeCommand::Options options;
        QByteArray token = qgetenv("CACHESCOPE_ADMIN_TOKEN");
        if (parser.isSet(u"token-file"_s)) {
            QFile file(parser.value(u"token-file"_s));
            if (!file.open(QIODevice::ReadOnly))
                return usage(u"cannot read the token file %1: %2"_s.arg(file.fileName(), file.errorString()));
            token = file.readLine().trimmed();
        }
        token = token.trimmed();
        if (token.isEmpty())
            return usage(
                u"serve needs a bearer token: --token-file FILE or CACHESCOPE_ADMIN_TOKEN (no token, no start)"_s);
        if (token.size() < 16)
            return usage(u"the bearer token is too short: use at least 16 characters"_s);
        // A header value cannot carry spaces or control bytes inside a token: such a token could never match.
        if (std::any_of(token.cbegin(), token.cend(), [](char c) { return uchar(c) <= 0x20 || uchar(c) == 0x7f; }))
            return usage(u"the bearer token holds spaces or control characters: use printable characters only"_s);
        options.api.token = token;
        if (parser.isSet(u"bind"_s) && !options.bind.setAddress(parser.value(u"bind"_s)))
            return usage(u"--bind takes an IP address, e.g. 127.0.0.1 or ::1"_s);
        if (parser.isSet(u"http-port"_s)) {
            bool portOk = false;
            const uint port = parser.value(u"http-port"_s).toUInt(&portOk);
            if (!portOk || port > 65535)
                return usage(u"--http-port takes 0 to 65535"_s);
            options.port = quint16(port);
        }
        for (const QString& pattern : parser.values(u"protect"_s))
            options.api.protectedPatterns.append(bytesOf(pattern));
        options.api.readOnly = connectionOptions.readOnly;
        options.api.actor = parser.isSet(u"actor"_s) ? actor : u"admin-api@"_s + QSysInfo::machineHostName();
        auto* serve = new ServeCommand(&connection, options, out, err);
        QObject::connect(serve, &ServeCommand::finished, &app, finish);
        start = [serve] { serve->start(); };
        cancel = [serve] { serve->cancel(); };
        runner.reset(serve);
    } else if (command == u"routes" && positional.size() >= 2) {
        RoutesCommand::Options options;
        options.action = positional.at(1);
        options.json = json;
        options.actor = actor;
        const bool needsArgument = options.action != u"get";
        if (!QStringList {u"get"_s, u"export"_s, u"import"_s, u"set"_s}.contains(options.action))
            return usage(u"routes takes get, export FILE, import FILE or set PATH"_s);
        if (positional.size() != (needsArgument ? 3 : 2))
            return usage(u"routes %1 takes %2"_s.arg(options.action, needsArgument ? u"one argument"_s : u"none"_s));
        if (needsArgument)
            options.argument = positional.at(2);
        if (parser.isSet(u"ttl"_s))
            options.ttl = parser.value(u"ttl"_s).toInt(&ok);
        if (!ok)
            return usage(u"--ttl needs a whole number of seconds"_s);
        if (parser.isSet(u"vary"_s))
            options.varyBy = parser.value(u"vary"_s).split(u',', Qt::SkipEmptyParts);
        if (parser.isSet(u"private"_s) && parser.isSet(u"shared"_s))
            return usage(u"--private and --shared contradict each other"_s);
        if (parser.isSet(u"private"_s) || parser.isSet(u"shared"_s))
            options.isPrivate = parser.isSet(u"private"_s);
        options.remove = parser.isSet(u"remove"_s);
        auto* routes = new RoutesCommand(&connection, options, out, err);
        QObject::connect(routes, &RoutesCommand::finished, &app, finish);
        start = [routes] { routes->start(); };
        runner.reset(routes);
    } else if (command == u"audit" && positional.size() == 1) {
        const int count = positiveNumber(u"count"_s, 20);
        start = [&connection, count, json, &out, &err, finish] {
            runAuditCommand(connection, count, json, out, err, finish);
        };
    } else {
        return usage(u"unknown command or wrong arguments: "_s + positional.join(u' ') + commandsHelp);
    }
    if (!ok)
        return ExitUsage;
    if (!bytesError.isEmpty())
        return usage(bytesError);

    // Ctrl-C stops a long invalidation cleanly, reporting exactly what was deleted; other commands just end.
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    QTimer interruptCheck;
    QObject::connect(&interruptCheck, &QTimer::timeout, &app, [&cancel] {
        if (!interrupted.exchange(false))
            return;
        if (cancel)
            cancel();
        else
            QCoreApplication::exit(130);
    });
    interruptCheck.start(100);

    // A connection failure reaches the command as an error on its pending command, which reports it.
    connection.open();
    start();
    const int code = app.exec();
    out.flush();
    return code;
}
