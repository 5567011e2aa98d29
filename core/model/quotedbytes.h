#pragma once

#include <QByteArray>
#include <QString>

#include <optional>

namespace cachescope::model {

// Bytes written the way redis-cli prints and reads them: "bin:\x00\xff" in double quotes, with \xHH, \n, \r, \t,
// \b, \a, \\ and \" escapes. Text that is not in double quotes is taken as it is (UTF-8). An opening quote without
// its closing one, an unknown escape or a bad \x is an error (never a guess): the text names what is wrong.
struct QuotedBytes
{
    std::optional<QByteArray> bytes;
    QString error;
};
QuotedBytes parseQuotedBytes(const QByteArray& text);

} // namespace cachescope::model
