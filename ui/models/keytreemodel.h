#pragma once

#include <QAbstractItemModel>
#include <QByteArray>
#include <QHash>
#include <QList>

#include "model/routeconfig.h"
#include "ops/keyselection.h"

#include <optional>

#include <memory>
#include <vector>

namespace cachescope::ui {

// The keyspace as ops engineers think of it: gateway responses by tenant → venue → route, service entries
// by namespace, the rest, and CacheScope's own keys apart. Keys stream in page by page from SCAN; each page is inserted
// with one beginInsertRows per parent and one dataChanged range per parent for the counts, so a view stays usable while
// the tree fills.
class KeyTreeModel : public QAbstractItemModel
{
    Q_OBJECT
public:
    enum Column
    {
        NameColumn,
        CountColumn,
        ColumnCount
    };
    enum class NodeKind
    {
        Group,
        Tenant,
        Venue,
        Route,
        Namespace,
        Key,
    };
    enum Role
    {
        KeyRole = Qt::UserRole + 1, // the raw key bytes (leaves)
        KindRole, // NodeKind as int
        CountRole, // keys below, as qint64
    };

    explicit KeyTreeModel(QObject* parent = nullptr);
    ~KeyTreeModel() override;

    // Gateway keys are grouped under the route rule that covers their path (defaults: the design's table).
    void setRoutes(model::RouteConfig routes);
    void addKeys(const QList<QByteArray>& keys);
    // The keys a node stands for, for "invalidate this tenant/venue/route/namespace/key"; nothing for
    // nodes without an exact selection.
    std::optional<ops::KeySelection> selectionFor(const QModelIndex& index) const;
    void clear();
    qint64 totalKeys() const;

    QModelIndex index(int row, int column, const QModelIndex& parent = {}) const override;
    QModelIndex parent(const QModelIndex& child) const override;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    struct Node;

private:
    Node* childFor(Node* parent, NodeKind kind, const std::optional<QByteArray>& label);
    QModelIndex indexOf(const Node* node, int column = NameColumn) const;

    model::RouteConfig m_routes;
    std::unique_ptr<Node> m_root;
    Node* m_gateway = nullptr;
    Node* m_services = nullptr;
    Node* m_other = nullptr;
    Node* m_internal = nullptr;
};

} // namespace cachescope::ui
