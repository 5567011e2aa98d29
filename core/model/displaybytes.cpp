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

QString displayText(QStringView text, qsizetype maxCharacters)
{
    const qsizetype shown = maxCharacters < 0 ? text.size() : std::min(text.size(), maxCharacters);
    QString out;
    out.reserve(shown);
    qsizetype i = 0;
    for (; i < shown; ++i) {
        const QChar c = text.at(i);
        if (c.isHighSurrogate() && i + 1 < text.size() && text.at(i + 1).isLowSurrogate()) {
            const char32_t code = QChar::surrogateToUcs4(c, text.at(i + 1));
            const auto category = QChar::category(code);
            if (category == QChar::Other_Format || category == QChar::Other_PrivateUse
                || category == QChar::Other_NotAssigned)
                out += u"\\u{%1}"_s.arg(uint(code), 0, 16);
            else
                out += text.sliced(i, 2);
            ++i;
            continue;
        }
        const char16_t unit = c.unicode();
        const bool escaped = unit < 0x20 || (unit >= 0x7f && unit < 0xa0) || c.isSurrogate()
            || c.category() == QChar::Other_Format || c.category() == QChar::Separator_Line
            || c.category() == QChar::Separator_Paragraph;
        if (unit == u'\\')
            out += u"\\\\"_s;
        else if (!escaped)
            out += c;
        else if (unit < 0x100)
            out += u"\\x%1"_s.arg(uint(unit), 2, 16, QLatin1Char('0'));
        else
            out += u"\\u{%1}"_s.arg(uint(unit), 4, 16, QLatin1Char('0'));
    }
    if (i < text.size()) {
        // Characters, not UTF-16 units: a pair is one; a pair the cut would split is shown whole above.
        qsizetype more = 0;
        for (qsizetype j = i; j < text.size(); ++j) {
            if (!(text.at(j).isLowSurrogate() && j > i && text.at(j - 1).isHighSurrogate()))
                ++more;
        }
        out += u"… (%1 more characters)"_s.arg(more);
    }
    return out;
}

} // namespace cachescope::model
