#include "model/quotedbytes.h"

namespace cachescope::model {

using namespace Qt::StringLiterals;

namespace {
int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
} // namespace

QuotedBytes parseQuotedBytes(const QByteArray& text)
{
    if (text.size() < 2 || !text.startsWith('"') || !text.endsWith('"')) {
        if (text.startsWith('"'))
            return {std::nullopt, u"a quoted argument must end with a double quote"_s};
        return {text, {}};
    }
    QByteArray out;
    out.reserve(text.size());
    const qsizetype end = text.size() - 1;
    for (qsizetype i = 1; i < end; ++i) {
        const char c = text.at(i);
        if (c == '"')
            return {std::nullopt, u"an unescaped double quote at byte %1; write \\\" inside quotes"_s.arg(i)};
        if (c != '\\') {
            out.append(c);
            continue;
        }
        if (++i >= end)
            return {std::nullopt, u"a backslash at the end of a quoted argument"_s};
        switch (text.at(i)) {
        case 'n':
            out.append('\n');
            break;
        case 'r':
            out.append('\r');
            break;
        case 't':
            out.append('\t');
            break;
        case 'b':
            out.append('\b');
            break;
        case 'a':
            out.append('\a');
            break;
        case '\\':
            out.append('\\');
            break;
        case '"':
            out.append('"');
            break;
        case 'x': {
            const int high = i + 2 < end ? hexValue(text.at(i + 1)) : -1;
            const int low = i + 2 < end ? hexValue(text.at(i + 2)) : -1;
            if (high < 0 || low < 0)
                return {std::nullopt, u"\\x at byte %1 needs two hex digits"_s.arg(i - 1)};
            out.append(char(high * 16 + low));
            i += 2;
            break;
        }
        default:
            return {std::nullopt,
                u"unknown escape '\\%1' at byte %2 (known: \\xHH \\n \\r \\t \\b \\a \\\\ \\\")"_s
                    .arg(QChar::fromLatin1(text.at(i)))
                    .arg(i - 1)};
        }
    }
    return {out, {}};
}

} // namespace cachescope::model
