#include "model/keyescaping.h"

#include <algorithm>

namespace cachescope::model {

namespace {
constexpr char hexDigits[] = "0123456789ABCDEF";

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1; // lower case is not canonical
}
} // namespace

QByteArray escapeKeyComponent(const QByteArray& raw)
{
    QByteArray out;
    out.reserve(raw.size());
    for (char c : raw) {
        if (isReservedKeyByte(c)) {
            const auto byte = static_cast<unsigned char>(c);
            out.append('%');
            out.append(hexDigits[byte >> 4]);
            out.append(hexDigits[byte & 0xF]);
        } else {
            out.append(c);
        }
    }
    return out;
}

std::optional<QByteArray> unescapeKeyComponent(const QByteArray& escaped)
{
    // Most components escape nothing: hand them back shared, without a copy (the key browser parses millions).
    const bool plain = std::none_of(escaped.cbegin(), escaped.cend(), [](char c) { return isReservedKeyByte(c); });
    if (plain)
        return escaped;
    QByteArray out;
    out.reserve(escaped.size());
    for (qsizetype i = 0; i < escaped.size(); ++i) {
        const char c = escaped.at(i);
        if (c != '%') {
            if (isReservedKeyByte(c))
                return std::nullopt;
            out.append(c);
            continue;
        }
        if (i + 2 >= escaped.size())
            return std::nullopt;
        const int hi = hexValue(escaped.at(i + 1));
        const int lo = hexValue(escaped.at(i + 2));
        if (hi < 0 || lo < 0)
            return std::nullopt;
        const char decoded = static_cast<char>((hi << 4) | lo);
        if (!isReservedKeyByte(decoded))
            return std::nullopt;
        out.append(decoded);
        i += 2;
    }
    return out;
}

QByteArray escapeGlobLiteral(const QByteArray& literal)
{
    QByteArray out;
    out.reserve(literal.size());
    for (char c : literal) {
        if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\')
            out.append('\\');
        out.append(c);
    }
    return out;
}

} // namespace cachescope::model
