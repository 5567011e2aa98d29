#include "model/routeconfigdiff.h"

#include "model/ttltext.h"

namespace cachescope::model {

using namespace Qt::StringLiterals;

QString describeRouteRule(const RouteRule& rule)
{
    QString text = u"ttl "_s + describeTtlShort(qint64(rule.ttlSeconds) * 1000);
    if (!rule.varyBy.isEmpty())
        text += u", vary by "_s + rule.varyBy.join(u',');
    if (rule.isPrivate)
        text += u", private"_s;
    return text;
}

QStringList describeRouteChanges(const RouteConfig& before, const RouteConfig& after)
{
    QStringList lines;
    for (const RouteRule& rule : after.routes) {
        const auto old = std::find_if(
            before.routes.cbegin(), before.routes.cend(), [&rule](const RouteRule& r) { return r.path == rule.path; });
        if (old == before.routes.cend())
            lines.append(u"+ %1: %2"_s.arg(rule.path, describeRouteRule(rule)));
        else if (!(*old == rule))
            lines.append(u"~ %1: %2 → %3"_s.arg(rule.path, describeRouteRule(*old), describeRouteRule(rule)));
    }
    for (const RouteRule& rule : before.routes) {
        const bool kept = std::any_of(
            after.routes.cbegin(), after.routes.cend(), [&rule](const RouteRule& r) { return r.path == rule.path; });
        if (!kept)
            lines.append(u"- %1: %2"_s.arg(rule.path, describeRouteRule(rule)));
    }
    if (!(before.namespaces == after.namespaces))
        lines.append(u"~ namespace TTLs changed"_s);
    return lines;
}

QHash<QString, int> changedTtls(const RouteConfig& before, const RouteConfig& after)
{
    QHash<QString, int> changed;
    for (const RouteRule& rule : after.routes) {
        const RouteRule* was = nullptr;
        for (const RouteRule& candidate : before.routes) {
            if (candidate.path == rule.path)
                was = &candidate;
        }
        if (was && was->ttlSeconds != rule.ttlSeconds)
            changed.insert(rule.path, was->ttlSeconds);
    }
    return changed;
}

} // namespace cachescope::model
