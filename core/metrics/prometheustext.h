#pragma once

#include <QByteArray>
#include <QList>

#include <utility>

namespace cachescope::metrics {

// Writes the Prometheus text exposition format (version 0.0.4): a family's HELP and TYPE lines, then its samples.
// Label values are bytes from outside (route, tenant and venue names as stored in Redis): they are written as
// UTF-8 text where they are printable UTF-8, and every other byte as \xHH (a backslash as \\), so any bytes give
// a valid exposition and two different labels never print the same.
class PrometheusText
{
public:
    using Labels = QList<std::pair<QByteArray, QByteArray>>; // name → value (raw bytes)

    // `name` is the sample name for counters (ending in _total) and gauges, the base name for histograms.
    void family(const QByteArray& name, const char* type, const char* help);
    void sample(const QByteArray& name, const Labels& labels, qint64 value);
    void sample(const QByteArray& name, const Labels& labels, double value);
    // A family of one sample without labels: the HELP and TYPE lines, then the sample.
    void single(const QByteArray& name, const char* type, const char* help, qint64 value);

    const QByteArray& text() const
    {
        return m_text;
    }

    // The printable form of a label value (before the format's own escaping of \ " and newline).
    static QByteArray labelText(const QByteArray& bytes);

    // The content type of text(), for the HTTP answer.
    static constexpr char contentType[] = "text/plain; version=0.0.4; charset=utf-8";

private:
    void writeSampleStart(const QByteArray& name, const Labels& labels);

    QByteArray m_text;
};

} // namespace cachescope::metrics
