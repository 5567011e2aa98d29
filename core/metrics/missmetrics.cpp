#include "metrics/missmetrics.h"

#include "metrics/prometheustext.h"

#include <algorithm>
#include <map>

namespace cachescope::metrics {

using analysis::MissCounts;

MissMetrics::MissMetrics(int maxLabels)
    : m_maxLabels(maxLabels)
{
}

QByteArray MissMetrics::render(const analysis::MissWatch::Report& report, bool listening)
{
    const auto& routes = report.anatomy.groups[std::size_t(analysis::Dimension::Route)];
    const QList<std::pair<QByteArray, MissCounts>> rows = analysis::rankedByMisses(routes);
    static const QByteArray other = QByteArrayLiteral("(other)");
    std::map<QByteArray, MissCounts> exported;
    for (const auto& [label, counts] : rows) {
        if (!m_kept.contains(label) && m_kept.size() < m_maxLabels && label != other)
            m_kept.insert(label);
        exported[m_kept.contains(label) ? label : other].add(counts);
    }
    PrometheusText text;
    const bool open = !report.gaps.isEmpty() && report.gaps.constLast().toMs == 0;
    text.single("cachescope_miss_watch_up", "gauge",
        "1 while the miss watch listens on every master; 0 in a gap (a lost subscription being reopened)",
        listening && !open ? 1 : 0);
    text.single("cachescope_miss_watch_gaps_total", "counter",
        "Times the miss watch lost its subscriptions; misses in a gap are not counted", report.gaps.size());
    text.family("cachescope_misses_total", "counter",
        "Misses by reason (expired, evicted, invalidated, cold, unknown) and route rule, told from keyspace "
        "notifications");
    for (const auto& [label, counts] : exported) {
        for (int r = 0; r < analysis::missReasonCount; ++r)
            text.sample("cachescope_misses_total",
                {{"reason", analysis::missReasonName(analysis::MissReason(r)).toUtf8()}, {"route", label}},
                counts.reasons[std::size_t(r)]);
    }
    text.family("cachescope_expired_miss_lateness_total", "counter",
        "Expired misses by how late they were asked for after the key left (0-1s, 1-10s, 10-60s, 1-10min, later)");
    for (const auto& [label, counts] : exported) {
        for (int b = 0; b < analysis::latenessBucketCount; ++b)
            text.sample("cachescope_expired_miss_lateness_total",
                {{"lateness", analysis::latenessBucketName(b).toUtf8()}, {"route", label}},
                counts.lateness[std::size_t(b)]);
    }
    return text.text();
}

} // namespace cachescope::metrics
