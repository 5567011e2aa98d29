#include "metrics/prometheustext.h"

#include <QLocale>

#include <cmath>

namespace cachescope::metrics {

namespace {
// The length of the well-formed UTF-8 sequence of a printable character at `at`, or 0.
qsizetype printableUtf8Length(const QByteArray& bytes, qsizetype at)
{
    const auto byte = [&bytes](qsizetype i) { return quint8(bytes.at(i)); };
    const quint8 lead = byte(at);
    if (lead < 0x80)
        return lead >= 0x20 && lead != 0x7f ? 1 : 0;
    qsizetype length = 0;
    quint32 codePoint = 0;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
        codePoint = lead & 0x1f;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        codePoint = lead & 0x0f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        codePoint = lead & 0x07;
    } else {
        return 0;
    }
    if (at + length > bytes.size())
        return 0;
    for (qsizetype i = 1; i < length; ++i) {
        if ((byte(at + i) & 0xc0) != 0x80)
            return 0;
        codePoint = (codePoint << 6) | (byte(at + i) & 0x3f);
    }
    const quint32 smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    const bool wellFormed = codePoint >= smallest[length] && codePoint <= 0x10ffff
        && (codePoint < 0xd800 || codePoint > 0xdfff); // no overlong forms, no surrogates
    const bool control = codePoint >= 0x80 && codePoint < 0xa0; // C1 controls
    return wellFormed && !control ? length : 0;
}
} // namespace

QByteArray PrometheusText::labelText(const QByteArray& bytes)
{
    QByteArray text;
    text.reserve(bytes.size());
    for (qsizetype i = 0; i < bytes.size();) {
        if (bytes.at(i) == '\\') {
            text += "\\\\";
            ++i;
        } else if (const qsizetype length = printableUtf8Length(bytes, i)) {
            text += bytes.mid(i, length);
            i += length;
        } else {
            static constexpr char hex[] = "0123456789abcdef";
            const quint8 byte = quint8(bytes.at(i++));
            text += "\\x";
            text += hex[byte >> 4];
            text += hex[byte & 0xf];
        }
    }
    return text;
}

void PrometheusText::family(const QByteArray& name, const char* type, const char* help)
{
    m_text += "# HELP " + name + ' ' + help + "\n# TYPE " + name + ' ' + type + '\n';
}

void PrometheusText::writeSampleStart(const QByteArray& name, const Labels& labels)
{
    m_text += name;
    if (!labels.isEmpty()) {
        m_text += '{';
        for (qsizetype i = 0; i < labels.size(); ++i) {
            if (i > 0)
                m_text += ',';
            m_text += labels.at(i).first + "=\"";
            for (const char c : labelText(labels.at(i).second)) {
                if (c == '\\' || c == '"')
                    m_text += '\\';
                m_text += c; // labelText() leaves no newline
            }
            m_text += '"';
        }
        m_text += '}';
    }
    m_text += ' ';
}

void PrometheusText::single(const QByteArray& name, const char* type, const char* help, qint64 value)
{
    family(name, type, help);
    sample(name, {}, value);
}

void PrometheusText::sample(const QByteArray& name, const Labels& labels, qint64 value)
{
    writeSampleStart(name, labels);
    m_text += QByteArray::number(value) + '\n';
}

void PrometheusText::sample(const QByteArray& name, const Labels& labels, double value)
{
    writeSampleStart(name, labels);
    if (std::isnan(value))
        m_text += "NaN";
    else if (std::isinf(value))
        m_text += value > 0 ? "+Inf" : "-Inf";
    else
        m_text += QByteArray::number(value, 'g', QLocale::FloatingPointShortest);
    m_text += '\n';
}

} // namespace cachescope::metrics
