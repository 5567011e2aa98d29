#pragma once

#include "model/gatewaykey.h"

#include <QByteArray>
#include <QByteArrayView>

namespace cachescope::model {

// What a key in the cache is, as far as its bytes tell: a gateway response entry, a service entry of the
// shared cache manager (`events:123` → namespace `events`, id `123`), or something written by another tool.
struct ParsedKey
{
    enum class Kind
    {
        GatewayResponse,
        Service,
        Other,
    };

    Kind kind = Kind::Other;
    GatewayKey gateway; // for GatewayResponse
    QByteArray serviceNamespace; // for Service
    QByteArray serviceId; // for Service

    friend bool operator==(const ParsedKey&, const ParsedKey&) = default;
};

// Total: any bytes give a result, never a crash; unknown shapes are Kind::Other.
ParsedKey parseKey(const QByteArray& key);

// Builds `namespace:id`; the inverse of parseKey() for Service keys.
QByteArray buildServiceKey(const QByteArray& serviceNamespace, const QByteArray& id);

// True for a namespace parseKey() recognises: letters, digits, '_', '-' and '.', 1 to 64 of them.
bool isServiceNamespace(QByteArrayView name);

} // namespace cachescope::model
