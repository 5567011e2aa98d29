#pragma once

#include "ops/server/slowlog.h"

#include <QAbstractTableModel>

namespace cachescope::ui {

// The slow log of every node, newest first: when, how long, the command (escaped), the client, the node.
class SlowLogModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        DurationColumn,
        CommandColumn,
        ClientColumn,
        NodeColumn,
        ColumnCount
    };
    static constexpr int SortRole = Qt::UserRole + 1;

    explicit SlowLogModel(QObject* parent = nullptr);

    void setLog(const ops::SlowLog& log);
    const ops::SlowLog& log() const
    {
        return m_log;
    }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    ops::SlowLog m_log;
};

} // namespace cachescope::ui
