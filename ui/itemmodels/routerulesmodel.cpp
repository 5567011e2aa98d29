#include "itemmodels/routerulesmodel.h"

#include "model/routeconfigjson.h"
#include "model/ttltext.h"

namespace cachescope::ui {

using namespace Qt::StringLiterals;

RouteRulesModel::RouteRulesModel(QObject* parent)
    : QAbstractTableModel(parent)
{
}

void RouteRulesModel::setConfig(const model::RouteConfig& config)
{
    beginResetModel();
    m_config = config;
    endResetModel();
}

QModelIndex RouteRulesModel::addRule()
{
    QString path = u"/api/new"_s;
    for (int n = 2; m_config.match(path) && m_config.match(path)->path == path; ++n)
        path = u"/api/new"_s + QString::number(n);
    const int row = int(m_config.routes.size());
    beginInsertRows({}, row, row);
    m_config.routes.append({path, 60, {}, false, {}});
    endInsertRows();
    Q_EMIT edited();
    return index(row, PathColumn);
}

void RouteRulesModel::removeRule(int row)
{
    if (row < 0 || row >= m_config.routes.size())
        return;
    beginRemoveRows({}, row, row);
    m_config.routes.removeAt(row);
    endRemoveRows();
    Q_EMIT edited();
}

int RouteRulesModel::rowCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : int(m_config.routes.size());
}

int RouteRulesModel::columnCount(const QModelIndex& parent) const
{
    return parent.isValid() ? 0 : ColumnCount;
}

QVariant RouteRulesModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= m_config.routes.size())
        return {};
    const model::RouteRule& rule = m_config.routes.at(index.row());
    if (role == Qt::CheckStateRole && index.column() == PrivateColumn)
        return rule.isPrivate ? Qt::Checked : Qt::Unchecked;
    if (role != Qt::DisplayRole && role != Qt::EditRole)
        return {};
    switch (index.column()) {
    case PathColumn:
        return rule.path;
    case TtlColumn:
        return role == Qt::EditRole ? QVariant(rule.ttlSeconds)
                                    : QVariant(model::describeTtlShort(qint64(rule.ttlSeconds) * 1000));
    case VaryColumn:
        return rule.varyBy.join(u", "_s);
    default:
        return {};
    }
}

bool RouteRulesModel::setData(const QModelIndex& index, const QVariant& value, int role)
{
    if (!index.isValid() || index.row() >= m_config.routes.size())
        return false;
    model::RouteConfig candidate = m_config;
    model::RouteRule& rule = candidate.routes[index.row()];
    if (index.column() == PrivateColumn && role == Qt::CheckStateRole) {
        rule.isPrivate = value.toInt() == Qt::Checked;
    } else if (role == Qt::EditRole) {
        switch (index.column()) {
        case PathColumn:
            rule.path = value.toString().trimmed();
            break;
        case TtlColumn: {
            bool ok = false;
            rule.ttlSeconds = value.toString().remove(u's').trimmed().toInt(&ok);
            if (!ok) {
                Q_EMIT editRejected(tr("TTL must be a whole number of seconds, got '%1'").arg(value.toString()));
                return false;
            }
            break;
        }
        case VaryColumn: {
            QStringList names;
            for (const QString& name : value.toString().split(u',', Qt::SkipEmptyParts))
                names.append(name.trimmed());
            rule.varyBy = names;
            break;
        }
        default:
            return false;
        }
    } else {
        return false;
    }
    const QList<model::ConfigError> errors = model::validateRouteConfig(candidate);
    const QString prefix = u"routes[%1]."_s.arg(index.row());
    for (const model::ConfigError& error : errors) {
        if (error.field.startsWith(prefix)) {
            Q_EMIT editRejected(tr("%1: %2").arg(rule.path, error.message));
            return false;
        }
    }
    m_config = std::move(candidate);
    Q_EMIT dataChanged(index.siblingAtColumn(0), index.siblingAtColumn(ColumnCount - 1));
    Q_EMIT edited();
    return true;
}

Qt::ItemFlags RouteRulesModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::NoItemFlags;
    Qt::ItemFlags flags = Qt::ItemIsEnabled | Qt::ItemIsSelectable;
    if (index.column() == PrivateColumn)
        flags |= Qt::ItemIsUserCheckable;
    else
        flags |= Qt::ItemIsEditable;
    return flags;
}

QVariant RouteRulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal)
        return {};
    if (role == Qt::ToolTipRole && section == VaryColumn)
        return tr("Query parameters that are part of the key, in key order");
    if (role != Qt::DisplayRole)
        return {};
    switch (section) {
    case PathColumn:
        return tr("Route (path prefix)");
    case TtlColumn:
        return tr("TTL");
    case VaryColumn:
        return tr("Vary by");
    case PrivateColumn:
        return tr("Private (per user)");
    default:
        return {};
    }
}

} // namespace cachescope::ui
