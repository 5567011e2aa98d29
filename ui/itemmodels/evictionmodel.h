#pragma once

#include "analysis/keyeventwatch.h"

#include <QAbstractTableModel>

namespace cachescope::ui {

// What left the cache during an expiry/eviction watch, per group of one dimension: expired (lived their TTL),
// evicted (pushed out for maxmemory before it), and the evicted share. Each update swaps in a whole snapshot.
class EvictionModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        GroupColumn,
        ExpiredColumn,
        EvictedColumn,
        EvictedShareColumn,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit EvictionModel(QObject* parent = nullptr);

    void setCounts(const QHash<QByteArray, analysis::KeyEventWatch::Counts>& byGroup);
    // The row of a group, or -1.
    int rowOf(const QByteArray& group) const;
    analysis::KeyEventWatch::Counts countsAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<std::pair<QByteArray, analysis::KeyEventWatch::Counts>> m_rows;
};

} // namespace cachescope::ui
