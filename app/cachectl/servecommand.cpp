#include "servecommand.h"

#include "cliresult.h"
#include "metrics/metricsexposition.h"

#include <QDateTime>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

ServeCommand::ServeCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_options(std::move(options))
    , m_out(out)
    , m_err(err)
    , m_api(connection, m_options.api)
    , m_server([this](const admin::HttpRequest& request, const QHostAddress& peer,
                   admin::AdminHttpServer::Respond respond) { m_api.handle(request, peer, std::move(respond)); },
          {})
{
    if (m_options.metrics) {
        m_metrics = std::make_unique<metrics::MetricsCollector>(connection, m_options.collector);
        m_api.setMetrics([collector = m_metrics.get()] { return metrics::renderMetrics(*collector); });
    }
    const auto log = [this](const QString& line) {
        m_err << QDateTime::currentDateTimeUtc().toString(Qt::ISODate) << ' ' << line << '\n' << Qt::flush;
    };
    connect(&m_api, &admin::AdminApi::served, this, log);
    connect(&m_server, &admin::AdminHttpServer::refused, this, log);
}

void ServeCommand::start()
{
    if (!m_server.listen(m_options.bind, m_options.port)) {
        m_err << "cachectl serve: cannot listen on " << m_options.bind.toString() << ':' << m_options.port << ": "
              << m_server.errorString() << '\n';
        QMetaObject::invokeMethod(
            this, [this] { Q_EMIT finished(ExitFailure); }, Qt::QueuedConnection);
        return;
    }
    if (!m_options.bind.isLoopback())
        m_err << "cachectl serve: warning: listening beyond loopback; the bearer token travels in clear text, so "
                 "put a TLS proxy in front\n";
    const QString host = m_options.bind.protocol() == QAbstractSocket::IPv6Protocol
        ? u"[%1]"_s.arg(m_options.bind.toString())
        : m_options.bind.toString();
    if (m_metrics)
        m_metrics->start();
    m_out << "listening on http://" << host << ':' << m_server.port() << '\n' << Qt::flush;
    m_err << "cachectl serve: POST /admin/cache/invalidate, GET /admin/cache/stats, GET /healthz"
          << (m_metrics ? ", GET /metrics" : "") << (m_options.api.readOnly ? " (read-only: dry runs only)" : "")
          << '\n'
          << Qt::flush;
}

void ServeCommand::cancel()
{
    Q_EMIT finished(ExitOk);
}

} // namespace cachescope::cli
