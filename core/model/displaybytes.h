#pragma once

#include <QByteArray>
#include <QString>

namespace cachescope::model {

// Renders bytes for a person: printable ASCII as is, '\\' and '"' escaped, everything else as \xHH (like
// redis-cli); past `maxBytes`, "… (N more bytes)".
QString displayBytes(const QByteArray& bytes, qsizetype maxBytes = -1);

} // namespace cachescope::model
