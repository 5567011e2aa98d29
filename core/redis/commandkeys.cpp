#include "redis/commandkeys.h"

#include <QHash>

namespace cachescope::redis {

namespace {

// first: index of the first key (0 = none); last: of the last key, negative counts from the end; step between.
struct KeySpec
{
    int first = 0;
    int last = 0;
    int step = 1;
    bool numkeys = false; // EVAL-like: argument 2 says how many keys follow it
};

const QHash<QByteArray, KeySpec>& table()
{
    static const QHash<QByteArray, KeySpec> specs = [] {
        QHash<QByteArray, KeySpec> t;
        for (const char* name : {"PING", "ECHO", "INFO", "DBSIZE", "SCAN", "TIME", "COMMAND", "CLUSTER", "CONFIG",
                 "CLIENT", "ACL", "SLOWLOG", "LATENCY", "AUTH", "SELECT", "HELLO", "READONLY", "READWRITE", "ASKING",
                 "PUBLISH", "SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "SCRIPT", "FLUSHDB", "RANDOMKEY",
                 "WAIT", "LASTSAVE", "ROLE"})
            t.insert(name, {0, 0, 0});
        for (const char* name : {"GET", "SET", "SETEX", "PSETEX", "SETNX", "GETRANGE", "STRLEN", "TYPE", "TTL", "PTTL",
                 "EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT", "EXPIRETIME", "PEXPIRETIME", "PERSIST", "GETDEL",
                 "GETEX", "APPEND", "INCR", "INCRBY", "DECR", "DECRBY", "DUMP", "RESTORE", "HGET", "HMGET", "HGETALL",
                 "HLEN", "HKEYS", "HVALS", "HEXISTS", "HSCAN", "HSET", "HSETNX", "HMSET", "HDEL", "HINCRBY",
                 "HINCRBYFLOAT", "LLEN", "LRANGE", "LINDEX", "LPUSH", "RPUSH", "LTRIM", "SCARD", "SMEMBERS",
                 "SISMEMBER", "SSCAN", "SADD", "SREM", "ZCARD", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZSCORE",
                 "ZSCAN", "ZCOUNT", "ZADD", "ZREM", "ZREMRANGEBYSCORE", "XLEN", "XRANGE", "XREVRANGE", "XADD", "XTRIM"})
            t.insert(name, {1, 1, 1});
        for (const char* name : {"MGET", "DEL", "UNLINK", "EXISTS", "TOUCH"})
            t.insert(name, {1, -1, 1});
        t.insert("MSET", {1, -1, 2});
        for (const char* name : {"EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "FCALL_RO"})
            t.insert(name, {3, 0, 1, true});
        // Container commands whose subcommands take a key in position 2.
        for (const char* name : {"MEMORY|USAGE", "OBJECT|ENCODING", "OBJECT|FREQ", "OBJECT|IDLETIME", "OBJECT|REFCOUNT",
                 "XINFO|STREAM", "XINFO|GROUPS"})
            t.insert(name, {2, 2, 1});
        for (const char* name : {"MEMORY|STATS", "MEMORY|DOCTOR"})
            t.insert(name, {0, 0, 0});
        return t;
    }();
    return specs;
}

} // namespace

CommandKeys commandKeys(const QList<QByteArray>& arguments)
{
    CommandKeys keys;
    if (arguments.isEmpty())
        return keys;
    const QByteArray name = arguments.first().toUpper();
    auto spec = table().constFind(name);
    if (spec == table().cend() && arguments.size() > 1)
        spec = table().constFind(name + '|' + arguments.at(1).toUpper());
    if (spec == table().cend())
        return keys;
    const qsizetype count = arguments.size();
    if (spec->first == 0) {
        keys.kind = CommandKeys::Kind::NoKeys;
        return keys;
    }
    qsizetype last = spec->last >= 0 ? spec->last : count + spec->last;
    if (spec->numkeys) {
        bool ok = false;
        const qlonglong numkeys = count > 2 ? arguments.at(2).toLongLong(&ok) : -1;
        if (!ok || numkeys <= 0 || numkeys > count - 3) {
            keys.kind = CommandKeys::Kind::NoKeys; // no keys, or malformed: any node answers (with the error)
            return keys;
        }
        last = 2 + numkeys;
    }
    if (last >= count || spec->first >= count || last < spec->first) {
        keys.kind = CommandKeys::Kind::NoKeys; // too few arguments: any node answers with the arity error
        return keys;
    }
    keys.kind = CommandKeys::Kind::Keys;
    for (qsizetype i = spec->first; i <= last; i += spec->step)
        keys.positions.append(i);
    return keys;
}

QList<QByteArray> knownKeyCommands()
{
    return table().keys();
}

} // namespace cachescope::redis
