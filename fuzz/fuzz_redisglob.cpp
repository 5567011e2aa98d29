// Pattern and key separated by the first NUL byte (none: the input is both). The matcher terminates on any
// input (nesting and backtracking are bounded), a match always starts with the pattern's literal prefix, and a
// pattern without metacharacters matches only its unescaped self. RedisGlob, the prepared form with its shortcuts for
// the usual shapes, answers exactly as the matcher does.
#include "model/redisglob.h"

#include <cstdint>
#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const QByteArray input(reinterpret_cast<const char*>(data), qsizetype(size));
    const qsizetype split = input.indexOf('\0');
    const QByteArray pattern = split < 0 ? input : input.first(split);
    const QByteArray key = split < 0 ? input : input.sliced(split + 1);
    const bool matches = cachescope::model::redisGlobMatches(pattern, key);
    if (matches && !key.startsWith(cachescope::model::redisGlobLiteralPrefix(pattern)))
        std::abort();
    // A pattern without metacharacters matches exactly one key: itself with its escapes resolved.
    if (cachescope::model::redisGlobIsLiteral(pattern) && !pattern.isEmpty()
        && matches != (key == cachescope::model::redisGlobLiteralPrefix(pattern)))
        std::abort();
    if (cachescope::model::RedisGlob(pattern).matches(key) != matches)
        std::abort();
    return 0;
}
