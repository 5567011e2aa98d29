#include "profiles/connectionprofile.h"

#include <algorithm>

#include <QSettings>

namespace cachescope::profiles {

using namespace Qt::StringLiterals;

redis::ConnectionOptions ConnectionProfile::toOptions(const QString& password) const
{
    redis::ConnectionOptions options;
    options.host = host;
    options.port = port;
    options.database = database;
    options.username = username;
    options.password = password;
    options.tls.enabled = tls;
    options.tls.caFile = caFile;
    options.tls.certFile = certFile;
    options.tls.keyFile = keyFile;
    options.tls.serverName = serverName;
    options.readOnly = readOnly;
    options.cluster = cluster;
    return options;
}

QStringList ConnectionProfile::validate() const
{
    QStringList problems;
    if (name.trimmed().isEmpty())
        problems.append(u"name: must not be empty"_s);
    if (host.trimmed().isEmpty())
        problems.append(u"host: must not be empty"_s);
    if (port == 0)
        problems.append(u"port: must be between 1 and 65535"_s);
    if (database < 0 || database > 15)
        problems.append(u"database: must be between 0 and 15 (Redis's default limit)"_s);
    if (cluster && database != 0)
        problems.append(u"database: a Redis Cluster has only database 0"_s);
    if (!tls && (!caFile.isEmpty() || !certFile.isEmpty() || !keyFile.isEmpty()))
        problems.append(u"tls: certificate files are set but TLS is off"_s);
    if (certFile.isEmpty() != keyFile.isEmpty())
        problems.append(u"tls: a client certificate needs its key file, and a key its certificate"_s);
    for (const QByteArray& pattern : protectedPatterns) {
        if (pattern.isEmpty())
            problems.append(u"protected patterns: an empty pattern protects nothing"_s);
    }
    return problems;
}

namespace {
// The text fields, stored under their own names: one table for reading and writing.
constexpr std::pair<const char*, QString ConnectionProfile::*> textFields[] {
    {"name", &ConnectionProfile::name},
    {"host", &ConnectionProfile::host},
    {"username", &ConnectionProfile::username},
    {"caFile", &ConnectionProfile::caFile},
    {"certFile", &ConnectionProfile::certFile},
    {"keyFile", &ConnectionProfile::keyFile},
    {"serverName", &ConnectionProfile::serverName},
};
} // namespace

QList<ConnectionProfile> loadProfiles(QSettings& settings)
{
    QList<ConnectionProfile> profiles;
    const int count = settings.beginReadArray(u"profiles"_s);
    for (int i = 0; i < count; ++i) {
        settings.setArrayIndex(i);
        ConnectionProfile profile;
        for (const auto& [key, field] : textFields)
            profile.*field = settings.value(QLatin1StringView(key), profile.*field).toString();
        const int port = settings.value(u"port"_s, 6379).toInt();
        profile.port = port > 0 && port <= 65535 ? quint16(port) : 0;
        profile.database = settings.value(u"database"_s, 0).toInt();
        profile.tls = settings.value(u"tls"_s, false).toBool();
        profile.cluster = settings.value(u"cluster"_s, false).toBool();
        profile.readOnly = settings.value(u"readOnly"_s, false).toBool();
        profile.production = settings.value(u"production"_s, false).toBool();
        profile.alertDropPercent = std::clamp(settings.value(u"alertDropPercent"_s, 70).toInt(), 0, 100);
        profile.alertFloorPercent = std::clamp(settings.value(u"alertFloorPercent"_s, 0).toInt(), 0, 100);
        profile.alertMinLookups = std::max(1, settings.value(u"alertMinLookups"_s, 50).toInt());
        profile.treeAggregateAbove =
            std::max<qint64>(0, settings.value(u"treeAggregateAbove"_s, 1'000'000).toLongLong());
        const QStringList patterns = settings.value(u"protectedPatterns"_s).toStringList();
        for (const QString& pattern : patterns)
            profile.protectedPatterns.append(pattern.toUtf8());
        if (!profile.name.isEmpty())
            profiles.append(profile);
    }
    settings.endArray();
    return profiles;
}

void saveProfiles(QSettings& settings, const QList<ConnectionProfile>& profiles)
{
    settings.remove(u"profiles"_s);
    settings.beginWriteArray(u"profiles"_s, int(profiles.size()));
    for (int i = 0; i < profiles.size(); ++i) {
        const ConnectionProfile& profile = profiles.at(i);
        settings.setArrayIndex(i);
        for (const auto& [key, field] : textFields)
            settings.setValue(QLatin1StringView(key), profile.*field);
        settings.setValue(u"port"_s, profile.port);
        settings.setValue(u"database"_s, profile.database);
        settings.setValue(u"tls"_s, profile.tls);
        settings.setValue(u"cluster"_s, profile.cluster);
        settings.setValue(u"readOnly"_s, profile.readOnly);
        settings.setValue(u"production"_s, profile.production);
        settings.setValue(u"alertDropPercent"_s, profile.alertDropPercent);
        settings.setValue(u"alertFloorPercent"_s, profile.alertFloorPercent);
        settings.setValue(u"alertMinLookups"_s, profile.alertMinLookups);
        settings.setValue(u"treeAggregateAbove"_s, profile.treeAggregateAbove);
        QStringList patterns;
        for (const QByteArray& pattern : profile.protectedPatterns)
            patterns.append(QString::fromUtf8(pattern));
        settings.setValue(u"protectedPatterns"_s, patterns);
    }
    settings.endArray();
    settings.sync();
}

} // namespace cachescope::profiles
