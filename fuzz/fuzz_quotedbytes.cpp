// redis-cli's quoted form, as cachectl reads key and pattern arguments. Any input is parsed or refused without a
// crash; whatever bytes come out, written back in the quoted form (the tools' own escaping) and parsed again, are
// the same bytes; and the bytes of any input, quoted the same way, round-trip too.
#include "model/displaybytes.h"
#include "model/quotedbytes.h"
#include "redis/reply.h"

#include <cstdint>
#include <cstdlib>

namespace {
void roundTrip(const QByteArray& bytes)
{
    const QByteArray quoted = '"' + cachescope::model::displayBytes(bytes).toLatin1() + '"';
    const auto again = cachescope::model::parseQuotedBytes(quoted);
    if (!again.bytes || *again.bytes != bytes)
        std::abort();
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char*>(data), qsizetype(size));
    const auto parsed = cachescope::model::parseQuotedBytes(input);
    if (parsed.bytes.has_value() == !parsed.error.isEmpty())
        std::abort(); // bytes or an error, never both or neither
    if (parsed.bytes)
        roundTrip(*parsed.bytes);
    roundTrip(input);
    return 0;
}
