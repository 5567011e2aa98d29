#pragma once

#include "redis/connectionoptions.h"

#include <QByteArray>
#include <QList>
#include <QString>

class QSettings;

namespace cachescope::profiles {

// A saved connection: where the server is, how to reach it, and how careful the tools must be with it.
// The password is not part of it: it lives in the OS keychain (see ui/profiles/secretstore.h), never in the
// settings file.
struct ConnectionProfile
{
    QString name;
    QString host = QStringLiteral("127.0.0.1");
    quint16 port = 6379;
    int database = 0;
    QString username; // ACL user; empty: default
    bool tls = false;
    QString caFile;
    QString certFile;
    QString keyFile;
    QString serverName;
    bool cluster = false; // host:port is one node of a Redis Cluster; the others are found from it
    bool readOnly = false;
    bool production = false;
    QList<QByteArray> protectedPatterns; // on top of CacheScope's own namespaces
    // Hit-rate alerts of the dashboard: a route or tenant is flagged below this share of its own last hour, or
    // below the floor (0: none), once it has the lookups to judge (see cache::HitRateAlertRule).
    int alertDropPercent = 70;
    int alertFloorPercent = 0;
    int alertMinLookups = 50;
    // Above this many keys the dashboard's key tree counts every key and lists a sample per group (aggregate mode).
    qint64 treeAggregateAbove = 1'000'000;

    redis::ConnectionOptions toOptions(const QString& password) const;
    // What is wrong with it, field by field ("port: must be 1–65535"); empty when it can be used.
    QStringList validate() const;

    friend bool operator==(const ConnectionProfile&, const ConnectionProfile&) = default;
};

// Profiles kept in QSettings under "profiles/<n>/…". Writing replaces the whole list, so a removed profile
// leaves nothing behind.
QList<ConnectionProfile> loadProfiles(QSettings& settings);
void saveProfiles(QSettings& settings, const QList<ConnectionProfile>& profiles);

} // namespace cachescope::profiles
