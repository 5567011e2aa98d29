#include "cache/cacheenvelope.h"

#include <QtEndian>

#include <cstring>

namespace cachescope::cache {

namespace {
constexpr char magic[4] = {'\0', 'C', 'S', '1'};
}

QByteArray CacheEnvelope::encode(qsizetype compressionThreshold) const
{
    quint8 flags = negative ? Negative : 0;
    QByteArray body = payload;
    if (compressionThreshold > 0 && payload.size() >= compressionThreshold) {
        QByteArray compressed = qCompress(payload, 1); // fast: this is on the request path
        if (compressed.size() < payload.size()) {
            body = std::move(compressed);
            flags |= Compressed;
        }
    }
    QByteArray out(headerSize, Qt::Uninitialized);
    char* p = out.data();
    std::copy(std::begin(magic), std::end(magic), p);
    p[4] = char(flags);
    qToBigEndian<qint64>(expiresAtMs, p + 5);
    qToBigEndian<quint32>(loadMs, p + 13);
    out += body;
    return out;
}

std::optional<CacheEnvelope> CacheEnvelope::decodeHeader(const QByteArray& stored, bool* compressed)
{
    CacheEnvelope envelope;
    if (stored.size() < 4 || memcmp(stored.constData(), magic, 4) != 0) {
        envelope.foreign = true;
        return envelope;
    }
    if (stored.size() < headerSize)
        return std::nullopt;
    const char* p = stored.constData();
    const auto flags = quint8(p[4]);
    if (flags & ~(Compressed | Negative))
        return std::nullopt; // written by a newer version we do not understand
    envelope.expiresAtMs = qFromBigEndian<qint64>(p + 5);
    envelope.loadMs = qFromBigEndian<quint32>(p + 13);
    envelope.negative = flags & Negative;
    if (compressed)
        *compressed = flags & Compressed;
    return envelope;
}

std::optional<CacheEnvelope> CacheEnvelope::decode(const QByteArray& stored)
{
    bool compressed = false;
    std::optional<CacheEnvelope> envelope = decodeHeader(stored, &compressed);
    if (!envelope)
        return std::nullopt;
    if (envelope->foreign) {
        envelope->payload = stored;
        return envelope;
    }
    // The payload shares the stored bytes instead of copying them: it runs to their end, so it stays
    // '\0'-terminated like any QByteArray, and writing to it detaches as usual.
    QByteArray body = stored;
    body.data_ptr().ptr += headerSize;
    body.data_ptr().size -= headerSize;
    if (compressed) {
        // qUncompress allocates the size the first 4 bytes claim before inflating: a damaged or hostile value could
        // claim 4 GiB. Deflate never shrinks data more than about 1032:1, so a larger claim cannot be true.
        if (body.size() < 4 || qFromBigEndian<quint32>(body.constData()) > quint64(body.size() - 4) * 1032 + 64)
            return std::nullopt;
        body = qUncompress(body);
        if (body.isEmpty())
            return std::nullopt;
    }
    envelope->payload = std::move(body);
    return envelope;
}

} // namespace cachescope::cache
