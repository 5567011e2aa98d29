#pragma once

#include "analysis/missanatomy.h"

#include <QAbstractTableModel>
#include <QHash>

namespace cachescope::ui {

// A miss watch's counts per group of one dimension: misses, each reason, and the expired misses' lateness. Groups
// only ever gain misses during a watch, so an update changes rows in place and appends new ones (a selection and
// the view's sort survive the once-a-second refresh); clear() starts over. Stale figures (the watch lost its
// subscriptions, or ended) are drawn grey.
class MissModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        GroupColumn,
        MissesColumn,
        FirstReasonColumn, // expired, evicted, invalidated, cold, unknown
        FirstLatenessColumn = FirstReasonColumn + analysis::missReasonCount,
        ColumnCount = FirstLatenessColumn + analysis::latenessBucketCount
    };
    static constexpr int SortRole = Qt::UserRole + 1;
    static constexpr int LabelRole = Qt::UserRole + 2; // the group's label as stored (bytes)

    explicit MissModel(QObject* parent = nullptr);

    void clear();
    void setCounts(const QHash<QByteArray, analysis::MissCounts>& byGroup);
    void setStale(bool stale);
    int rowOf(const QByteArray& group) const;
    QByteArray labelAt(int row) const;
    analysis::MissCounts countsAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    QList<std::pair<QByteArray, analysis::MissCounts>> m_rows;
    QHash<QByteArray, int> m_rowOf;
    bool m_stale = false;
};

} // namespace cachescope::ui
