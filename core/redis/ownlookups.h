#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <atomic>

namespace cachescope::redis {

class Reply;

// Keyspace lookups: what a server counts in INFO's keyspace_hits and keyspace_misses. Every read of a key
// (GET, TYPE, PTTL, HGETALL, EXISTS…) is one; writes, SCAN, MEMORY USAGE and INFO are not.
struct LookupCount
{
    qint64 hits = 0;
    qint64 misses = 0;

    qint64 total() const
    {
        return hits + misses;
    }
    LookupCount& operator+=(const LookupCount& other)
    {
        hits += other.hits;
        misses += other.misses;
        return *this;
    }
    friend LookupCount operator+(LookupCount a, const LookupCount& b)
    {
        return a += b;
    }
    friend LookupCount operator-(LookupCount a, const LookupCount& b)
    {
        return {a.hits - b.hits, a.misses - b.misses};
    }
    friend bool operator==(const LookupCount&, const LookupCount&) = default;
};

// How a command's reply tells the lookups it made. Decided once from the command name, when it is sent.
enum class LookupKind : quint8
{
    None, // no keyspace lookup (writes, SCAN, INFO, MEMORY USAGE)
    NilIsMiss, // GET, HGET, LINDEX…: one lookup, a nil reply is a miss
    EmptyIsMiss, // HGETALL, SMEMBERS, ZRANGE, XREVRANGE, GETRANGE: one lookup, an empty reply is a miss
    ZeroIsMiss, // STRLEN, HLEN, SCARD…: one lookup, 0 is a miss
    NoneTypeIsMiss, // TYPE: "none" is a miss
    MinusTwoIsMiss, // PTTL, TTL, EXPIRETIME: -2 is a miss
    ExistsCount, // EXISTS k1…kn: n lookups, the reply counts the hits
    NilPerKey, // MGET k1…kn: n lookups, each nil element a miss
    EmptyScanIsMiss, // HSCAN, SSCAN, ZSCAN from cursor 0: one lookup; a last page with nothing ("0", []) is a miss —
                     // exact, since a present key always yields members or a cursor to go on
    ScanOnIsHit, // HSCAN, SSCAN, ZSCAN past cursor 0: one lookup, a hit. Their last page can be empty on a present
                 // key (its last buckets are empty), which the server counts as a hit; a key deleted mid-walk (a
                 // miss) is far rarer
    ScriptReport, // EVAL, EVALSHA and their _RO forms: a script of ours that reads keys says what it looked up, by
                  // replying ["lookups", hits, misses, …]; other scripts (and failed ones) count none
};

// What a script of ours replies first when it reports its lookups (LookupKind::ScriptReport).
inline constexpr char scriptLookupsMarker[] = "lookups";

LookupKind lookupKindOf(const QList<QByteArray>& arguments);

// The lookups a server made for a command of `kind` with `arguments` (keys for EXISTS and MGET) that answered
// `reply`. WRONGTYPE is a hit (the key was found); other errors (NOPERM, MOVED…) made no lookup. Where a reply
// cannot tell (HGET's nil: a missing key or a missing field), the more common case is taken: see ownlookups.cpp.
LookupCount lookupsIn(LookupKind kind, qsizetype argumentCount, const Reply& reply);

// The lookups this process made on one server over every connection to it with one client name: what the charts
// subtract from the server's counters so that CacheScope never shows up in the hit rate it draws. Keyed by the
// client name too, so that a process that also serves traffic (a service embedding core, a test) keeps its
// gateway connections, named otherwise, out of what is taken away. Shared between threads.
class OwnLookupCounter
{
public:
    void add(const LookupCount& count)
    {
        m_hits.fetch_add(count.hits, std::memory_order_relaxed);
        m_misses.fetch_add(count.misses, std::memory_order_relaxed);
    }
    LookupCount current() const
    {
        return {m_hits.load(std::memory_order_relaxed), m_misses.load(std::memory_order_relaxed)};
    }

private:
    std::atomic<qint64> m_hits {0};
    std::atomic<qint64> m_misses {0};
};

// The process-wide counter of a server, by "host:port" as connected to, and client name. Lives as long as the
// process.
OwnLookupCounter& ownLookupsOf(const QString& address, const QString& clientName);

} // namespace cachescope::redis
