#pragma once

#include "cache/statsreader.h"

#include <QAbstractTableModel>

namespace cachescope::ui {

// Hit rates per route, tenant, venue or namespace over a window, from the stats every CacheScope client
// writes. Each refresh swaps in a whole new snapshot (reset), so a view never sees a half-updated table.
class LabelStatsModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        LabelColumn,
        LookupsColumn,
        HitRateColumn,
        LoadsColumn,
        AverageLoadColumn,
        FailuresColumn,
        StaleColumn,
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole + 1, // numbers as numbers
        LabelRole, // the label's raw bytes, for its trend
    };

    explicit LabelStatsModel(QObject* parent = nullptr);

    void setWindow(const cache::StatsWindow& window);
    // Labels flagged by a hit-rate alert, with the alert's text: tinted rows, a warning icon, the text as tooltip.
    void setAlerts(const QHash<QByteArray, QString>& alerts);
    bool isAlerted(int row) const;
    const cache::StatsWindow& window() const
    {
        return m_window;
    }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    cache::StatsWindow m_window;
    QList<QByteArray> m_labels;
    QHash<QByteArray, QString> m_alerts;
};

} // namespace cachescope::ui
