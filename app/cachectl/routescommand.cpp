#include "routescommand.h"
#include "model/displaybytes.h"

#include "cliresult.h"

#include "model/routeconfigdiff.h"
#include "model/routeconfigjson.h"
#include "redis/client.h"

#include <QFile>
#include <QSaveFile>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

RoutesCommand::RoutesCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_store(connection)
    , m_memory(connection->options().displayName())
    , m_options(std::move(options))
    , m_out(out)
    , m_err(err)
{
}

void RoutesCommand::start()
{
    m_store.load(this, [this](std::optional<ops::RouteConfigSnapshot> snapshot, const QString& error) {
        if (!snapshot) {
            m_err << "cachectl routes: " << error << '\n';
            Q_EMIT finished(ExitFailure);
            return;
        }
        onLoaded(*snapshot);
    });
}

void RoutesCommand::printConfig(const ops::RouteConfigSnapshot& snapshot)
{
    if (m_options.json) {
        m_out << model::routeConfigToJson(snapshot.config);
        return;
    }
    m_out << "Route configuration version " << snapshot.version;
    if (snapshot.version == 0)
        m_out << " (nothing stored: the defaults apply)";
    else
        m_out << ", saved by " << model::displayText(snapshot.updatedBy) << " at "
              << snapshot.updatedAt.toString(Qt::ISODate);
    m_out << '\n';
    for (const model::RouteRule& rule : snapshot.config.routes)
        m_out << "  " << rule.path.leftJustified(30) << ' ' << model::describeRouteRule(rule) << '\n';
    for (const model::NamespaceTtl& entry : snapshot.config.namespaces)
        m_out << "  " << QString(entry.name + u":*"_s).leftJustified(30) << " ttl " << entry.ttlSeconds << " s\n";
}

void RoutesCommand::onLoaded(const ops::RouteConfigSnapshot& snapshot)
{
    const QString& action = m_options.action;
    m_loss = ops::routeConfigLoss(snapshot, m_memory.lastSeen());
    if (!m_loss)
        m_memory.remember(snapshot);
    if (action == u"restore") {
        if (!m_loss) {
            m_out << "Nothing to restore: the server holds version " << snapshot.version
                  << ", no older than this machine last saw.\n";
            Q_EMIT finished(ExitOk);
            return;
        }
        m_store.restore(m_loss->lastSeen, m_loss->versionNow, m_options.actor, this,
            [this](const ops::RouteConfigSaveResult& result) {
                if (!result.saved) {
                    m_err << "cachectl routes restore: not restored: " << result.error << '\n';
                    Q_EMIT finished(ExitFailure);
                    return;
                }
                ops::RouteConfigSnapshot restored = m_loss->lastSeen;
                restored.version = result.version;
                restored.updatedBy = m_options.actor;
                m_memory.remember(restored); // numbered past the lost version, so it replaces it
                m_out << "Restored version " << m_loss->lastSeen.version << " as version " << result.version
                      << " (audited as a restore).\n";
                Q_EMIT finished(ExitOk);
            });
        return;
    }
    if (m_loss) // said on stderr, so a script reading stdout still gets what the server holds now
        m_err << "cachectl routes: " << m_loss->describe() << " `cachectl routes restore` puts version "
              << m_loss->lastSeen.version << " back.\n";
    if (action == u"get") {
        printConfig(snapshot);
        Q_EMIT finished(m_loss ? ExitLostState : ExitOk);
        return;
    }
    if (action == u"export") {
        QSaveFile file(m_options.argument);
        if (!file.open(QIODevice::WriteOnly) || file.write(model::routeConfigToJson(snapshot.config)) < 0
            || !file.commit()) {
            m_err << "cachectl routes export: cannot write " << m_options.argument << ": " << file.errorString()
                  << '\n';
            Q_EMIT finished(ExitFailure);
            return;
        }
        m_err << "Exported version " << snapshot.version << " to " << m_options.argument << '\n';
        Q_EMIT finished(ExitOk);
        return;
    }
    model::RouteConfig edited = snapshot.config;
    if (action == u"import") {
        QFile file(m_options.argument);
        if (!file.open(QIODevice::ReadOnly)) {
            m_err << "cachectl routes import: cannot read " << m_options.argument << ": " << file.errorString() << '\n';
            Q_EMIT finished(ExitUsage);
            return;
        }
        const auto parsed = model::parseRouteConfigJson(file.readAll());
        if (!parsed.config) {
            m_err << "cachectl routes import: " << m_options.argument << " is not a valid route configuration:\n";
            for (const model::ConfigError& error : parsed.errors)
                m_err << "  " << error.toString() << '\n';
            Q_EMIT finished(ExitUsage);
            return;
        }
        edited = *parsed.config;
    } else { // set
        auto rule = std::find_if(edited.routes.begin(), edited.routes.end(),
            [this](const model::RouteRule& r) { return r.path == m_options.argument; });
        if (m_options.remove) {
            if (rule == edited.routes.end()) {
                m_err << "cachectl routes set: no rule for " << m_options.argument << '\n';
                Q_EMIT finished(ExitUsage);
                return;
            }
            edited.routes.erase(rule);
        } else {
            if (rule == edited.routes.end()) {
                if (!m_options.ttl) {
                    m_err << "cachectl routes set: a new rule needs --ttl\n";
                    Q_EMIT finished(ExitUsage);
                    return;
                }
                edited.routes.append({m_options.argument, 0, {}, false, {}});
                rule = edited.routes.end() - 1;
            }
            if (m_options.ttl)
                rule->ttlSeconds = *m_options.ttl;
            if (m_options.varyBy)
                rule->varyBy = *m_options.varyBy;
            if (m_options.isPrivate)
                rule->isPrivate = *m_options.isPrivate;
        }
    }
    const QList<model::ConfigError> errors = model::validateRouteConfig(edited);
    if (!errors.isEmpty()) {
        for (const model::ConfigError& error : errors)
            m_err << "cachectl routes: " << error.toString() << '\n';
        Q_EMIT finished(ExitUsage);
        return;
    }
    save(edited, snapshot.version, snapshot.config);
}

void RoutesCommand::save(const model::RouteConfig& config, qint64 baseVersion, const model::RouteConfig& before)
{
    const QStringList changes = model::describeRouteChanges(before, config);
    if (changes.isEmpty()) {
        m_out << "No change: version " << baseVersion << " already says this.\n";
        Q_EMIT finished(ExitOk);
        return;
    }
    m_store.save(config, baseVersion, m_options.actor, this, [this, changes](const ops::RouteConfigSaveResult& result) {
        if (!result.saved) {
            m_err << "cachectl routes: not saved: " << result.error << '\n';
            Q_EMIT finished(ExitFailure);
            return;
        }
        if (m_loss)
            m_memory.forget(); // a new configuration was chosen over the lost one
        m_out << "Saved version " << result.version << ":\n";
        for (const QString& line : changes)
            m_out << "  " << line << '\n';
        Q_EMIT finished(ExitOk);
    });
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
    return prepareObject(new RoutesCommand(input.connection, options, input.out, input.err));
}

} // namespace cachescope::cli
