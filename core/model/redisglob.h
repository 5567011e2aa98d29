#pragma once

#include <QByteArray>
#include <QByteArrayView>

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

// A pattern prepared once to be matched against many keys (a filter over a million-key tree): the usual shapes,
// "literal", "prefix*", "*suffix" and "*infix*", become plain byte comparisons; anything else goes through
// redisGlobMatches(), after a quick look for its longest literal run (a key without it cannot match). The answers
// are redisGlobMatches()'s for every key (fuzzed against it).
class RedisGlob
{
public:
    explicit RedisGlob(QByteArray pattern);
    bool matches(QByteArrayView key) const;

private:
    enum class Shape
    {
        Exact,
        Prefix,
        Suffix,
        Infix,
        General,
    };
    QByteArray m_pattern;
    QByteArray m_literal; // the bytes between the stars; for General, the longest run every match must contain
    Shape m_shape = Shape::General;
};

} // namespace cachescope::model
