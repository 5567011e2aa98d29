#include "itemmodels/auditmodel.h"
#include "model/displaybytes.h"

namespace cachescope::ui {

using namespace Qt::StringLiterals;

AuditModel::AuditModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void AuditModel::setRecords(QList<ops::AuditRecord> records)
{
    beginResetModel();
    m_records = std::move(records);
    endResetModel();
}

int AuditModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_records.size());
}

int AuditModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant AuditModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_records.size())
        return {};
    const ops::AuditRecord& record = m_records.at(index.row());
    if (role == Qt::TextAlignmentRole)
        return index.column() == CountColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return record.at.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s);
    case ActorColumn:
        return model::displayText(record.actor);
    case ActionColumn:
        return model::displayText(record.summary());
    case TargetColumn:
        return role == Qt::ToolTipRole ? model::displayText(record.target) : model::displayText(record.target, 300);
    case CountColumn:
        return record.count >= 0 ? QVariant(record.count) : QVariant();
    default:
        return {};
    }
}

QVariant AuditModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("When");
    case ActorColumn:
        return tr("Who");
    case ActionColumn:
        return tr("What");
    case TargetColumn:
        return tr("Keys / target");
    default:
        return tr("Count");
    }
}

} // namespace cachescope::ui
