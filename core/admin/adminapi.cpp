#include "admin/adminapi.h"
#include "model/optionaljson.h"

#include "cache/statsreader.h"
#include "metrics/prometheustext.h"
#include "model/displaybytes.h"
#include "model/reservedkeys.h"
#include "ops/audit/audit.h"
#include "ops/audit/auditwriter.h"
#include "ops/invalidation/invalidationrun.h"
#include "ops/server/nodesinfo.h"
#include "ops/server/serverinfo.h"
#include "redis/connection.h"

#include <QCryptographicHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

namespace cachescope::admin {

using namespace Qt::StringLiterals;

namespace {
// Labels listed per dimension in a stats answer, busiest first; the rest are summed in sources.<dimension>.notListed.
constexpr qsizetype statsLabelsAnswered = 1000;

QByteArray compact(const QJsonObject& object)
{
    return QJsonDocument(object).toJson(QJsonDocument::Compact);
}

} // namespace

AdminApi::AdminApi(redis::Client* connection, Options options, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_options(std::move(options))
    , m_audit(connection)
{
}

AdminApi::~AdminApi() = default;

bool AdminApi::constantTimeEquals(const QByteArray& given, const QByteArray& expected)
{
    // Hashing first makes the comparison independent of both lengths and contents.
    const QByteArray a = QCryptographicHash::hash(given, QCryptographicHash::Sha256);
    const QByteArray b = QCryptographicHash::hash(expected, QCryptographicHash::Sha256);
    unsigned char difference = 0;
    for (qsizetype i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a.at(i) ^ b.at(i));
    return difference == 0 && !expected.isEmpty();
}

void AdminApi::handle(const HttpRequest& request, const QHostAddress& peer, AdminHttpServer::Respond respond)
{
    const QString who = u"%1 (%2)"_s.arg(m_options.actor, peer.toString());
    // Escaped: an unauthenticated caller must not be able to forge log lines or send terminal escapes.
    const QString line = model::displayBytes(request.method, 20) + u' ' + model::displayBytes(request.path, 300)
        + u" from "_s + peer.toString();
    auto logged = [this, respond, line](const HttpResponse& response) {
        Q_EMIT served(line + u" → "_s + QString::number(response.status));
        respond(response);
    };
    if (request.path == "/healthz") {
        if (request.method != "GET")
            return logged({405, R"({"success":false,"error":"use GET"})", "application/json", {{"Allow", "GET"}}});
        return health(logged);
    }
    const bool invalidatePath = request.path == "/admin/cache/invalidate";
    const bool statsPath = request.path == "/admin/cache/stats";
    const bool metricsPath = request.path == "/metrics" && m_renderMetrics;
    if (!invalidatePath && !statsPath && !metricsPath)
        return logged(HttpResponse::error(404, u"no such endpoint: %1"_s.arg(QString::fromUtf8(request.path))));
    const QByteArray authorization = request.header("authorization");
    // The scheme is case-insensitive (RFC 9110 §11.1); the token itself is compared exactly.
    const bool bearer = authorization.size() > 7 && authorization.first(7).toLower() == "bearer ";
    const QByteArray given = bearer ? authorization.sliced(7).trimmed() : QByteArray();
    // Both comparisons always run, so the time taken does not tell which token was close.
    const bool adminToken = constantTimeEquals(given, m_options.token);
    const bool metricsToken = constantTimeEquals(given, m_options.metricsToken);
    if (metricsToken && !adminToken && !metricsPath)
        return logged(HttpResponse::error(403, u"the metrics token opens GET /metrics only"_s));
    if (!bearer || !(adminToken || (metricsPath && metricsToken))) {
        HttpResponse denied = HttpResponse::error(401, u"a valid 'Authorization: Bearer <token>' header is required"_s);
        denied.headers.append(std::pair<QByteArray, QByteArray>("WWW-Authenticate", "Bearer"));
        return logged(denied); // not audited: unauthenticated noise must not push real records out of the stream
    }
    if (metricsPath) {
        if (request.method != "GET")
            return logged({405, R"({"success":false,"error":"use GET"})", "application/json", {{"Allow", "GET"}}});
        return logged({200, m_renderMetrics(), metrics::PrometheusText::contentType, {}});
    }
    if (invalidatePath && request.method != "POST")
        return logged({405, R"({"success":false,"error":"use POST"})", "application/json", {{"Allow", "POST"}}});
    if (statsPath && request.method != "GET")
        return logged({405, R"({"success":false,"error":"use GET"})", "application/json", {{"Allow", "GET"}}});
    if (!m_connection)
        return logged(HttpResponse::error(503, u"no Redis connection"_s));
    if (invalidatePath)
        invalidate(request, who, logged);
    else
        stats(request, logged);
}

void AdminApi::setMetrics(std::function<QByteArray()> render)
{
    m_renderMetrics = std::move(render);
}

void AdminApi::health(AdminHttpServer::Respond respond)
{
    if (!m_connection || !m_connection->isReady()) {
        respond(HttpResponse::json(503, compact({{u"ok"_s, false}, {u"redis"_s, u"not connected"_s}})));
        return;
    }
    m_connection->command({"PING"}, this, [respond](const redis::Reply& reply) {
        const bool ok = reply.isStatus("PONG");
        respond(HttpResponse::json(
            ok ? 200 : 503, compact({{u"ok"_s, ok}, {u"redis"_s, ok ? u"PONG"_s : reply.errorMessage()}})));
    });
}

void AdminApi::invalidate(const HttpRequest& request, const QString& who, AdminHttpServer::Respond respond)
{
    const auto reject = [this, &who, &respond](
                            int status, const QString& message) { rejectInvalidation(who, respond, status, message); };
    // The media type is case-insensitive (RFC 9110 §8.3.1); parameters such as charset may follow.
    const QByteArray mediaType = request.header("content-type").split(';').first().trimmed().toLower();
    if (mediaType != "application/json")
        return reject(415, u"the body must be JSON (Content-Type: application/json)"_s);
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(request.body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return reject(
            400, u"the body is not valid JSON: %1 at offset %2"_s.arg(parseError.errorString()).arg(parseError.offset));
    if (!document.isObject())
        return reject(400, u"the body must be a JSON object like {\"patterns\": [\"events:*\"]}"_s);
    const QJsonObject body = document.object();
    for (auto it = body.begin(); it != body.end(); ++it) {
        if (it.key() != u"patterns" && it.key() != u"tags" && it.key() != u"dryRun" && it.key() != u"allowNoMatch")
            return reject(
                400, u"unknown field '%1' (known: patterns, tags, dryRun, allowNoMatch)"_s.arg(it.key().left(100)));
    }
    if (body.contains(u"tags") && body.contains(u"patterns"))
        return reject(400, u"give 'patterns' or 'tags', not both"_s);
    if (body.contains(u"dryRun") && !body.value(u"dryRun").isBool())
        return reject(400, u"'dryRun' must be true or false"_s);
    if (body.contains(u"allowNoMatch") && !body.value(u"allowNoMatch").isBool())
        return reject(400, u"'allowNoMatch' must be true or false"_s);
    // Patterns and tags are read alike: strings of bytes, each checked, the whole batch refused on the first bad one.
    const bool byTag = body.contains(u"tags");
    const QString field = byTag ? u"tags"_s : u"patterns"_s;
    if (!body.value(field).isArray())
        return reject(400,
            byTag ? u"'tags' must be an array of tag strings like [\"venue:v7\"]"_s
                  : u"'patterns' must be an array of Redis glob strings"_s);
    const QJsonArray array = body.value(field).toArray();
    if (array.isEmpty())
        return reject(400, u"'%1' is empty: nothing to invalidate"_s.arg(field));
    if (array.size() > m_options.maxPatterns)
        return reject(400, u"%1 %2; at most %3 per call"_s.arg(array.size()).arg(field).arg(m_options.maxPatterns));
    QList<QByteArray> items;
    for (qsizetype i = 0; i < array.size(); ++i) {
        if (!array.at(i).isString())
            return reject(400, u"%1[%2] is not a string"_s.arg(field).arg(i));
        // A lone surrogate would become '?' in UTF-8 (in a glob, any character): refuse, never guess.
        const QString text = array.at(i).toString();
        if (!QStringView(text).isValidUtf16())
            return reject(400, u"%1[%2] holds an unpaired UTF-16 surrogate: not a string of bytes"_s.arg(field).arg(i));
        const QByteArray item = text.toUtf8();
        if (item.size() > m_options.maxPatternLength)
            return reject(400,
                u"%1[%2] is %3 bytes long; at most %4"_s.arg(field)
                    .arg(i)
                    .arg(item.size())
                    .arg(m_options.maxPatternLength));
        items.append(item);
    }
    const bool dryRun = body.value(u"dryRun").toBool(false);
    if (m_running)
        return reject(429, u"another invalidation is running; try again when it has finished"_s);
    ops::SafetyPolicy policy;
    policy.readOnly = m_options.readOnly;
    policy.protectedPatterns = m_options.protectedPatterns;
    policy.actor = who;
    ops::InvalidationRequest invalidation =
        byTag ? ops::InvalidationRequest::forTags(items, dryRun) : ops::InvalidationRequest::forPatterns(items, dryRun);
    invalidation.allowNoMatch = body.value(u"allowNoMatch").toBool(false);
    m_running = std::make_unique<ops::InvalidationRun>(m_connection, policy, std::move(invalidation));
    connect(m_running.get(), &ops::InvalidationRun::finished, this,
        [this, respond, field](const ops::InvalidationReport& r) {
            int status = 200;
            if (r.refusal) {
                using Reason = ops::InvalidationRefusal::Reason;
                const bool badRequest =
                    r.refusal->reason == Reason::NoTargets || r.refusal->reason == Reason::EmptyPattern;
                status = badRequest ? 400 : 403;
            } else if (r.noMatch && r.error.isEmpty()) {
                status = 422; // every pattern provably matches nothing: not a success, and nothing was deleted
            } else if (r.failed()) {
                status = 502; // Redis failed or went away: a gateway error, with what was done in the body
            } else if (r.auditFailed()) {
                status = 500;
            }
            QJsonObject answer = r.toJson();
            if (r.refusal && r.refusal->targetIndex >= 0)
                answer.insert(
                    u"error"_s, u"%1[%2] refused: %3"_s.arg(field).arg(r.refusal->targetIndex).arg(r.refusal->message));
            m_running.release()->deleteLater(); // we are inside its signal
            respond(HttpResponse::json(status, compact(answer)));
        });
    m_running->start();
}

void AdminApi::rejectInvalidation(
    const QString& who, const AdminHttpServer::Respond& respond, int status, const QString& message)
{
    auto record = ops::AuditRecord::of(
        ops::AuditAction::Refused, ops::AuditOutcome::Refused, who, u"POST /admin/cache/invalidate"_s, 0);
    record.detail = message.left(500);
    audit(record);
    respond(HttpResponse::error(status, message));
}

void AdminApi::stats(const HttpRequest& request, AdminHttpServer::Respond respond)
{
    const QUrlQuery query(QString::fromUtf8(request.query));
    qint64 window = 60;
    for (const auto& [name, value] : query.queryItems()) {
        bool ok = false;
        if (name == u"window")
            window = value.toLongLong(&ok);
        if (name != u"window" || !ok || window < 1 || window > 86400) {
            const QString message = name == u"window" ? u"window must be 1 to 86400 seconds"_s
                                                      : u"unknown parameter '%1' (known: window)"_s.arg(name.left(100));
            respond(HttpResponse::error(400, message));
            return;
        }
    }
    struct Gather
    {
        QJsonObject answer;
        int pending = 0;
        QString error;
    };
    auto gather = std::make_shared<Gather>();
    gather->answer.insert(u"windowSeconds"_s, window);
    const auto settle = [gather, respond] {
        if (--gather->pending > 0)
            return;
        if (!gather->error.isEmpty()) {
            respond(HttpResponse::error(502, gather->error));
            return;
        }
        gather->answer.insert(u"success"_s, true);
        respond(HttpResponse::json(200, compact(gather->answer)));
    };
    const std::pair<cache::StatsDimension, QString> dimensions[] = {{cache::StatsDimension::Total, u"total"_s},
        {cache::StatsDimension::Route, u"routes"_s}, {cache::StatsDimension::Tenant, u"tenants"_s},
        {cache::StatsDimension::Venue, u"venues"_s}, {cache::StatsDimension::Namespace, u"namespaces"_s}};
    gather->pending = int(std::size(dimensions)) + 1;
    ops::fetchNodesInfo(*m_connection, this, [gather, settle](const ops::NodesInfo& nodes) {
        if (!nodes.error.isEmpty()) {
            gather->error = u"INFO failed: "_s + nodes.error;
        } else {
            const ops::ServerInfo info = nodes.combined(); // a cluster's masters summed
            const qint64 hits = info.integer("keyspace_hits").value_or(0);
            const qint64 misses = info.integer("keyspace_misses").value_or(0);
            const auto rate = ops::lifetimeHitRate(info);
            qint64 keys = 0;
            for (qint64 n : info.keysPerDatabase())
                keys += n;
            gather->answer.insert(u"server"_s,
                QJsonObject {{u"keyspaceHits"_s, hits}, {u"keyspaceMisses"_s, misses},
                    {u"hitRate"_s, model::optionalNumber(rate)}, {u"keys"_s, keys},
                    {u"usedMemory"_s, info.integer("used_memory").value_or(0)},
                    {u"expiredKeys"_s, info.integer("expired_keys").value_or(0)},
                    {u"evictedKeys"_s, info.integer("evicted_keys").value_or(0)},
                    {u"opsPerSecond"_s, info.integer("instantaneous_ops_per_sec").value_or(0)},
                    {u"version"_s, QString::fromUtf8(info.text("redis_version"))}});
        }
        settle();
    });
    for (const auto& entry : dimensions) {
        const cache::StatsDimension dimension = entry.first; // named copies: clang 14 cannot capture bindings
        const QString name = entry.second;
        cache::readStatsWindow(*m_connection, dimension, window, this,
            [gather, settle, dimension, name](std::optional<cache::StatsWindow> stats, const QString& error) {
                if (!stats) {
                    gather->error = u"reading the stats failed: "_s + error;
                } else if (dimension == cache::StatsDimension::Total) {
                    gather->answer.insert(u"cache"_s, cache::statsCountersToJson(stats->total()));
                } else {
                    // The busiest labels only: other writers decide how many labels there are, not the answer's size.
                    const cache::StatsWindow::Ranked ranked = stats->ranked(statsLabelsAnswered);
                    QJsonObject rows;
                    for (const auto& [label, counters] : ranked.rows)
                        rows.insert(model::displayBytes(label), cache::statsCountersToJson(counters));
                    gather->answer.insert(name, rows);
                    QJsonObject source = cache::statsWindowSourceToJson(*stats);
                    source.insert(u"labels"_s, qint64(stats->byLabel.size()));
                    source.insert(u"labelsNotListed"_s, ranked.otherLabels);
                    if (ranked.otherLabels > 0)
                        source.insert(u"notListed"_s, cache::statsCountersToJson(ranked.other));
                    QJsonObject sources = gather->answer.value(u"sources"_s).toObject();
                    sources.insert(name, source);
                    gather->answer.insert(u"sources"_s, sources);
                }
                settle();
            });
    }
}

void AdminApi::audit(const ops::AuditRecord& record)
{
    if (!m_connection || m_options.readOnly)
        return; // a read-only server writes nothing, not even its audit trail
    m_audit.write(record); // retried while Redis comes back
}

} // namespace cachescope::admin
