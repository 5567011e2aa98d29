#include "commandtable.h"

#include "analyzecommand.h"
#include "argumentbytes.h"
#include "auditcommand.h"
#include "cliconnection.h"
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

#include "analysis/analysisreport.h"
#include "ops/audit/audit.h"

#include <QCoreApplication>

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

} // namespace

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
