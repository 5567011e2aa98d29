#include "ops/keys/memberpages.h"

#include "redis/client.h"
#include "redis/reply.h"

namespace cachescope::ops {

using namespace Qt::StringLiterals;

QStringList memberColumns(const QByteArray& type)
{
    if (type == "hash")
        return {u"field"_s, u"value"_s};
    if (type == "set")
        return {u"member"_s};
    if (type == "zset")
        return {u"member"_s, u"score"_s};
    if (type == "list")
        return {u"index"_s, u"element"_s};
    if (type == "stream")
        return {u"id"_s, u"fields"_s};
    return {};
}

namespace {
struct PageRequest
{
    QList<QByteArray> command;
    // Turns the reply into rows and says where the next page starts; false when the reply has another shape.
    std::function<bool(const redis::Reply& reply, MemberPage& page)> read;
};

bool readScan(const redis::Reply& reply, MemberPage& page, int width)
{
    const auto& parts = reply.elements();
    if (!reply.isArray() || parts.size() != 2 || !parts[1].isArray() || parts[1].elements().size() % width != 0)
        return false;
    const auto& items = parts[1].elements();
    for (std::size_t i = 0; i < items.size(); i += std::size_t(width)) {
        QList<QByteArray> row;
        for (int c = 0; c < width; ++c)
            row.append(items[i + std::size_t(c)].bytes());
        page.rows.append(row);
    }
    page.next = parts[0].bytes() == "0" ? QByteArray() : parts[0].bytes();
    return true;
}

PageRequest requestFor(const QByteArray& key, const QByteArray& type, const QByteArray& from, int count, qint64 length)
{
    const QByteArray countText = QByteArray::number(count);
    if (type == "hash" || type == "set") {
        const int width = type == "hash" ? 2 : 1;
        return {{type == "hash" ? "HSCAN" : "SSCAN", key, from.isEmpty() ? "0" : from, "COUNT", countText},
            [width](const redis::Reply& reply, MemberPage& page) { return readScan(reply, page, width); }};
    }
    if (type == "stream") {
        // After the first page, start just past the last id seen ('(' makes XRANGE exclusive, Redis 6.2+).
        return {{"XRANGE", key, from.isEmpty() ? QByteArray("-") : QByteArray('(' + from), "+", "COUNT", countText},
            [count](const redis::Reply& reply, MemberPage& page) {
                if (!reply.isArray())
                    return false;
                for (const redis::Reply& entry : reply.elements()) {
                    const auto& parts = entry.elements();
                    if (parts.size() != 2)
                        return false;
                    QByteArray fields;
                    const auto& pairs = parts[1].elements();
                    for (std::size_t i = 0; i + 1 < pairs.size(); i += 2)
                        fields += (fields.isEmpty() ? QByteArray() : QByteArray(" ")) + pairs[i].bytes() + '='
                            + pairs[i + 1].bytes();
                    page.rows.append({parts[0].bytes(), fields});
                }
                page.next = page.rows.size() == count ? page.rows.constLast().first() : QByteArray();
                return true;
            }};
    }
    // zset and list: by rank, [start, stop], never past the known length.
    const qint64 start = from.toLongLong();
    const qint64 stop = std::min(start + count, length) - 1;
    const bool zset = type == "zset";
    QList<QByteArray> command {zset ? "ZRANGE" : "LRANGE", key, QByteArray::number(start), QByteArray::number(stop)};
    if (zset)
        command.append("WITHSCORES");
    return {command, [zset, start, stop, length](const redis::Reply& reply, MemberPage& page) {
                if (!reply.isArray())
                    return false;
                const auto& items = reply.elements();
                if (zset) {
                    for (std::size_t i = 0; i + 1 < items.size(); i += 2)
                        page.rows.append({items[i].bytes(), items[i + 1].bytes()});
                } else {
                    for (std::size_t i = 0; i < items.size(); ++i)
                        page.rows.append({QByteArray::number(start + qint64(i)), items[i].bytes()});
                }
                page.next = stop + 1 < length && !items.empty() ? QByteArray::number(stop + 1) : QByteArray();
                return true;
            }};
}
} // namespace

void readMemberPage(redis::Client& client, const QByteArray& key, const QByteArray& type, const QByteArray& from,
    int count, qint64 length, const QObject* context,
    std::function<void(std::optional<MemberPage> page, QString error)> done)
{
    MemberPage page;
    page.columns = memberColumns(type);
    count = std::max(1, count);
    const bool ranged = type == "zset" || type == "list";
    if (page.columns.isEmpty() || (ranged && from.toLongLong() >= length)) {
        // Nothing to read (a string, or past the end): answered like a read, never from inside this call.
        QMetaObject::invokeMethod(
            const_cast<QObject*>(context),
            [done, page, type] {
                if (page.columns.isEmpty())
                    done(std::nullopt, u"a %1 has no members"_s.arg(QString::fromUtf8(type)));
                else
                    done(page, QString());
            },
            Qt::QueuedConnection);
        return;
    }
    PageRequest request = requestFor(key, type, from, count, length);
    client.command(
        request.command, context, [done, page, read = std::move(request.read)](const redis::Reply& reply) mutable {
            if (reply.isError())
                return done(std::nullopt, reply.errorMessage());
            if (!read(reply, page))
                return done(std::nullopt, u"unexpected reply: "_s + reply.toDisplayString().left(200));
            done(page, QString());
        });
}

} // namespace cachescope::ops
