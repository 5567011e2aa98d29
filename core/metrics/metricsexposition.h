#pragma once

#include <QByteArray>

namespace cachescope::metrics {

class MetricsCollector;

// What GET /metrics answers: everything the collector holds, in the Prometheus text format. From memory only.
// The families and their labels are listed in the README (section "Metrics"); per dimension (route, tenant, venue,
// namespace) at most the collector's maxLabels label values plus "(other)".
QByteArray renderMetrics(const MetricsCollector& collector);

} // namespace cachescope::metrics
