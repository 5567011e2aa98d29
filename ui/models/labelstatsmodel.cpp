#include "models/labelstatsmodel.h"

#include "redis/reply.h"

#include <QLocale>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using cache::StatsEvent;

LabelStatsModel::LabelStatsModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void LabelStatsModel::setWindow(const cache::StatsWindow& window)
{
    beginResetModel();
    m_window = window;
    m_labels = window.byLabel.keys();
    std::sort(m_labels.begin(), m_labels.end());
    endResetModel();
}

int LabelStatsModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_labels.size());
}

int LabelStatsModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant LabelStatsModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_labels.size())
        return {};
    const QByteArray& label = m_labels.at(index.row());
    const cache::StatsCounters counters = m_window.byLabel.value(label);
    const qint64 lookups = counters[StatsEvent::Hit] + counters[StatsEvent::NegativeHit] + counters[StatsEvent::Miss];
    const qint64 loads = counters[StatsEvent::Load];
    const auto rate = cache::hitRate(counters);
    if (role == Qt::TextAlignmentRole)
        return index.column() == LabelColumn ? QVariant() : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    if (role == SortRole) {
        switch (index.column()) {
        case LabelColumn:
            return redis::displayBytes(label);
        case LookupsColumn:
            return lookups;
        case HitRateColumn:
            return rate.value_or(-1.0);
        case LoadsColumn:
            return loads;
        case AverageLoadColumn:
            return loads > 0 ? double(counters.loadMsTotal) / double(loads) : -1.0;
        case FailuresColumn:
            return counters[StatsEvent::LoadFailure];
        case StaleColumn:
            return counters[StatsEvent::StaleServed];
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case LabelColumn:
        return redis::displayBytes(label);
    case LookupsColumn:
        return QLocale().toString(lookups);
    case HitRateColumn:
        return rate ? QString::number(*rate * 100.0, 'f', 1) + u" %"_s : tr("no traffic");
    case LoadsColumn:
        return QLocale().toString(loads);
    case AverageLoadColumn:
        return loads > 0 ? QString::number(counters.loadMsTotal / loads) + u" ms"_s : u"–"_s;
    case FailuresColumn:
        return QLocale().toString(counters[StatsEvent::LoadFailure]);
    case StaleColumn:
        return QLocale().toString(counters[StatsEvent::StaleServed]);
    }
    return {};
}

QVariant LabelStatsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case LabelColumn:
        return tr("Label");
    case LookupsColumn:
        return tr("Lookups");
    case HitRateColumn:
        return tr("Hit rate");
    case LoadsColumn:
        return tr("Loads");
    case AverageLoadColumn:
        return tr("Avg load");
    case FailuresColumn:
        return tr("Load failures");
    case StaleColumn:
        return tr("Stale served");
    }
    return {};
}

} // namespace cachescope::ui
