#pragma once

#include "commandtable.h"

#include "analysis/keyeventwatch.h"

#include <QObject>
#include <QTextStream>
#include <QTimer>

namespace cachescope::cli {

// `cachectl evictions`: watches expired and evicted keys for --seconds (core's KeyEventWatch) and prints them by
// route, tenant, venue or namespace, with the share each lost to eviction before its TTL. Ctrl-C ends the watch
// early; either way a changed notify-keyspace-events is restored before the exit.
class EvictionsCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        analysis::KeyEventWatch::Options watch;
        int seconds = 60;
        analysis::Dimension by = analysis::Dimension::Route;
        int rows = 20;
        bool json = false;
    };

    EvictionsCommand(redis::Client* client, Options options, QTextStream& out, QTextStream& err);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void print();

    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    analysis::KeyEventWatch m_watch;
    QTimer m_duration;
    bool m_cancelled = false;
    bool m_watched = false; // the watch started: there is a table to print
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareEvictions(CommandInput& input);

} // namespace cachescope::cli
