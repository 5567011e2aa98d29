#pragma once

#include "admin/adminhttpserver.h"
#include "ops/audit/audit.h"
#include "ops/audit/auditwriter.h"

#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>

namespace cachescope::redis {
class Client;
}
namespace cachescope::ops {
class InvalidationRun;
}

namespace cachescope::admin {

// The design's admin endpoints, made real:
//   POST /admin/cache/invalidate {"patterns": [...], "dryRun": false} → {"success": true, "invalidated": N, …}
//        or {"tags": ["venue:v7"]}: the same run over the cache manager's tag indexes (protected keys skipped)
//   GET  /admin/cache/stats?window=60 → hit/miss figures per route, tenant, venue and namespace (from the
//        stats CacheScope clients record) and the server's totals (INFO)
//   GET  /metrics → Prometheus text (see metrics/metricsexposition.h), with the admin or the metrics token
//   GET  /healthz → whether Redis is reachable (no token needed, no data)
// Every /admin call needs "Authorization: Bearer <token>" (compared in constant time). Bodies are JSON
// objects with known fields only; pattern count and length are limited; protected namespaces are refused
// before anything is deleted; one invalidation runs at a time; every invalidation, dry runs and refusals included,
// is audited (reads such as stats are not: they go to the serve command's access log, so they cannot push writes
// out of the bounded audit stream).
class AdminApi : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QByteArray token;
        QList<QByteArray> protectedPatterns; // on top of CacheScope's own namespaces
        int maxPatterns = 100;
        int maxPatternLength = 1024;
        bool readOnly = false; // invalidations answer 403 (a dry run still works)
        QString actor = QStringLiteral("admin-api"); // audit records say "<actor> (<peer address>)"
        // Opens GET /metrics only (the admin token opens it too), so a Prometheus credential cannot invalidate.
        QByteArray metricsToken;
    };

    AdminApi(redis::Client* connection, Options options, QObject* parent = nullptr);
    ~AdminApi() override;

    // Serves GET /metrics with what `render` returns (Prometheus text); without it, /metrics is 404.
    void setMetrics(std::function<QByteArray()> render);

    void handle(const HttpRequest& request, const QHostAddress& peer, AdminHttpServer::Respond respond);

    // True when `given` equals `expected`, taking the same time whatever the bytes (hashes are compared).
    static bool constantTimeEquals(const QByteArray& given, const QByteArray& expected);

Q_SIGNALS:
    // For the serve command's log: one line per call, never the token or a body.
    void served(const QString& line);

private:
    void invalidate(const HttpRequest& request, const QString& who, AdminHttpServer::Respond respond);
    // A refused invalidation: audited with the reason, answered with it.
    void rejectInvalidation(
        const QString& who, const AdminHttpServer::Respond& respond, int status, const QString& message);
    void stats(const HttpRequest& request, AdminHttpServer::Respond respond);
    void health(AdminHttpServer::Respond respond);
    void audit(const ops::AuditRecord& record);

    QPointer<redis::Client> m_connection;
    Options m_options;
    std::function<QByteArray()> m_renderMetrics;
    std::unique_ptr<ops::InvalidationRun> m_running; // at most one invalidation at a time, by pattern or tag
    ops::AuditWriter m_audit; // refusals before a run exists (a run writes its own)
};

} // namespace cachescope::admin
