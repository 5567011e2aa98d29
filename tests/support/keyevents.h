#pragma once

namespace cachescope::testing {

class RedisServer;

// On a server started with "maxmemory 3mb" and "maxmemory-policy volatile-lru": 50 sessions that expire in 200 ms
// (namespace "session"), then 1,500 gateway entries of 4 KB with a 1 h TTL ("GET /api/events", tenants t0–t2) until
// volatile-lru evicts; returns once the sessions are gone and memory is back under the limit (false if not within
// 10 s). Only keys with a TTL are evicted, so every expiry is a session's.
bool causeExpiriesAndEvictions(const RedisServer& server);

} // namespace cachescope::testing
