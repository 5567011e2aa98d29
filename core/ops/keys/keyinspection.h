#pragma once

#include "model/keyparser.h"

#include <QByteArray>
#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// What one key holds, for a detail view: type, TTL, the first bytes of a string value, the length of
// other types, and what the key model makes of its name. Three pipelined commands, one round trip.
struct KeyInspection
{
    QByteArray key;
    QByteArray type; // "string", "hash", … or "none"
    qint64 pttl = -2; // ms; -1 no expiry, -2 missing
    QByteArray valuePrefix; // strings: the first maxValueBytes bytes
    qint64 valueSize = -1; // strings: STRLEN; other types: element count
    model::ParsedKey parsed;

    bool exists() const
    {
        return pttl != -2;
    }
    bool truncated() const
    {
        return valueSize > valuePrefix.size() && type == "string";
    }
};

inline constexpr int maxInspectedValueBytes = 64 * 1024;

void inspectKey(redis::Client& connection, const QByteArray& key, const QObject* context,
    std::function<void(std::optional<KeyInspection>, QString error)> callback,
    int maxValueBytes = maxInspectedValueBytes);

// "gateway response GET /api/search, q=rock, category=(absent), tenant acme, venue v2", for people.
QString describeParsedKey(const model::ParsedKey& parsed);
// The same for an inspected key, CacheScope's own data named as such ("CacheScope's own data: tag indexes").
QString describeInspectedKey(const KeyInspection& inspection);

} // namespace cachescope::ops
