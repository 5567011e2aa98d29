#pragma once

#include "commandtable.h"

#include "ops/routes/routeconfigloss.h"
#include "ops/routes/routeconfigstore.h"

#include <QObject>
#include <QTextStream>

namespace cachescope::cli {

// `cachectl routes get|export FILE|import FILE|set PATH --ttl N …|restore`: the live route configuration.
// Writes are based on the version read, so a concurrent edit is reported instead of overwritten. A configuration the
// server lost (a lower version than this machine saw: a restart without persistence) is said on stderr with exit
// status 3 (ExitLostState), and `restore` puts back the version last seen, audited as a restore.
class RoutesCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QString action; // get, export, import, set, restore
        QString argument; // the file or the route path
        std::optional<int> ttl;
        std::optional<QStringList> varyBy;
        std::optional<bool> isPrivate;
        bool remove = false;
        bool json = false;
        QString actor;
    };

    RoutesCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void onLoaded(const ops::RouteConfigSnapshot& snapshot);
    void save(const model::RouteConfig& config, qint64 baseVersion, const model::RouteConfig& before);
    void printConfig(const ops::RouteConfigSnapshot& snapshot);

    ops::RouteConfigStore m_store;
    ops::RouteConfigMemory m_memory;
    std::optional<ops::RouteConfigLoss> m_loss;
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareRoutes(CommandInput& input);

} // namespace cachescope::cli
