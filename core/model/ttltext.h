#pragma once

#include <QString>

namespace cachescope::model {

// A TTL as an engineer reads it at a glance, the one duration format of every view: "45s", "12m 5s", "3h 20m",
// "2d 4h"; "no expiry" (-1), "gone" (-2).
QString describeTtlShort(qint64 pttlMs);

} // namespace cachescope::model
