#pragma once

#include "ops/keyspaceinvalidation.h"

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
        int mastersAtOnce = 0; // --masters-at-once: 0, every master of a cluster at once
    };

    InvalidateCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void runNext();
    void onFinished(const ops::InvalidationProgress& progress);
    void report();
    QString verb() const; // "deleted" or "TTL set", as the report says it
    QString commandName() const;

    redis::Client* m_connection;
    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    qsizetype m_next = 0;
    std::unique_ptr<ops::KeyspaceInvalidation> m_job;
    QList<ops::InvalidationProgress> m_results;
    bool m_cancelled = false;
};

} // namespace cachescope::cli
