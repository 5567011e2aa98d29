#pragma once

#include "redis/connectionoptions.h"

#include <QSslConfiguration>
#include <QString>

#include <optional>

namespace cachescope::redis {

// The QSslConfiguration for a profile's TLS options, or a message naming the file that could not be used.
// Done before connecting, so a typo in a path is reported as such and not as a failed handshake.
std::optional<QSslConfiguration> buildTlsConfiguration(const TlsOptions& tls, QString* error);

} // namespace cachescope::redis
