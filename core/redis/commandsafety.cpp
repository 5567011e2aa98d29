#include "redis/commandsafety.h"

#include <QSet>

namespace cachescope::redis {

bool isReadOnlyCommand(const QList<QByteArray>& arguments)
{
    if (arguments.isEmpty())
        return false;
    static const QSet<QByteArray> readCommands {"GET", "MGET", "GETRANGE", "STRLEN", "EXISTS", "TYPE", "TTL", "PTTL",
        "EXPIRETIME", "PEXPIRETIME", "SCAN", "DBSIZE", "INFO", "PING", "ECHO", "TIME", "HGET", "HMGET", "HGETALL",
        "HLEN", "HKEYS", "HVALS", "HEXISTS", "HSCAN", "LLEN", "LRANGE", "LINDEX", "SCARD", "SMEMBERS", "SISMEMBER",
        "SSCAN", "ZCARD", "ZRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZSCORE", "ZSCAN", "ZCOUNT", "XLEN", "XRANGE",
        "XREVRANGE", "XINFO", "OBJECT", "MEMORY", "SLOWLOG", "LATENCY", "AUTH", "SELECT", "HELLO", "SUBSCRIBE",
        "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "CLUSTER", "READONLY", "ASKING", "COMMAND", "ACL", "CONFIG",
        "CLIENT", "EVAL_RO", "EVALSHA_RO"};
    const QByteArray name = arguments.first().toUpper();
    if (!readCommands.contains(name))
        return false;
    // EVAL_RO: the server refuses any write the script tries. Some of those have writing subcommands.
    const QByteArray sub = arguments.size() > 1 ? arguments.at(1).toUpper() : QByteArray();
    if (name == "CONFIG")
        return sub == "GET";
    if (name == "ACL")
        return sub == "WHOAMI" || sub == "LIST" || sub == "USERS" || sub == "CAT";
    if (name == "CLIENT")
        return sub == "SETNAME" || sub == "GETNAME" || sub == "LIST" || sub == "INFO" || sub == "ID";
    if (name == "SLOWLOG")
        return sub == "GET" || sub == "LEN" || sub == "HELP";
    if (name == "LATENCY")
        return sub == "LATEST" || sub == "HISTORY" || sub == "DOCTOR" || sub == "GRAPH" || sub == "HISTOGRAM"
            || sub == "HELP";
    if (name == "MEMORY")
        return sub == "USAGE" || sub == "STATS" || sub == "DOCTOR";
    if (name == "CLUSTER")
        return sub == "SLOTS" || sub == "SHARDS" || sub == "NODES" || sub == "INFO" || sub == "KEYSLOT"
            || sub == "MYID";
    return true;
}

} // namespace cachescope::redis
