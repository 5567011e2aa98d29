#include "redis/ownlookups.h"

#include <algorithm>
#include <string_view>

#include "redis/reply.h"

#include <QHash>
#include <QMutex>

#include <memory>

namespace cachescope::redis {

namespace {
struct NamedKind
{
    std::string_view name;
    LookupKind kind;
};

// The read commands CacheScope sends, and those an operator can send through it. tst_connection checks each
// against a real server's INFO counters.
constexpr NamedKind namedKinds[] = {
    {"GET", LookupKind::NilIsMiss},
    {"HGET", LookupKind::NilIsMiss}, // a missing field of a present hash is a hit; counted as a miss
    {"LINDEX", LookupKind::NilIsMiss},
    {"ZSCORE", LookupKind::NilIsMiss},
    {"TYPE", LookupKind::NoneTypeIsMiss},
    {"PTTL", LookupKind::MinusTwoIsMiss},
    {"TTL", LookupKind::MinusTwoIsMiss},
    {"EXPIRETIME", LookupKind::MinusTwoIsMiss},
    {"PEXPIRETIME", LookupKind::MinusTwoIsMiss},
    {"HGETALL", LookupKind::EmptyIsMiss},
    {"HKEYS", LookupKind::EmptyIsMiss},
    {"HVALS", LookupKind::EmptyIsMiss},
    {"SMEMBERS", LookupKind::EmptyIsMiss},
    {"ZRANGE", LookupKind::EmptyIsMiss}, // an index range past the end of a present set is a hit
    {"ZRANGEBYSCORE", LookupKind::EmptyIsMiss},
    {"ZREVRANGEBYSCORE", LookupKind::EmptyIsMiss}, // the stats index read: never empty for a present index
    {"LRANGE", LookupKind::EmptyIsMiss},
    {"XRANGE", LookupKind::EmptyIsMiss},
    {"XREVRANGE", LookupKind::EmptyIsMiss},
    {"GETRANGE", LookupKind::EmptyIsMiss}, // an empty string value is a hit
    {"STRLEN", LookupKind::ZeroIsMiss},
    {"HLEN", LookupKind::ZeroIsMiss},
    {"LLEN", LookupKind::ZeroIsMiss},
    {"SCARD", LookupKind::ZeroIsMiss},
    {"ZCARD", LookupKind::ZeroIsMiss},
    {"XLEN", LookupKind::ZeroIsMiss},
    {"HEXISTS", LookupKind::ZeroIsMiss}, // a missing field of a present hash is a hit
    {"SISMEMBER", LookupKind::ZeroIsMiss},
    {"EXISTS", LookupKind::ExistsCount},
    {"MGET", LookupKind::NilPerKey},
    {"HSCAN", LookupKind::EmptyScanIsMiss},
    {"SSCAN", LookupKind::EmptyScanIsMiss},
    {"ZSCAN", LookupKind::EmptyScanIsMiss},
    {"EVAL", LookupKind::ScriptReport},
    {"EVALSHA", LookupKind::ScriptReport},
    {"EVAL_RO", LookupKind::ScriptReport},
    {"EVALSHA_RO", LookupKind::ScriptReport},
};

constexpr std::size_t longestName = [] {
    std::size_t longest = 0;
    for (const NamedKind& named : namedKinds)
        longest = std::max(longest, named.name.size());
    return longest;
}();

LookupCount one(bool miss)
{
    return miss ? LookupCount {0, 1} : LookupCount {1, 0};
}
} // namespace

namespace {
// ASCII only, like the server's own command lookup; `upper` is one of the upper-case names above.
bool sameNameIgnoringCase(const char* given, std::string_view upper)
{
    for (std::size_t i = 0; i < upper.size(); ++i) {
        char c = given[i];
        if (c >= 'a' && c <= 'z')
            c = char(c - 'a' + 'A');
        if (c != upper[i])
            return false;
    }
    return true;
}
} // namespace

LookupKind lookupKindOf(const QList<QByteArray>& arguments)
{
    if (arguments.isEmpty())
        return LookupKind::None;
    const QByteArray& name = arguments.first();
    if (name.size() < 3 || name.size() > qsizetype(longestName))
        return LookupKind::None;
    for (const NamedKind& named : namedKinds) {
        // Every command sent asks this: the length rules out all but a few names before any comparison.
        if (qsizetype(named.name.size()) == name.size() && sameNameIgnoringCase(name.constData(), named.name)) {
            // Past cursor 0 a scan's empty last page is the end of a present key (see ScanOnIsHit).
            if (named.kind == LookupKind::EmptyScanIsMiss && arguments.size() > 2 && arguments.at(2) != "0")
                return LookupKind::ScanOnIsHit;
            return named.kind;
        }
    }
    return LookupKind::None;
}

LookupCount lookupsIn(LookupKind kind, qsizetype argumentCount, const Reply& reply)
{
    if (kind == LookupKind::None)
        return {};
    if (reply.isError()) {
        // The key was found, then its type refused: a hit. Any other error comes before the lookup.
        if (reply.errorKind() == ErrorKind::WrongType)
            return kind == LookupKind::ExistsCount || kind == LookupKind::NilPerKey || kind == LookupKind::ScriptReport
                ? LookupCount {}
                : one(false);
        return {};
    }
    switch (kind) {
    case LookupKind::None:
        return {};
    case LookupKind::NilIsMiss:
        return one(reply.isNil());
    case LookupKind::EmptyIsMiss:
        return one(reply.isNil() || (reply.isArray() && reply.elements().empty())
            || (reply.isString() && reply.bytes().isEmpty()));
    case LookupKind::ZeroIsMiss:
        return one(reply.isInteger() && reply.integer() == 0);
    case LookupKind::NoneTypeIsMiss:
        return one(reply.isStatus("none"));
    case LookupKind::MinusTwoIsMiss:
        return one(reply.isInteger() && reply.integer() == -2);
    case LookupKind::ExistsCount: {
        const qint64 keys = std::max<qint64>(0, argumentCount - 1);
        const qint64 hits = reply.isInteger() ? std::clamp<qint64>(reply.integer(), 0, keys) : 0;
        return {hits, keys - hits};
    }
    case LookupKind::ScanOnIsHit:
        return one(false);
    case LookupKind::EmptyScanIsMiss: {
        const auto& page = reply.elements();
        return one(reply.isArray() && page.size() == 2 && page[0].bytes() == "0" && page[1].elements().empty());
    }
    case LookupKind::ScriptReport: {
        const auto& elements = reply.elements();
        if (!reply.isArray() || elements.size() < 3 || elements[0].bytes() != scriptLookupsMarker
            || !elements[1].isInteger() || !elements[2].isInteger())
            return {};
        return {elements[1].integer(), elements[2].integer()};
    }
    case LookupKind::NilPerKey: {
        LookupCount count;
        for (const Reply& element : reply.elements())
            count += one(element.isNil());
        return count;
    }
    }
    return {};
}

OwnLookupCounter& ownLookupsOf(const QString& address, const QString& clientName)
{
    static QMutex mutex;
    static QHash<QString, std::shared_ptr<OwnLookupCounter>> counters;
    const QMutexLocker lock(&mutex);
    std::shared_ptr<OwnLookupCounter>& counter = counters[address + u'\n' + clientName];
    if (!counter)
        counter = std::make_shared<OwnLookupCounter>();
    return *counter;
}

} // namespace cachescope::redis
