#pragma once

#include "analysis/analysisreport.h"

#include <QList>

#include <optional>

namespace cachescope::analysis {

// One group of two analyses side by side.
struct GroupChange
{
    enum class Presence
    {
        Both,
        New, // only in the later analysis
        Vanished, // only in the earlier one
    };
    QByteArray label;
    Presence presence = Presence::Both;
    double keysBefore = 0;
    double keysAfter = 0;
    double bytesBefore = 0;
    double bytesAfter = 0;
    // Shares of the group's bytes that never expire, before and after.
    double neverShareBefore = 0;
    double neverShareAfter = 0;
    qint64 persistentBefore = 0; // keys without expiry that the rules say must expire (measured)
    qint64 persistentAfter = 0;
    std::optional<double> hitRateBefore;
    std::optional<double> hitRateAfter;
    // Expiry got worse: more of its bytes never expire (by 5 points or more), or more keys that must expire do not.
    bool ttlRegression = false;

    double bytesGrowth() const
    {
        return bytesAfter - bytesBefore;
    }
};

struct AnalysisDiff
{
    Dimension dimension = Dimension::Route;
    GroupChange total; // everything analysed
    QList<GroupChange> groups; // largest change in bytes first
    QString caveat; // set when the two are not alike (other server, pattern or sampling; an incomplete one)

    QJsonObject toJson() const;
};

AnalysisDiff diffAnalyses(const AnalysisReport& before, const AnalysisReport& after, Dimension dimension);

} // namespace cachescope::analysis
