#pragma once

#include "ops/clusterinvalidation.h"
#include "ops/patterninvalidation.h"

#include <QObject>
#include <QTextStream>

namespace cachescope::cli {

// `cachectl invalidate PATTERN…`: a dry run first (exact count and a sample per pattern); with --yes the
// keys are deleted with SCAN + UNLINK, progress on stderr, and each pattern's result goes to the audit
// stream. Protected namespaces are refused. `cachectl expire` is the same flow with EXPIRE instead of UNLINK.
class InvalidateCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QList<QByteArray> patterns;
        bool execute = false; // --yes
        bool json = false;
        QList<QByteArray> protectedPatterns;
        QString actor;
        std::optional<qint64> expireSeconds; // `cachectl expire`: set this TTL instead of deleting
        bool onlyShorten = false;
        std::optional<redis::ConnectionOptions> clusterSeed; // --cluster: every master, UNLINK per slot
    };

    InvalidateCommand(redis::Connection* connection, Options options, QTextStream& out, QTextStream& err);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void runNext();
    void onFinished(const ops::InvalidationProgress& progress);
    void report();
    template<typename Job>
    void follow(Job* job);
    QString verb() const; // "deleted" or "TTL set", as the report says it
    QString commandName() const;

    redis::Connection* m_connection;
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    qsizetype m_next = 0;
    std::unique_ptr<ops::PatternInvalidation> m_job;
    std::unique_ptr<ops::ClusterInvalidation> m_clusterJob;
    QList<ops::InvalidationProgress> m_results;
    bool m_cancelled = false;
};

} // namespace cachescope::cli
