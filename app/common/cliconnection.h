#pragma once

#include "redis/connectionoptions.h"

#include <QCommandLineParser>
#include <QString>
#include <QTextStream>

namespace cachescope::cli {

// The connection options redis-cli users know (-h -p -a --user -n -u --tls --cacert --cert --key --sni),
// plus REDIS_URL and REDISCLI_AUTH from the environment. Precedence: defaults, REDIS_URL, -u, then flags.
void addConnectionOptions(QCommandLineParser& parser);
QList<QCommandLineOption> connectionOptions(); // what addConnectionOptions() adds

struct ConnectionArguments
{
    redis::ConnectionOptions options;
    QString error; // non-empty: a usage error
    QString warning; // e.g. a password given on the command line
};

ConnectionArguments connectionFromArguments(const QCommandLineParser& parser);

// The whole-number value of an option, `fallback` when it is not given. A value that is not a number or is
// below `minimum` is reported on `err` with the option's name and clears `ok`.
int intOption(const QCommandLineParser& parser, const QString& name, int fallback, int minimum, QTextStream& err,
    const QString& program, bool* ok);

} // namespace cachescope::cli
