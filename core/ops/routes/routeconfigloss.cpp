#include "ops/routes/routeconfigloss.h"
#include "model/displaybytes.h"

#include "model/routeconfigjson.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSaveFile>
#include <QStandardPaths>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

namespace {
constexpr qint64 maxMemoryFileBytes = 4 * 1024 * 1024; // a file of ours, still read with a bound
}

QString RouteConfigLoss::describe() const
{
    const QString now = versionNow == 0 ? u"holds no configuration now (the defaults apply)"_s
                                        : u"holds version %1 now"_s.arg(versionNow);
    return u"The route configuration was lost from the server: it %1 where version %2 was, saved by %3 at %4. "
           "Lost state (a restart without persistence, a flush), not a save."_s.arg(now)
               .arg(lastSeen.version)
               .arg(lastSeen.updatedBy.isEmpty() ? u"someone unknown"_s : model::displayText(lastSeen.updatedBy),
                   lastSeen.updatedAt.isValid() ? lastSeen.updatedAt.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s)
                                                : u"an unknown time"_s);
}

std::optional<RouteConfigLoss> routeConfigLoss(
    const RouteConfigSnapshot& now, const std::optional<RouteConfigSnapshot>& lastSeen)
{
    if (!lastSeen || lastSeen->version <= 0 || now.version >= lastSeen->version)
        return std::nullopt;
    return RouteConfigLoss {*lastSeen, now.version};
}

RouteConfigMemory::RouteConfigMemory(const QString& server, const QString& directory)
{
    QString folder = directory;
    if (folder.isEmpty())
        folder = qEnvironmentVariable("CACHESCOPE_STATE_DIR");
    if (folder.isEmpty())
        folder = QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) + u"/CacheScope"_s;
    QString name = server;
    for (QChar& c : name) {
        if (!c.isLetterOrNumber() && c != u'.' && c != u'-')
            c = u'_';
    }
    m_path = folder + u"/route-config/"_s + name + u".json"_s;
}

std::optional<RouteConfigSnapshot> RouteConfigMemory::lastSeen() const
{
    QFile file(m_path);
    if (!file.open(QIODevice::ReadOnly) || file.size() > maxMemoryFileBytes)
        return std::nullopt;
    const QJsonObject json = QJsonDocument::fromJson(file.read(maxMemoryFileBytes)).object();
    const auto parsed = model::parseRouteConfigJson(json.value(u"json"_s).toString().toUtf8());
    if (!parsed.config)
        return std::nullopt;
    RouteConfigSnapshot snapshot;
    snapshot.config = *parsed.config;
    snapshot.version = json.value(u"version"_s).toInteger();
    snapshot.updatedBy = json.value(u"updatedBy"_s).toString();
    snapshot.updatedAt = QDateTime::fromString(json.value(u"updatedAt"_s).toString(), Qt::ISODateWithMs);
    if (snapshot.version <= 0)
        return std::nullopt;
    return snapshot;
}

void RouteConfigMemory::remember(const RouteConfigSnapshot& snapshot)
{
    if (snapshot.version <= 0)
        return;
    if (const auto seen = lastSeen(); seen && seen->version >= snapshot.version)
        return; // the same, or a loss: kept as it is
    QDir().mkpath(QFileInfo(m_path).absolutePath());
    QSaveFile file(m_path);
    if (!file.open(QIODevice::WriteOnly))
        return; // a memory that cannot be written names fewer losses; the tools work as before
    file.write(QJsonDocument(QJsonObject {{u"json"_s, QString::fromUtf8(model::routeConfigToJson(snapshot.config))},
                                 {u"version"_s, snapshot.version}, {u"updatedBy"_s, snapshot.updatedBy},
                                 {u"updatedAt"_s, snapshot.updatedAt.toUTC().toString(Qt::ISODateWithMs)}})
                   .toJson(QJsonDocument::Compact));
    file.commit();
}

void RouteConfigMemory::forget()
{
    QFile::remove(m_path);
}

} // namespace cachescope::ops
