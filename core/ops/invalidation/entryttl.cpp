#include "ops/invalidation/entryttl.h"

#include "redis/ownlookups.h"
#include "redis/reply.h"

namespace cachescope::ops {

namespace {
// KEYS[1]: the key. ARGV: new TTL in ms, only shorten (1/0), dry run (1/0).
// Replies {"lookups", hits, misses, changed}: PEXPIRETIME and GETRANGE are keyspace lookups; writes are not.
// The header layout is cache::CacheEnvelope's: "\0CS1", flags, expiresAtMs (i64, big-endian at offset 5).
constexpr char script[] = R"lua(
local key = KEYS[1]
local ttl = tonumber(ARGV[1])
local onlyShorten = ARGV[2] == '1'
local dry = ARGV[3] == '1'
local at = redis.call('PEXPIRETIME', key)
if at == -2 then return {'lookups', 0, 1, 0} end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local head = redis.pcall('GETRANGE', key, 0, 12)
if type(head) == 'string' and #head == 13 and string.sub(head, 1, 4) == '\0CS1' then
  local logical = 0
  for i = 6, 13 do logical = logical * 256 + string.byte(head, i) end
  local grace = 0
  if at > logical then grace = at - logical end
  local newLogical = now + ttl
  local newAt = newLogical + grace
  if newAt == at and newLogical == logical then return {'lookups', 2, 0, 0} end
  if onlyShorten and at ~= -1 and newAt >= at then return {'lookups', 2, 0, 0} end
  if not dry then
    local bytes = {}
    local v = newLogical
    for i = 8, 1, -1 do
      bytes[i] = string.char(v % 256)
      v = math.floor(v / 256)
    end
    redis.call('SETRANGE', key, 5, table.concat(bytes))
    redis.call('PEXPIREAT', key, newAt)
  end
  return {'lookups', 2, 0, 1}
end
local newAt = now + ttl
if newAt == at or (onlyShorten and at ~= -1 and newAt >= at) then return {'lookups', 2, 0, 0} end
if not dry then redis.call('PEXPIREAT', key, newAt) end
return {'lookups', 2, 0, 1}
)lua";
} // namespace

QList<QByteArray> entryTtlCommand(const QByteArray& key, const EntryTtlChange& change, bool dryRun)
{
    return {dryRun ? "EVAL_RO" : "EVAL", script, "1", key, QByteArray::number(change.ttlSeconds * 1000),
        change.onlyShorten ? "1" : "0", dryRun ? "1" : "0"};
}

std::optional<bool> entryTtlChanged(const redis::Reply& reply)
{
    const auto& elements = reply.elements();
    if (!reply.isArray() || elements.size() != 4 || elements[0].bytes() != redis::scriptLookupsMarker
        || !elements[3].isInteger())
        return std::nullopt;
    return elements[3].integer() == 1;
}

} // namespace cachescope::ops
