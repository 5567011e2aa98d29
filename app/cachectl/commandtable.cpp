#include "commandtable.h"

#include "analyzecommand.h"
#include "argumentbytes.h"
#include "auditcommand.h"
#include "cliconnection.h"
#include "cliresult.h"
#include "evictionscommand.h"
#include "getcommand.h"
#include "invalidatecommand.h"
#include "keycommand.h"
#include "keyscommand.h"
#include "missescommand.h"
#include "routescommand.h"
#include "servecommand.h"
#include "slowlogcommand.h"
#include "statscommand.h"

#include "analysis/analysisdiff.h"
#include "analysis/snapshotstore.h"
#include "model/routeconfigjson.h"
#include "ops/audit/audit.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/client.h"

#include <QCoreApplication>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSysInfo>

#include <algorithm>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

bool CommandInput::json() const
{
    return parser.isSet(u"json"_s);
}

QString CommandInput::actor() const
{
    return parser.isSet(u"actor"_s) ? parser.value(u"actor"_s) : ops::defaultActor();
}

int CommandInput::positive(const QString& option, int fallback)
{
    return atLeast(option, fallback, 1);
}

int CommandInput::rows()
{
    return atLeast(u"rows"_s, 20, 0);
}

int CommandInput::atLeast(const QString& option, int fallback, int minimum)
{
    bool ok = true;
    QString message;
    QTextStream errors(&message);
    const int value = intOption(parser, option, fallback, minimum, errors, u"cachectl"_s, &ok);
    if (!ok) {
        errors.flush();
        // intOption wrote "cachectl: --x …": keep the reason, the usage message adds the prefix.
        message = message.trimmed();
        usage(message.startsWith(u"cachectl: "_s) ? message.sliced(10) : message);
    }
    return value;
}

QByteArray CommandInput::bytes(const QString& argument)
{
    QString error;
    const QByteArray result = argumentBytes(argument, &error);
    if (!error.isEmpty())
        usage(u"%1: %2"_s.arg(argument.left(100), error));
    return result;
}

void CommandInput::usage(const QString& message)
{
    if (usageError.isEmpty())
        usageError = message;
}

namespace {
// The finished(int) signal of a command object ends the run with its exit code.
template<typename Command>
PreparedCommand run(Command* command, bool cancellable = false)
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

const QCommandLineOption jsonOption {u"json"_s, u"Print JSON."_s};
const QCommandLineOption actorOption {
    u"actor"_s, u"Name recorded in the audit trail (default $USER@host)."_s, u"name"_s};
const QCommandLineOption protectOption {
    u"protect"_s, u"Another protected pattern, never deleted (repeatable), e.g. 'session:*'."_s, u"pattern"_s};
const QCommandLineOption mastersOption {u"masters-at-once"_s,
    u"On a cluster, work on at most n masters at once (default: all; 1 is the gentlest where masters share a "
    u"host)."_s,
    u"n"_s};
const QCommandLineOption yesOption {u"yes"_s, u"Really write (without it, a dry run)."_s};
const QCommandLineOption tagOption {u"tag"_s,
    u"By a cache-manager tag index instead of patterns, e.g. venue:v7 (repeatable). Protected keys it lists are "
    u"skipped."_s,
    u"tag"_s};
const QCommandLineOption allowNoMatchOption {
    u"allow-no-match"_s, u"Run even when every pattern provably matches no gateway key (default: refuse)."_s};

KeyRequest keyRequest(const CommandInput& input)
{
    KeyRequest request {input.arguments.at(0).toUtf8(), input.arguments.at(1), {}, {}, {}};
    if (input.parser.isSet(u"user-id"_s))
        request.userId = input.parser.value(u"user-id"_s);
    if (input.parser.isSet(u"tenant"_s))
        request.tenantId = input.parser.value(u"tenant"_s);
    if (input.parser.isSet(u"venue"_s))
        request.venueId = input.parser.value(u"venue"_s);
    return request;
}

PreparedCommand prepareKeys(CommandInput& input)
{
    if (!input.arguments.isEmpty()) {
        input.usage(u"keys takes no arguments (--match PATTERN selects keys)"_s);
        return {};
    }
    KeysCommand::Options options;
    options.scan.match = input.bytes(input.parser.value(u"match"_s));
    options.scan.count = input.positive(u"count"_s, 1000);
    options.scan.type = input.parser.value(u"type"_s).toUtf8();
    options.list = input.parser.isSet(u"list"_s);
    options.all = input.parser.isSet(u"all"_s);
    options.json = input.json();
    options.mastersAtOnce = input.positive(u"masters-at-once"_s, 0);
    return run(new KeysCommand(input.connection, options, input.out, input.err));
}

PreparedCommand prepareStats(CommandInput& input)
{
    if (!input.arguments.isEmpty()) {
        input.usage(u"stats takes no arguments"_s);
        return {};
    }
    const QCommandLineParser& parser = input.parser;
    StatsCommand::Options options;
    options.json = input.json();
    options.watch = parser.isSet(u"watch"_s) || parser.isSet(u"samples"_s);
    options.intervalMs = input.positive(u"interval"_s, 1000);
    options.samples = parser.isSet(u"samples"_s) ? input.positive(u"samples"_s, 0) : 0;
    options.windowSeconds = input.positive(u"window"_s, 60);
    options.top = input.positive(u"top"_s, 50);
    options.footprint = parser.isSet(u"footprint"_s);
    if (options.footprint && (options.watch || parser.isSet(u"by"_s)))
        input.usage(u"--footprint stands alone: not with --watch, --samples or --by"_s);
    if (parser.isSet(u"by"_s)) {
        const QString by = parser.value(u"by"_s);
        for (int d = 0; d < int(cache::StatsDimension::Count_); ++d) {
            if (QString::fromUtf8(cache::statsDimensionName(cache::StatsDimension(d))) == by)
                options.by = cache::StatsDimension(d);
        }
        if (!options.by || by == u"total")
            input.usage(u"--by takes route, tenant, venue or ns"_s);
    }
    return run(new StatsCommand(input.connection, options, input.out, input.err));
}

PreparedCommand prepareGet(CommandInput& input)
{
    if (input.arguments.size() != 1) {
        input.usage(u"get takes one KEY"_s);
        return {};
    }
    const QByteArray key = input.bytes(input.arguments.first());
    return run(new GetCommand(input.connection, key, input.json(), input.out, input.err));
}

PreparedCommand prepareKey(CommandInput& input)
{
    if (input.arguments.size() != 2) {
        input.usage(u"key takes METHOD and URL, e.g. cachectl key GET '/api/search?q=rock'"_s);
        return {};
    }
    const KeyRequest request = keyRequest(input);
    const bool json = input.json();
    PreparedCommand prepared;
    if (!input.parser.isSet(u"live"_s)) {
        model::RouteConfig rules = model::RouteConfig::defaults();
        if (input.parser.isSet(u"routes"_s)) {
            QFile file(input.parser.value(u"routes"_s));
            if (!file.open(QIODevice::ReadOnly)) {
                input.usage(u"cannot read %1: %2"_s.arg(file.fileName(), file.errorString()));
                return {};
            }
            const auto parsed = model::parseRouteConfigJson(file.readAll());
            if (!parsed.config) {
                input.usage(file.fileName() + u": "_s + parsed.errors.first().toString());
                return {};
            }
            rules = *parsed.config;
        }
        prepared.exitNow = printKeyDecision(rules, request, json, input.out);
        return prepared;
    }
    auto* store = new ops::RouteConfigStore(input.connection);
    QTextStream& out = input.out;
    QTextStream& err = input.err;
    prepared.start = [store, request, json, &out, &err] {
        store->load(store, [request, json, &out, &err](std::optional<ops::RouteConfigSnapshot> s, const QString& e) {
            if (!s) {
                err << "cachectl key: " << e << '\n';
                QCoreApplication::exit(ExitFailure);
                return;
            }
            QCoreApplication::exit(printKeyDecision(s->config, request, json, out));
        });
    };
    prepared.runner.reset(store);
    return prepared;
}

PreparedCommand prepareInvalidateOrExpire(CommandInput& input, bool expire)
{
    const QCommandLineParser& parser = input.parser;
    const QString name = expire ? u"expire"_s : u"invalidate"_s;
    if (parser.isSet(u"tag"_s) && !input.arguments.isEmpty()) {
        input.usage(name + u" takes --tag TAG or PATTERNs, not both"_s);
        return {};
    }
    if (input.arguments.isEmpty() && !parser.isSet(u"tag"_s)) {
        input.usage(name
            + (expire ? u" takes PATTERN... or --tag TAG, and --ttl SECONDS"_s : u" takes PATTERN... or --tag TAG"_s));
        return {};
    }
    InvalidateCommand::Options options;
    for (const QString& tag : parser.values(u"tag"_s))
        options.tags.append(input.bytes(tag));
    if (expire) {
        if (!parser.isSet(u"ttl"_s)) {
            input.usage(u"expire needs --ttl SECONDS"_s);
            return {};
        }
        options.expireSeconds = input.positive(u"ttl"_s, 0);
        options.onlyShorten = parser.isSet(u"only-shorten"_s);
    }
    for (const QString& pattern : input.arguments)
        options.patterns.append(input.bytes(pattern));
    for (const QString& pattern : parser.values(u"protect"_s))
        options.safety.protectedPatterns.append(input.bytes(pattern));
    options.safety.readOnly = input.connectionOptions->readOnly;
    options.safety.actor = input.actor();
    options.execute = parser.isSet(u"yes"_s);
    options.json = input.json();
    options.mastersAtOnce = input.positive(u"masters-at-once"_s, 0);
    options.allowNoMatch = parser.isSet(u"allow-no-match"_s);
    return run(new InvalidateCommand(input.connection, options, input.out, input.err), true);
}

// A token from `fileOption`'s file, else the environment; empty when neither gives one, nothing (after a usage
// error) when the file cannot be read or the token cannot work.
std::optional<QByteArray> readToken(
    CommandInput& input, const QString& fileOption, const char* environment, const QString& what)
{
    QByteArray token = qgetenv(environment);
    if (input.parser.isSet(fileOption)) {
        QFile file(input.parser.value(fileOption));
        const QFileInfo info(file);
        // A regular file only (a FIFO or /dev/zero would hold serve for good), and, as ssh asks of its keys, one that
        // only its owner can read: a token others can read is not a secret.
        if (info.exists() && !info.isFile()) {
            input.usage(u"the token file %1 is not a regular file"_s.arg(file.fileName()));
            return std::nullopt;
        }
        constexpr auto others = QFile::ReadGroup | QFile::WriteGroup | QFile::ReadOther | QFile::WriteOther;
        if (info.exists() && (info.permissions() & others)) {
            input.usage(u"the token file %1 can be read or written by others: chmod 600 it"_s.arg(file.fileName()));
            return std::nullopt;
        }
        if (!file.open(QIODevice::ReadOnly)) {
            input.usage(u"cannot read the token file %1: %2"_s.arg(file.fileName(), file.errorString()));
            return std::nullopt;
        }
        token = file.readLine(4096).trimmed(); // a token is a line of a few dozen bytes
    }
    token = token.trimmed();
    if (token.isEmpty())
        return token;
    if (token.size() < 16) {
        input.usage(u"%1 is too short: use at least 16 characters"_s.arg(what));
        return std::nullopt;
    }
    // A header value cannot carry spaces or control bytes inside a token: such a token could never match.
    if (std::any_of(token.cbegin(), token.cend(), [](char c) { return uchar(c) <= 0x20 || uchar(c) == 0x7f; })) {
        input.usage(u"%1 holds spaces or control characters: use printable characters only"_s.arg(what));
        return std::nullopt;
    }
    return token;
}

PreparedCommand prepareServe(CommandInput& input)
{
    if (!input.arguments.isEmpty()) {
        input.usage(u"serve takes no arguments"_s);
        return {};
    }
    const QCommandLineParser& parser = input.parser;
    ServeCommand::Options options;
    const std::optional<QByteArray> token =
        readToken(input, u"token-file"_s, "CACHESCOPE_ADMIN_TOKEN", u"the bearer token"_s);
    if (!token)
        return {};
    if (token->isEmpty()) {
        input.usage(u"serve needs a bearer token: --token-file FILE or CACHESCOPE_ADMIN_TOKEN (no token, no start)"_s);
        return {};
    }
    const std::optional<QByteArray> metricsToken =
        readToken(input, u"metrics-token-file"_s, "CACHESCOPE_METRICS_TOKEN", u"the metrics token"_s);
    if (!metricsToken)
        return {};
    if (!metricsToken->isEmpty() && *metricsToken == *token) {
        input.usage(u"the metrics token must differ from the admin token: it is meant for a Prometheus server"_s);
        return {};
    }
    options.api.metricsToken = *metricsToken;
    options.metrics = !parser.isSet(u"no-metrics"_s);
    options.watchMisses = parser.isSet(u"watch-misses"_s);
    if (options.watchMisses && !options.metrics) {
        input.usage(u"--watch-misses fills /metrics: it cannot go with --no-metrics"_s);
        return {};
    }
    options.misses.mayChangeConfig = parser.isSet(u"enable-events"_s);
    options.misses.actor = input.actor();
    options.misses.readStats = false;
    options.misses.sizeSamplesPerRoute = 0;
    options.collector.maxLabels = input.atLeast(u"metrics-labels"_s, options.collector.maxLabels, 1);
    options.collector.footprintInterval =
        std::chrono::seconds(input.positive(u"footprint-interval"_s, int(options.collector.footprintInterval.count())));
    options.collector.footprintBudgetBytes =
        qint64(input.positive(u"footprint-budget-mib"_s, int(options.collector.footprintBudgetBytes >> 20))) << 20;
    options.api.token = *token;
    if (parser.isSet(u"bind"_s) && !options.bind.setAddress(parser.value(u"bind"_s))) {
        input.usage(u"--bind takes an IP address, e.g. 127.0.0.1 or ::1"_s);
        return {};
    }
    if (parser.isSet(u"http-port"_s)) {
        bool portOk = false;
        const uint port = parser.value(u"http-port"_s).toUInt(&portOk);
        if (!portOk || port > 65535) {
            input.usage(u"--http-port takes 0 to 65535"_s);
            return {};
        }
        options.port = quint16(port);
    }
    for (const QString& pattern : parser.values(u"protect"_s))
        options.api.protectedPatterns.append(input.bytes(pattern));
    options.api.readOnly = input.connectionOptions->readOnly;
    options.api.actor = parser.isSet(u"actor"_s) ? input.actor() : u"admin-api@"_s + QSysInfo::machineHostName();
    return run(new ServeCommand(input.connection, options, input.out, input.err), true);
}

PreparedCommand prepareRoutes(CommandInput& input)
{
    const QCommandLineParser& parser = input.parser;
    RoutesCommand::Options options;
    options.action = input.arguments.value(0);
    options.json = input.json();
    options.actor = input.actor();
    const bool needsArgument = options.action != u"get" && options.action != u"restore";
    if (!QStringList {u"get"_s, u"export"_s, u"import"_s, u"set"_s, u"restore"_s}.contains(options.action)) {
        input.usage(u"routes takes get, export FILE, import FILE, set PATH or restore"_s);
        return {};
    }
    if (input.arguments.size() != (needsArgument ? 2 : 1)) {
        input.usage(u"routes %1 takes %2"_s.arg(options.action, needsArgument ? u"one argument"_s : u"none"_s));
        return {};
    }
    if (needsArgument)
        options.argument = input.arguments.at(1);
    if (parser.isSet(u"ttl"_s)) {
        bool ok = false;
        options.ttl = parser.value(u"ttl"_s).toInt(&ok);
        if (!ok) {
            input.usage(u"--ttl needs a whole number of seconds"_s);
            return {};
        }
    }
    if (parser.isSet(u"vary"_s))
        options.varyBy = parser.value(u"vary"_s).split(u',', Qt::SkipEmptyParts);
    if (parser.isSet(u"private"_s) && parser.isSet(u"shared"_s)) {
        input.usage(u"--private and --shared contradict each other"_s);
        return {};
    }
    if (parser.isSet(u"private"_s) || parser.isSet(u"shared"_s))
        options.isPrivate = parser.isSet(u"private"_s);
    options.remove = parser.isSet(u"remove"_s);
    return run(new RoutesCommand(input.connection, options, input.out, input.err));
}

// --by tenant|venue|route|ns for the analysis and the eviction watch (route when not given); a usage error else.
std::optional<analysis::Dimension> dimensionOption(CommandInput& input)
{
    if (!input.parser.isSet(u"by"_s))
        return analysis::Dimension::Route;
    const auto by = analysis::dimensionFromName(input.parser.value(u"by"_s));
    if (!by)
        input.usage(u"--by takes tenant, venue, route or ns"_s);
    return by;
}

PreparedCommand prepareAnalyze(CommandInput& input)
{
    const QCommandLineParser& parser = input.parser;
    const std::optional<analysis::Dimension> by = dimensionOption(input);
    if (!by)
        return {};
    const int rows = input.rows();
    if (parser.isSet(u"json"_s) && parser.isSet(u"csv"_s)) {
        input.usage(u"--json and --csv: choose one"_s);
        return {};
    }
    const analysis::SnapshotStore store;
    PreparedCommand prepared;
    if (parser.isSet(u"saved"_s)) {
        if (input.json())
            input.out << QJsonDocument(QJsonArray::fromStringList(store.names())).toJson();
        else {
            for (const QString& name : store.names())
                input.out << name << '\n';
        }
        prepared.exitNow = ExitOk;
        return prepared;
    }
    if (parser.isSet(u"diff"_s)) {
        if (input.arguments.size() != 1) {
            input.usage(u"--diff takes two saved analyses: analyze --diff EARLIER LATER"_s);
            return {};
        }
        QString error;
        const auto before = store.load(parser.value(u"diff"_s), &error);
        const auto after = before ? store.load(input.arguments.first(), &error) : std::nullopt;
        if (!before || !after) {
            input.err << "cachectl analyze: " << error << '\n';
            prepared.exitNow = ExitFailure;
            return prepared;
        }
        const analysis::AnalysisDiff diff = analysis::diffAnalyses(*before, *after, *by);
        if (input.json())
            input.out << QJsonDocument(diff.toJson()).toJson(QJsonDocument::Indented);
        else
            printAnalysisDiff(diff, rows, input.out);
        prepared.exitNow = ExitOk;
        return prepared;
    }
    if (!input.arguments.isEmpty()) {
        input.usage(u"analyze takes no arguments (--match PATTERN selects keys)"_s);
        return {};
    }
    AnalyzeCommand::Options options;
    options.by = *by;
    options.rows = rows;
    options.json = input.json();
    options.csv = parser.isSet(u"csv"_s);
    options.analysis.match = input.bytes(parser.value(u"match"_s));
    options.analysis.sampleEvery = input.positive(u"sample"_s, 1);
    options.analysis.measureTtl = !parser.isSet(u"no-ttl"_s);
    options.analysis.topKeys = input.positive(u"top"_s, 10);
    options.analysis.scanCount = input.positive(u"count"_s, 1000);
    options.analysis.mastersAtOnce = input.positive(u"masters-at-once"_s, 0);
    if (parser.isSet(u"save"_s)) {
        options.saveAs = parser.value(u"save"_s);
        if (!analysis::SnapshotStore::isValidName(options.saveAs)) {
            input.usage(u"--save takes a name of letters, digits, '.', '_' and '-' (at most 64)"_s);
            return {};
        }
    }
    return run(new AnalyzeCommand(input.connection, options, input.out, input.err), true);
}

PreparedCommand prepareMisses(CommandInput& input)
{
    if (!input.arguments.isEmpty()) {
        input.usage(u"misses takes no arguments"_s);
        return {};
    }
    const QCommandLineParser& parser = input.parser;
    MissesCommand::Options options;
    options.seconds = input.positive(u"seconds"_s, 60);
    options.rows = input.rows();
    options.json = input.json();
    options.whatIf = parser.isSet(u"what-if"_s);
    options.restore = parser.isSet(u"restore"_s);
    options.watch.mayChangeConfig = parser.isSet(u"enable-events"_s);
    options.watch.actor = input.actor();
    options.watch.anatomy.graceMs = qint64(input.atLeast(u"grace"_s, 60, 0)) * 1000;
    const auto by = dimensionOption(input);
    if (!by)
        return {};
    options.by = *by;
    return run(new MissesCommand(input.connection, options, input.out, input.err), true);
}

PreparedCommand prepareEvictions(CommandInput& input)
{
    if (!input.arguments.isEmpty()) {
        input.usage(u"evictions takes no arguments"_s);
        return {};
    }
    const QCommandLineParser& parser = input.parser;
    EvictionsCommand::Options options;
    options.seconds = input.positive(u"seconds"_s, 60);
    options.rows = input.rows();
    options.json = input.json();
    options.watch.mayChangeConfig = parser.isSet(u"enable-events"_s);
    options.watch.actor = input.actor();
    const auto by = dimensionOption(input);
    if (!by)
        return {};
    options.by = *by;
    return run(new EvictionsCommand(input.connection, options, input.out, input.err), true);
}

// A command that is one function of the connection and the streams, ending with its exit code.
using CommandFunction =
    std::function<void(redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done)>;

PreparedCommand runFunction(CommandInput& input, const QString& name, CommandFunction function)
{
    if (!input.arguments.isEmpty()) {
        input.usage(name + u" takes no arguments"_s);
        return {};
    }
    redis::Client* connection = input.connection;
    QTextStream& out = input.out;
    QTextStream& err = input.err;
    PreparedCommand prepared;
    prepared.start = [connection, &out, &err, function = std::move(function)] {
        function(*connection, out, err, [](int code) { QCoreApplication::exit(code); });
    };
    return prepared;
}

PreparedCommand prepareAudit(CommandInput& input)
{
    const int count = input.positive(u"count"_s, 20);
    const bool json = input.json();
    return runFunction(input, u"audit"_s,
        [count, json](redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done) {
            runAuditCommand(connection, count, json, out, err, std::move(done));
        });
}

PreparedCommand prepareSlowLog(CommandInput& input)
{
    const int count = input.positive(u"count"_s, 20);
    const bool json = input.json();
    return runFunction(input, u"slowlog"_s,
        [count, json](redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done) {
            runSlowLogCommand(connection, count, json, out, err, std::move(done));
        });
}

PreparedCommand prepareLatency(CommandInput& input)
{
    const bool json = input.json();
    return runFunction(input, u"latency"_s,
        [json](redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done) {
            runLatencyCommand(connection, json, out, err, std::move(done));
        });
}
} // namespace

const QList<CommandSpec>& commandTable()
{
    static const QList<CommandSpec> table = {
        {u"keys"_s,
            u"Scan keys (SCAN, never KEYS) and count them by tenant, venue and route rule, service namespace,\n"
            u"CacheScope's own keys, or other (busiest ten per level; --all)."_s,
            {{u"match"_s, u"SCAN MATCH pattern (Redis glob)."_s, u"pattern"_s},
                {u"count"_s, u"SCAN COUNT hint per page (default 1000)."_s, u"n"_s},
                {u"type"_s, u"Only keys of this type (string, hash, …)."_s, u"type"_s},
                {u"list"_s, u"Print each key instead of counts."_s},
                {u"all"_s, u"Every tenant, venue and route (default: the busiest ten of each)."_s}, mastersOption,
                jsonOption},
            nullptr, prepareKeys},
        {u"analyze"_s,
            u"What takes the memory, by --by tenant|venue|route|ns (default route): keys, bytes (MEMORY USAGE,\n"
            u"every key or --sample N: one in N with a stated error), bytes by when they expire, keys without the\n"
            u"TTL the rules give, the biggest keys, variant explosion, the last hour's hit rate. Only reads.\n"
            u"--save NAME keeps it on this machine; --diff EARLIER LATER compares two saved ones (no server)."_s,
            {{u"match"_s, u"SCAN MATCH pattern (Redis glob)."_s, u"pattern"_s},
                {u"by"_s, u"tenant, venue, route or ns (default route)."_s, u"dimension"_s},
                {u"sample"_s, u"Measure one key in n (default 1: every key)."_s, u"n"_s},
                {u"top"_s, u"Biggest keys kept per group (default 10)."_s, u"n"_s},
                {u"rows"_s, u"Groups printed, largest first (default 20; 0: all)."_s, u"n"_s},
                {u"count"_s, u"SCAN COUNT hint per page (default 1000)."_s, u"n"_s},
                {u"no-ttl"_s, u"MEMORY USAGE alone: no PTTL, no keyspace lookup, no TTL figures (faster)."_s},
                {u"csv"_s, u"Print the groups as CSV."_s},
                {u"save"_s, u"Save the analysis under this name."_s, u"name"_s},
                {u"diff"_s, u"Compare the saved analysis EARLIER with the one named after it."_s, u"earlier"_s},
                {u"saved"_s, u"List the saved analyses."_s}, mastersOption, jsonOption},
            [](const QCommandLineParser& parser) { return !parser.isSet(u"diff"_s) && !parser.isSet(u"saved"_s); },
            prepareAnalyze},
        {u"get"_s, u"get KEY: a key's value (JSON pretty-printed, binary escaped), type, TTL and parsed parts."_s,
            {jsonOption}, nullptr, prepareGet},
        {u"key"_s,
            u"key METHOD URL: the gateway's cache decision for a request: key, TTL, headers, or why it bypasses.\n"
            u"Rules from --routes FILE, the server (--live) or the defaults."_s,
            {{u"user-id"_s, u"The authenticated user."_s, u"id"_s},
                {u"tenant"_s, u"The tenant from the auth context."_s, u"id"_s},
                {u"venue"_s, u"The venue from the auth context."_s, u"id"_s},
                {u"routes"_s, u"Route rules from this JSON file."_s, u"file"_s},
                {u"live"_s, u"Route rules from the server."_s}, jsonOption},
            [](const QCommandLineParser& parser) { return parser.isSet(u"live"_s); }, prepareKey},
        {u"stats"_s,
            u"Cache figures from INFO (--watch: per interval). --by route|tenant|venue|ns: CacheScope's own\n"
            u"per-label hit rates over --window SECONDS. --footprint: what CacheScope's own keys cost."_s,
            {{u"watch"_s, u"Print the figures of every interval until interrupted."_s},
                {u"interval"_s, u"Sampling interval in milliseconds (default 1000)."_s, u"ms"_s},
                {u"samples"_s, u"Stop after this many intervals."_s, u"n"_s},
                {u"by"_s, u"route, tenant, venue or ns."_s, u"dimension"_s},
                {u"window"_s, u"With --by: seconds to sum (default 60)."_s, u"s"_s},
                {u"top"_s, u"With --by: the busiest labels listed (default 50); the rest are summed."_s, u"n"_s},
                {u"footprint"_s, u"The keys and bytes CacheScope's own data takes in this Redis, by kind."_s},
                jsonOption},
            nullptr, prepareStats},
        {u"invalidate"_s,
            u"invalidate PATTERN...: dry run: exact count and a sample per pattern; --yes deletes (SCAN + UNLINK),\n"
            u"shows progress, writes the audit trail. Protected namespaces are refused.\n"
            u"invalidate --tag TAG: by the cache manager's tag indexes (venue:…, tenant:…, route:…)."_s,
            {yesOption, protectOption, actorOption, mastersOption, tagOption, allowNoMatchOption, jsonOption}, nullptr,
            [](CommandInput& input) { return prepareInvalidateOrExpire(input, false); }},
        {u"expire"_s,
            u"expire PATTERN...|--tag TAG... --ttl N: the same flow, setting a TTL of N seconds instead of deleting:\n"
            u"a cache-manager entry becomes fresh for N s from now and keeps its grace on top (its key lives\n"
            u"N s + grace); other keys expire in N s. The dry run counts the keys whose TTL would change."_s,
            {{u"ttl"_s, u"The TTL in seconds."_s, u"s"_s}, tagOption,
                {u"only-shorten"_s, u"Never lengthen a key's TTL: keys that expire sooner keep theirs."_s}, yesOption,
                protectOption, actorOption, mastersOption, allowNoMatchOption, jsonOption},
            nullptr, [](CommandInput& input) { return prepareInvalidateOrExpire(input, true); }},
        {u"routes"_s,
            u"routes get|export FILE|import FILE|set PATH|restore: the live route configuration; writes detect\n"
            u"concurrent edits; a configuration the server lost is said (exit 3) and restore puts it back."_s,
            {{u"ttl"_s, u"set: TTL in seconds."_s, u"s"_s},
                {u"vary"_s, u"set: comma-separated vary-by query parameters."_s, u"params"_s},
                {u"private"_s, u"set: one entry per user."_s}, {u"shared"_s, u"set: one entry for everyone."_s},
                {u"remove"_s, u"set: delete the rule."_s}, actorOption, jsonOption},
            nullptr, prepareRoutes},
        {u"audit"_s, u"The newest audit records."_s,
            {{u"count"_s, u"Records to show (default 20)."_s, u"n"_s}, jsonOption}, nullptr, prepareAudit},
        {u"evictions"_s,
            u"Expired and evicted keys by --by route|tenant|venue|ns over --seconds (keyevent notifications on every\n"
            u"master): the share each lost to eviction before its TTL. Needs notify-keyspace-events with E, x and e;\n"
            u"--enable-events sets them for the watch, restores the old value afterwards and audits both."_s,
            {{u"seconds"_s, u"How long to watch (default 60)."_s, u"s"_s},
                {u"by"_s, u"tenant, venue, route or ns (default route)."_s, u"dimension"_s},
                {u"rows"_s, u"Groups printed (default 20; 0: all)."_s, u"n"_s},
                {u"enable-events"_s, u"Consent to change notify-keyspace-events while watching (restored after)."_s},
                actorOption, jsonOption},
            nullptr, prepareEvictions},
        {u"misses"_s,
            u"Why lookups miss, by --by route|tenant|venue|ns over --seconds: expired (and how late it was asked\n"
            u"for), evicted, invalidated (by which CacheScope run, or another client), cold, unknown. From keyspace\n"
            u"notifications alone (no keyspace lookup); --enable-events adds m, x, e, g and $ for the watch and\n"
            u"restores them. --what-if: each route's hit rate and memory at \u00bd\u00d7 to 10\u00d7 its TTL.\n"
            u"--restore: put back a setting a watch that died left widened."_s,
            {{u"seconds"_s, u"How long to watch (default 60)."_s, u"s"_s},
                {u"by"_s, u"tenant, venue, route or ns (default route)."_s, u"dimension"_s},
                {u"rows"_s, u"Groups printed (default 20; 0: all)."_s, u"n"_s},
                {u"enable-events"_s, u"Consent to change notify-keyspace-events while watching (restored after)."_s},
                {u"what-if"_s, u"Predict each route's hit rate and memory at other TTLs."_s},
                {u"grace"_s, u"Seconds the cache manager keeps entries past their TTL (default 60)."_s, u"s"_s},
                {u"restore"_s, u"Put back notify-keyspace-events left widened by a watch that died."_s}, actorOption,
                jsonOption},
            nullptr, prepareMisses},
        {u"slowlog"_s,
            u"The newest SLOWLOG entries of every node, merged newest first (a node column on a cluster). Only reads."_s,
            {{u"count"_s, u"Entries to show (default 20)."_s, u"n"_s}, jsonOption}, nullptr, prepareSlowLog},
        {u"latency"_s,
            u"The latency monitor's events (LATENCY LATEST and HISTORY) and each command's p50/p99/p99.9\n"
            u"(INFO latencystats), per node. Only reads."_s,
            {jsonOption}, nullptr, prepareLatency},
        {u"serve"_s,
            u"The admin HTTP API: POST /admin/cache/invalidate, GET /admin/cache/stats?window=60, GET /healthz,\n"
            u"and GET /metrics for Prometheus (per route, tenant and venue; read every second in the background).\n"
            u"Needs a bearer token (--token-file FILE or CACHESCOPE_ADMIN_TOKEN, 16+ characters)."_s,
            {{u"token-file"_s, u"File holding the bearer token (else CACHESCOPE_ADMIN_TOKEN)."_s, u"file"_s},
                {u"metrics-token-file"_s,
                    u"File holding a token that opens GET /metrics only (else CACHESCOPE_METRICS_TOKEN)."_s, u"file"_s},
                {u"metrics-labels"_s, u"Label values per dimension kept by name in /metrics (default 20)."_s, u"k"_s},
                {u"footprint-budget-mib"_s,
                    u"What CacheScope's own keys may take, exported for the alert (default 64)."_s, u"mib"_s},
                {u"footprint-interval"_s,
                    u"Seconds between measures of CacheScope's own keys (a SCAN MATCH walk; default 300)."_s,
                    u"seconds"_s},
                {u"no-metrics"_s, u"No /metrics, and no background reads."_s},
                {u"watch-misses"_s,
                    u"cachescope_misses_total{reason,route} on /metrics: a miss watch while serving."_s},
                {u"enable-events"_s, u"Consent to change notify-keyspace-events while watching (restored after)."_s},
                {u"bind"_s, u"Address to listen on (default 127.0.0.1)."_s, u"address"_s},
                {u"http-port"_s, u"Port to listen on (default 8089; 0: any free port)."_s, u"port"_s}, protectOption,
                actorOption},
            nullptr, prepareServe},
    };
    return table;
}

const CommandSpec* findCommand(const QString& name)
{
    for (const CommandSpec& spec : commandTable()) {
        if (spec.name == name)
            return &spec;
    }
    return nullptr;
}

QList<QCommandLineOption> allCommandOptions()
{
    QList<QCommandLineOption> all;
    for (const CommandSpec& spec : commandTable()) {
        for (const QCommandLineOption& option : spec.options) {
            const bool known = std::any_of(all.cbegin(), all.cend(),
                [&option](const QCommandLineOption& o) { return o.names() == option.names(); });
            if (!known)
                all.append(option);
        }
    }
    return all;
}

} // namespace cachescope::cli
