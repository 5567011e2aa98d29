#pragma once

#include <QByteArray>
#include <QHash>
#include <QPointer>
#include <QSortFilterProxyModel>

#include "model/redisglob.h"

#include <optional>

namespace cachescope::ui {

class KeyTreeModel;

// Filters the key tree by the text an engineer types: a Redis glob when it has glob characters (matched
// exactly as SCAN MATCH would), otherwise a plain substring of the key. Groups stay while any key below
// them matches (recursive filtering), and while a filter is set their count is the number of matching keys below
// them, not the total. Sorting by count, TTL and memory is numeric.
class KeyFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit KeyFilterProxyModel(QObject* parent = nullptr);

    void setKeyFilter(const QString& text);
    void setSourceModel(QAbstractItemModel* sourceModel) override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    QString keyFilter() const
    {
        return m_text;
    }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    bool keyMatches(QByteArrayView key) const;
    // The key of a source row (nothing for a group), read without a copy from a KeyTreeModel.
    std::optional<QByteArrayView> keyAt(const QModelIndex& sourceIndex, QByteArray* holder) const;
    qint64 matchingKeysBelow(const QModelIndex& sourceIndex) const;

    QList<QMetaObject::Connection> m_sourceConnections;
    mutable QHash<const void*, qint64> m_matchCounts; // by source node; cleared when the filter or the tree changes
    QPointer<KeyTreeModel> m_keyTree; // the source when it is one
    QString m_text;
    QByteArray m_pattern;
    std::optional<model::RedisGlob> m_glob; // when the text is a glob
};

} // namespace cachescope::ui
