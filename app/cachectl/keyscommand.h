#pragma once

#include "commandtable.h"

#include "ops/server/keyspacesummary.h"
#include "redis/keyspacescan.h"

#include <QObject>
#include <QTextStream>

namespace cachescope::cli {

// `cachectl keys`: SCANs the keyspace (never KEYS) and prints the keys grouped by tenant, venue and route,
// service namespace, or "other", with counts; `--list` prints the keys themselves as they arrive. On a cluster
// (-c/--cluster) every master is scanned in turn, each named on stderr as it starts.
class KeysCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        redis::ScanOptions scan;
        bool list = false;
        bool all = false; // every tenant, venue and route, not the busiest ten of each
        bool json = false;
        int mastersAtOnce = 0; // 0: every master of a cluster at once
    };

    KeysCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void printSummary();

    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    redis::KeyspaceScan m_scan;
    qint64 m_pages = 0;
    ops::KeyspaceSummary m_summary;
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareKeys(CommandInput& input);

} // namespace cachescope::cli
