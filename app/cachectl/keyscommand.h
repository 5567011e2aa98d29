#pragma once

#include "ops/keyspacesummary.h"
#include "redis/scaniterator.h"

#include <QObject>
#include <QTextStream>

namespace cachescope::cli {

// `cachectl keys`: SCANs the keyspace (never KEYS) and prints the keys grouped by tenant, venue and route,
// service namespace, or "other", with counts; `--list` prints the keys themselves as they arrive.
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
    };

    KeysCommand(redis::Connection* connection, Options options, QTextStream& out, QTextStream& err);
    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void printSummary();

    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    redis::ScanIterator m_scan;
    ops::KeyspaceSummary m_summary;
};

} // namespace cachescope::cli
