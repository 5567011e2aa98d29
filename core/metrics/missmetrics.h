#pragma once

#include "analysis/misswatch.h"

#include <QByteArray>
#include <QSet>

namespace cachescope::metrics {

// The miss watch's counters for /metrics (`cachectl serve --watch-misses`): cachescope_misses_total{reason, route}
// and the expired misses' lateness per route, the watch's state and its gaps. Routes are kept by name in the
// order they first had misses (the busiest first within one scrape), up to `maxLabels`; later ones are summed in
// "(other)". A label once kept stays kept, so every counter only grows.
class MissMetrics
{
public:
    explicit MissMetrics(int maxLabels);
    QByteArray render(const analysis::MissWatch::Report& report, bool listening);

private:
    QSet<QByteArray> m_kept;
    int m_maxLabels;
};

} // namespace cachescope::metrics
