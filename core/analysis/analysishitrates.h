#pragma once

#include "analysis/analysisreport.h"

#include <QObject>

#include <functional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::analysis {

// Fills report.hitRates with the last hour's hit rate per route, tenant, venue and namespace, from the stats
// CacheScope clients record (cache::readStatsWindow): what a later snapshot's hit rates are compared with. Labels
// without lookups get none. Calls back once, with an empty string or why the stats could not be read (the report
// then keeps no hit rates).
void attachHitRates(redis::Client& client, AnalysisReport& report, const QObject* context,
    std::function<void(const QString& error)> done);

} // namespace cachescope::analysis
