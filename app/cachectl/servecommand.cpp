#include "servecommand.h"

#include "cliresult.h"
#include "metrics/metricsexposition.h"
#include "model/displaybytes.h"
#include "ops/routes/routeconfigstore.h"

#include <QDateTime>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

ServeCommand::ServeCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_options(std::move(options))
    , m_connection(connection)
    , m_out(out)
    , m_err(err)
    , m_api(connection, m_options.api)
    , m_server([this](const admin::HttpRequest& request, const QHostAddress& peer,
                   admin::AdminHttpServer::Respond respond) { m_api.handle(request, peer, std::move(respond)); },
          {})
{
    if (m_options.metrics) {
        m_metrics = std::make_unique<metrics::MetricsCollector>(connection, m_options.collector);
        m_api.setMetrics([this] {
            QByteArray text = metrics::renderMetrics(*m_metrics);
            if (m_misses)
                text += m_missMetrics->render(m_misses->report(), m_missesListening);
            return text;
        });
        if (m_options.watchMisses)
            m_missMetrics = std::make_unique<metrics::MissMetrics>(m_options.collector.maxLabels);
    }
    const auto log = [this](const QString& line) { logLine(line); };
    connect(&m_api, &admin::AdminApi::served, this, log);
    connect(&m_server, &admin::AdminHttpServer::refused, this, log);
}

void ServeCommand::logLine(const QString& line)
{
    m_err << QDateTime::currentDateTimeUtc().toString(Qt::ISODate) << ' ' << line << '\n' << Qt::flush;
}

void ServeCommand::connectMissWatch()
{
    connect(m_misses.get(), &analysis::MissWatch::started, this, [this] {
        m_missesListening = true;
        logLine(u"miss watch: listening on every master"_s);
    });
    connect(m_misses.get(), &analysis::MissWatch::gapStarted, this, [this](const QString& reason) {
        logLine(u"miss watch: subscription lost (%1); reopening"_s.arg(model::displayText(reason)));
    });
    connect(
        m_misses.get(), &analysis::MissWatch::gapEnded, this, [this] { logLine(u"miss watch: subscribed again"_s); });
    connect(m_misses.get(), &analysis::MissWatch::finished, this, [this] {
        m_missesListening = false;
        const auto report = m_misses->report();
        if (!report.error.isEmpty())
            logLine(u"miss watch: "_s + model::displayText(report.error));
        if (report.configChanged)
            logLine(u"miss watch: "_s + report.configNote);
        if (m_stopping)
            Q_EMIT finished(ExitOk);
    });
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
    if (m_missMetrics) {
        // The live rules place and time the keys (the defaults when nothing is stored), as at this start.
        m_routes = std::make_unique<ops::RouteConfigStore>(m_connection);
        m_routes->load(this, [this](std::optional<ops::RouteConfigSnapshot> snapshot, const QString&) {
            if (snapshot)
                m_options.misses.anatomy.routes = snapshot->config;
            m_misses = std::make_unique<analysis::MissWatch>(m_connection, m_options.misses);
            connectMissWatch();
            m_misses->start();
        });
    }
    m_out << "listening on http://" << host << ':' << m_server.port() << '\n' << Qt::flush;
    m_err << "cachectl serve: POST /admin/cache/invalidate, GET /admin/cache/stats, GET /healthz"
          << (m_metrics ? ", GET /metrics" : "") << (m_options.api.readOnly ? " (read-only: dry runs only)" : "")
          << '\n'
          << Qt::flush;
}

void ServeCommand::cancel()
{
    // A widened notify-keyspace-events is put back before the exit.
    if (m_misses && m_misses->isRunning() && !m_stopping) {
        m_stopping = true;
        m_misses->stop();
        return;
    }
    Q_EMIT finished(ExitOk);
}

} // namespace cachescope::cli
