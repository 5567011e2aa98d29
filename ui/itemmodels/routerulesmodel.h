#pragma once

#include "model/routeconfig.h"

#include <QAbstractTableModel>

namespace cachescope::ui {

// The route rules as an editable table: path, TTL, vary-by, private. An edit that would make a rule
// invalid (a TTL outside 1 s … 30 days, a path without '/', a duplicate) is refused with a message that
// names the field; the table keeps the last valid value.
class RouteRulesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        PathColumn,
        TtlColumn,
        VaryColumn,
        PrivateColumn,
        ColumnCount
    };

    explicit RouteRulesModel(QObject* parent = nullptr);

    // Replaces the table with a configuration read from the store.
    void setConfig(const model::RouteConfig& config);
    model::RouteConfig config() const
    {
        return m_config;
    }

    QModelIndex addRule(); // a new rule with a unique placeholder path and a 60 s TTL
    void removeRule(int row);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex& index, const QVariant& value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

Q_SIGNALS:
    void editRejected(const QString& message);
    void edited();

private:
    model::RouteConfig m_config;
};

} // namespace cachescope::ui
