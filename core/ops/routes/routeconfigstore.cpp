#include "ops/routes/routeconfigstore.h"

#include "model/routeconfigjson.h"
#include "ops/audit/audit.h"
#include "redis/connection.h"

namespace cachescope::ops {

using namespace Qt::StringLiterals;

namespace {
// KEYS: config hash, audit stream. ARGV: expected version, json, actor, at, max audit length, channel, audit action
// name, audit outcome name (both from ops/audit.h, so the script matches no hand-typed string), the audit record's
// detail (empty: none), the lowest version to write (a restore continues past the version that was lost).
// Replies {"lookups", hits, misses, saved, version}: its HGETs are keyspace lookups (hits when the configuration
// exists, misses when not), reported so that they stay out of the charted hit rate (redis/ownlookups.h).
constexpr char saveScript[] = R"lua(
local current = redis.call('HGET', KEYS[1], 'version')
local lookups = 1
local found = current and 1 or 0
current = current or '0'
if current ~= ARGV[1] then
    return {'lookups', found * lookups, (1 - found) * lookups, 0, current}
end
local before = redis.call('HGET', KEYS[1], 'json') or ''
lookups = 2
local version = tostring(math.max(tonumber(current) + 1, tonumber(ARGV[10])))
redis.call('HSET', KEYS[1], 'json', ARGV[2], 'version', version, 'updatedBy', ARGV[3], 'updatedAt', ARGV[4])
if ARGV[9] ~= '' then
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'at', ARGV[4], 'actor', ARGV[3], 'action', ARGV[7],
        'outcome', ARGV[8], 'target', KEYS[1], 'version', version, 'before', before, 'after', ARGV[2], 'detail', ARGV[9])
else
    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'at', ARGV[4], 'actor', ARGV[3], 'action', ARGV[7],
        'outcome', ARGV[8], 'target', KEYS[1], 'version', version, 'before', before, 'after', ARGV[2])
end
redis.call('PUBLISH', ARGV[6], version)
return {'lookups', found * lookups, (1 - found) * lookups, 1, version}
)lua";
} // namespace

RouteConfigStore::RouteConfigStore(redis::Client* connection, QByteArray prefix, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_prefix(std::move(prefix))
{
}

void RouteConfigStore::load(
    const QObject* context, std::function<void(std::optional<RouteConfigSnapshot>, QString)> callback)
{
    m_connection->command({"HGETALL", configKey()}, context, [callback = std::move(callback)](const redis::Reply& r) {
        if (!r.isArray()) {
            callback(std::nullopt, r.isError() ? r.errorMessage() : u"unexpected HGETALL reply"_s);
            return;
        }
        QHash<QByteArray, QByteArray> fields;
        for (std::size_t i = 0; i + 1 < r.elements().size(); i += 2)
            fields.insert(r.elements()[i].bytes(), r.elements()[i + 1].bytes());
        RouteConfigSnapshot snapshot;
        if (fields.isEmpty()) {
            snapshot.config = model::RouteConfig::defaults();
            callback(snapshot, QString());
            return;
        }
        const auto parsed = model::parseRouteConfigJson(fields.value("json"));
        if (!parsed.config) {
            // A damaged stored config is reported, never silently replaced by defaults.
            callback(std::nullopt, u"the stored route configuration is invalid: "_s + parsed.errors.first().toString());
            return;
        }
        snapshot.config = *parsed.config;
        snapshot.version = fields.value("version").toLongLong();
        snapshot.updatedBy = QString::fromUtf8(fields.value("updatedBy"));
        snapshot.updatedAt = QDateTime::fromString(QString::fromUtf8(fields.value("updatedAt")), Qt::ISODateWithMs);
        callback(snapshot, QString());
    });
}

void RouteConfigStore::save(const model::RouteConfig& config, qint64 expectedVersion, const QString& actor,
    const QObject* context, std::function<void(const RouteConfigSaveResult&)> callback)
{
    write(config, expectedVersion, actor, {}, 0, context, std::move(callback));
}

void RouteConfigStore::restore(const RouteConfigSnapshot& lost, qint64 currentVersion, const QString& actor,
    const QObject* context, std::function<void(const RouteConfigSaveResult&)> callback)
{
    const QString detail = u"restore of version %1 (saved by %2 at %3), lost from the server"_s.arg(lost.version)
                               .arg(lost.updatedBy.isEmpty() ? u"unknown"_s : lost.updatedBy,
                                   lost.updatedAt.toUTC().toString(Qt::ISODate));
    write(lost.config, currentVersion, actor, detail, lost.version + 1, context, std::move(callback));
}

void RouteConfigStore::write(const model::RouteConfig& config, qint64 expectedVersion, const QString& actor,
    const QString& detail, qint64 versionFloor, const QObject* context,
    std::function<void(const RouteConfigSaveResult&)> callback)
{
    const QList<model::ConfigError> errors = model::validateRouteConfig(config);
    if (!errors.isEmpty()) {
        RouteConfigSaveResult result;
        result.error = errors.first().toString();
        QMetaObject::invokeMethod(
            this, [result, callback = std::move(callback)] { callback(result); }, Qt::QueuedConnection);
        return;
    }
    const QByteArray at = QDateTime::currentDateTimeUtc().toString(Qt::ISODateWithMs).toUtf8();
    m_connection->command(
        {"EVAL", saveScript, "2", configKey(), auditStreamKey, QByteArray::number(expectedVersion),
            model::routeConfigToJson(config), actor.toUtf8(), at, QByteArray::number(auditStreamMaxLength), channel(),
            auditActionName(AuditAction::RouteSave).toUtf8(), auditOutcomeName(AuditOutcome::Completed).toUtf8(),
            detail.toUtf8(), QByteArray::number(versionFloor)},
        context, [callback = std::move(callback)](const redis::Reply& r) {
            RouteConfigSaveResult result;
            if (r.isError()) {
                result.error = r.errorMessage();
            } else if (r.isArray() && r.elements().size() == 5) {
                result.saved = r.elements()[3].integer() == 1;
                result.conflict = !result.saved;
                result.version = r.elements()[4].bytes().toLongLong();
                if (result.conflict)
                    result.error =
                        u"the route configuration was changed by someone else (now version %1)"_s.arg(result.version);
            } else {
                result.error = u"unexpected reply from the save script: "_s + r.toDisplayString();
            }
            callback(result);
        });
}

RouteConfigWatcher::RouteConfigWatcher(
    redis::Client* commands, std::unique_ptr<redis::Connection> subscriber, QByteArray prefix, QObject* parent)
    : QObject(parent)
    , m_store(commands, std::move(prefix))
    , m_commands(commands)
    , m_subscriber(std::move(subscriber))
{
    m_subscriber->setPushHandler([this](const redis::Reply&) { reload(); });
    connect(m_subscriber.get(), &redis::Connection::ready, this, &RouteConfigWatcher::subscribe);
    connect(&m_poll, &QTimer::timeout, this, &RouteConfigWatcher::reload);
}

RouteConfigWatcher::~RouteConfigWatcher() = default;

void RouteConfigWatcher::start(std::chrono::milliseconds pollInterval)
{
    m_poll.start(pollInterval);
    if (m_subscriber->state() == redis::Connection::State::Disconnected)
        m_subscriber->open();
    else if (m_subscriber->isReady())
        subscribe();
    reload();
}

void RouteConfigWatcher::subscribe()
{
    m_subscriber->command({"SUBSCRIBE", m_store.channel()}, this, [](const redis::Reply&) {});
    reload(); // whatever changed while the subscription was down
}

void RouteConfigWatcher::stop()
{
    m_stopped = true;
    m_poll.stop();
}

void RouteConfigWatcher::reload()
{
    if (!m_commands || m_stopped)
        return;
    if (m_loading) {
        m_reloadAgain = true;
        return;
    }
    m_loading = true;
    m_store.load(this, [this](std::optional<RouteConfigSnapshot> snapshot, const QString& error) {
        m_loading = false;
        if (m_reloadAgain) {
            m_reloadAgain = false;
            reload();
        }
        if (!snapshot) {
            Q_EMIT loadFailed(error);
            return;
        }
        const bool changed = !m_current || m_current->version != snapshot->version;
        if (!changed)
            return;
        m_current = snapshot;
        Q_EMIT configChanged(*m_current);
    });
}

} // namespace cachescope::ops
