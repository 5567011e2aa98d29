#pragma once

#include <QByteArray>

namespace cachescope::model {

// Redis's glob (KEYS, SCAN MATCH, PSUBSCRIBE) with the server's exact semantics, including its corner
// cases: an unterminated '[' set, ranges written backwards, bytes compared as signed chars, and the
// recursion limit that makes abusive patterns simply not match. Keys and patterns are binary-safe.
bool redisGlobMatches(const QByteArray& pattern, const QByteArray& key);

// The literal prefix of a pattern: every key it matches starts with these bytes (escapes resolved).
// Used to skip work before matching and to tell a narrow pattern from a broad one.
QByteArray redisGlobLiteralPrefix(const QByteArray& pattern);

// True when the pattern has no metacharacter left after unescaping: it can match one key only.
bool redisGlobIsLiteral(const QByteArray& pattern);

} // namespace cachescope::model
