#include "model/redisglob.h"

#include <utility>

namespace cachescope::model {

namespace {

// The server compares `char`s, which are signed on the platforms it ships for; ranges like [\x80-\xff]
// therefore behave as signed ranges there, and we must do the same to agree with SCAN MATCH.
int signedByte(char c)
{
    return static_cast<signed char>(c);
}

constexpr int maxStarNesting = 1000; // the server's own guard against abusive patterns

class GlobMatcher
{
public:
    GlobMatcher(const QByteArray& pattern, const QByteArray& text)
        : m_pattern(pattern.constData())
        , m_patternEnd(pattern.constData() + pattern.size())
        , m_textEnd(text.constData() + text.size())
        , m_text(text.constData())
    {
    }

    bool run()
    {
        return match(m_pattern, m_text, 0);
    }

private:
    // Past the end reads as NUL, as the server's NUL-terminated strings do.
    char at(const char* p, qsizetype offset = 0) const
    {
        return p + offset < m_patternEnd ? p[offset] : '\0';
    }

    bool match(const char* p, const char* s, int nesting)
    {
        if (nesting > maxStarNesting)
            return false;
        while (p < m_patternEnd && s < m_textEnd) {
            switch (*p) {
            case '*': {
                while (p + 1 < m_patternEnd && p[1] == '*')
                    ++p;
                if (p + 1 == m_patternEnd)
                    return true;
                for (; s < m_textEnd; ++s) {
                    if (match(p + 1, s, nesting + 1))
                        return true;
                    if (m_skipLongerMatches)
                        return false;
                }
                // The rest of the pattern matches nowhere in the rest of the text, so no earlier '*'
                // can help by swallowing more: stop the whole search (keeps star-heavy patterns linear).
                m_skipLongerMatches = true;
                return false;
            }
            case '?':
                ++s;
                break;
            case '[': {
                ++p;
                const bool negate = at(p) == '^';
                if (negate)
                    ++p;
                bool matched = false;
                for (;;) {
                    const qsizetype left = m_patternEnd - p;
                    if (at(p) == '\\' && left >= 2) {
                        ++p;
                        if (*p == *s)
                            matched = true;
                    } else if (at(p) == ']') {
                        break;
                    } else if (left <= 0) {
                        --p; // unterminated set: the server steps back and ends the set here
                        break;
                    } else if (left >= 3 && p[1] == '-') {
                        int low = signedByte(p[0]);
                        int high = signedByte(p[2]);
                        if (low > high)
                            std::swap(low, high);
                        const int c = signedByte(*s);
                        p += 2;
                        if (c >= low && c <= high)
                            matched = true;
                    } else if (*p == *s) {
                        matched = true;
                    }
                    ++p;
                }
                if (negate)
                    matched = !matched;
                if (!matched)
                    return false;
                ++s;
                break;
            }
            case '\\':
                if (m_patternEnd - p >= 2)
                    ++p;
                [[fallthrough]];
            default:
                if (*p != *s)
                    return false;
                ++s;
                break;
            }
            ++p;
            if (s == m_textEnd) {
                while (p < m_patternEnd && *p == '*')
                    ++p;
                break;
            }
        }
        return p >= m_patternEnd && s == m_textEnd;
    }

    const char* m_pattern;
    const char* m_patternEnd;
    const char* m_textEnd;
    const char* m_text;
    bool m_skipLongerMatches = false;
};

} // namespace

bool redisGlobMatches(const QByteArray& pattern, const QByteArray& key)
{
    // SCAN skips matching for the pattern "*" alone, so it also returns the empty key, which the
    // matcher itself would not.
    if (pattern.size() == 1 && pattern.at(0) == '*')
        return true;
    return GlobMatcher(pattern, key).run();
}

QByteArray redisGlobLiteralPrefix(const QByteArray& pattern)
{
    QByteArray prefix;
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const char c = pattern.at(i);
        if (c == '*' || c == '?' || c == '[')
            break;
        if (c == '\\' && i + 1 < pattern.size())
            ++i;
        prefix.append(pattern.at(i));
    }
    return prefix;
}

bool redisGlobIsLiteral(const QByteArray& pattern)
{
    for (qsizetype i = 0; i < pattern.size(); ++i) {
        const char c = pattern.at(i);
        if (c == '*' || c == '?' || c == '[')
            return false;
        if (c == '\\')
            ++i;
    }
    return true;
}

RedisGlob::RedisGlob(QByteArray pattern)
    : m_pattern(std::move(pattern))
{
    qsizetype first = 0;
    qsizetype last = m_pattern.size();
    while (first < last && m_pattern.at(first) == '*')
        ++first;
    while (last > first && m_pattern.at(last - 1) == '*')
        --last;
    const QByteArrayView middle = QByteArrayView(m_pattern).sliced(first, last - first);
    // Only bytes that stand for themselves; an escape, a set or a '?' (or nothing but stars) takes the full matcher.
    const bool plain = !middle.isEmpty() && middle.indexOf('\\') < 0 && middle.indexOf('?') < 0
        && middle.indexOf('[') < 0 && middle.indexOf(']') < 0 && middle.indexOf('*') < 0;
    if (!plain) {
        // Without sets or escapes, the bytes between the wildcards stand for themselves: a match contains each run.
        if (m_pattern.contains('[') || m_pattern.contains('\\'))
            return;
        qsizetype runStart = 0;
        for (qsizetype i = 0; i <= m_pattern.size(); ++i) {
            if (i < m_pattern.size() && m_pattern.at(i) != '*' && m_pattern.at(i) != '?')
                continue;
            if (i - runStart > m_literal.size())
                m_literal = m_pattern.sliced(runStart, i - runStart);
            runStart = i + 1;
        }
        return;
    }
    m_literal = middle.toByteArray();
    const bool leadingStar = first > 0;
    const bool trailingStar = last < m_pattern.size();
    m_shape =
        leadingStar ? (trailingStar ? Shape::Infix : Shape::Suffix) : (trailingStar ? Shape::Prefix : Shape::Exact);
}

bool RedisGlob::matches(QByteArrayView key) const
{
    switch (m_shape) {
    case Shape::Exact:
        return key == QByteArrayView(m_literal);
    case Shape::Prefix:
        return key.startsWith(m_literal);
    case Shape::Suffix:
        return key.endsWith(m_literal);
    case Shape::Infix:
        return key.indexOf(m_literal) >= 0;
    case Shape::General:
        if (!m_literal.isEmpty() && key.indexOf(m_literal) < 0)
            return false;
        break;
    }
    return redisGlobMatches(m_pattern, QByteArray::fromRawData(key.data(), key.size()));
}

} // namespace cachescope::model
