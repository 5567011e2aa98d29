#include "metrics/statsfold.h"

#include <algorithm>

namespace cachescope::metrics {

using cache::StatsCounters;

StatsFold::StatsFold(int maxLabels)
    : m_maxLabels(std::max(0, maxLabels))
{
}

void StatsFold::admitFirst(const QList<QByteArray>& labels)
{
    for (const QByteArray& label : labels)
        keptLabel(label);
}

QByteArray StatsFold::keptLabel(const QByteArray& label)
{
    if (label == cache::otherLabel || m_totals.contains(label))
        return label;
    if (m_kept >= m_maxLabels)
        return QByteArray(cache::otherLabel);
    ++m_kept;
    m_totals.insert(label, {});
    return label;
}

namespace {
// The counters of StatsCounters as one indexable list: every event, then the load time.
constexpr std::size_t counterCount = std::size_t(cache::StatsEvent::Count_) + 1;
qint64& counterAt(StatsCounters& counters, std::size_t i)
{
    return i < counters.events.size() ? counters.events[i] : counters.loadMsTotal;
}
} // namespace

void StatsFold::fold(qint64 bucket, const QHash<QByteArray, StatsCounters>& now, bool baseline)
{
    auto last = m_lastRead.find(bucket);
    if (last == m_lastRead.end()) {
        last = m_lastRead.insert(bucket, {});
        if (baseline) {
            *last = now;
            return;
        }
    }
    // Changes since the last read, over every label read now or before (a writer deletes the fields of a label it
    // moves into "(other)").
    QList<std::pair<QByteArray, StatsCounters>> changes;
    changes.reserve(now.size());
    StatsCounters net; // per counter, the bucket's growth: moves between labels leave it unchanged
    const auto changeOf = [&](const QByteArray& label) {
        StatsCounters change = now.value(label);
        change -= last->value(label);
        net += change;
        changes.append({label, change});
    };
    for (auto it = now.cbegin(); it != now.cend(); ++it)
        changeOf(it.key());
    for (auto it = last->cbegin(); it != last->cend(); ++it) {
        if (!now.contains(it.key()))
            changeOf(it.key());
    }
    // A bucket that shrank was emptied (the server restarted without its data, or the key was deleted): what it
    // holds now was counted after that.
    bool emptied = false;
    for (std::size_t i = 0; i < counterCount; ++i)
        emptied = emptied || counterAt(net, i) < 0;
    if (emptied) {
        changes.clear();
        for (auto it = now.cbegin(); it != now.cend(); ++it)
            changes.append({it.key(), it.value()});
    }
    StatsCounters moved; // per counter, the counts that left a label (negative changes), as a positive amount
    for (auto& [label, change] : changes) {
        for (std::size_t i = 0; i < counterCount; ++i) {
            qint64& c = counterAt(change, i);
            if (c < 0) {
                counterAt(moved, i) -= c;
                c = 0;
            }
        }
    }
    // A label with nothing added adds nothing and takes nothing: left out, a fat bucket that barely changed is not
    // sorted whole on every read.
    changes.removeIf([](const auto& labelChange) { return labelChange.second.isEmpty(); });
    // Moved counts went either into "(other)" or into a label that was promoted, whose change is then the largest:
    // net "(other)" first, then the largest changes (by label on a tie, so that the outcome does not depend on
    // the hash order).
    std::sort(changes.begin(), changes.end(), [](const auto& a, const auto& b) {
        const bool aOther = a.first == cache::otherLabel;
        const bool bOther = b.first == cache::otherLabel;
        if (aOther != bOther)
            return aOther;
        const qint64 aSize = a.second.requests();
        const qint64 bSize = b.second.requests();
        return aSize != bSize ? aSize > bSize : a.first < b.first;
    });
    for (auto& [label, change] : changes) {
        for (std::size_t i = 0; i < counterCount; ++i) {
            qint64& c = counterAt(change, i);
            const qint64 netted = std::min(c, counterAt(moved, i));
            c -= netted;
            counterAt(moved, i) -= netted;
        }
        if (!change.isEmpty())
            m_totals[keptLabel(label)] += change;
    }
    *last = now; // counts already reported are never taken back
}

void StatsFold::forgetBefore(qint64 bucket)
{
    for (auto it = m_lastRead.begin(); it != m_lastRead.end();) {
        if (it.key() < bucket)
            it = m_lastRead.erase(it);
        else
            ++it;
    }
}

} // namespace cachescope::metrics
