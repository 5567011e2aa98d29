#pragma once

#include "commandtable.h"

#include "cache/statsrecorder.h"
#include "ops/server/infosampler.h"
#include "ops/server/serverinfo.h"

#include <QElapsedTimer>
#include <QObject>
#include <QTextStream>

#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::cli {

// `cachectl stats`: the server's cache figures from INFO. Once: lifetime totals. With --watch: one line per
// interval with the hits, misses and hit rate of that interval (from counter differences, not lifetime). With
// --footprint: the keys and bytes CacheScope's own data takes in the server, by kind.
class StatsCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        bool json = false;
        bool watch = false;
        int intervalMs = 1000;
        int samples = 0; // 0: until interrupted
        std::optional<cache::StatsDimension> by; // per route/tenant/venue/namespace from CacheScope's stats
        int windowSeconds = 60;
        int top = 50; // with `by`: the busiest labels listed, the rest summed in one line
        bool footprint = false; // what CacheScope's own keys cost in this Redis
    };

    StatsCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void printBreakdown();
    void printFootprint();
    void printTotals(const ops::ServerInfo& info);
    void printInterval(const ops::InfoSample& sample);

    redis::Client* m_connection;
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    ops::InfoSampler m_sampler; // --watch: the same interval sampling as the dashboard's charts
    QElapsedTimer m_clock;
    int m_samplesPrinted = 0;
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareStats(CommandInput& input);

} // namespace cachescope::cli
