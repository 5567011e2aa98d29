#pragma once

#include "commandtable.h"

#include <QByteArray>
#include <QObject>
#include <QTextStream>

namespace cachescope::redis {
class Client;
}
namespace cachescope::ops {
struct KeyInspection;
}

namespace cachescope::cli {

// `cachectl get KEY`: what a key holds, its type, its TTL and what the key model makes of its name.
class GetCommand : public QObject
{
    Q_OBJECT
public:
    GetCommand(redis::Client* connection, QByteArray key, bool json, QTextStream& out, QTextStream& err);
    void start();

Q_SIGNALS:
    void finished(int exitCode);

private:
    void print(const ops::KeyInspection& inspection);

    redis::Client* m_connection;
    QByteArray m_key;
    bool m_json;
    QTextStream& m_out;
    QTextStream& m_err;
};

// Makes the command ready from what cachectl parsed (its row in commandtable.cpp).
PreparedCommand prepareGet(CommandInput& input);

} // namespace cachescope::cli
