#include "model/displaybytes.h"

namespace cachescope::model {

using namespace Qt::StringLiterals;

QString displayBytes(const QByteArray& bytes, qsizetype maxBytes)
{
    const qsizetype shown = maxBytes < 0 ? bytes.size() : std::min(bytes.size(), maxBytes);
    QString out;
    out.reserve(shown);
    for (qsizetype i = 0; i < shown; ++i) {
        const auto c = static_cast<unsigned char>(bytes.at(i));
        if (c == '\\')
            out += u"\\\\"_s;
        else if (c == '"')
            out += u"\\\""_s;
        else if (c >= 0x20 && c < 0x7f)
            out += QLatin1Char(char(c));
        else
            out += u"\\x%1"_s.arg(uint(c), 2, 16, QLatin1Char('0'));
    }
    if (shown < bytes.size())
        out += u"… (%1 more bytes)"_s.arg(bytes.size() - shown);
    return out;
}

} // namespace cachescope::model
