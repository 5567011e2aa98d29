#include "models/keytreemodel.h"

#include "cache/keyspace.h"
#include "model/keyparser.h"
#include "redis/reply.h"

#include <QDateTime>
#include <QLocale>
#include <QSet>

#include <unordered_map>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

struct KeyTreeModel::Node
{
    Node* parent = nullptr;
    int row = 0;
    NodeKind kind = NodeKind::Group;
    QByteArray label; // what the row shows (raw bytes; escaped for display)
    QByteArray key; // leaves only
    qint64 count = 0; // keys at or below this node
    // TTL and memory of the sampled keys at or below this node. Expiry times are ms since the epoch; for a
    // leaf soonest == latest; 0 is unknown, -1 no expiry, -2 the key was gone when asked.
    qint64 soonestExpiry = 0;
    qint64 latestExpiry = 0;
    qint64 sampledBytes = 0;
    qint32 sampledKeys = 0;
    bool absent = false; // a tenant or venue node for keys without that part
    QByteArray method; // route nodes
    std::optional<QString> rulePath; // route nodes grouped by a route rule
    std::vector<std::unique_ptr<Node>> children;
    QHash<QByteArray, Node*> childByLabel; // grouping nodes only
    Node* absentChild = nullptr; // the "(none)" child, kept apart from any real label
};

namespace {
QByteArray leafLabel(const model::ParsedKey& parsed, const QByteArray& key)
{
    switch (parsed.kind) {
    case model::ParsedKey::Kind::GatewayResponse: {
        // What the ancestors (tenant, venue, route) do not already say: the path below the route's
        // method, the vary values and the user.
        const auto& g = parsed.gateway;
        QByteArray label = g.path;
        for (const auto& vary : g.vary)
            label += ' ' + vary.name + '=' + (vary.value ? *vary.value : QByteArray("(absent)"));
        if (g.userId)
            label += " user " + *g.userId;
        return label;
    }
    case model::ParsedKey::Kind::Service:
        return parsed.serviceId;
    case model::ParsedKey::Kind::Other:
        break;
    }
    return key;
}

QByteArray routeLabel(const model::GatewayKey& key, const model::RouteConfig& routes)
{
    // Group by the route rule that covers the path, as the gateway does, so /api/events/42 and
    // /api/events/43 fall under one route; paths without a rule by their first two segments.
    if (const model::RouteRule* rule = routes.match(QString::fromUtf8(key.path)))
        return key.method + ' ' + rule->path.toUtf8();
    const QList<QByteArray> segments = key.path.split('/');
    QByteArray route;
    for (qsizetype i = 1; i < segments.size() && i <= 2; ++i)
        route += '/' + segments.at(i);
    return key.method + ' ' + (route.isEmpty() ? QByteArray("/") : route);
}
} // namespace

KeyTreeModel::KeyTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
    , m_routes(model::RouteConfig::defaults())
{
    clear();
}

void KeyTreeModel::setRoutes(model::RouteConfig routes)
{
    m_routes = std::move(routes); // applies to keys added from now on: rescan to regroup
}

KeyTreeModel::~KeyTreeModel() = default;

void KeyTreeModel::clear()
{
    beginResetModel();
    m_root = std::make_unique<Node>();
    auto group = [this](const char* label) {
        auto node = std::make_unique<Node>();
        node->parent = m_root.get();
        node->row = int(m_root->children.size());
        node->label = label;
        Node* raw = node.get();
        m_root->children.push_back(std::move(node));
        return raw;
    };
    m_total = 0;
    m_gateway = m_services = m_other = m_internal = nullptr;
    if (m_grouping == Grouping::ByShape) {
        m_gateway = group("Gateway responses");
        m_services = group("Service entries");
        m_other = group("Other keys");
        m_internal = group("CacheScope's own keys (stats, tags, config, audit)");
    }
    m_awaitingMetadata.clear(); // replies still under way find nothing to update
    endResetModel();
}

qint64 KeyTreeModel::totalKeys() const
{
    return m_total;
}

KeyTreeModel::Node* KeyTreeModel::childFor(Node* parent, NodeKind kind, const std::optional<QByteArray>& label)
{
    if (Node* existing = label ? parent->childByLabel.value(*label) : parent->absentChild)
        return existing;
    auto node = std::make_unique<Node>();
    node->parent = parent;
    node->kind = kind;
    node->label = label.value_or("(none)");
    node->absent = !label;
    node->row = int(parent->children.size());
    Node* raw = node.get();
    beginInsertRows(indexOf(parent), node->row, node->row);
    parent->children.push_back(std::move(node));
    if (label)
        parent->childByLabel.insert(*label, raw);
    else
        parent->absentChild = raw;
    endInsertRows();
    return raw;
}

KeyTreeModel::Node* KeyTreeModel::prefixParent(Node* under, const QByteArray& key, QByteArray* rest)
{
    Node* parent = under;
    qsizetype start = 0;
    for (int depth = 0; depth < maxPrefixDepth; ++depth) {
        const qsizetype colon = key.indexOf(':', start);
        if (colon < 0)
            break;
        parent = childFor(parent, NodeKind::Prefix, key.mid(start, colon - start));
        if (parent->key.isNull())
            parent->key = key.left(colon); // the whole prefix, for "invalidate keys under it"
        start = colon + 1;
    }
    *rest = key.mid(start);
    return parent;
}

std::optional<ops::KeySelection> KeyTreeModel::selectionFor(const QModelIndex& index) const
{
    if (!index.isValid())
        return std::nullopt;
    const Node* node = static_cast<const Node*>(index.internalPointer());
    auto addTenant = [](ops::GatewayScope& scope, const Node* tenant) {
        if (tenant->absent)
            scope.noTenant = true;
        else
            scope.tenant = tenant->label;
    };
    auto addVenue = [](ops::GatewayScope& scope, const Node* venue) {
        if (venue->absent)
            scope.noVenue = true;
        else
            scope.venue = venue->label;
    };
    ops::GatewayScope scope;
    switch (node->kind) {
    case NodeKind::Group:
        if (node == m_gateway)
            return ops::selectGatewayKeys(scope, m_routes);
        return std::nullopt; // "every service key" is a pattern to type, not a click
    case NodeKind::Tenant:
        addTenant(scope, node);
        return ops::selectGatewayKeys(scope, m_routes);
    case NodeKind::Venue:
        addTenant(scope, node->parent);
        addVenue(scope, node);
        return ops::selectGatewayKeys(scope, m_routes);
    case NodeKind::Route:
        if (!node->rulePath)
            return std::nullopt; // grouped by path segments, not by a rule: no exact selection to offer
        addTenant(scope, node->parent->parent);
        addVenue(scope, node->parent);
        scope.method = node->method;
        scope.rulePath = node->rulePath;
        return ops::selectGatewayKeys(scope, m_routes);
    case NodeKind::Namespace:
        return ops::selectNamespace(node->label);
    case NodeKind::Prefix: {
        bool underOther = false;
        for (const Node* above = node->parent; above; above = above->parent)
            underOther = underOther || above == m_other;
        return ops::selectPrefix(node->key + ':', underOther);
    }
    case NodeKind::Key:
        return ops::selectKey(node->key);
    }
    return std::nullopt;
}

QList<QByteArray> KeyTreeModel::addKeys(const QList<QByteArray>& keys, int metadataSample)
{
    QList<QByteArray> sample;
    const qsizetype stride = metadataSample > 0 ? std::max<qsizetype>(1, keys.size() / metadataSample) : 0;
    qsizetype position = 0;
    // Phase 1: find or make each key's parent, collecting the page's leaves per parent.
    std::unordered_map<Node*, std::vector<std::unique_ptr<Node>>> pending;
    std::vector<Node*> parentsInOrder;
    for (const QByteArray& key : keys) {
        const model::ParsedKey parsed = model::parseKey(key);
        Node* parent = nullptr;
        QByteArray label;
        if (m_grouping == Grouping::ByDelimiter) {
            parent = prefixParent(m_root.get(), key, &label);
        } else if (key.startsWith(cache::internalPrefix)) {
            parent = m_internal; // kept apart so they never pass for the application's cache
        } else {
            switch (parsed.kind) {
            case model::ParsedKey::Kind::GatewayResponse: {
                Node* tenant = childFor(m_gateway, NodeKind::Tenant, parsed.gateway.tenantId);
                Node* venue = childFor(tenant, NodeKind::Venue, parsed.gateway.venueId);
                const model::RouteRule* rule = m_routes.match(QString::fromUtf8(parsed.gateway.path));
                parent = childFor(venue, NodeKind::Route, routeLabel(parsed.gateway, m_routes));
                if (parent->method.isNull()) {
                    parent->method = parsed.gateway.method;
                    if (rule)
                        parent->rulePath = rule->path;
                }
                break;
            }
            case model::ParsedKey::Kind::Service:
                parent = childFor(m_services, NodeKind::Namespace, parsed.serviceNamespace);
                break;
            case model::ParsedKey::Kind::Other:
                parent = prefixParent(m_other, key, &label); // unknown shapes still group by their prefixes
                break;
            }
        }
        auto leaf = std::make_unique<Node>();
        leaf->kind = NodeKind::Key;
        leaf->key = key;
        leaf->label = label.isNull() ? leafLabel(parsed, key) : label;
        leaf->count = 1;
        if (stride && position++ % stride == 0 && sample.size() < metadataSample && !m_awaitingMetadata.contains(key)) {
            m_awaitingMetadata.insert(key, leaf.get());
            sample.append(key);
        }
        auto& list = pending[parent];
        if (list.empty())
            parentsInOrder.push_back(parent);
        list.push_back(std::move(leaf));
    }
    // Phase 2: one insertion per parent, then one count update per run of changed siblings.
    QSet<Node*> touched;
    for (Node* parent : parentsInOrder) {
        auto& leaves = pending[parent];
        const int first = int(parent->children.size());
        const int added = int(leaves.size());
        beginInsertRows(indexOf(parent), first, first + added - 1);
        for (auto& leaf : leaves) {
            leaf->parent = parent;
            leaf->row = int(parent->children.size());
            parent->children.push_back(std::move(leaf));
        }
        endInsertRows();
        m_total += added;
        for (Node* node = parent; node && node != m_root.get(); node = node->parent) {
            node->count += added;
            touched.insert(node);
        }
    }
    emitChanged(touched, CountColumn, MemoryColumn, {Qt::DisplayRole, CountRole, MemoryRole});
    return sample;
}

void KeyTreeModel::emitChanged(const QSet<Node*>& nodes, int firstColumn, int lastColumn, const QList<int>& roles)
{
    std::unordered_map<Node*, std::pair<int, int>> rowsByParent;
    for (Node* node : nodes) {
        auto [it, inserted] = rowsByParent.try_emplace(node->parent, node->row, node->row);
        if (!inserted) {
            it->second.first = std::min(it->second.first, node->row);
            it->second.second = std::max(it->second.second, node->row);
        }
    }
    for (const auto& [parent, rows] : rowsByParent) {
        const QModelIndex parentIndex = indexOf(parent);
        Q_EMIT dataChanged(
            index(rows.first, firstColumn, parentIndex), index(rows.second, lastColumn, parentIndex), roles);
    }
}

QList<QByteArray> KeyTreeModel::keysAwaitingMetadata(const QModelIndex& parent, int limit)
{
    QList<QByteArray> keys;
    if (!parent.isValid() || parent.model() != this)
        return keys;
    const Node* node = static_cast<const Node*>(parent.internalPointer());
    for (const auto& child : node->children) {
        if (keys.size() >= limit)
            break;
        if (child->kind != NodeKind::Key || child->sampledKeys > 0 || child->soonestExpiry != 0
            || m_awaitingMetadata.contains(child->key))
            continue;
        m_awaitingMetadata.insert(child->key, child.get());
        keys.append(child->key);
    }
    return keys;
}

void KeyTreeModel::setMetadata(const QList<ops::KeyMetadata>& metadata)
{
    QSet<Node*> touched;
    for (const ops::KeyMetadata& entry : metadata) {
        Node* leaf = m_awaitingMetadata.take(entry.key);
        if (!leaf)
            continue; // cleared by a rescan meanwhile
        const qint64 expiry = entry.pttlMs >= 0 ? entry.fetchedAtMs + entry.pttlMs : entry.pttlMs;
        const bool sized = entry.memoryBytes.has_value();
        for (Node* node = leaf; node && node != m_root.get(); node = node->parent) {
            if (sized) {
                node->sampledBytes += *entry.memoryBytes;
                ++node->sampledKeys;
            }
            if (entry.pttlMs == -2) {
                if (node == leaf)
                    node->soonestExpiry = node->latestExpiry = -2;
            } else {
                // Soonest: the smallest real expiry; latest: -1 once any sampled key never expires.
                if (expiry > 0 && (node->soonestExpiry <= 0 || expiry < node->soonestExpiry))
                    node->soonestExpiry = expiry;
                if (node->latestExpiry != -1 && (expiry == -1 || expiry > node->latestExpiry))
                    node->latestExpiry = expiry;
                if (node->soonestExpiry == 0 && expiry == -1)
                    node->soonestExpiry = -1;
            }
            touched.insert(node);
        }
    }
    emitChanged(touched, TtlColumn, MemoryColumn, {Qt::DisplayRole, Qt::ToolTipRole, TtlRole, MemoryRole});
}

QModelIndex KeyTreeModel::indexOf(const Node* node, int column) const
{
    if (!node || node == m_root.get())
        return {};
    return createIndex(node->row, column, const_cast<Node*>(node));
}

QModelIndex KeyTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    const Node* parentNode = parent.isValid() ? static_cast<const Node*>(parent.internalPointer()) : m_root.get();
    if (row < 0 || column < 0 || column >= ColumnCount || row >= int(parentNode->children.size()))
        return {};
    return createIndex(row, column, parentNode->children[std::size_t(row)].get());
}

QModelIndex KeyTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    const Node* node = static_cast<const Node*>(child.internalPointer());
    return indexOf(node->parent);
}

int KeyTreeModel::rowCount(const QModelIndex& parent) const
{
    if (parent.isValid() && parent.column() != NameColumn)
        return 0;
    const Node* node = parent.isValid() ? static_cast<const Node*>(parent.internalPointer()) : m_root.get();
    return int(node->children.size());
}

int KeyTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant KeyTreeModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    const Node* node = static_cast<const Node*>(index.internalPointer());
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        if (index.column() == TtlColumn)
            return ttlData(node, role);
        if (index.column() == MemoryColumn)
            return memoryData(node, role);
        if (role == Qt::ToolTipRole)
            return node->kind == NodeKind::Key ? redis::displayBytes(node->key) : QVariant();
        if (index.column() == CountColumn)
            return node->kind == NodeKind::Key ? QVariant() : QVariant(node->count);
        switch (node->kind) {
        case NodeKind::Tenant:
            return QString(u"tenant "_s + redis::displayBytes(node->label));
        case NodeKind::Venue:
            return QString(u"venue "_s + redis::displayBytes(node->label));
        case NodeKind::Prefix:
            return QString(redis::displayBytes(node->label, 300) + u':');
        default:
            return redis::displayBytes(node->label, 300);
        }
    case Qt::TextAlignmentRole:
        return index.column() != NameColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    case KeyRole:
        return node->kind == NodeKind::Key ? QVariant(node->key) : QVariant();
    case KindRole:
        return int(node->kind);
    case CountRole:
        return node->count;
    case TtlRole:
    case MemoryRole:
        return role == TtlRole ? ttlData(node, role) : memoryData(node, role);
    case SampledKeysRole:
        return node->sampledKeys;
    default:
        return {};
    }
}

QVariant KeyTreeModel::ttlData(const Node* node, int role) const
{
    const auto remaining = [](qint64 expiry) -> qint64 {
        return expiry > 0 ? std::max<qint64>(0, expiry - QDateTime::currentMSecsSinceEpoch()) : expiry;
    };
    if (node->soonestExpiry == 0)
        return {};
    if (role == TtlRole)
        return remaining(node->soonestExpiry);
    if (node->kind == NodeKind::Key) {
        const qint64 left = remaining(node->soonestExpiry);
        if (role == Qt::ToolTipRole)
            return tr("TTL when sampled: %1").arg(ops::describeTtlShort(left));
        return left == 0 ? tr("expired") : ops::describeTtlShort(left);
    }
    const QString soonest = ops::describeTtlShort(remaining(node->soonestExpiry));
    const QString latest = ops::describeTtlShort(remaining(node->latestExpiry));
    if (role == Qt::ToolTipRole)
        return tr("TTLs of the %Ln sampled keys below: from %1 to %2", nullptr, node->sampledKeys).arg(soonest, latest);
    return soonest == latest ? soonest : QString(soonest + u" – "_s + latest);
}

QVariant KeyTreeModel::memoryData(const Node* node, int role) const
{
    if (node->sampledKeys == 0)
        return {};
    const qint64 bytes = node->kind == NodeKind::Key
        ? node->sampledBytes
        : qint64(double(node->sampledBytes) / node->sampledKeys * double(node->count));
    if (role == MemoryRole)
        return bytes;
    if (node->kind == NodeKind::Key)
        return role == Qt::ToolTipRole ? tr("MEMORY USAGE: %L1 bytes").arg(bytes) : QLocale().formattedDataSize(bytes);
    if (role == Qt::ToolTipRole)
        return tr("Estimated: %L1 keys × the average of %L2 sampled keys (MEMORY USAGE)")
            .arg(node->count)
            .arg(node->sampledKeys);
    return QString(u"≈ "_s + QLocale().formattedDataSize(bytes));
}

QVariant KeyTreeModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case TtlColumn:
            return tr("TTL of sampled keys (PTTL when sampled); groups show the sampled range");
        case MemoryColumn:
            return tr("MEMORY USAGE of sampled keys; a group's figure is an estimate: its key count × the "
                      "sampled average");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case NameColumn:
        return tr("Key");
    case CountColumn:
        return tr("Keys");
    case TtlColumn:
        return tr("TTL");
    default:
        return tr("Memory ≈");
    }
}

} // namespace cachescope::ui
