#pragma once

#include <QByteArray>

namespace cachescope::redis {

inline constexpr int clusterSlots = 16384;

// The Redis Cluster hash slot of a key: CRC16 (XMODEM) of the key, or of its hash tag — the bytes between the
// first '{' and the next '}' when that is not empty — modulo 16384, exactly as the server computes it.
int keySlot(const QByteArray& key);

} // namespace cachescope::redis
