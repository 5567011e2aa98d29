#include "itemmodels/membertablemodel.h"

#include "model/displaybytes.h"

namespace cachescope::ui {

using namespace Qt::StringLiterals;

namespace {
constexpr qsizetype maxShownBytes = 4096; // a cell shows this much; the tooltip and the copy hold more
}

void MemberTableModel::reset(const QStringList& columns)
{
    beginResetModel();
    m_columns = columns;
    m_rows.clear();
    endResetModel();
}

void MemberTableModel::appendPage(const ops::MemberPage& page)
{
    if (page.rows.isEmpty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + page.rows.size() - 1));
    m_rows += page.rows;
    endInsertRows();
}

int MemberTableModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int MemberTableModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant MemberTableModel::data(const QModelIndex& index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QByteArray& cell = m_rows.at(index.row()).value(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return model::displayBytes(cell, maxShownBytes);
    case Qt::ToolTipRole:
        return cell.size() > 200 ? model::displayBytes(cell, 64 * 1024) : QVariant();
    case Qt::UserRole:
        return cell;
    default:
        return {};
    }
}

QVariant MemberTableModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (role != Qt::DisplayRole)
        return {};
    if (orientation == Qt::Vertical)
        return section + 1;
    return m_columns.value(section);
}

QString MemberTableModel::toText() const
{
    QStringList lines {m_columns.join(u'\t')};
    for (const QList<QByteArray>& row : m_rows) {
        QStringList cells;
        for (const QByteArray& cell : row)
            cells.append(model::displayBytes(cell));
        lines.append(cells.join(u'\t'));
    }
    return lines.join(u'\n');
}

} // namespace cachescope::ui
