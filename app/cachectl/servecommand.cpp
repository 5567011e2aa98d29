#include "servecommand.h"
#include "redis/connectionoptions.h"

#include "cliresult.h"
#include "metrics/metricsexposition.h"
#include "model/displaybytes.h"
#include "ops/routes/routeconfigstore.h"

#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <algorithm>

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

namespace {
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
} // namespace

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
    return prepareObject(new ServeCommand(input.connection, options, input.out, input.err), true);
}

} // namespace cachescope::cli
