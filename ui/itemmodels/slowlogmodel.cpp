#include "itemmodels/slowlogmodel.h"

#include "model/displaybytes.h"

#include <QLocale>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

SlowLogModel::SlowLogModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void SlowLogModel::setLog(const ops::SlowLog& log)
{
    beginResetModel();
    m_log = log;
    endResetModel();
}

int SlowLogModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_log.entries.size());
}

int SlowLogModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant SlowLogModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_log.entries.size())
        return {};
    const ops::SlowLogEntry& entry = m_log.entries.at(index.row());
    if (role == Qt::TextAlignmentRole)
        return index.column() == DurationColumn ? QVariant(Qt::AlignRight | Qt::AlignVCenter) : QVariant();
    if (role == SortRole) {
        switch (index.column()) {
        case TimeColumn:
            return entry.at.toMSecsSinceEpoch() * 1000 + entry.id % 1000; // a node's own order within a second
        case DurationColumn:
            return entry.durationUs;
        default:
            return data(index, Qt::DisplayRole);
        }
    }
    if (role != Qt::DisplayRole && role != Qt::ToolTipRole)
        return {};
    switch (index.column()) {
    case TimeColumn:
        return QLocale().toString(entry.at.toLocalTime(), u"yyyy-MM-dd HH:mm:ss"_s);
    case DurationColumn:
        return QString(QLocale().toString(entry.durationUs) + u" µs"_s);
    case CommandColumn: {
        QStringList words;
        for (const QByteArray& argument : entry.arguments)
            words.append(model::displayBytes(argument, role == Qt::ToolTipRole ? -1 : 60));
        return words.join(u' ');
    }
    case ClientColumn:
        return entry.clientName.isEmpty() ? entry.clientAddress
                                          : QString(entry.clientAddress + u" "_s + entry.clientName);
    case NodeColumn:
        return entry.node;
    default:
        return {};
    }
}

QVariant SlowLogModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    switch (section) {
    case TimeColumn:
        return tr("When");
    case DurationColumn:
        return tr("Took");
    case CommandColumn:
        return tr("Command");
    case ClientColumn:
        return tr("Client");
    case NodeColumn:
        return tr("Node");
    default:
        return {};
    }
}

} // namespace cachescope::ui
