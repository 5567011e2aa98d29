#pragma once

#include "model/reservedkeys.h"
#include "model/routeconfig.h"

#include <QByteArray>
#include <QDateTime>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>

#include <functional>
#include <memory>
#include <optional>

namespace cachescope::redis {
class Client;
class Connection;
}

namespace cachescope::ops {

// The route configuration as stored in Redis, with the version that optimistic concurrency checks.
struct RouteConfigSnapshot
{
    model::RouteConfig config;
    qint64 version = 0; // 0: nothing stored yet, the defaults apply
    QString updatedBy;
    QDateTime updatedAt;
};

struct RouteConfigSaveResult
{
    bool saved = false;
    qint64 version = 0; // the new version when saved; the current one on a conflict
    bool conflict = false; // someone saved since `expectedVersion`: reload, merge, try again
    QString error; // validation or Redis errors
};

// Route rules live in Redis (HASH <prefix>routes{cachescope}: json, version, updatedBy, updatedAt). A save names the
// version it was based on; a Lua script compares, writes, appends the audit record (before and after) and
// publishes the new version, all atomically, so a concurrent edit is detected and never overwritten.
class RouteConfigStore : public QObject
{
    Q_OBJECT
public:
    explicit RouteConfigStore(
        redis::Client* connection, QByteArray prefix = "cachescope:config:", QObject* parent = nullptr);

    QByteArray configKey() const
    {
        return m_prefix + "routes" + model::opsHashTag; // one slot with the audit stream (keyspace.h)
    }
    QByteArray channel() const
    {
        return m_prefix + "changed";
    }

    void load(const QObject* context, std::function<void(std::optional<RouteConfigSnapshot>, QString error)> callback);
    void save(const model::RouteConfig& config, qint64 expectedVersion, const QString& actor, const QObject* context,
        std::function<void(const RouteConfigSaveResult&)> callback);
    // Puts back a configuration the server lost (see routeconfigloss.h), as a save based on what the server holds now
    // (`currentVersion`), numbered past the lost version, audited as a restore of it.
    void restore(const RouteConfigSnapshot& lost, qint64 currentVersion, const QString& actor, const QObject* context,
        std::function<void(const RouteConfigSaveResult&)> callback);

private:
    void write(const model::RouteConfig& config, qint64 expectedVersion, const QString& actor, const QString& detail,
        qint64 versionFloor, const QObject* context, std::function<void(const RouteConfigSaveResult&)> callback);

    QPointer<redis::Client> m_connection;
    QByteArray m_prefix;
};

// Keeps a process's copy of the route configuration current: subscribes to the store's change channel on
// its own connection (a subscribed connection can do nothing else) and, in case a message is missed while
// reconnecting, also compares the version every pollInterval. configChanged() comes within a second of a
// save in any process.
class RouteConfigWatcher : public QObject
{
    Q_OBJECT
public:
    RouteConfigWatcher(redis::Client* commands, std::unique_ptr<redis::Connection> subscriber,
        QByteArray prefix = "cachescope:config:", QObject* parent = nullptr);
    ~RouteConfigWatcher() override;

    void start(std::chrono::milliseconds pollInterval = std::chrono::milliseconds(1000));
    // No more reads from here on (a load already sent still lands): for a tool that is about to report what it
    // read from the server, so that no poll slips in after its last command.
    void stop();
    const std::optional<RouteConfigSnapshot>& current() const
    {
        return m_current;
    }

Q_SIGNALS:
    void configChanged(const cachescope::ops::RouteConfigSnapshot& snapshot);
    void loadFailed(const QString& error);

private:
    void reload();
    void subscribe();

    RouteConfigStore m_store;
    QPointer<redis::Client> m_commands;
    std::unique_ptr<redis::Connection> m_subscriber;
    QTimer m_poll;
    std::optional<RouteConfigSnapshot> m_current;
    bool m_loading = false;
    bool m_stopped = false;
    bool m_reloadAgain = false; // a change was announced while a load was in flight
};

} // namespace cachescope::ops
