#pragma once

#include "cache/statscounters.h"

#include <QByteArray>
#include <QHash>
#include <QList>

namespace cachescope::metrics {

// Turns repeated reads of one dimension's stats buckets into counters that only grow, as Prometheus needs, with a
// bounded number of labels.
//
// A bucket is read again and again while writers may still add to it; each read adds what changed since the last
// read of that bucket. A writer that re-ranks its labels moves counts between a label and "(other)" (a negative
// increment on one side): such moves are netted against the positive changes of the same read, "(other)" first,
// so that the sum over labels is exact and no label ever goes down (a moved count stays where it was first
// reported). Buckets that existed before the first read are a baseline: counting starts at zero.
//
// At most `maxLabels` labels are kept by name — the first ranked by admitFirst(), then in the order they appear —
// and every other label is summed into "(other)". A label once kept stays: its counter must not vanish.
class StatsFold
{
public:
    explicit StatsFold(int maxLabels);

    // Labels to keep by name before any others (e.g. the busiest of the last hour), in rank order.
    void admitFirst(const QList<QByteArray>& labels);
    // One read of `bucket` (its counters by stored label). `baseline`: the bucket already held counts before
    // this fold began; its first read only sets the starting point.
    void fold(qint64 bucket, const QHash<QByteArray, cache::StatsCounters>& now, bool baseline);
    // Buckets before `bucket` will not be read again.
    void forgetBefore(qint64 bucket);

    // Since the fold began, by kept label and "(other)".
    const QHash<QByteArray, cache::StatsCounters>& totals() const
    {
        return m_totals;
    }
    int maxLabels() const
    {
        return m_maxLabels;
    }

private:
    QByteArray keptLabel(const QByteArray& label);

    int m_maxLabels;
    int m_kept = 0; // labels kept by name (not "(other)")
    QHash<QByteArray, cache::StatsCounters> m_totals;
    QHash<qint64, QHash<QByteArray, cache::StatsCounters>> m_lastRead; // bucket → its counters when last read
};

} // namespace cachescope::metrics
