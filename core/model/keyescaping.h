#pragma once

#include <QByteArray>

#include <optional>

namespace cachescope::model {

// Percent-encodes the bytes that carry meaning in a cache key: ':' separates components, '%' starts an
// escape, '*?[]\' are Redis glob metacharacters (so a built key is also a literal pattern), and '{}' would
// let user data pick a Redis Cluster hash slot. Hex digits are upper case; every other byte is kept.
QByteArray escapeKeyComponent(const QByteArray& raw);

// The inverse of escapeKeyComponent(). Returns nothing for a malformed or non-canonical escape (a lone
// '%', '%zz', '%3a' in lower case, an escaped byte that needed no escape), so decode(x) exists only when
// escape(decode(x)) == x.
std::optional<QByteArray> unescapeKeyComponent(const QByteArray& escaped);

// True when the byte is one of those escapeKeyComponent() encodes.
// Inline: the key browser asks for every byte of a million keys.
inline bool isReservedKeyByte(char byte)
{
    switch (byte) {
    case ':':
    case '%':
    case '*':
    case '?':
    case '[':
    case ']':
    case '\\':
    case '{':
    case '}':
        return true;
    default:
        return false;
    }
}

// Escapes every Redis glob metacharacter with a backslash, so the result matches exactly `literal`.
QByteArray escapeGlobLiteral(const QByteArray& literal);

} // namespace cachescope::model
