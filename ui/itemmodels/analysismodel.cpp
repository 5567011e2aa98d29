#include "itemmodels/analysismodel.h"

#include "model/displaybytes.h"
#include "model/ttltext.h"

#include <QBrush>
#include <QColor>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using analysis::TtlBucket;

namespace {
QString percent(double share)
{
    return QLocale().toString(100 * share, 'f', 0) + u" %"_s;
}

QString rateText(std::optional<double> rate)
{
    return rate ? QLocale().toString(100 * *rate, 'f', 1) + u" %"_s : u"–"_s;
}

const analysis::DistinctValues* mostVaried(const analysis::GroupFigures& group, QByteArray* parameter)
{
    const analysis::DistinctValues* most = nullptr;
    for (auto it = group.variants.cbegin(); it != group.variants.cend(); ++it) {
        if (!most || it->count > most->count) {
            most = &*it;
            *parameter = it.key();
        }
    }
    return most;
}
} // namespace

AnalysisModel::AnalysisModel(QObject* parent)
    : QAbstractTableModel(parent)
{
    rebuild();
}

int AnalysisModel::columnOf(Column column) const
{
    return int(m_columns.indexOf(column));
}

AnalysisModel::Column AnalysisModel::columnAt(int section) const
{
    return section >= 0 && section < m_columns.size() ? m_columns.at(section) : ColumnCount;
}

void AnalysisModel::setReport(const analysis::AnalysisReport& report, bool sameAnalysis)
{
    if (!sameAnalysis) {
        m_report = report;
        rebuild();
        return;
    }
    m_report = report;
    QList<QByteArray> added;
    for (auto it = m_report.by(m_dimension).cbegin(); it != m_report.by(m_dimension).cend(); ++it) {
        if (!m_labels.contains(it.key()))
            added.append(it.key());
    }
    std::sort(added.begin(), added.end());
    if (!added.isEmpty()) {
        beginInsertRows({}, int(m_labels.size()), int(m_labels.size() + added.size() - 1));
        m_labels += added;
        endInsertRows();
    }
    refreshComparison();
    if (!m_labels.isEmpty())
        Q_EMIT dataChanged(index(0, 0), index(int(m_labels.size()) - 1, columnCount() - 1));
}

void AnalysisModel::setDimension(analysis::Dimension dimension)
{
    if (dimension == m_dimension)
        return;
    m_dimension = dimension;
    rebuild();
}

void AnalysisModel::setComparison(std::optional<analysis::AnalysisReport> earlier)
{
    m_earlier = std::move(earlier);
    rebuild();
}

void AnalysisModel::rebuild()
{
    beginResetModel();
    m_columns = m_earlier
        ? QList<Column> {GroupColumn, MemoryColumn, ChangeColumn, MemoryThenColumn, NoteColumn, KeysColumn, FreedColumn,
            NeverFreedColumn, MustExpireColumn, HitRateColumn, HitRateThenColumn, VariantsColumn}
        : QList<Column> {GroupColumn, MemoryColumn, KeysColumn, FreedColumn, NeverFreedColumn, MustExpireColumn,
            HitRateColumn, VariantsColumn};
    m_labels = m_report.by(m_dimension).keys();
    refreshComparison();
    // A comparison names the groups that vanished too: rows of their own, with nothing now.
    for (auto it = m_changes.cbegin(); it != m_changes.cend(); ++it) {
        if (!m_labels.contains(it.key()))
            m_labels.append(it.key());
    }
    std::sort(m_labels.begin(), m_labels.end());
    endResetModel();
}

void AnalysisModel::refreshComparison()
{
    m_changes.clear();
    if (!m_earlier)
        return;
    const analysis::AnalysisDiff diff = analysis::diffAnalyses(*m_earlier, m_report, m_dimension);
    for (const analysis::GroupChange& change : diff.groups)
        m_changes.insert(change.label, change);
}

const analysis::GroupFigures* AnalysisModel::groupAt(int row) const
{
    if (row < 0 || row >= m_labels.size())
        return nullptr;
    const auto& groups = m_report.by(m_dimension);
    const auto it = groups.constFind(m_labels.at(row));
    return it == groups.cend() ? nullptr : &*it;
}

const analysis::GroupChange* AnalysisModel::changeAt(int row) const
{
    if (row < 0 || row >= m_labels.size())
        return nullptr;
    const auto it = m_changes.constFind(m_labels.at(row));
    return it == m_changes.cend() ? nullptr : &*it;
}

int AnalysisModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_labels.size());
}

int AnalysisModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_columns.size());
}

QVariant AnalysisModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_labels.size() || index.column() >= columnCount())
        return {};
    const Column column = m_columns.at(index.column());
    switch (role) {
    case Qt::DisplayRole:
        return display(index.row(), column);
    case SortRole:
        return sortValue(index.row(), column);
    case LabelRole:
        return m_labels.at(index.row());
    case TtlSharesRole: {
        const analysis::GroupFigures* group = groupAt(index.row());
        if (column != FreedColumn || !group)
            return {};
        const double bytes = m_report.bytesEstimate(*group).value;
        QVariantList shares;
        for (int b = 0; b < analysis::ttlBucketCount; ++b)
            shares.append(bytes > 0 ? m_report.ttlBytesEstimate(*group, TtlBucket(b)) / bytes : 0.0);
        return shares;
    }
    case Qt::TextAlignmentRole:
        return column == GroupColumn || column == VariantsColumn || column == NoteColumn
            ? QVariant()
            : QVariant(Qt::AlignRight | Qt::AlignVCenter);
    case Qt::ForegroundRole: {
        const analysis::GroupFigures* group = groupAt(index.row());
        if (column == MustExpireColumn && group && group->persistentAgainstRules > 0)
            return QBrush(QColor(0xb7, 0x1c, 0x1c));
        const analysis::GroupChange* change = changeAt(index.row());
        if (column == NoteColumn && change && change->ttlRegression)
            return QBrush(QColor(0xb7, 0x1c, 0x1c));
        return {};
    }
    case Qt::ToolTipRole: {
        if (column == MemoryColumn) {
            const analysis::GroupFigures* group = groupAt(index.row());
            if (!group)
                return {};
            const double total = m_report.bytesEstimate(m_report.total).value;
            return tr("%1 of everything analysed; %L2 of %L3 keys measured; MEMORY USAGE summed: %L4 bytes")
                .arg(total > 0 ? percent(m_report.bytesEstimate(*group).value / total) : u"–"_s)
                .arg(group->measured)
                .arg(group->keys)
                .arg(group->bytes);
        }
        if (column == GroupColumn)
            return model::displayBytes(m_labels.at(index.row()));
        if (column == FreedColumn)
            return tr("Memory freed within 1 h / 4 h / 24 h / later / never: %1")
                .arg(display(index.row(), FreedColumn).toString());
        return {};
    }
    default:
        return {};
    }
}

QVariant AnalysisModel::display(int row, int column) const
{
    const analysis::GroupFigures* group = groupAt(row);
    const analysis::GroupChange* change = changeAt(row);
    if (column == GroupColumn)
        return model::displayBytes(m_labels.at(row), 200);
    if (column >= MemoryThenColumn) {
        if (!change)
            return {};
        switch (column) {
        case MemoryThenColumn:
            return change->presence == analysis::GroupChange::Presence::New
                ? u"–"_s
                : analysis::describeBytes(change->bytesBefore);
        case ChangeColumn:
            return QString((change->bytesGrowth() >= 0 ? u"+"_s : u"−"_s)
                + analysis::describeBytes(std::abs(change->bytesGrowth())));
        case HitRateThenColumn:
            return rateText(change->hitRateBefore);
        case NoteColumn: {
            QStringList notes;
            if (change->presence == analysis::GroupChange::Presence::New)
                notes << tr("new");
            if (change->presence == analysis::GroupChange::Presence::Vanished)
                notes << tr("vanished");
            if (change->ttlRegression)
                notes << tr("TTL regression: never freed %1 → %2, must-expire %L3 → %L4")
                             .arg(percent(change->neverShareBefore), percent(change->neverShareAfter))
                             .arg(change->persistentBefore)
                             .arg(change->persistentAfter);
            return notes.join(u"; "_s);
        }
        default:
            return {};
        }
    }
    if (!group)
        return column == KeysColumn ? QVariant(u"0"_s) : QVariant();
    const analysis::Estimate bytes = m_report.bytesEstimate(*group);
    switch (column) {
    case KeysColumn:
        return analysis::describeCountEstimate(m_report.keysEstimate(*group));
    case MemoryColumn:
        return analysis::describeGroupBytes(m_report, *group);
    case FreedColumn: {
        if (bytes.value <= 0)
            return u"–"_s;
        QStringList shares;
        for (int b = 0; b < analysis::ttlBucketCount; ++b)
            shares << QString::number(qRound(100 * m_report.ttlBytesEstimate(*group, TtlBucket(b)) / bytes.value));
        return QString(shares.join(u" / "_s) + u" %"_s);
    }
    case NeverFreedColumn:
        return bytes.value > 0 ? QVariant(percent(m_report.ttlBytesEstimate(*group, TtlBucket::Never) / bytes.value))
                               : QVariant(u"–"_s);
    case MustExpireColumn:
        return QLocale().toString(group->persistentAgainstRules);
    case VariantsColumn: {
        QByteArray parameter;
        const analysis::DistinctValues* most = mostVaried(*group, &parameter);
        if (!most)
            return {};
        return tr("%1: %L2%3")
            .arg(model::displayBytes(parameter, 40))
            .arg(most->count)
            .arg(most->capped ? u"+"_s : QString());
    }
    case HitRateColumn: {
        const auto& rates = m_report.hitRates[std::size_t(m_dimension)];
        const auto it = rates.constFind(m_labels.at(row));
        return rateText(it == rates.cend() ? std::nullopt : std::optional<double>(*it));
    }
    default:
        return {};
    }
}

QVariant AnalysisModel::sortValue(int row, int column) const
{
    const analysis::GroupFigures* group = groupAt(row);
    const analysis::GroupChange* change = changeAt(row);
    switch (column) {
    case GroupColumn:
        return model::displayBytes(m_labels.at(row));
    case KeysColumn:
        return group ? m_report.keysEstimate(*group).value : 0.0;
    case MemoryColumn:
        return group ? m_report.bytesEstimate(*group).value : 0.0;
    case FreedColumn: // by the share freed within the hour: the quickly-churning groups first
    case NeverFreedColumn: {
        if (!group)
            return 0.0;
        const double bytes = m_report.bytesEstimate(*group).value;
        const TtlBucket bucket = column == FreedColumn ? TtlBucket::WithinHour : TtlBucket::Never;
        return bytes > 0 ? m_report.ttlBytesEstimate(*group, bucket) / bytes : 0.0;
    }
    case MustExpireColumn:
        return group ? group->persistentAgainstRules : 0;
    case VariantsColumn: {
        QByteArray parameter;
        const analysis::DistinctValues* most = group ? mostVaried(*group, &parameter) : nullptr;
        return most ? most->count : 0;
    }
    case HitRateColumn:
        return m_report.hitRates[std::size_t(m_dimension)].value(m_labels.at(row), -1.0);
    case MemoryThenColumn:
        return change ? change->bytesBefore : 0.0;
    case ChangeColumn:
        return change ? change->bytesGrowth() : 0.0;
    case HitRateThenColumn:
        return change ? change->hitRateBefore.value_or(-1.0) : -1.0;
    case NoteColumn:
        return display(row, column);
    default:
        return {};
    }
}

QVariant AnalysisModel::headerData(int shown, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    const Column section = columnAt(shown);
    if (role == Qt::ToolTipRole) {
        switch (section) {
        case MemoryColumn:
            return tr("MEMORY USAGE summed; \"≈ … ± n %\" is an estimate with its 95 % interval (sampled or partial)");
        case FreedColumn:
            return tr("When the group's memory is given back by its keys' TTLs: within 1 h, 4 h, 24 h, later, never "
                      "(green to red)");
        case NeverFreedColumn:
            return tr("Share of the group's memory in keys without a TTL");
        case MustExpireColumn:
            return tr("Measured keys without a TTL although the route or namespace rules give them one");
        case VariantsColumn:
            return tr("The vary-by parameter with the most distinct values (user: private entries)");
        case HitRateColumn:
            return tr("Last hour, from the stats CacheScope clients record");
        default:
            return {};
        }
    }
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case GroupColumn:
        switch (m_dimension) {
        case analysis::Dimension::Tenant:
            return tr("Tenant");
        case analysis::Dimension::Venue:
            return tr("Venue");
        case analysis::Dimension::Route:
            return tr("Route");
        case analysis::Dimension::Namespace:
        case analysis::Dimension::Count_:
            return tr("Namespace");
        }
        return {};
    case KeysColumn:
        return tr("Keys");
    case MemoryColumn:
        return tr("Memory");
    case FreedColumn:
        return tr("When freed");
    case NeverFreedColumn:
        return tr("Never");
    case MustExpireColumn:
        return tr("TTL missing");
    case VariantsColumn:
        return tr("Most varied");
    case HitRateColumn:
        return tr("Hit rate");
    case MemoryThenColumn:
        return tr("Memory then");
    case ChangeColumn:
        return tr("Change");
    case HitRateThenColumn:
        return tr("Hit rate then");
    case NoteColumn:
        return tr("Note");
    default:
        return {};
    }
}

} // namespace cachescope::ui
