#include "argumentbytes.h"

#include "model/quotedbytes.h"

namespace cachescope::cli {

namespace {
// The length of the valid UTF-8 sequence at `data`, or 0 if it is not one.
qsizetype utf8SequenceLength(const unsigned char* data, qsizetype available)
{
    const unsigned char c = data[0];
    qsizetype length = 0;
    char32_t minimum = 0;
    char32_t value = 0;
    if (c < 0x80)
        return 1;
    if ((c & 0xE0) == 0xC0) {
        length = 2;
        minimum = 0x80;
        value = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        length = 3;
        minimum = 0x800;
        value = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        length = 4;
        minimum = 0x10000;
        value = c & 0x07;
    } else {
        return 0;
    }
    if (available < length)
        return 0;
    for (qsizetype i = 1; i < length; ++i) {
        if ((data[i] & 0xC0) != 0x80)
            return 0;
        value = (value << 6) | (data[i] & 0x3F);
    }
    const bool surrogate = value >= 0xD800 && value <= 0xDFFF;
    return value < minimum || value > 0x10FFFF || surrogate ? 0 : length;
}
} // namespace

QStringList argumentsKeepingBytes(int argc, char* argv[])
{
    QStringList arguments;
    for (int a = 0; a < argc; ++a) {
        const auto* data = reinterpret_cast<const unsigned char*>(argv[a]);
        const qsizetype size = qsizetype(qstrlen(argv[a]));
        QString text;
        for (qsizetype i = 0; i < size;) {
            const qsizetype length = utf8SequenceLength(data + i, size - i);
            if (length == 0) {
                text.append(QChar(char16_t(0xDC00 + data[i]))); // U+DC80..U+DCFF: this byte, kept
                ++i;
                continue;
            }
            text.append(QString::fromUtf8(reinterpret_cast<const char*>(data + i), length));
            i += length;
        }
        arguments.append(text);
    }
    return arguments;
}

QByteArray argumentBytes(const QString& argument, QString* error)
{
    QByteArray bytes;
    bytes.reserve(argument.size());
    qsizetype runStart = 0;
    const auto flush = [&](qsizetype end) { bytes += argument.sliced(runStart, end - runStart).toUtf8(); };
    for (qsizetype i = 0; i < argument.size(); ++i) {
        const char16_t unit = argument.at(i).unicode();
        const bool escapedByte =
            unit >= 0xDC80 && unit <= 0xDCFF && (i == 0 || !QChar::isHighSurrogate(argument.at(i - 1).unicode()));
        if (!escapedByte)
            continue;
        flush(i);
        bytes.append(char(unit - 0xDC00));
        runStart = i + 1;
    }
    flush(argument.size());
    const model::QuotedBytes quoted = model::parseQuotedBytes(bytes);
    if (error)
        *error = quoted.error;
    return quoted.bytes.value_or(QByteArray());
}

} // namespace cachescope::cli
