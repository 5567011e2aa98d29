#pragma once

#include "commandtable.h"

#include "ops/invalidation/invalidationrun.h"

#include <QObject>
#include <QTextStream>

#include <memory>

namespace cachescope::cli {

// `cachectl invalidate PATTERN…|--tag TAG…` and `cachectl expire PATTERN… --ttl N`: presents core's InvalidationRun. A
// dry run by default (exact count and a sample per pattern); with --yes the keys are deleted (or given the TTL),
// progress on stderr. Exit: 0 done; 1 refused, failed, or the audit record of a write could not be written;
// 130 cancelled by the user.
class InvalidateCommand : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        QList<QByteArray> patterns;
        QList<QByteArray> tags; // --tag: by the cache manager's tag indexes instead of patterns
        bool execute = false; // --yes
        bool json = false;
        ops::SafetyPolicy safety;
        std::optional<qint64> expireSeconds; // `cachectl expire`: set this TTL instead of deleting
        bool onlyShorten = false;
        int mastersAtOnce = 0; // --masters-at-once: 0, every master of a cluster at once
        bool allowNoMatch = false; // --allow-no-match: run patterns that provably match no gateway key
    };

    InvalidateCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err);
    void start();
    void cancel();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void report(const ops::InvalidationReport& report);
    QString verb() const; // "deleted" or "TTL set", as the report says it
    QString commandName() const;

    Options m_options;
    QTextStream& m_out;
    QTextStream& m_err;
    std::unique_ptr<ops::InvalidationRun> m_run;
    bool m_progressShown = false;
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareInvalidateOrExpire(CommandInput& input, bool expire);

} // namespace cachescope::cli
