#include "model/keyparser.h"

namespace cachescope::model {

bool isServiceNamespace(QByteArrayView name)
{
    if (name.isEmpty() || name.size() > 64)
        return false;
    for (char c : name) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'
            || c == '-' || c == '.';
        if (!ok)
            return false;
    }
    return true;
}

ParsedKey parseKey(const QByteArray& key)
{
    ParsedKey parsed;
    if (key.startsWith(gatewayKeyPrefix)) {
        if (auto gateway = parseGatewayKey(key)) {
            parsed.kind = ParsedKey::Kind::GatewayResponse;
            parsed.gateway = std::move(*gateway);
        }
        return parsed; // a malformed gateway key is not a service key of namespace "gateway"
    }
    const qsizetype colon = key.indexOf(':');
    if (colon <= 0 || colon == key.size() - 1)
        return parsed;
    const QByteArray ns = key.first(colon);
    if (!isServiceNamespace(ns))
        return parsed;
    parsed.kind = ParsedKey::Kind::Service;
    parsed.serviceNamespace = ns;
    parsed.serviceId = key.sliced(colon + 1);
    return parsed;
}

QByteArray buildServiceKey(const QByteArray& serviceNamespace, const QByteArray& id)
{
    return serviceNamespace + ':' + id;
}

} // namespace cachescope::model
