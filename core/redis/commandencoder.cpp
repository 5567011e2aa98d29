#include "redis/commandencoder.h"

#include <cstring>

namespace cachescope::redis {

namespace {

// Most lengths in a command are below 100 (the count of arguments, the name, keys): those take no loop.
int digitCount(quint64 value)
{
    if (value < 10)
        return 1;
    if (value < 100)
        return 2;
    int digits = 3;
    for (value /= 1000; value != 0; value /= 10)
        ++digits;
    return digits;
}

// "<marker><value>\r\n" at `at`, the value `digits` long; returns the position after it.
char* writeHeader(char* at, char marker, quint64 value, int digits)
{
    *at++ = marker;
    char* digit = at + digits;
    do {
        *--digit = char('0' + value % 10);
        value /= 10;
    } while (digit != at);
    at += digits;
    at[0] = '\r';
    at[1] = '\n';
    return at + 2;
}

} // namespace

void appendCommand(QByteArray& out, const QList<QByteArray>& arguments)
{
    // The exact size first, so the buffer grows once and is written in one pass.
    const auto count = quint64(arguments.size());
    const int countDigits = digitCount(count);
    qsizetype size = 1 + countDigits + 2;
    for (const QByteArray& argument : arguments)
        size += 1 + digitCount(quint64(argument.size())) + 2 + argument.size() + 2;
    const qsizetype start = out.size();
    out.resize(start + size);
    char* at = writeHeader(out.data() + start, '*', count, countDigits);
    for (const QByteArray& argument : arguments) {
        const auto length = quint64(argument.size());
        at = writeHeader(at, '$', length, digitCount(length));
        if (length > 0)
            memcpy(at, argument.constData(), std::size_t(length));
        at += length;
        at[0] = '\r';
        at[1] = '\n';
        at += 2;
    }
}

QByteArray encodeCommand(const QList<QByteArray>& arguments)
{
    QByteArray encoded;
    appendCommand(encoded, arguments);
    return encoded;
}

} // namespace cachescope::redis
