#pragma once

#include "admin/adminapi.h"
#include "metrics/metricscollector.h"

#include <QHostAddress>
#include <QObject>
#include <QTextStream>

#include <memory>

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
    };

    ServeCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    std::unique_ptr<metrics::MetricsCollector> m_metrics;
    admin::AdminApi m_api;
    admin::AdminHttpServer m_server;
};

} // namespace cachescope::cli
