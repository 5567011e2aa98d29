// The cache manager's envelope, from bytes any writer could have stored: decoding and inflating never produce more
// than their limit (a decompression bomb is cut, never held), never crash on a damaged header or stream, and what
// the manager writes reads back the same, compressed or not. The text escaper for stored fields (an audit record's
// actor) never lets a control character through.
#include "cache/cacheenvelope.h"
#include "model/displaybytes.h"

#include <cstdint>
#include <cstdlib>

namespace {
constexpr qsizetype limit = 4096;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using cachescope::cache::CacheEnvelope;
    const QByteArray input(reinterpret_cast<const char*>(data), qsizetype(size));
    bool tooLarge = false;
    if (const auto decoded = CacheEnvelope::decode(input, limit, &tooLarge)) {
        if (!decoded->foreign && decoded->payload.size() > limit)
            std::abort();
        if (tooLarge)
            std::abort();
    }
    bool cut = false;
    if (const auto inflated = CacheEnvelope::inflate(input, limit, &cut); inflated && inflated->size() > limit)
        std::abort();

    CacheEnvelope envelope;
    envelope.payload = input;
    envelope.expiresAtMs = 1800000000000;
    for (const qsizetype threshold : {qsizetype(0), qsizetype(1)}) {
        const auto back = CacheEnvelope::decode(envelope.encode(threshold), qsizetype(size) + 1);
        if (!back || back->payload != input || back->expiresAtMs != envelope.expiresAtMs)
            std::abort();
    }

    const QString text = QString::fromUtf8(input);
    for (const QChar c : cachescope::model::displayText(text)) {
        const char16_t u = c.unicode();
        if (u < 0x20 || (u >= 0x7f && u < 0xa0) || c.category() == QChar::Other_Format || (u >= 0x2028 && u <= 0x2029))
            std::abort();
    }
    return 0;
}
