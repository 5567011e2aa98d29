#include "model/jsonindent.h"

namespace cachescope::model {

namespace {
bool isJsonWhitespace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The bytes of a literal or number: JSON's true/false/null and number characters.
bool isScalarByte(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '+' || c == '.' || c == 'E';
}
} // namespace

std::optional<QByteArray> indentJson(const QByteArray& text, int indentWidth)
{
    qsizetype i = 0;
    while (i < text.size() && isJsonWhitespace(text.at(i)))
        ++i;
    if (i >= text.size() || (text.at(i) != '{' && text.at(i) != '['))
        return std::nullopt;
    QByteArray out;
    out.reserve(text.size() + text.size() / 4);
    int depth = 0;
    const auto newline = [&out, &depth, indentWidth] {
        out += '\n';
        out.append(qsizetype(depth) * indentWidth, ' ');
    };
    // The next byte that is not whitespace, from `from`; 0 at the end.
    const auto peek = [&text](qsizetype from) {
        while (from < text.size() && isJsonWhitespace(text.at(from)))
            ++from;
        return from < text.size() ? text.at(from) : '\0';
    };
    for (; i < text.size(); ++i) {
        const char c = text.at(i);
        if (isJsonWhitespace(c))
            continue;
        switch (c) {
        case '"': {
            const qsizetype start = i++;
            while (i < text.size() && text.at(i) != '"')
                i += text.at(i) == '\\' ? 2 : 1;
            out += text.sliced(start, std::min(i + 1, text.size()) - start);
            break;
        }
        case '{':
        case '[': {
            out += c;
            const char next = peek(i + 1);
            if (next == (c == '{' ? '}' : ']')) { // empty: {} or []
                out += next;
                while (text.at(++i) != next) { }
                break;
            }
            ++depth;
            if (next != '\0')
                newline();
            break;
        }
        case '}':
        case ']':
            if (depth == 0)
                return std::nullopt; // closes what was never opened
            --depth;
            newline();
            out += c;
            break;
        case ',':
            out += c;
            newline();
            break;
        case ':':
            out += ": ";
            break;
        default:
            if (!isScalarByte(c))
                return std::nullopt;
            out += c;
        }
    }
    return out;
}

} // namespace cachescope::model
