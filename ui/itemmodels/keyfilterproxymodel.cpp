#include "itemmodels/keyfilterproxymodel.h"

#include "itemmodels/keytreemodel.h"

#include "model/redisglob.h"

#include <QLocale>

namespace cachescope::ui {

namespace {
// Runs of digits compare by value, the rest character by character.
bool naturalLess(const QString& a, const QString& b)
{
    qsizetype i = 0;
    qsizetype j = 0;
    while (i < a.size() && j < b.size()) {
        if (a.at(i).isDigit() && b.at(j).isDigit()) {
            qsizetype endA = i;
            qsizetype endB = j;
            while (endA < a.size() && a.at(endA).isDigit())
                ++endA;
            while (endB < b.size() && b.at(endB).isDigit())
                ++endB;
            // Without leading zeros, the longer run is the larger number; equal lengths compare as text.
            QStringView runA = QStringView(a).sliced(i, endA - i);
            QStringView runB = QStringView(b).sliced(j, endB - j);
            while (runA.size() > 1 && runA.front() == u'0')
                runA = runA.sliced(1);
            while (runB.size() > 1 && runB.front() == u'0')
                runB = runB.sliced(1);
            if (runA.size() != runB.size())
                return runA.size() < runB.size();
            if (const int order = runA.compare(runB); order != 0)
                return order < 0;
            i = endA;
            j = endB;
            continue;
        }
        if (a.at(i) != b.at(j))
            return a.at(i) < b.at(j);
        ++i;
        ++j;
    }
    return a.size() - i < b.size() - j;
}
} // namespace

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
    m_glob.reset();
    if (!model::redisGlobIsLiteral(m_pattern))
        m_glob.emplace(m_pattern);
    m_matchCounts.clear();
    invalidateFilter();
    if (rowCount() > 0)
        Q_EMIT headerDataChanged(Qt::Horizontal, KeyTreeModel::CountColumn, KeyTreeModel::CountColumn);
}

void KeyFilterProxyModel::setSourceModel(QAbstractItemModel* sourceModel)
{
    for (const QMetaObject::Connection& connection : std::as_const(m_sourceConnections))
        disconnect(connection);
    m_sourceConnections.clear();
    m_matchCounts.clear();
    QSortFilterProxyModel::setSourceModel(sourceModel);
    m_keyTree = qobject_cast<KeyTreeModel*>(sourceModel);
    if (!sourceModel)
        return;
    auto forget = [this] { m_matchCounts.clear(); };
    m_sourceConnections = {connect(sourceModel, &QAbstractItemModel::rowsInserted, this, forget),
        connect(sourceModel, &QAbstractItemModel::rowsRemoved, this, forget),
        connect(sourceModel, &QAbstractItemModel::modelReset, this, forget)};
}

bool KeyFilterProxyModel::keyMatches(QByteArrayView key) const
{
    return m_glob ? m_glob->matches(key) : key.indexOf(m_pattern) >= 0;
}

std::optional<QByteArrayView> KeyFilterProxyModel::keyAt(const QModelIndex& sourceIndex, QByteArray* holder) const
{
    if (m_keyTree) {
        if (!KeyTreeModel::isKey(sourceIndex))
            return std::nullopt;
        return m_keyTree->keyView(sourceIndex); // the empty key "" too
    }
    *holder = sourceIndex.data(KeyTreeModel::KeyRole).toByteArray();
    if (holder->isNull())
        return std::nullopt;
    return QByteArrayView(*holder);
}

qint64 KeyFilterProxyModel::matchingKeysBelow(const QModelIndex& sourceIndex) const
{
    const auto cached = m_matchCounts.constFind(sourceIndex.internalPointer());
    if (cached != m_matchCounts.cend())
        return *cached;
    qint64 count = 0;
    const int rows = sourceModel()->rowCount(sourceIndex);
    for (int row = 0; row < rows; ++row) {
        const QModelIndex child = sourceModel()->index(row, 0, sourceIndex);
        QByteArray holder;
        const std::optional<QByteArrayView> key = keyAt(child, &holder);
        count += !key ? matchingKeysBelow(child) : (keyMatches(*key) ? 1 : 0);
    }
    m_matchCounts.insert(sourceIndex.internalPointer(), count);
    return count;
}

QVariant KeyFilterProxyModel::data(const QModelIndex& index, int role) const
{
    if (!m_pattern.isEmpty() && index.column() == KeyTreeModel::CountColumn
        && (role == Qt::DisplayRole || role == KeyTreeModel::CountRole)) {
        const QModelIndex source = mapToSource(index).siblingAtColumn(0);
        QByteArray holder;
        if (!keyAt(source, &holder)) {
            const qint64 matching = matchingKeysBelow(source);
            return role == Qt::DisplayRole ? QVariant(QLocale().toString(matching)) : QVariant(matching);
        }
    }
    return QSortFilterProxyModel::data(index, role);
}

QVariant KeyFilterProxyModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (!m_pattern.isEmpty() && orientation == Qt::Horizontal && role == Qt::DisplayRole
        && section == KeyTreeModel::CountColumn)
        return tr("Matching");
    return QSortFilterProxyModel::headerData(section, orientation, role);
}

bool KeyFilterProxyModel::filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const
{
    if (m_pattern.isEmpty())
        return true;
    const QModelIndex index = sourceModel()->index(sourceRow, 0, sourceParent);
    QByteArray holder;
    const std::optional<QByteArrayView> key = keyAt(index, &holder);
    if (!key)
        return false; // a group: shown when a key below it matches
    return keyMatches(*key);
}

bool KeyFilterProxyModel::lessThan(const QModelIndex& left, const QModelIndex& right) const
{
    // Keys among themselves keep the order the scan delivered them: sorted insertion runs for every key that
    // streams in, and comparing a million keys' bytes (or labels) there would make filling the tree crawl.
    // Sorting by the Key column still orders them by name.
    // The top-level groups keep the model's order (gateway, services, other, CacheScope's own last) whatever the
    // column or direction: they are categories, not rows to rank, and must not trade places under the cursor.
    if (!left.parent().isValid() && !right.parent().isValid()
        && left.data(KeyTreeModel::KindRole).toInt() == int(KeyTreeModel::NodeKind::Group)
        && right.data(KeyTreeModel::KindRole).toInt() == int(KeyTreeModel::NodeKind::Group))
        return sortOrder() == Qt::DescendingOrder ? left.row() > right.row() : left.row() < right.row();
    const bool leftIsKey = KeyTreeModel::isKey(left);
    if (leftIsKey && KeyTreeModel::isKey(right) && left.column() != KeyTreeModel::NameColumn)
        return sortOrder() == Qt::DescendingOrder ? left.row() > right.row() : left.row() < right.row();
    if (left.column() == KeyTreeModel::CountColumn) {
        const qint64 a = left.data(KeyTreeModel::CountRole).toLongLong();
        const qint64 b = right.data(KeyTreeModel::CountRole).toLongLong();
        if (a != b)
            return a < b;
        // Equal counts: by name, reversed so a descending sort reads A to Z.
        return left.siblingAtColumn(0).data().toString() > right.siblingAtColumn(0).data().toString();
    }
    if (left.column() == KeyTreeModel::TtlColumn || left.column() == KeyTreeModel::MemoryColumn) {
        // Unknown sorts below everything; a key without expiry outlives any TTL.
        const int role = left.column() == KeyTreeModel::TtlColumn ? KeyTreeModel::TtlRole : KeyTreeModel::MemoryRole;
        const auto value = [role](const QModelIndex& index) {
            const QVariant v = index.data(role);
            if (!v.isValid())
                return std::numeric_limits<qint64>::min();
            return v.toLongLong() == -1 && role == KeyTreeModel::TtlRole ? std::numeric_limits<qint64>::max()
                                                                         : v.toLongLong();
        };
        return value(left) < value(right);
    }
    const QString leftName = left.data(Qt::DisplayRole).toString();
    const QString rightName = right.data(Qt::DisplayRole).toString();
    if (leftIsKey)
        return leftName < rightName; // a million keys: plain comparison
    // Groups (tenants, venues, routes) in natural order: venue v2 before venue v12. By hand: QCollator's numeric
    // mode needs ICU and a real locale, which a dashboard started under LANG=C does not have.
    return naturalLess(leftName, rightName);
}

} // namespace cachescope::ui
