#include "itemmodels/labelstatsmodel.h"

#include "model/displaybytes.h"
#include "redis/reply.h"

#include <QColor>
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

void LabelStatsModel::setAlerts(const QHash<QByteArray, QString>& alerts)
{
    if (alerts == m_alerts)
        return;
    m_alerts = alerts;
    if (!m_labels.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_labels.size()) - 1, ColumnCount - 1));
}

bool LabelStatsModel::isAlerted(int row) const
{
    return row >= 0 && row < m_labels.size() && m_alerts.contains(m_labels.at(row));
}

QVariant LabelStatsModel::data(const QModelIndex& index, int role) const
{
    if (role == LabelRole && index.isValid() && index.row() < m_labels.size())
        return m_labels.at(index.row());
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
            return model::displayBytes(label);
        case LookupsColumn:
            return lookups;
        case HitRateColumn:
            return rate.value_or(-1.0);
        case LoadsColumn:
            return loads;
        case AverageLoadColumn:
            return double(cache::averageLoadMs(counters).value_or(-1));
        case FailuresColumn:
            return counters[StatsEvent::LoadFailure];
        case StaleColumn:
            return counters[StatsEvent::StaleServed];
        }
    }
    if (const auto alert = m_alerts.constFind(label); alert != m_alerts.cend()) {
        if (role == Qt::BackgroundRole)
            return QColor(0xff, 0xcd, 0xd2); // light red, dark text stays readable
        if (role == Qt::ForegroundRole)
            return QColor(0x21, 0x21, 0x21);
        if (role == Qt::ToolTipRole)
            return *alert;
        if (role == Qt::DecorationRole && index.column() == LabelColumn)
            return QColor(0xc6, 0x28, 0x28);
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (index.column()) {
    case LabelColumn:
        return model::displayBytes(label);
    case LookupsColumn:
        return QLocale().toString(lookups);
    case HitRateColumn:
        return rate ? QLocale().toString(*rate * 100.0, 'f', 1) + u" %"_s : tr("no traffic");
    case LoadsColumn:
        return QLocale().toString(loads);
    case AverageLoadColumn:
        if (const auto averageLoad = cache::averageLoadMs(counters))
            return QString(QLocale().toString(*averageLoad) + u" ms"_s);
        return u"–"_s;
    case FailuresColumn:
        return QLocale().toString(counters[StatsEvent::LoadFailure]);
    case StaleColumn:
        return QLocale().toString(counters[StatsEvent::StaleServed]);
    }
    return {};
}

QVariant LabelStatsModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || (role != Qt::DisplayRole && role != Qt::ToolTipRole))
        return {};
    // Short headers, the whole meaning in the tooltip: the figures must leave the label its room in a narrow pane.
    const bool tip = role == Qt::ToolTipRole;
    switch (section) {
    case LabelColumn:
        return tip ? tr("The route, tenant, venue or namespace; (other) sums the less busy ones") : tr("Label");
    case LookupsColumn:
        return tip ? tr("Hits and misses") : tr("Lookups");
    case HitRateColumn:
        return tip ? tr("Hits over lookups in the window") : tr("Hit rate");
    case LoadsColumn:
        return tip ? tr("Loader calls (misses that went to the database)") : tr("Loads");
    case AverageLoadColumn:
        return tip ? tr("Average loader time, failed loads included") : tr("Avg load");
    case FailuresColumn:
        return tip ? tr("Loads that failed") : tr("Fails");
    case StaleColumn:
        return tip ? tr("Stale values served because a reload failed") : tr("Stale");
    }
    return {};
}

} // namespace cachescope::ui
