// Any bytes as a key: the classifier never crashes, whatever parses as a gateway key builds back into a key
// that parses to the same parts (build ∘ parse is the identity on parsed keys), and the key browser's
// allocation-free scope parser agrees with the full parser on every key without a '%'.
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
    const auto full = cachescope::model::parseGatewayKey(key);
    const auto scope = cachescope::model::parseGatewayScope(key);
    if (scope) {
        const auto same = [](const std::optional<QByteArray>& a, const std::optional<QByteArrayView>& b) {
            return a.has_value() == b.has_value() && (!a || *a == *b);
        };
        if (!full || full->method != scope->method || full->path != scope->path
            || !same(full->tenantId, scope->tenantId) || !same(full->venueId, scope->venueId)
            || !same(full->userId, scope->userId) || full->vary.size() != scope->vary.size())
            std::abort();
        for (qsizetype i = 0; i < full->vary.size(); ++i) {
            if (full->vary.at(i).name != scope->vary[i].first || !same(full->vary.at(i).value, scope->vary[i].second))
                std::abort();
        }
    } else if (full && !key.contains('%')) {
        std::abort(); // the fast path must not leave out a plain key
    }
    return 0;
}
