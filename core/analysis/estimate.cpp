#include "analysis/estimate.h"

#include <QLocale>

#include <cmath>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

Estimate projectScannedCount(qint64 groupKeys, qint64 seen, qint64 whole)
{
    if (seen <= 0 || whole <= seen)
        return {double(groupKeys), std::nullopt};
    constexpr double z95 = 1.96;
    const double share = double(groupKeys) / double(seen);
    const double sampled = double(seen) / double(whole);
    const double halfWidth = z95 * double(whole) * std::sqrt(share * (1 - share) / double(seen) * (1 - sampled));
    // A part in which the group was all or nothing shows no spread, which is not no error: only a count of
    // everything is exact, so a projection never claims an error of 0.
    if (halfWidth <= 0)
        return {share * double(whole), std::nullopt};
    return {share * double(whole), halfWidth};
}

QString describeCountEstimate(const Estimate& estimate)
{
    const QString count = QLocale().toString(qint64(std::llround(estimate.value)));
    if (estimate.exact())
        return count;
    if (estimate.error)
        return u"≈ %1 ± %2"_s.arg(count, QLocale().toString(qint64(std::llround(*estimate.error))));
    return u"≈ "_s + count;
}

} // namespace cachescope::analysis
