#include "models/keyfilterproxymodel.h"

#include "models/keytreemodel.h"

#include "model/redisglob.h"

namespace cachescope::ui {

KeyFilterProxyModel::KeyFilterProxyModel(QObject* parent)
    : QSortFilterProxyModel(parent)
{
    setRecursiveFilteringEnabled(true);
    setSortRole(KeyTreeModel::CountRole);
}

void KeyFilterProxyModel::setKeyFilter(const QString& text)
{
    if (text == m_text)
        return;
    m_text = text;
    m_pattern = text.toUtf8();
    m_isGlob = !model::redisGlobIsLiteral(m_pattern);
    invalidateFilter();
}

bool KeyFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (m_pattern.isEmpty())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    const QByteArray key = index.data(KeyTreeModel::KeyRole).toByteArray();
    if (key.isNull())
        return false; // a group: shown when a key below it matches
    return m_isGlob ? model::redisGlobMatches(m_pattern, key) : key.contains(m_pattern);
}

bool KeyFilterProxyModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    if (left.column() == KeyTreeModel::CountColumn) {
        const qint64 a = left.data(KeyTreeModel::CountRole).toLongLong();
        const qint64 b = right.data(KeyTreeModel::CountRole).toLongLong();
        if (a != b)
            return a < b;
        // Equal counts (every single key): by name, reversed so a descending sort reads A to Z.
        return left.siblingAtColumn(0).data().toString() > right.siblingAtColumn(0).data().toString();
    }
    return left.data(Qt::DisplayRole).toString() < right.data(Qt::DisplayRole).toString();
}

} // namespace cachescope::ui
