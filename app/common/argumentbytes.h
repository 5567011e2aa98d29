#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace cachescope::cli {

// Command-line arguments losslessly as QStrings: valid UTF-8 decodes as usual, and each byte that is not valid
// UTF-8 becomes a lone surrogate U+DC80..U+DCFF (Python's "surrogateescape"), so a binary key typed in a shell
// reaches Redis as the bytes typed, never as U+FFFD.
QStringList argumentsKeepingBytes(int argc, char* argv[]);

// The bytes an argument came from (the inverse of the above), after redis-cli's quoted form ("bin:\x00\xff") is
// applied; `error` is set when the quoted form is malformed.
QByteArray argumentBytes(const QString& argument, QString* error = nullptr);

} // namespace cachescope::cli
