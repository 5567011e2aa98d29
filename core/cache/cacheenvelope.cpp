#include "cache/cacheenvelope.h"

#include <QtEndian>

#include <QScopeGuard>

#include <zlib.h>

#include <cstring>
#include <limits>

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

std::optional<QByteArray> CacheEnvelope::inflate(QByteArrayView compressed, qsizetype maxOutput, bool* cut)
{
    if (cut)
        *cut = false;
    if (compressed.size() < 4)
        return std::nullopt;
    const quint32 claimed = qFromBigEndian<quint32>(compressed.constData());
    z_stream stream {};
    if (inflateInit(&stream) != Z_OK)
        return std::nullopt;
    const auto end = qScopeGuard([&stream] { inflateEnd(&stream); });
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(compressed.constData() + 4));
    stream.avail_in = uInt(std::min<qsizetype>(compressed.size() - 4, std::numeric_limits<uInt>::max()));
    // Grown as the output comes, never past the limit: the claimed size only sizes the first step.
    QByteArray out;
    qsizetype capacity = std::min<qsizetype>(std::max<qsizetype>(qsizetype(claimed), 256), maxOutput);
    out.resize(std::max<qsizetype>(capacity, 1));
    qsizetype produced = 0;
    for (;;) {
        if (produced == out.size()) {
            if (out.size() >= maxOutput) {
                // Full: one more byte tells whether there was more.
                char probe = 0;
                stream.next_out = reinterpret_cast<Bytef*>(&probe);
                stream.avail_out = 1;
                const int status = ::inflate(&stream, Z_NO_FLUSH);
                if (stream.avail_out == 0) { // there was more
                    if (cut)
                        *cut = true;
                    break;
                }
                if (status == Z_STREAM_END)
                    break; // it ended exactly at the limit
                return std::nullopt; // no byte and no end: damaged or truncated
            }
            out.resize(std::min<qsizetype>(out.size() * 2, maxOutput));
        }
        stream.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
        stream.avail_out = uInt(out.size() - produced);
        const int status = ::inflate(&stream, Z_NO_FLUSH);
        produced = out.size() - qsizetype(stream.avail_out);
        if (status == Z_STREAM_END)
            break;
        if (status != Z_OK && !(status == Z_BUF_ERROR && stream.avail_out == 0))
            return std::nullopt; // damaged, or the input ended before the stream did
        if (status == Z_OK && stream.avail_in == 0 && stream.avail_out != 0)
            return std::nullopt; // truncated
    }
    out.truncate(produced);
    return out;
}

std::optional<CacheEnvelope> CacheEnvelope::decode(const QByteArray& stored, qsizetype maxPayloadBytes, bool* tooLarge)
{
    if (tooLarge)
        *tooLarge = false;
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
        // Deflate never shrinks data more than about 1032:1: a larger claim is damage. A claim over the limit is
        // refused before any work; a claim that lies is stopped by the inflate's own limit.
        if (body.size() < 4 || qFromBigEndian<quint32>(body.constData()) > quint64(body.size() - 4) * 1032 + 64)
            return std::nullopt;
        if (qsizetype(qFromBigEndian<quint32>(body.constData())) > maxPayloadBytes) {
            if (tooLarge)
                *tooLarge = true;
            return std::nullopt;
        }
        bool cut = false;
        std::optional<QByteArray> inflated = inflate(body, maxPayloadBytes, &cut);
        if (cut && tooLarge)
            *tooLarge = true;
        if (!inflated || cut || inflated->isEmpty())
            return std::nullopt;
        body = std::move(*inflated);
    }
    envelope->payload = std::move(body);
    return envelope;
}

} // namespace cachescope::cache
