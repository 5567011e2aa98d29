#pragma once

#include "commandtable.h"

#include "analysis/keyspaceanalysis.h"

#include <QObject>
#include <QTextStream>

namespace cachescope::analysis {
struct AnalysisDiff;
}

namespace cachescope::cli {

// `cachectl analyze`: what takes the memory, by tenant, venue, route rule or namespace (core's KeyspaceAnalysis),
// with the last hour's hit rates; --save keeps it on this machine, `--diff A B` compares two saved ones without a
// server. Progress goes to stderr while it runs.
class AnalyzeCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        analysis::KeyspaceAnalysis::Options analysis;
        analysis::Dimension by = analysis::Dimension::Route;
        bool json = false;
        bool csv = false;
        int rows = 20; // groups printed, largest first (0: all)
        QString saveAs;
    };

    AnalyzeCommand(redis::Client* client, Options options, QTextStream& out, QTextStream& err);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void onAnalysisFinished();
    void print(const analysis::AnalysisReport& report);

    redis::Client* m_client;
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    analysis::KeyspaceAnalysis m_analysis;
};

// The text of `cachectl analyze`'s report and of `--diff`: for the terminal.
void printAnalysis(const analysis::AnalysisReport& report, analysis::Dimension by, int rows, QTextStream& out);
void printAnalysisDiff(const analysis::AnalysisDiff& diff, int rows, QTextStream& out);

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareAnalyze(CommandInput& input);

} // namespace cachescope::cli
