#include "model/routeconfigmerge.h"

#include <optional>

namespace cachescope::model {

using namespace Qt::StringLiterals;

namespace {
template<typename Item, typename KeyOf>
std::optional<Item> find(const QList<Item>& items, const QString& key, KeyOf keyOf)
{
    for (const Item& item : items) {
        if (keyOf(item) == key)
            return item;
    }
    return std::nullopt;
}

// The merged list of one kind of item, keyed by keyOf; conflicting keys are appended to `conflicts` as
// describeConflict(key).
template<typename Item, typename KeyOf, typename Describe>
QList<Item> mergeItems(const QList<Item>& base, const QList<Item>& mine, const QList<Item>& theirs, KeyOf keyOf,
    Describe describeConflict, QStringList& conflicts)
{
    QStringList order;
    for (const QList<Item>* side : {&mine, &theirs, &base}) {
        for (const Item& item : *side) {
            if (!order.contains(keyOf(item)))
                order.append(keyOf(item));
        }
    }
    QList<Item> merged;
    for (const QString& key : std::as_const(order)) {
        const auto b = find(base, key, keyOf);
        const auto m = find(mine, key, keyOf);
        const auto t = find(theirs, key, keyOf);
        std::optional<Item> result;
        if (m == b)
            result = t; // only theirs changed it (or nobody did)
        else if (t == b || t == m)
            result = m; // only mine changed it, or both the same way
        else {
            result = m;
            conflicts.append(describeConflict(key));
        }
        if (result)
            merged.append(*result);
    }
    return merged;
}
} // namespace

RouteConfigMerge mergeRouteConfigs(const RouteConfig& base, const RouteConfig& mine, const RouteConfig& theirs)
{
    RouteConfigMerge merge;
    merge.config.routes = mergeItems(
        base.routes, mine.routes, theirs.routes, [](const RouteRule& rule) { return rule.path; },
        [](const QString& path) { return path; }, merge.conflicts);
    merge.config.namespaces = mergeItems(
        base.namespaces, mine.namespaces, theirs.namespaces, [](const NamespaceTtl& ns) { return ns.name; },
        [](const QString& name) -> QString { return u"namespace "_s + name; }, merge.conflicts);
    return merge;
}

} // namespace cachescope::model
