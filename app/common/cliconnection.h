#pragma once

#include "redis/connectionoptions.h"

#include <QCommandLineParser>
#include <QString>

namespace cachescope::cli {

// The connection options redis-cli users know (-h -p -a --user -n -u --tls --cacert --cert --key --sni),
// plus REDIS_URL and REDISCLI_AUTH from the environment. Precedence: defaults, REDIS_URL, -u, then flags.
void addConnectionOptions(QCommandLineParser& parser);

struct ConnectionArguments
{
    redis::ConnectionOptions options;
    QString error; // non-empty: a usage error
    QString warning; // e.g. a password given on the command line
};

ConnectionArguments connectionFromArguments(const QCommandLineParser& parser);

} // namespace cachescope::cli
