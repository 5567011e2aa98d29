#pragma once

#include "ops/keys/memberpages.h"

#include <QAbstractTableModel>

namespace cachescope::ui {

// The members of one hash, set, sorted set, list or stream, a page at a time as the Key pane reads them; every
// cell escaped for display (binary-safe), the raw bytes under Qt::UserRole.
class MemberTableModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    using QAbstractTableModel::QAbstractTableModel;

    // Starts over with these columns (ops::memberColumns).
    void reset(const QStringList& columns);
    void appendPage(const ops::MemberPage& page);

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Tab-separated rows, escaped as shown: what "Copy value" puts on the clipboard.
    QString toText() const;

private:
    QStringList m_columns;
    QList<QList<QByteArray>> m_rows;
};

} // namespace cachescope::ui
