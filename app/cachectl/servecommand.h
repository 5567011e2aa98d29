#pragma once

#include "commandtable.h"

#include "admin/adminapi.h"
#include "analysis/misswatch.h"
#include "metrics/metricscollector.h"
#include "metrics/missmetrics.h"

#include <QHostAddress>
#include <QObject>
#include <QTextStream>

#include <memory>

namespace cachescope::ops {
class RouteConfigStore;
}

namespace cachescope::cli {

// `cachectl serve`: the admin HTTP API (core's AdminApi) on a loopback port by default, until interrupted.
// Prints "listening on http://ADDRESS:PORT" on stdout, then one line per call on stderr (never a token).
class ServeCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QHostAddress bind = QHostAddress::LocalHost;
        quint16 port = 8089; // 0: any free port
        admin::AdminApi::Options api;
        bool metrics = true; // GET /metrics, read in the background
        metrics::MetricsCollector::Options collector;
        // cachescope_misses_total{reason, route} on /metrics: a miss watch for as long as the API serves.
        bool watchMisses = false;
        analysis::MissWatch::Options misses;
    };

    ServeCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void connectMissWatch();
    void logLine(const QString& line);

    Options m_options;
    redis::Client* m_connection;
    QTextStream& m_out;
    QTextStream& m_err;
    std::unique_ptr<metrics::MetricsCollector> m_metrics;
    std::unique_ptr<ops::RouteConfigStore> m_routes;
    std::unique_ptr<analysis::MissWatch> m_misses;
    std::unique_ptr<metrics::MissMetrics> m_missMetrics;
    bool m_missesListening = false;
    bool m_stopping = false;
    admin::AdminApi m_api;
    admin::AdminHttpServer m_server;
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareServe(CommandInput& input);

} // namespace cachescope::cli
