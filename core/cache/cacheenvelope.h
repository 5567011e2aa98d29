#pragma once

#include <QByteArray>

#include <optional>

namespace cachescope::cache {

// How the cache manager stores a value: a small header in front of the payload. The header carries what
// stampede protection needs (the logical expiry, and how long the value took to load) and whether the
// payload is compressed or a cached "not found". The Redis TTL is the logical TTL plus the grace period,
// so a stale value is still there to serve when a reload fails.
//
// Layout (big-endian): "\0CS1" | flags u8 | expiresAtMs i64 | loadMs u32 | payload.
// Values without the magic were written by someone else (the services' own cache manager, redis-cli):
// they read as fresh, uncompressed payloads with unknown expiry.
struct CacheEnvelope
{
    enum Flag : quint8
    {
        Compressed = 0x1,
        Negative = 0x2, // the loader found nothing; payload empty
    };

    QByteArray payload; // uncompressed
    bool negative = false;
    qint64 expiresAtMs = 0; // 0: unknown (foreign value)
    quint32 loadMs = 0;
    bool foreign = false;

    // Compresses the payload (zlib) when it is at least `compressionThreshold` bytes and it pays off;
    // a threshold <= 0 disables compression.
    QByteArray encode(qsizetype compressionThreshold) const;
    // Nothing when the bytes carry our magic but are damaged (a truncated header, bad compression) or inflate to more
    // than `maxPayloadBytes` (`tooLarge` says which): those are treated as a miss, never served. A megabyte of
    // zlib can inflate to a gigabyte; the inflate stops at the limit, whatever the stored size prefix claims.
    static constexpr qsizetype defaultMaxPayloadBytes = 16 * 1024 * 1024;
    static std::optional<CacheEnvelope> decode(
        const QByteArray& stored, qsizetype maxPayloadBytes = defaultMaxPayloadBytes, bool* tooLarge = nullptr);
    // Inflates a qCompress body (a 4-byte big-endian size, then zlib) into at most `maxOutput` bytes, streaming:
    // `cut` is set when there was more. Nothing when the stream is damaged.
    static std::optional<QByteArray> inflate(QByteArrayView compressed, qsizetype maxOutput, bool* cut = nullptr);
    // The header alone (the payload left empty), from the first bytes of a value: enough to describe an entry read
    // only in part. `compressed` tells whether the payload is compressed (qCompress: a 4-byte big-endian size, then
    // zlib).
    static std::optional<CacheEnvelope> decodeHeader(const QByteArray& stored, bool* compressed = nullptr);

    static constexpr qsizetype headerSize = 4 + 1 + 8 + 4;
};

} // namespace cachescope::cache
