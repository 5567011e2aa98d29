#include "itemmodels/missmodel.h"

#include "model/displaybytes.h"

#include <QBrush>
#include <QLocale>
#include <QPalette>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using analysis::MissCounts;

MissModel::MissModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void MissModel::clear()
{
    beginResetModel();
    m_rows.clear();
    m_rowOf.clear();
    m_stale = false;
    endResetModel();
}

void MissModel::setCounts(const QHash<QByteArray, MissCounts>& byGroup)
{
    QList<std::pair<QByteArray, MissCounts>> added;
    for (auto it = byGroup.cbegin(); it != byGroup.cend(); ++it) {
        const auto row = m_rowOf.constFind(it.key());
        if (row == m_rowOf.cend())
            added.append({it.key(), *it});
        else
            m_rows[*row].second = *it;
    }
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1));
    if (added.isEmpty())
        return;
    beginInsertRows({}, int(m_rows.size()), int(m_rows.size() + added.size()) - 1);
    for (auto& row : added) {
        m_rowOf.insert(row.first, int(m_rows.size()));
        m_rows.append(std::move(row));
    }
    endInsertRows();
}

void MissModel::setStale(bool stale)
{
    if (m_stale == stale)
        return;
    m_stale = stale;
    if (!m_rows.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_rows.size()) - 1, ColumnCount - 1), {Qt::ForegroundRole});
}

int MissModel::rowOf(const QByteArray& group) const
{
    return m_rowOf.value(group, -1);
}

QByteArray MissModel::labelAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).first : QByteArray();
}

MissCounts MissModel::countsAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).second : MissCounts {};
}

int MissModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int MissModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant MissModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size() || index.column() >= ColumnCount)
        return {};
    const auto& [group, counts] = m_rows.at(index.row());
    const int column = index.column();
    const auto value = [&]() -> qint64 {
        if (column == MissesColumn)
            return counts.misses;
        if (column < FirstLatenessColumn)
            return counts.reasons[std::size_t(column - FirstReasonColumn)];
        return counts.lateness[std::size_t(column - FirstLatenessColumn)];
    };
    switch (role) {
    case LabelRole:
        return group;
    case SortRole:
        return column == GroupColumn ? QVariant(model::displayBytes(group)) : QVariant(value());
    case Qt::TextAlignmentRole:
        return column == GroupColumn ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole:
        return m_stale ? QVariant(QPalette().brush(QPalette::Disabled, QPalette::Text)) : QVariant();
    case Qt::ToolTipRole:
        if (column == GroupColumn)
            return model::displayBytes(group);
        if (column >= FirstLatenessColumn)
            return tr("Expired misses asked for %1 after the key left")
                .arg(headerData(column, Qt::Horizontal).toString());
        if (column == FirstReasonColumn + int(analysis::MissReason::Unknown))
            return tr("Could not be told: the watch is younger than the key's life, events were lost, or the key "
                      "left without a notification (FLUSHALL)");
        return {};
    case Qt::DisplayRole: {
        if (column == GroupColumn)
            return model::displayBytes(group);
        const qint64 n = value();
        if (column >= FirstReasonColumn && column < FirstLatenessColumn && counts.misses > 0 && n > 0)
            return u"%1 (%2 %)"_s.arg(
                QLocale().toString(n), QLocale().toString(100.0 * double(n) / double(counts.misses), 'f', 0));
        return QLocale().toString(n);
    }
    default:
        return {};
    }
}

QVariant MissModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == GroupColumn)
        return tr("Group");
    if (section == MissesColumn)
        return tr("Misses");
    if (section < FirstLatenessColumn)
        return analysis::missReasonName(analysis::MissReason(section - FirstReasonColumn));
    if (section < ColumnCount)
        return tr("late %1").arg(analysis::latenessBucketName(section - FirstLatenessColumn));
    return {};
}

} // namespace cachescope::ui
