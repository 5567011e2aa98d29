#pragma once

#include <QAbstractItemModel>
#include <QByteArray>
#include <QHash>
#include <QList>

#include "analysis/estimate.h"
#include "model/keygrouping.h"
#include "model/redisglob.h"
#include "model/routeconfig.h"
#include "ops/invalidation/keyselection.h"
#include "ops/keys/keymetadata.h"

#include <optional>

#include <memory>
#include <vector>

namespace cachescope::ui {

// The keyspace as ops engineers think of it: gateway responses by tenant → venue → route, service entries
// by namespace, the rest, and CacheScope's own keys apart. Keys stream in page by page from SCAN; each page is inserted
// with one beginInsertRows per parent and one dataChanged range per parent for the counts, so a view stays usable while
// the tree fills. TTL and memory come from a sample of keys (a few per page, and the children of an expanded node);
// a group's memory is estimated from its sampled keys and labelled as such.
//
// Built for millions of keys: a key is not an object. Each group keeps its keys back to back in one byte array
// with an end offset per key (4 bytes), and metadata only for the sampled ones; a key's label is worked out when a
// view asks for it. Group rows come first in a parent, then its keys.
class KeyTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column
    {
        NameColumn,
        CountColumn,
        TtlColumn,
        MemoryColumn,
        ColumnCount
    };
    enum class NodeKind
    {
        Group,
        Tenant,
        Venue,
        Route,
        Namespace,
        Prefix, // a run of ':'-separated segments shared by the keys below
        Key,
    };
    enum class Grouping
    {
        ByShape, // gateway tenant → venue → route, service namespaces; other keys by ':' prefix
        ByDelimiter, // every key by its ':'-separated prefixes, for keyspaces of unknown shape
    };
    static constexpr int maxPrefixDepth = 6; // deeper segments stay in the leaf's label
    enum Role
    {
        KeyRole = Qt::UserRole + 1, // the raw key bytes (leaves)
        KindRole, // NodeKind as int
        CountRole, // keys below, as qint64
        TtlRole, // leaves: remaining milliseconds (-1 no expiry); groups: the soonest sampled; null when unknown
        MemoryRole, // leaves: bytes; groups: estimated bytes from the sampled keys; null when unknown
        SampledKeysRole, // how many keys at or below the node have TTL and memory
        CountEstimateRole, // groups: keys below projected onto the whole keyspace while a scan runs, as double
        CountErrorRole, // groups: the projection's 95 % half-width (0 once exact); null when unknown
        ListedKeysRole, // groups: keys directly below that the tree lists as rows
        UnlistedKeysRole, // groups: keys directly below that are counted but not listed (aggregate mode)
        // TTL and memory cells: the display text, then shorter forms of it for a narrow column (QStringList), each
        // still telling rows apart; the exact figures are in the tooltip.
        ShorterTextsRole,
    };

    explicit KeyTreeModel(QObject* parent = nullptr);
    ~KeyTreeModel() override;

    // Gateway keys are grouped under the route rule that covers their path (defaults: the design's table).
    void setRoutes(model::RouteConfig routes);
    const model::RouteConfig& routes() const
    {
        return m_places.routes();
    }
    // Applies from the next clear(): regrouping means rescanning.
    void setGrouping(Grouping grouping)
    {
        m_grouping = grouping;
    }
    Grouping grouping() const
    {
        return m_grouping;
    }
    // Aggregate mode, for huge keyspaces: a group lists at most `keys` of the keys directly below it (the first the
    // scan brings, a near-uniform sample since SCAN walks hash buckets) and only counts the rest, so memory is
    // bounded by the number of groups. 0 (the default): every key listed. Applies to keys added from now on.
    void setListedKeysPerGroup(int keys)
    {
        m_listedPerGroup = keys;
    }
    int listedKeysPerGroup() const
    {
        return m_listedPerGroup;
    }
    // Also for huge keyspaces, so that no keyspace (millions of distinct prefixes, of venues) can make the tree
    // grow without end: at most `groups` groups, and at most `listedKeys` keys listed in all by addKeys(). A key
    // whose group has no room is counted with the deepest group that exists (exact totals, a coarser breakdown,
    // said in that group's tooltip). 0: no bound. Counted since the last clear().
    void setBudgets(qint64 groups, qint64 listedKeys)
    {
        m_groupBudget = groups;
        m_listedBudget = listedKeys;
    }
    // While a scan fills the tree, thousands of groups' counts change on every page. A view told of each
    // (dataChanged) spent more on finding their rows than the model on adding the keys: 44 µs a key in a release
    // build at 400,000 keys. With count signals off, added rows are still signalled but changed counts are not; the
    // view repaints what it shows instead (KeyBrowser updates its viewport once a slice). On again, the top rows are
    // announced changed, so that every view reads the counts afresh.
    void setCountSignals(bool on);
    // Groups made since the last clear() (not counting the four categories).
    qint64 groupCount() const
    {
        return m_groups;
    }
    // While a scan runs: group counts are shown projected onto a keyspace of `keyspaceKeys` (DBSIZE when the scan
    // started) from the part scanned so far, with their 95 % error; nothing: the counts as scanned.
    // A tree of SCAN MATCH results holds only the matches: `seenKeys` says how many keys the walk went over (its
    // walked share of the keyspace).
    void setProjection(std::optional<qint64> keyspaceKeys, std::optional<qint64> seenKeys = std::nullopt);
    std::optional<qint64> projection() const
    {
        return m_projection;
    }
    // Keys directly below a group that it counts but does not list (aggregate mode).
    qint64 unlistedKeys(const QModelIndex& group) const;
    // Keys fetched for an opened group (SCAN MATCH of its selection): those that belong directly below it and are
    // not listed yet become rows, until it lists `limit`. Keys of other groups are passed over (a pattern can match
    // more than the group). Returns how many were added.
    int addListedKeys(const QModelIndex& group, const QList<QByteArray>& keys, int limit);
    // Adds a page of keys; returns up to `metadataSample` of them, spread over the page, whose TTL and memory the
    // caller should fetch and hand to setMetadata.
    QList<QByteArray> addKeys(const QList<QByteArray>& keys, int metadataSample = 0);
    // Leaf children of `parent` without TTL and memory yet (at most `limit`), for an expanded node.
    QList<QByteArray> keysAwaitingMetadata(const QModelIndex& parent, int limit);
    void setMetadata(const QList<ops::KeyMetadata>& metadata);
    // The keys a node stands for, for "invalidate this tenant/venue/route/namespace/key"; nothing for
    // nodes without an exact selection.
    std::optional<ops::KeySelection> selectionFor(const QModelIndex& index) const;
    // A key row's bytes without a copy, for filters that look at every key; valid until the model next changes.
    // Null for a group's row.
    QByteArrayView keyView(const QModelIndex& index) const;
    // True for a key's row (not a group's), without asking for any data.
    static bool isKey(const QModelIndex& index)
    {
        return index.isValid() && (index.internalId() & 1);
    }
    void clear();
    // The group of CacheScope's own keys (stats, tag indexes, config, audit): collapsed by default, listed last.
    bool isOwnKeysGroup(const QModelIndex& index) const
    {
        return m_internal && index.isValid() && !(index.internalId() & 1)
            && index.internalId() == reinterpret_cast<quintptr>(m_internal);
    }
    qint64 totalKeys() const;
    // The listed keys (rows) that `glob` matches, in tree order: what a filter typed during a scan starts from.
    QList<QByteArray> listedKeysMatching(const model::RedisGlob& glob) const;
    // Listed keys whose sampled TTL said they were gone (PTTL -2) when read.
    qint64 goneKeys() const;
    // Keys of the gateway's response cache (gateway:response:…) in the tree.
    qint64 gatewayKeys() const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    struct Node;
    struct LeafMetadata;

private:
    // With `create` false, nothing is added: null when the group does not exist.
    Node* childFor(Node* parent, NodeKind kind, const std::optional<QByteArray>& label, bool create = true);
    // The route group of a gateway key under its tenant and venue.
    Node* gatewayParent(const model::KeyPlace& place, bool create);
    // The deepest prefix node for `key` below `under`; `rest` gets the label left for the leaf.
    Node* prefixParent(Node* under, const QByteArray& key, QByteArray* rest, bool create = true);
    // The group a key goes directly below.
    Node* parentFor(const QByteArray& key, bool create);
    QVariant countData(const Node* node, int role) const;
    // A group's count as the columns show it: projected while a scan runs.
    qint64 shownCount(const Node* node) const;
    QModelIndex indexOf(const Node* node, int column = NameColumn) const;
    // One dataChanged per parent, spanning the rows of its changed children: views repaint once per page.
    void emitChanged(const std::vector<Node*>& nodes, int firstColumn, int lastColumn, const QList<int>& roles);
    QVariant groupData(const Node* node, int column, int role) const;
    QVariant leafData(const Node* owner, int leaf, int column, int role) const;
    QByteArray leafLabel(const Node* owner, const QByteArray& key) const;
    static QVariant notSampledYet(bool leaf, int role);
    void keepMeasuredForRescan();
    static QVariant ttlData(qint64 soonest, qint64 latest, qint32 sampledKeys, bool leaf, int role);
    static QVariant memoryData(qint64 bytes, qint32 sampledKeys, qint64 count, bool leaf, int role);

    model::KeyGrouping m_places; // where each key goes: the one grouping cachectl keys uses too
    Grouping m_grouping = Grouping::ByShape;
    qint64 m_total = 0;
    int m_listedPerGroup = 0;
    qint64 m_groupBudget = 0;
    qint64 m_listedBudget = 0;
    qint64 m_groups = 0; // made by childFor()
    qint64 m_listedTotal = 0; // listed by addKeys()
    bool m_outOfRoom = false; // childFor() refused a group for lack of room, since parentFor() began
    std::optional<qint64> m_projection;
    std::optional<qint64> m_projectionSeen;
    qint64 projectionSeen() const
    {
        return m_projectionSeen.value_or(m_total);
    }
    quint64 m_pagesAdded = 0; // marks the nodes a page changed (Node::changedInPage)
    std::unique_ptr<Node> m_root;
    Node* m_gateway = nullptr;
    Node* m_services = nullptr;
    Node* m_other = nullptr;
    Node* m_internal = nullptr;
    QHash<QByteArray, std::pair<Node*, quint32>> m_awaitingMetadata; // keys whose TTL and memory were asked for
    // What the tree before the last clear() had measured: shown again when the key comes back, until asked anew.
    QHash<QByteArray, LeafMetadata> m_measuredBefore;
    bool m_countSignals = true;
};

} // namespace cachescope::ui
