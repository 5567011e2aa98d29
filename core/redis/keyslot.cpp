#include "redis/keyslot.h"

#include <array>
#include <cstdint>

namespace cachescope::redis {

namespace {
// CRC16-CCITT (XMODEM): polynomial 0x1021, initial value 0, as in the Redis Cluster specification.
constexpr std::array<std::uint16_t, 256> makeTable()
{
    std::array<std::uint16_t, 256> table {};
    for (unsigned byte = 0; byte < 256; ++byte) {
        std::uint16_t crc = std::uint16_t(byte << 8);
        for (int bit = 0; bit < 8; ++bit)
            crc = std::uint16_t((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
        table[byte] = crc;
    }
    return table;
}
constexpr auto crcTable = makeTable();

std::uint16_t crc16(const char* data, qsizetype size)
{
    std::uint16_t crc = 0;
    for (qsizetype i = 0; i < size; ++i)
        crc = std::uint16_t((crc << 8) ^ crcTable[((crc >> 8) ^ std::uint8_t(data[i])) & 0xff]);
    return crc;
}
} // namespace

int keySlot(const QByteArray& key)
{
    const qsizetype open = key.indexOf('{');
    if (open >= 0) {
        const qsizetype close = key.indexOf('}', open + 1);
        if (close > open + 1)
            return crc16(key.constData() + open + 1, close - open - 1) & (clusterSlots - 1);
    }
    return crc16(key.constData(), key.size()) & (clusterSlots - 1);
}

} // namespace cachescope::redis
