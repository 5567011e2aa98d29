#pragma once

#include "ops/auditwriter.h"

#include "cache/cachemanager.h"

#include <QObject>
#include <QTextStream>

namespace cachescope::cli {

// `cachectl invalidate --tag TAG…`: invalidation by the tag indexes the cache manager keeps (venue:…,
// tenant:…, route:…), costing in proportion to the tagged keys instead of a scan of the keyspace. A dry run
// counts the live entries per tag; --yes deletes them and their indexes, audited.
class TagInvalidateCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QList<QByteArray> tags;
        bool execute = false;
        bool json = false;
        QString actor;
    };

    TagInvalidateCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void preview();
    void execute();

    redis::Client* m_connection;
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    cache::CacheManager m_manager;
    ops::AuditWriter m_audit;
};

} // namespace cachescope::cli
