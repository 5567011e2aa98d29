#pragma once

#include <QByteArray>
#include <QList>

namespace cachescope::redis {

// A command as RESP bytes, ready for the socket. Arguments are binary-safe; hiredis's formatter does
// the encoding.
QByteArray encodeCommand(const QList<QByteArray>& arguments);

} // namespace cachescope::redis
