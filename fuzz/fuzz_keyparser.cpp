// Any bytes as a key: the classifier never crashes, and whatever parses as a gateway key builds back into a
// key that parses to the same parts (build ∘ parse is the identity on parsed keys).
#include "model/gatewaykey.h"
#include "model/keyparser.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray key(reinterpret_cast<const char*>(data), qsizetype(size));
    const cachescope::model::ParsedKey parsed = cachescope::model::parseKey(key);
    if (parsed.kind == cachescope::model::ParsedKey::Kind::GatewayResponse) {
        const QByteArray rebuilt = cachescope::model::buildGatewayKey(parsed.gateway);
        const auto again = cachescope::model::parseGatewayKey(rebuilt);
        if (!again || !(*again == parsed.gateway))
            std::abort();
    }
    return 0;
}
