#pragma once

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QStringList>

#include <functional>
#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// One page of what a hash, set, sorted set, list or stream holds, binary-safe, for a paged member view:
// HSCAN / SSCAN (cursor), ZRANGE … WITHSCORES and LRANGE (by rank: ordered), XRANGE (by id). Each page is one
// keyspace lookup, counted by redis::ownLookups like every other, so the dashboard's charts leave it out.
struct MemberPage
{
    QStringList columns; // "field", "value" · "member" · "member", "score" · "index", "element" · "id", "fields"
    QList<QList<QByteArray>> rows;
    QByteArray next; // where the next page starts; empty when there is no more
};

// Which columns a type's members have; empty for a type that has none (a string, "none").
QStringList memberColumns(const QByteArray& type);

// Reads the page that starts at `from` (empty: the first). `count` is a hint for the scans and the page size for
// ranges; `length` (HLEN, LLEN… as the key pane knows it) keeps a ranged read from asking past the end.
void readMemberPage(redis::Client& client, const QByteArray& key, const QByteArray& type, const QByteArray& from,
    int count, qint64 length, const QObject* context,
    std::function<void(std::optional<MemberPage> page, QString error)> done);

} // namespace cachescope::ops
