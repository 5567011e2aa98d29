#pragma once

#include "ops/audit/audit.h"

#include <QAbstractTableModel>

namespace cachescope::ui {

// The audit trail, newest first: when, who, what, on which keys, how many. Each refresh swaps in the whole
// list read from the stream (reset), so a view never shows half of one read and half of another.
class AuditModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        TimeColumn,
        ActorColumn,
        ActionColumn,
        TargetColumn,
        CountColumn,
        ColumnCount
    };

    explicit AuditModel(QObject* parent = nullptr);

    void setRecords(QList<ops::AuditRecord> records);
    const QList<ops::AuditRecord>& records() const
    {
        return m_records;
    }

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<ops::AuditRecord> m_records;
};

} // namespace cachescope::ui
