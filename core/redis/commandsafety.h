#pragma once

#include <QByteArray>
#include <QList>

namespace cachescope::redis {

// True when a command can only read: the allow-list a read-only connection lets through. Everything else
// — writes, scripts (EVAL can write), admin commands — is refused before it reaches the server, so
// read-only holds for every caller of core, not only for the buttons that are greyed out.
bool isReadOnlyCommand(const QList<QByteArray>& arguments);

} // namespace cachescope::redis
