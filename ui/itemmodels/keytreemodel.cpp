#include "itemmodels/keytreemodel.h"

#include "model/displaybytes.h"
#include "model/keyparser.h"
#include "model/reservedkeys.h"
#include "model/ttltext.h"
#include "redis/reply.h"

#include <QColor>
#include <QDateTime>
#include <QLocale>
#include <QSet>
#include <QThreadPool>

#include <unordered_map>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

// TTL and memory of one sampled key. Expiry is ms since the epoch; -1 no expiry, -2 the key was gone.
struct KeyTreeModel::LeafMetadata
{
    qint64 expiry = 0;
    qint64 bytes = -1; // -1: MEMORY USAGE gave nothing
    // Measured by the tree before a rescan: shown (a rescan must not blank what was measured) but not counted in the
    // groups' figures, and asked for again like an unmeasured key.
    bool beforeRescan = false;
};

namespace {
// At most this many measurements cross a rescan (each a key and 16 bytes): the keys an engineer opened, bounded.
constexpr qsizetype maxMeasuredAcrossRescan = 50'000;
} // namespace

struct KeyTreeModel::Node
{
    Node* parent = nullptr;
    int row = 0; // among the parent's group rows
    NodeKind kind = NodeKind::Group;
    bool absent = false; // a tenant or venue node for keys without that part
    QByteArray label; // what the row shows (raw bytes; escaped for display)
    QByteArray prefix; // prefix nodes: the whole prefix, without the final ':'
    QByteArray method; // route nodes
    std::optional<QString> rulePath; // route nodes grouped by a route rule
    qint64 count = 0; // keys at or below this node
    qint64 ownKeys = 0; // keys directly below, listed or not
    qint64 roomlessKeys = 0; // of those, keys whose own group below had no room (the group budget was spent)
    // TTL and memory of the sampled keys at or below this node (see LeafMetadata for the expiry encoding).
    qint64 soonestExpiry = 0;
    qint64 latestExpiry = 0;
    qint64 sampledBytes = 0;
    qint32 sampledKeys = 0;
    std::vector<std::unique_ptr<Node>> groups;
    QHash<QByteArray, Node*> groupByLabel;
    Node* absentChild = nullptr; // the "(none)" child, kept apart from any real label
    // The keys directly below, back to back: key i is leafBytes[leafEnds[i-1] .. leafEnds[i]).
    QByteArray leafBytes;
    std::vector<quint32> leafEnds;
    QHash<quint32, LeafMetadata> leafMetadata; // sampled keys only
    std::unique_ptr<QSet<QByteArray>> listedSet; // the listed keys, once an opened group fetches more
    // Scratch for addKeys(), empty between pages (kept, with its capacity, so a page allocates nothing here).
    std::vector<qsizetype> pageKeys; // positions in the page of the keys that go below this node
    std::vector<qsizetype> pageSampled; // of those, the ones to ask metadata for
    std::size_t pageListed = 0; // of those, how many (the first ones) become rows
    quint64 changedInPage = 0; // the page that last changed this node's count

    // Keys directly below that are counted but not listed (aggregate mode).
    qint64 unlisted() const
    {
        return std::max<qint64>(0, ownKeys - qint64(leafEnds.size()));
    }
    int rows() const
    {
        return int(groups.size() + leafEnds.size());
    }
    QByteArrayView leafView(std::size_t leaf) const
    {
        const quint32 begin = leaf == 0 ? 0 : leafEnds[leaf - 1];
        return QByteArrayView(leafBytes).sliced(begin, leafEnds[leaf] - begin);
    }
    QByteArray leafKey(std::size_t leaf) const
    {
        return leafView(leaf).toByteArray();
    }
};

namespace {
// A leaf's index carries its owner with the lowest bit set; a group's carries the group itself.
constexpr quintptr leafTag = 1;

QByteArray shapeLabel(const model::ParsedKey& parsed, const QByteArray& key)
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

} // namespace

KeyTreeModel::KeyTreeModel(QObject* parent)
    : QAbstractItemModel(parent)
{
    clear();
}

void KeyTreeModel::setRoutes(model::RouteConfig routes)
{
    m_places.setRoutes(std::move(routes)); // applies to keys added from now on: rescan to regroup
}

KeyTreeModel::~KeyTreeModel() = default;

void KeyTreeModel::clear()
{
    beginResetModel();
    if (m_root)
        keepMeasuredForRescan();
    std::unique_ptr<Node> old = std::exchange(m_root, std::make_unique<Node>());
    if (m_total > 10'000) {
        // Freeing a tree of 400,000 keys takes the GUI thread ~90 ms: it is done on a pool thread (nothing refers
        // to it once the reset began; the pool waits for it at exit).
        QThreadPool::globalInstance()->start([old = std::shared_ptr<Node>(std::move(old))]() mutable { old.reset(); });
    }
    auto group = [this](const char* label) {
        auto node = std::make_unique<Node>();
        node->parent = m_root.get();
        node->row = int(m_root->groups.size());
        node->label = label;
        Node* raw = node.get();
        m_root->groups.push_back(std::move(node));
        return raw;
    };
    m_total = 0;
    m_groups = 0;
    m_listedTotal = 0;
    m_projection.reset();
    m_projectionSeen.reset();
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

namespace {
// Every node of a tree, depth first.
template<typename Node, typename Visit>
void forEachNode(const Node* node, const Visit& visit)
{
    visit(node);
    for (const auto& group : node->groups)
        forEachNode(group.get(), visit);
}
} // namespace

QList<QByteArray> KeyTreeModel::listedKeysMatching(const model::RedisGlob& glob) const
{
    QList<QByteArray> keys;
    forEachNode(m_root.get(), [&](const Node* node) {
        for (std::size_t leaf = 0; leaf < node->leafEnds.size(); ++leaf) {
            if (glob.matches(node->leafView(leaf)))
                keys.append(node->leafKey(leaf));
        }
    });
    return keys;
}

qint64 KeyTreeModel::goneKeys() const
{
    qint64 gone = 0;
    forEachNode(m_root.get(), [&gone](const Node* node) {
        for (const LeafMetadata& metadata : node->leafMetadata)
            gone += metadata.expiry == -2 ? 1 : 0;
    });
    return gone;
}

void KeyTreeModel::keepMeasuredForRescan()
{
    // Only what is still true as far as we know: a key seen gone, or past its expiry, is not carried.
    m_measuredBefore.clear();
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    forEachNode(m_root.get(), [&](const Node* node) {
        for (auto it = node->leafMetadata.cbegin(); it != node->leafMetadata.cend(); ++it) {
            if (m_measuredBefore.size() >= maxMeasuredAcrossRescan)
                return;
            if (it->expiry == -2 || (it->expiry > 0 && it->expiry <= now))
                continue;
            LeafMetadata kept = *it;
            kept.beforeRescan = true;
            m_measuredBefore.insert(node->leafKey(it.key()), kept);
        }
    });
}

qint64 KeyTreeModel::gatewayKeys() const
{
    return m_gateway ? m_gateway->count : 0;
}

KeyTreeModel::Node* KeyTreeModel::childFor(
    Node* parent, NodeKind kind, const std::optional<QByteArray>& label, bool create)
{
    if (!parent)
        return nullptr;
    if (Node* existing = label ? parent->groupByLabel.value(*label) : parent->absentChild)
        return existing;
    if (!create)
        return nullptr;
    if (m_groupBudget > 0 && m_groups >= m_groupBudget) {
        m_outOfRoom = true; // the key stays with the deepest group that exists
        return nullptr;
    }
    ++m_groups;
    auto node = std::make_unique<Node>();
    node->parent = parent;
    node->kind = kind;
    // A deep copy: lookups may pass QByteArray::fromRawData() views into a page that will go away.
    node->label = label ? QByteArray(label->constData(), label->size()) : QByteArray("(none)");
    node->absent = !label;
    node->row = int(parent->groups.size());
    Node* raw = node.get();
    // Groups come before keys: a new group goes in after the existing ones.
    beginInsertRows(indexOf(parent), node->row, node->row);
    parent->groups.push_back(std::move(node));
    if (label)
        parent->groupByLabel.insert(raw->label, raw);
    else
        parent->absentChild = raw;
    endInsertRows();
    return raw;
}

KeyTreeModel::Node* KeyTreeModel::prefixParent(Node* under, const QByteArray& key, QByteArray* rest, bool create)
{
    Node* parent = under;
    qsizetype start = 0;
    for (int depth = 0; depth < maxPrefixDepth; ++depth) {
        const qsizetype colon = key.indexOf(':', start);
        if (colon < 0)
            break;
        Node* child = childFor(parent, NodeKind::Prefix, key.mid(start, colon - start), create);
        if (!child)
            break;
        parent = child;
        if (parent->prefix.isNull())
            parent->prefix = key.left(colon); // the whole prefix, for "invalidate keys under it"
        start = colon + 1;
    }
    if (rest)
        *rest = key.mid(start);
    return parent;
}

std::optional<ops::KeySelection> KeyTreeModel::selectionFor(const QModelIndex& index) const
{
    if (!index.isValid() || index.model() != this)
        return std::nullopt;
    if (index.internalId() & leafTag) {
        const Node* owner = reinterpret_cast<const Node*>(index.internalId() & ~leafTag);
        return ops::selectKey(owner->leafKey(std::size_t(index.row()) - owner->groups.size()));
    }
    const Node* node = reinterpret_cast<const Node*>(index.internalId());
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
            return ops::selectGatewayKeys(scope, m_places.routes());
        return std::nullopt; // "every service key" is a pattern to type, not a click
    case NodeKind::Tenant:
        addTenant(scope, node);
        return ops::selectGatewayKeys(scope, m_places.routes());
    case NodeKind::Venue:
        addTenant(scope, node->parent);
        addVenue(scope, node);
        return ops::selectGatewayKeys(scope, m_places.routes());
    case NodeKind::Route:
        if (!node->rulePath)
            return std::nullopt; // grouped by path segments, not by a rule: no exact selection to offer
        addTenant(scope, node->parent->parent);
        addVenue(scope, node->parent);
        scope.method = node->method;
        scope.rulePath = node->rulePath;
        return ops::selectGatewayKeys(scope, m_places.routes());
    case NodeKind::Namespace:
        return ops::selectNamespace(node->label);
    case NodeKind::Prefix: {
        bool underOther = false;
        for (const Node* above = node->parent; above; above = above->parent)
            underOther = underOther || above == m_other;
        return ops::selectPrefix(node->prefix + ':', underOther);
    }
    case NodeKind::Key:
        break;
    }
    return std::nullopt;
}

KeyTreeModel::Node* KeyTreeModel::gatewayParent(const model::KeyPlace& place, bool create)
{
    // Lookups by the place's byte arrays, which share the key's bytes: no allocation unless a group is new.
    Node* tenantNode = childFor(m_gateway, NodeKind::Tenant, place.tenant, create);
    if (!tenantNode)
        return m_gateway;
    Node* venueNode = childFor(tenantNode, NodeKind::Venue, place.venue, create);
    if (!venueNode)
        return tenantNode;
    Node* parent = childFor(venueNode, NodeKind::Route, place.route, create);
    if (!parent)
        return venueNode;
    if (parent->method.isNull()) {
        parent->method = QByteArray(place.method.constData(), place.method.size()); // a copy: the key's bytes go
        parent->rulePath = place.rulePath;
    }
    return parent;
}

KeyTreeModel::Node* KeyTreeModel::parentFor(const QByteArray& key, bool create)
{
    if (m_grouping == Grouping::ByDelimiter)
        return prefixParent(m_root.get(), key, nullptr, create);
    const model::KeyPlace place = m_places.place(key);
    switch (place.kind) {
    case model::KeyPlace::Kind::CacheScope:
        return m_internal; // kept apart so they never pass for the application's cache
    case model::KeyPlace::Kind::Gateway:
        return gatewayParent(place, create);
    case model::KeyPlace::Kind::Service:
        if (Node* space = childFor(m_services, NodeKind::Namespace, place.serviceNamespace, create))
            return space;
        return m_services;
    case model::KeyPlace::Kind::Other:
        break;
    }
    return prefixParent(m_other, key, nullptr, create); // unknown shapes still group by their prefixes
}

void KeyTreeModel::setProjection(std::optional<qint64> keyspaceKeys, std::optional<qint64> seenKeys)
{
    if (keyspaceKeys == m_projection && seenKeys == m_projectionSeen)
        return;
    m_projection = keyspaceKeys;
    m_projectionSeen = seenKeys;
    // Every count shown changes; views repaint what they show from one change of the top rows.
    if (m_root->rows() > 0)
        Q_EMIT dataChanged(index(0, CountColumn), index(m_root->rows() - 1, MemoryColumn),
            {Qt::DisplayRole, Qt::ToolTipRole, MemoryRole, CountEstimateRole, CountErrorRole});
}

qint64 KeyTreeModel::unlistedKeys(const QModelIndex& group) const
{
    if (!group.isValid() || group.model() != this || isKey(group))
        return 0;
    const Node* node = reinterpret_cast<const Node*>(group.internalId());
    return node->unlisted();
}

int KeyTreeModel::addListedKeys(const QModelIndex& group, const QList<QByteArray>& keys, int limit)
{
    if (!group.isValid() || group.model() != this || isKey(group))
        return 0;
    Node* node = reinterpret_cast<Node*>(group.internalId());
    if (!node->listedSet) {
        node->listedSet = std::make_unique<QSet<QByteArray>>();
        for (std::size_t leaf = 0; leaf < node->leafEnds.size(); ++leaf)
            node->listedSet->insert(node->leafKey(leaf));
    }
    QList<QByteArray> fresh;
    for (const QByteArray& key : keys) {
        if (qsizetype(node->leafEnds.size()) + fresh.size() >= limit)
            break;
        if (parentFor(key, false) != node || node->listedSet->contains(key))
            continue;
        node->listedSet->insert(key);
        fresh.append(key);
    }
    if (fresh.isEmpty())
        return 0;
    const int first = node->rows();
    beginInsertRows(indexOf(node), first, first + int(fresh.size()) - 1);
    for (const QByteArray& key : std::as_const(fresh)) {
        node->leafBytes.append(key);
        node->leafEnds.push_back(quint32(node->leafBytes.size()));
    }
    endInsertRows();
    // A key written since the scan counted the group: the counts follow what is listed.
    const qint64 beyond = qint64(node->leafEnds.size()) - node->ownKeys;
    if (beyond > 0) {
        node->ownKeys += beyond;
        m_total += beyond;
        std::vector<Node*> touched;
        for (Node* above = node; above && above != m_root.get(); above = above->parent) {
            above->count += beyond;
            touched.push_back(above);
        }
        emitChanged(touched, CountColumn, MemoryColumn, {Qt::DisplayRole, CountRole, MemoryRole});
    }
    emitChanged({node}, CountColumn, CountColumn, {Qt::DisplayRole, Qt::ToolTipRole, ListedKeysRole, UnlistedKeysRole});
    return int(fresh.size());
}

QList<QByteArray> KeyTreeModel::addKeys(const QList<QByteArray>& keys, int metadataSample)
{
    QList<QByteArray> sample;
    const qsizetype stride = metadataSample > 0 ? std::max<qsizetype>(1, keys.size() / metadataSample) : 0;
    // Phase 1: find or make each key's parent, collecting the page's keys per parent (in the parents' scratch).
    std::vector<Node*> parentsInOrder;
    qint64 listedInPage = 0;
    for (qsizetype position = 0; position < keys.size(); ++position) {
        const QByteArray& key = keys.at(position);
        m_outOfRoom = false;
        Node* parent = parentFor(key, true);
        if (m_outOfRoom)
            ++parent->roomlessKeys;
        if (parent->pageKeys.empty())
            parentsInOrder.push_back(parent);
        // Only listed keys are sampled: a key's TTL and memory are kept with its row. A group's listed keys are the
        // first of its page (the budgets only ever run out).
        const bool listed = m_listedPerGroup <= 0
            || (parent->leafEnds.size() + parent->pageKeys.size() < std::size_t(m_listedPerGroup)
                && (m_listedBudget <= 0 || m_listedTotal + listedInPage < m_listedBudget));
        listedInPage += listed;
        parent->pageListed += listed;
        parent->pageKeys.push_back(position);
        if (listed && stride && position % stride == 0 && sample.size() < metadataSample
            && !m_awaitingMetadata.contains(key)) {
            parent->pageSampled.push_back(position);
            sample.append(key);
        }
    }
    // Phase 2: one insertion per parent, then one count update per run of changed siblings.
    const quint64 page = ++m_pagesAdded;
    std::vector<Node*> touched;
    for (Node* parent : parentsInOrder) {
        const int first = parent->rows();
        const int added = int(parent->pageKeys.size());
        const std::size_t firstLeaf = parent->leafEnds.size();
        const std::size_t listed = std::exchange(parent->pageListed, 0);
        m_listedTotal += qint64(listed);
        if (listed > 0) {
            beginInsertRows(indexOf(parent), first, first + int(listed) - 1);
            parent->leafEnds.reserve(firstLeaf + listed);
            auto sampled = parent->pageSampled.cbegin();
            for (std::size_t i = 0; i < listed; ++i) {
                const QByteArray& key = keys.at(parent->pageKeys[i]);
                parent->leafBytes.append(key);
                parent->leafEnds.push_back(quint32(parent->leafBytes.size()));
                if (parent->listedSet)
                    parent->listedSet->insert(key);
                if (!m_measuredBefore.isEmpty()) {
                    if (const auto before = m_measuredBefore.constFind(key); before != m_measuredBefore.cend()) {
                        parent->leafMetadata.insert(quint32(firstLeaf + i), *before);
                        m_measuredBefore.erase(before);
                    }
                }
                if (sampled != parent->pageSampled.cend() && *sampled == parent->pageKeys[i]) {
                    m_awaitingMetadata.insert(key, {parent, quint32(firstLeaf + i)});
                    ++sampled;
                }
            }
            endInsertRows();
        }
        parent->ownKeys += added;
        m_total += added;
        parent->pageKeys.clear();
        parent->pageSampled.clear();
        for (Node* node = parent; node && node != m_root.get(); node = node->parent) {
            node->count += added;
            if (node->changedInPage != page) {
                node->changedInPage = page;
                touched.push_back(node);
            }
        }
    }
    if (m_countSignals)
        emitChanged(touched, CountColumn, MemoryColumn, {Qt::DisplayRole, CountRole, MemoryRole});
    return sample;
}

void KeyTreeModel::setCountSignals(bool on)
{
    if (m_countSignals == on)
        return;
    m_countSignals = on;
    if (on && m_root && !m_root->groups.empty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_root->groups.size()) - 1, ColumnCount - 1));
}

void KeyTreeModel::emitChanged(
    const std::vector<Node*>& nodes, int firstColumn, int lastColumn, const QList<int>& roles)
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
    if (!parent.isValid() || parent.model() != this || (parent.internalId() & leafTag))
        return keys;
    Node* node = reinterpret_cast<Node*>(parent.internalId());
    for (std::size_t leaf = 0; leaf < node->leafEnds.size() && keys.size() < limit; ++leaf) {
        if (const auto known = node->leafMetadata.constFind(quint32(leaf));
            known != node->leafMetadata.cend() && !known->beforeRescan)
            continue;
        const QByteArray key = node->leafKey(leaf);
        if (m_awaitingMetadata.contains(key))
            continue;
        m_awaitingMetadata.insert(key, {node, quint32(leaf)});
        keys.append(key);
    }
    return keys;
}

void KeyTreeModel::setMetadata(const QList<ops::KeyMetadata>& metadata)
{
    QSet<Node*> touched;
    std::unordered_map<Node*, std::pair<int, int>> leafRows;
    for (const ops::KeyMetadata& entry : metadata) {
        const auto found = m_awaitingMetadata.constFind(entry.key);
        if (found == m_awaitingMetadata.cend())
            continue; // cleared by a rescan meanwhile
        const auto [owner, leaf] = *found;
        m_awaitingMetadata.erase(found);
        if (!entry.answered)
            continue; // no answer is no news: the key stays unsampled (asked again when its group opens), never "gone"
        const qint64 expiry = entry.pttlMs >= 0 ? entry.fetchedAtMs + entry.pttlMs : entry.pttlMs;
        owner->leafMetadata.insert(leaf, {expiry, entry.memoryBytes.value_or(-1)});
        const int row = int(owner->groups.size() + leaf);
        auto [rows, inserted] = leafRows.try_emplace(owner, row, row);
        rows->second = {std::min(rows->second.first, row), std::max(rows->second.second, row)};
        if (entry.pttlMs == -2)
            continue; // gone: nothing to add to the groups' figures
        for (Node* node = owner; node && node != m_root.get(); node = node->parent) {
            if (entry.memoryBytes) {
                node->sampledBytes += *entry.memoryBytes;
                ++node->sampledKeys;
            }
            // Soonest: the smallest real expiry; latest: -1 once any sampled key never expires.
            if (expiry > 0 && (node->soonestExpiry <= 0 || expiry < node->soonestExpiry))
                node->soonestExpiry = expiry;
            if (node->latestExpiry != -1 && (expiry == -1 || expiry > node->latestExpiry))
                node->latestExpiry = expiry;
            if (node->soonestExpiry == 0 && expiry == -1)
                node->soonestExpiry = -1;
            touched.insert(node);
        }
    }
    const QList<int> roles {Qt::DisplayRole, Qt::ToolTipRole, TtlRole, MemoryRole};
    for (const auto& [owner, rows] : leafRows) {
        const QModelIndex parentIndex = indexOf(owner);
        Q_EMIT dataChanged(
            index(rows.first, TtlColumn, parentIndex), index(rows.second, MemoryColumn, parentIndex), roles);
    }
    emitChanged(std::vector<Node*>(touched.cbegin(), touched.cend()), TtlColumn, MemoryColumn, roles);
}

QModelIndex KeyTreeModel::indexOf(const Node* node, int column) const
{
    if (!node || node == m_root.get())
        return {};
    return createIndex(node->row, column, reinterpret_cast<quintptr>(node));
}

QModelIndex KeyTreeModel::index(int row, int column, const QModelIndex& parent) const
{
    if (parent.isValid() && ((parent.internalId() & leafTag) || parent.column() != NameColumn))
        return {};
    const Node* node = parent.isValid() ? reinterpret_cast<const Node*>(parent.internalId()) : m_root.get();
    if (row < 0 || column < 0 || column >= ColumnCount || row >= node->rows())
        return {};
    if (std::size_t(row) < node->groups.size())
        return createIndex(row, column, reinterpret_cast<quintptr>(node->groups[std::size_t(row)].get()));
    return createIndex(row, column, reinterpret_cast<quintptr>(node) | leafTag);
}

QModelIndex KeyTreeModel::parent(const QModelIndex& child) const
{
    if (!child.isValid())
        return {};
    if (child.internalId() & leafTag)
        return indexOf(reinterpret_cast<const Node*>(child.internalId() & ~leafTag));
    return indexOf(reinterpret_cast<const Node*>(child.internalId())->parent);
}

int KeyTreeModel::rowCount(const QModelIndex& parent) const
{
    if (!parent.isValid())
        return m_root->rows();
    if (parent.column() != NameColumn || (parent.internalId() & leafTag))
        return 0;
    return reinterpret_cast<const Node*>(parent.internalId())->rows();
}

int KeyTreeModel::columnCount(const QModelIndex&) const
{
    return ColumnCount;
}

QVariant KeyTreeModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid())
        return {};
    if (role == Qt::TextAlignmentRole)
        return index.column() != NameColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (index.internalId() & leafTag) {
        const Node* owner = reinterpret_cast<const Node*>(index.internalId() & ~leafTag);
        return leafData(owner, index.row() - int(owner->groups.size()), index.column(), role);
    }
    return groupData(reinterpret_cast<const Node*>(index.internalId()), index.column(), role);
}

QByteArrayView KeyTreeModel::keyView(const QModelIndex& index) const
{
    if (!isKey(index) || index.model() != this)
        return {};
    const Node* owner = reinterpret_cast<const Node*>(index.internalId() & ~leafTag);
    return owner->leafView(std::size_t(index.row()) - owner->groups.size());
}

QByteArray KeyTreeModel::leafLabel(const Node* owner, const QByteArray& key) const
{
    // What the ancestors do not already say.
    if (owner->kind == NodeKind::Prefix)
        return key.mid(owner->prefix.size() + 1);
    if (owner->kind == NodeKind::Route || owner->kind == NodeKind::Namespace)
        return shapeLabel(model::parseKey(key), key);
    return key;
}

QVariant KeyTreeModel::leafData(const Node* owner, int leaf, int column, int role) const
{
    const QByteArray key = owner->leafKey(std::size_t(leaf));
    const auto metadata = owner->leafMetadata.constFind(quint32(leaf));
    const bool sampled = metadata != owner->leafMetadata.cend();
    switch (role) {
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
    case ShorterTextsRole:
        if (role == Qt::ToolTipRole && sampled && metadata->beforeRescan
            && (column == TtlColumn || column == MemoryColumn))
            return tr("%1\nMeasured before the rescan; measured again when its group is opened.")
                .arg(column == TtlColumn ? ttlData(metadata->expiry, metadata->expiry, 1, true, role).toString()
                                         : memoryData(metadata->bytes, 1, 1, true, role).toString());
        if (column == TtlColumn)
            return sampled ? ttlData(metadata->expiry, metadata->expiry, 1, true, role) : QVariant();
        if (column == MemoryColumn)
            return sampled && metadata->bytes >= 0 ? memoryData(metadata->bytes, 1, 1, true, role) : QVariant();
        if (role == ShorterTextsRole)
            return {};
        if (role == Qt::ToolTipRole)
            return model::displayBytes(key);
        return column == NameColumn ? QVariant(model::displayBytes(leafLabel(owner, key), 300)) : QVariant();
    case Qt::ForegroundRole: // a measurement from before the rescan is shown, greyed, until asked again
        return sampled && metadata->beforeRescan && (column == TtlColumn || column == MemoryColumn)
            ? QVariant(QColor(Qt::gray))
            : QVariant();
    case KeyRole:
        return key;
    case KindRole:
        return int(NodeKind::Key);
    case CountRole:
        return qint64(1);
    case TtlRole:
        return sampled ? ttlData(metadata->expiry, metadata->expiry, 1, true, role) : QVariant();
    case MemoryRole:
        return sampled && metadata->bytes >= 0 ? QVariant(metadata->bytes) : QVariant();
    case SampledKeysRole:
        return sampled && metadata->bytes >= 0 ? 1 : 0;
    default:
        return {};
    }
}

QVariant KeyTreeModel::groupData(const Node* node, int column, int role) const
{
    switch (role) {
    case ShorterTextsRole:
        if (column == TtlColumn)
            return ttlData(node->soonestExpiry, node->latestExpiry, node->sampledKeys, false, role);
        if (column == MemoryColumn)
            return memoryData(node->sampledBytes, node->sampledKeys, shownCount(node), false, role);
        return {};
    case Qt::DisplayRole:
    case Qt::ToolTipRole:
        if (column == TtlColumn)
            return ttlData(node->soonestExpiry, node->latestExpiry, node->sampledKeys, false, role);
        if (column == MemoryColumn)
            return memoryData(node->sampledBytes, node->sampledKeys, shownCount(node), false, role);
        if (column == CountColumn)
            return countData(node, role);
        if (role == Qt::ToolTipRole)
            return {};
        switch (node->kind) {
        case NodeKind::Tenant:
            return QString(u"tenant "_s + model::displayBytes(node->label));
        case NodeKind::Venue:
            return QString(u"venue "_s + model::displayBytes(node->label));
        case NodeKind::Prefix:
            return QString(model::displayBytes(node->label, 300) + u':');
        default:
            return model::displayBytes(node->label, 300);
        }
    case KindRole:
        return int(node->kind);
    case CountRole:
        return node->count;
    case TtlRole:
        return ttlData(node->soonestExpiry, node->latestExpiry, node->sampledKeys, false, role);
    case MemoryRole:
        return memoryData(node->sampledBytes, node->sampledKeys, shownCount(node), false, role);
    case SampledKeysRole:
        return node->sampledKeys;
    case CountEstimateRole:
    case CountErrorRole:
        return countData(node, role);
    case ListedKeysRole:
        return qint64(node->leafEnds.size());
    case UnlistedKeysRole:
        return node->unlisted();
    default:
        return {};
    }
}

qint64 KeyTreeModel::shownCount(const Node* node) const
{
    if (!m_projection)
        return node->count;
    return std::max(node->count,
        qint64(std::llround(analysis::projectScannedCount(node->count, projectionSeen(), *m_projection).value)));
}

QVariant KeyTreeModel::countData(const Node* node, int role) const
{
    const analysis::Estimate estimate = m_projection
        ? analysis::projectScannedCount(node->count, projectionSeen(), *m_projection)
        : analysis::Estimate {double(node->count), 0.0};
    const qint64 unlisted = node->unlisted();
    switch (role) {
    case CountEstimateRole:
        return estimate.value;
    case CountErrorRole:
        return estimate.error ? QVariant(*estimate.error) : QVariant();
    case Qt::DisplayRole:
        if (m_projection)
            return analysis::describeCountEstimate(estimate);
        if (unlisted > 0)
            return tr("%L1 (%L2 listed)").arg(node->count).arg(node->leafEnds.size());
        return QLocale().toString(node->count); // "2,100,000", as while the scan runs
    case Qt::ToolTipRole: {
        QStringList lines;
        if (m_projection && !estimate.exact()) {
            const double share = *m_projection > 0 ? 100.0 * double(projectionSeen()) / double(*m_projection) : 0;
            lines << (estimate.error
                    ? tr("Projected from the %1 % of the keyspace scanned so far (%L2 of %L3 keys): %L4 seen here; "
                         "95 % between %L5 and %L6. Exact when the scan ends.")
                          .arg(std::min(100.0, share), 0, 'f', 1)
                          .arg(projectionSeen())
                          .arg(*m_projection)
                          .arg(node->count)
                          .arg(std::max(double(node->count), estimate.value - *estimate.error), 0, 'f', 0)
                          .arg(estimate.value + *estimate.error, 0, 'f', 0)
                    : tr("%L1 seen so far; the keyspace has grown since the scan started, so no projection")
                          .arg(node->count));
        }
        if (node->roomlessKeys > 0)
            lines << tr("%L1 of its keys belong to groups below it that the tree has no room for (it holds at most "
                        "%L2 groups in a keyspace this large): they are counted here, so every count stays exact.")
                         .arg(node->roomlessKeys)
                         .arg(m_groupBudget);
        if (unlisted > 0)
            lines << tr("Lists %L1 of the %L2 keys directly below, the first the scan met (a near-uniform sample): "
                        "the tree counts every key but lists at most %L3 per group in a keyspace this large. "
                        "Open the group to list its keys.")
                         .arg(node->leafEnds.size())
                         .arg(node->ownKeys)
                         .arg(m_listedPerGroup);
        return lines.isEmpty() ? QVariant() : QVariant(lines.join(u'\n'));
    }
    default:
        return {};
    }
}

QVariant KeyTreeModel::notSampledYet(bool leaf, int role)
{
    // An empty cell said nothing; a dash with a reason says the figure is unknown, not zero.
    if (role == Qt::DisplayRole)
        return u"–"_s;
    if (role == Qt::ToolTipRole)
        return leaf ? tr("Not read yet: expand its group, or select the key")
                    : tr("No key below was sampled yet: expand the node to read TTL and size");
    return {};
}

QVariant KeyTreeModel::ttlData(qint64 soonestExpiry, qint64 latestExpiry, qint32 sampledKeys, bool leaf, int role)
{
    const auto remaining = [](qint64 expiry) -> qint64 {
        return expiry > 0 ? std::max<qint64>(0, expiry - QDateTime::currentMSecsSinceEpoch()) : expiry;
    };
    if (soonestExpiry == 0)
        return role == ShorterTextsRole ? QVariant() : notSampledYet(leaf, role);
    if (role == TtlRole)
        return remaining(soonestExpiry);
    // "1m 23s" → "1m": the largest unit alone, for a narrow column ("no expiry" stays whole).
    const auto largestUnit = [](const QString& ttl) {
        return !ttl.isEmpty() && ttl.front().isDigit() ? ttl.section(u' ', 0, 0) : ttl;
    };
    if (leaf) {
        const qint64 left = remaining(soonestExpiry);
        if (role == Qt::ToolTipRole)
            return tr("TTL when sampled: %1").arg(model::describeTtlShort(left));
        const QString text = left == 0 ? tr("expired") : model::describeTtlShort(left);
        if (role == ShorterTextsRole)
            return QStringList {text, left == 0 ? text : largestUnit(text)};
        return text;
    }
    const QString soonest = model::describeTtlShort(remaining(soonestExpiry));
    const QString latest = model::describeTtlShort(remaining(latestExpiry));
    if (role == Qt::ToolTipRole)
        return tr("TTLs of the %1 sampled keys below: from %2 to %3").arg(sampledKeys).arg(soonest, latest);
    if (soonest == latest)
        return role == ShorterTextsRole ? QVariant(QStringList {soonest, largestUnit(soonest)}) : QVariant(soonest);
    const QString range = soonest + u" – "_s + latest;
    if (role == ShorterTextsRole) {
        const QString from = largestUnit(soonest);
        const QString to = largestUnit(latest);
        return QStringList {
            range, soonest + u"–"_s + latest, from == to ? QString(u"≈ "_s + from) : QString(from + u"–"_s + to)};
    }
    return range;
}

QVariant KeyTreeModel::memoryData(qint64 sampledBytes, qint32 sampledKeys, qint64 count, bool leaf, int role)
{
    if (sampledKeys == 0)
        return role == ShorterTextsRole ? QVariant() : notSampledYet(leaf, role);
    // Every key below measured: the sum is exact, and shown without "≈".
    const bool everyKey = leaf || sampledKeys >= count;
    const qint64 bytes = everyKey ? sampledBytes : qint64(double(sampledBytes) / sampledKeys * double(count));
    if (role == MemoryRole)
        return bytes;
    if (role == ShorterTextsRole) {
        const QLocale locale;
        const QString size = locale.formattedDataSize(bytes);
        const QString rounded = locale.formattedDataSize(bytes, 0);
        if (everyKey)
            return QStringList {size, rounded};
        return QStringList {memoryData(sampledBytes, sampledKeys, count, leaf, Qt::DisplayRole).toString(),
            u"≈ "_s + size, u"≈"_s + rounded};
    }
    if (leaf)
        return role == Qt::ToolTipRole ? tr("MEMORY USAGE: %L1 bytes").arg(bytes) : QLocale().formattedDataSize(bytes);
    if (everyKey) {
        return role == Qt::ToolTipRole ? tr("MEMORY USAGE of all %L1 keys below: %L2 bytes").arg(count).arg(bytes)
                                       : QLocale().formattedDataSize(bytes);
    }
    if (role == Qt::ToolTipRole)
        return tr("Estimated: %L1 keys × the average of the %L2 measured (MEMORY USAGE); expand the node to measure "
                  "its keys")
            .arg(count)
            .arg(sampledKeys);
    return tr("≈ %1 · %L2/%L3").arg(QLocale().formattedDataSize(bytes)).arg(sampledKeys).arg(count);
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
            return tr("MEMORY USAGE of measured keys. A group whose keys were all measured shows their exact sum; "
                      "otherwise an estimate (≈): its key count × the average of those measured (\"· 20/108\": 20 of "
                      "its 108 keys "
                      "measured)");
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
        return tr("Memory");
    }
}

} // namespace cachescope::ui
