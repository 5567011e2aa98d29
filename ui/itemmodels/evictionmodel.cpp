#include "itemmodels/evictionmodel.h"

#include "model/displaybytes.h"

#include <QLocale>

#include <algorithm>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using Counts = analysis::KeyEventWatch::Counts;

EvictionModel::EvictionModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void EvictionModel::setCounts(const QHash<QByteArray, Counts>& byGroup)
{
    beginResetModel();
    m_rows.clear();
    for (auto it = byGroup.cbegin(); it != byGroup.cend(); ++it)
        m_rows.append({it.key(), it.value()});
    // Most evicted first: what maxmemory costs most.
    std::sort(m_rows.begin(), m_rows.end(), [](const auto& a, const auto& b) {
        return a.second.evicted != b.second.evicted ? a.second.evicted > b.second.evicted : a.first < b.first;
    });
    endResetModel();
}

int EvictionModel::rowOf(const QByteArray& group) const
{
    for (qsizetype row = 0; row < m_rows.size(); ++row) {
        if (m_rows.at(row).first == group)
            return int(row);
    }
    return -1;
}

Counts EvictionModel::countsAt(int row) const
{
    return row >= 0 && row < m_rows.size() ? m_rows.at(row).second : Counts {};
}

int EvictionModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_rows.size());
}

int EvictionModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant EvictionModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_rows.size())
        return {};
    const auto& [group, counts] = m_rows.at(index.row());
    if (role == Qt::TextAlignmentRole)
        return index.column() == GroupColumn ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == SortRole) {
        switch (index.column()) {
        case GroupColumn:
            return model::displayBytes(group);
        case ExpiredColumn:
            return counts.expired;
        case EvictedColumn:
            return counts.evicted;
        case EvictedShareColumn:
            return counts.evictedShare();
        }
    }
    if (role == Qt::ToolTipRole && index.column() == EvictedShareColumn)
        return tr("Of the entries of %1 that left, the share pushed out before their TTL")
            .arg(model::displayBytes(group));
    if (role != Qt::DisplayRole)
        return {};
    const QLocale locale;
    switch (index.column()) {
    case GroupColumn:
        return model::displayBytes(group, 200);
    case ExpiredColumn:
        return locale.toString(counts.expired);
    case EvictedColumn:
        return locale.toString(counts.evicted);
    case EvictedShareColumn:
        return QString(locale.toString(counts.evictedShare() * 100.0, 'f', 0) + u" %"_s);
    }
    return {};
}

QVariant EvictionModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case GroupColumn:
        return tr("Group");
    case ExpiredColumn:
        return tr("Expired");
    case EvictedColumn:
        return tr("Evicted");
    case EvictedShareColumn:
        return tr("Evicted before TTL");
    }
    return {};
}

} // namespace cachescope::ui
