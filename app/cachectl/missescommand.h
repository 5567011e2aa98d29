#pragma once

#include "commandtable.h"

#include "analysis/misswatch.h"

#include <QObject>
#include <QTextStream>
#include <QTimer>

#include <memory>

namespace cachescope::ops {
class RouteConfigStore;
}

namespace cachescope::cli {

// `cachectl misses`: why lookups miss, by route, tenant, venue or namespace, watched for --seconds (core's
// MissWatch over the live route rules), with a line a few seconds on stderr while it runs, and with --what-if
// each route's hit rate and memory at other TTLs. `--restore` puts back a notify-keyspace-events a watch that died
// left widened. Ctrl-C ends the watch early; either way the setting is restored before the exit.
class MissesCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        analysis::MissWatch::Options watch;
        int seconds = 60;
        analysis::Dimension by = analysis::Dimension::Route;
        int rows = 20;
        bool json = false;
        bool whatIf = false;
        bool restore = false;
    };

    MissesCommand(redis::Client* client, Options options, QTextStream& out, QTextStream& err);
    ~MissesCommand() override;
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void startWatch();
    void printLive();
    void print(const analysis::MissWatch::Report& report);
    void printJson(const analysis::MissWatch::Report& report);

    redis::Client* m_client;
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    std::unique_ptr<ops::RouteConfigStore> m_routes;
    std::unique_ptr<analysis::MissWatch> m_watch;
    QTimer m_duration;
    QTimer m_live;
    bool m_cancelled = false;
    bool m_watched = false;
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareMisses(CommandInput& input);

} // namespace cachescope::cli
