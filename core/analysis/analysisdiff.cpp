#include "analysis/analysisdiff.h"
#include "model/optionaljson.h"

#include "model/displaybytes.h"

#include <QJsonArray>
#include <QSet>

#include <algorithm>
#include <cmath>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr double regressionPoints = 0.05;

double neverShare(const GroupFigures& group)
{
    return group.bytes > 0 ? double(group.ttlBytes[std::size_t(TtlBucket::Never)]) / double(group.bytes) : 0;
}

void fill(GroupChange& change, const AnalysisReport& before, const GroupFigures* was, const AnalysisReport& after,
    const GroupFigures* is)
{
    if (was) {
        change.keysBefore = before.keysEstimate(*was).value;
        change.bytesBefore = before.bytesEstimate(*was).value;
        change.neverShareBefore = neverShare(*was);
        change.persistentBefore = was->persistentAgainstRules;
    }
    if (is) {
        change.keysAfter = after.keysEstimate(*is).value;
        change.bytesAfter = after.bytesEstimate(*is).value;
        change.neverShareAfter = neverShare(*is);
        change.persistentAfter = is->persistentAgainstRules;
    }
    change.presence = !was ? GroupChange::Presence::New
        : !is              ? GroupChange::Presence::Vanished
                           : GroupChange::Presence::Both;
    change.ttlRegression = was && is && before.ttlMeasured && after.ttlMeasured
        && (change.neverShareAfter - change.neverShareBefore >= regressionPoints
            || change.persistentAfter > change.persistentBefore);
}

std::optional<double> rateOf(const AnalysisReport& report, Dimension dimension, const QByteArray& label)
{
    const auto& rates = report.hitRates[std::size_t(dimension)];
    const auto it = rates.constFind(label);
    return it == rates.cend() ? std::nullopt : std::optional<double>(*it);
}

QString presenceName(GroupChange::Presence presence)
{
    switch (presence) {
    case GroupChange::Presence::Both:
        return u"both"_s;
    case GroupChange::Presence::New:
        return u"new"_s;
    case GroupChange::Presence::Vanished:
        return u"vanished"_s;
    }
    return {};
}

QJsonObject changeToJson(const GroupChange& change)
{
    return QJsonObject {
        {u"label"_s, model::displayBytes(change.label)},
        {u"presence"_s, presenceName(change.presence)},
        {u"keysBefore"_s, std::round(change.keysBefore)},
        {u"keysAfter"_s, std::round(change.keysAfter)},
        {u"bytesBefore"_s, std::round(change.bytesBefore)},
        {u"bytesAfter"_s, std::round(change.bytesAfter)},
        {u"neverExpiringShareBefore"_s, change.neverShareBefore},
        {u"neverExpiringShareAfter"_s, change.neverShareAfter},
        {u"persistentAgainstRulesBefore"_s, change.persistentBefore},
        {u"persistentAgainstRulesAfter"_s, change.persistentAfter},
        {u"hitRateBefore"_s, model::optionalNumber(change.hitRateBefore)},
        {u"hitRateAfter"_s, model::optionalNumber(change.hitRateAfter)},
        {u"ttlRegression"_s, change.ttlRegression},
    };
}
} // namespace

AnalysisDiff diffAnalyses(const AnalysisReport& before, const AnalysisReport& after, Dimension dimension)
{
    AnalysisDiff diff;
    diff.dimension = dimension;
    fill(diff.total, before, &before.total, after, &after.total);
    const auto& was = before.by(dimension);
    const auto& is = after.by(dimension);
    QList<QByteArray> labels = was.keys();
    for (auto it = is.cbegin(); it != is.cend(); ++it) {
        if (!was.contains(it.key()))
            labels.append(it.key());
    }
    std::sort(labels.begin(), labels.end()); // ties in growth keep the labels' order, run after run
    for (const QByteArray& label : labels) {
        GroupChange change;
        change.label = label;
        const auto wasIt = was.constFind(label);
        const auto isIt = is.constFind(label);
        fill(change, before, wasIt == was.cend() ? nullptr : &*wasIt, after, isIt == is.cend() ? nullptr : &*isIt);
        change.hitRateBefore = rateOf(before, dimension, label);
        change.hitRateAfter = rateOf(after, dimension, label);
        diff.groups.append(change);
    }
    std::stable_sort(diff.groups.begin(), diff.groups.end(), [](const GroupChange& a, const GroupChange& b) {
        return std::abs(a.bytesGrowth()) > std::abs(b.bytesGrowth());
    });
    QStringList caveats;
    if (before.server != after.server)
        caveats << u"different servers (%1, %2)"_s.arg(before.server, after.server);
    if (before.match != after.match || before.scope != after.scope)
        caveats << u"different selections"_s;
    if (before.sampleEvery != after.sampleEvery)
        caveats << u"different sampling (1 in %1, 1 in %2)"_s.arg(before.sampleEvery).arg(after.sampleEvery);
    if (!before.ttlMeasured || !after.ttlMeasured)
        caveats << u"TTLs not read in one of them (no TTL comparison)"_s;
    if (!before.complete || !after.complete)
        caveats << u"an analysis that did not complete"_s;
    diff.caveat = caveats.join(u"; "_s);
    return diff;
}

QJsonObject AnalysisDiff::toJson() const
{
    QJsonArray rows;
    for (const GroupChange& change : groups)
        rows.append(changeToJson(change));
    return QJsonObject {
        {u"by"_s, dimensionName(dimension)},
        {u"total"_s, changeToJson(total)},
        {u"groups"_s, rows},
        {u"caveat"_s, caveat},
    };
}

} // namespace cachescope::analysis
