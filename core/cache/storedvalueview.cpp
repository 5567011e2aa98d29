#include "cache/storedvalueview.h"

#include "cache/cacheenvelope.h"
#include "model/displaybytes.h"
#include "model/jsonindent.h"
#include "model/ttltext.h"

#include <QDateTime>
#include <QLocale>
#include <QUtf8StringView>
#include <QtEndian>

namespace cachescope::cache {

using namespace Qt::StringLiterals;

namespace {
// Drops the bytes of a UTF-8 sequence the cut left unfinished.
QByteArray withoutCutCharacter(QByteArray bytes)
{
    qsizetype lead = bytes.size() - 1;
    for (int back = 0; back < 4 && lead >= 0 && (uchar(bytes.at(lead)) & 0xC0) == 0x80; ++back)
        --lead;
    if (lead < 0)
        return bytes;
    const uchar first = uchar(bytes.at(lead));
    const qsizetype need = first >= 0xF0 ? 4 : first >= 0xE0 ? 3 : first >= 0xC0 ? 2 : 1;
    if (bytes.size() - lead < need)
        bytes.truncate(lead);
    return bytes;
}

// Text a terminal or a label shows as it is: no C0 controls but tab and newline, no DEL, no C1 controls.
bool isPlainText(const QByteArray& bytes)
{
    if (!QUtf8StringView(bytes).isValidUtf8())
        return false;
    for (qsizetype i = 0; i < bytes.size(); ++i) {
        const uchar c = uchar(bytes.at(i));
        if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f)
            return false;
        if (c == 0xC2 && i + 1 < bytes.size() && uchar(bytes.at(i + 1)) < 0xA0)
            return false; // U+0080..U+009F
    }
    return true;
}

// To the nearest second: an entry's logical expiry and its key's TTL are set a few milliseconds apart, and "1m 1s of
// grace" for a 60 s grace would be noise.
QString duration(qint64 ms)
{
    return model::describeTtlShort(std::max<qint64>(ms + 500, 0) / 1000 * 1000);
}
} // namespace

QString textForPeople(const QByteArray& bytes, bool cut)
{
    const QByteArray text = cut ? withoutCutCharacter(bytes) : bytes;
    if (!isPlainText(text))
        return model::displayBytes(bytes, -1);
    if (const auto indented = model::indentJson(text))
        return QString::fromUtf8(*indented);
    return QString::fromUtf8(text);
}

StoredValueView viewStoredValue(const QByteArray& prefix, qint64 storedBytes)
{
    StoredValueView view;
    view.storedBytes = std::max<qint64>(storedBytes, prefix.size());
    const bool whole = prefix.size() >= view.storedBytes;
    bool compressed = false;
    const std::optional<CacheEnvelope> header = CacheEnvelope::decodeHeader(prefix, &compressed);
    if (header && header->foreign) {
        view.body = prefix;
        view.bodyComplete = whole;
        view.payloadBytes = view.storedBytes;
        return view;
    }
    if (!header) {
        view.kind = StoredValueView::Kind::Damaged;
        view.body = prefix;
        view.bodyComplete = whole;
        return view;
    }
    view.kind = StoredValueView::Kind::Entry;
    view.compressed = compressed;
    view.negative = header->negative;
    view.expiresAtMs = header->expiresAtMs;
    view.loadMs = header->loadMs;
    const QByteArray stored = prefix.sliced(CacheEnvelope::headerSize);
    if (!compressed) {
        view.body = stored;
        view.bodyComplete = whole;
        view.payloadBytes = view.storedBytes - CacheEnvelope::headerSize;
        return view;
    }
    if (stored.size() >= 4)
        view.payloadBytes = qFromBigEndian<quint32>(stored.constData()); // qCompress's own size prefix
    if (!whole) {
        view.bodyComplete = false; // a cut zlib stream cannot be read
        return view;
    }
    bool cut = false;
    std::optional<QByteArray> inflated = CacheEnvelope::inflate(stored, maxShownPayloadBytes, &cut);
    if (!inflated) {
        view.kind = StoredValueView::Kind::Damaged;
        view.body = prefix;
        return view;
    }
    view.body = std::move(*inflated);
    view.bodyComplete = !cut;
    if (!cut)
        view.payloadBytes = view.body.size(); // else the size prefix's claim, said as a claim by facts()
    return view;
}

QString StoredValueView::freshness(qint64 pttlMs, qint64 nowMs) const
{
    if (kind != Kind::Entry || pttlMs == -2)
        return {};
    const QString what = negative ? u"a cached \"not found\": "_s : QString();
    const qint64 logicalLeft = expiresAtMs - nowMs;
    if (pttlMs < 0) {
        return what
            + (logicalLeft > 0 ? u"fresh for %1 (the key itself never expires)"_s.arg(duration(logicalLeft))
                               : u"stale for %1 (the key itself never expires)"_s.arg(duration(-logicalLeft)));
    }
    if (logicalLeft > 0) {
        const qint64 grace = pttlMs - logicalLeft;
        return what
            + (grace > 0 ? u"fresh for %1, then stale for %2 of grace"_s.arg(duration(logicalLeft), duration(grace))
                         : u"fresh for %1, then gone"_s.arg(duration(logicalLeft)));
    }
    return what
        + u"stale for %1: served only while a reload runs, gone in %2"_s.arg(duration(-logicalLeft), duration(pttlMs));
}

QStringList StoredValueView::facts() const
{
    const QLocale locale;
    QStringList lines;
    switch (kind) {
    case Kind::Plain:
        return lines;
    case Kind::Damaged:
        lines.append(u"starts like a cache-manager entry, but its header or compression is damaged: the cache "
                     u"manager treats it as a miss"_s);
        return lines;
    case Kind::Entry:
        break;
    }
    lines.append(u"cache-manager entry, logical expiry %1"_s.arg(
        QDateTime::fromMSecsSinceEpoch(expiresAtMs, Qt::UTC).toString(u"yyyy-MM-dd HH:mm:ss 'UTC'"_s)));
    if (negative)
        lines.append(u"a cached \"not found\": the loader found nothing"_s);
    if (compressed) {
        lines.append(payloadBytes >= 0 ? u"zlib-compressed: %1 bytes stored for %2"_s.arg(
                         locale.toString(storedBytes), locale.toString(payloadBytes))
                                       : u"zlib-compressed: %1 bytes stored"_s.arg(locale.toString(storedBytes)));
    }
    lines.append(u"loaded in %1 ms"_s.arg(locale.toString(loadMs)));
    return lines;
}

QString StoredValueView::bodyText() const
{
    const QLocale locale;
    if (kind == Kind::Entry && compressed && !bodyComplete && body.isEmpty())
        return u"(compressed: the whole value, %1 bytes, is needed to read it)"_s.arg(locale.toString(storedBytes));
    if (kind == Kind::Entry && negative && body.isEmpty())
        return u"(empty: a cached \"not found\")"_s;
    QString text = textForPeople(body, !bodyComplete);
    qsizetype shownBytes = body.size();
    if (compressed && text.size() > maxShownPayloadBytes) {
        // An inflated body is shown within 64 KiB of text (a stored value's own size is what the reader chose to read):
        // escaped bytes take up to four characters each, so as many bytes as fit in the same bound are shown.
        shownBytes = maxShownPayloadBytes / 4;
        text = textForPeople(body.first(shownBytes), true);
    }
    if (!bodyComplete || shownBytes < body.size()) {
        const qint64 total = payloadBytes >= 0 ? payloadBytes : storedBytes;
        text += u"\n… first %1 of %2 bytes"_s.arg(locale.formattedDataSize(shownBytes), locale.toString(total));
    }
    return text;
}

QJsonObject StoredValueView::toJson(qint64 pttlMs, qint64 nowMs) const
{
    QJsonObject json {{u"storedBytes"_s, storedBytes}, {u"bodyComplete"_s, bodyComplete}};
    if (kind == Kind::Entry) {
        QJsonObject envelope {{u"logicalExpiryMs"_s, expiresAtMs}, {u"loadMs"_s, qint64(loadMs)},
            {u"compressed"_s, compressed}, {u"notFound"_s, negative}};
        if (payloadBytes >= 0)
            envelope.insert(u"payloadBytes"_s, payloadBytes);
        json.insert(u"envelope"_s, envelope);
        json.insert(u"freshness"_s, freshness(pttlMs, nowMs));
    } else if (kind == Kind::Damaged) {
        json.insert(u"envelope"_s, u"damaged"_s);
    }
    if (!(kind == Kind::Entry && compressed && !bodyComplete))
        json.insert(u"body"_s, textForPeople(body, !bodyComplete));
    return json;
}

} // namespace cachescope::cache
