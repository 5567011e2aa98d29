#pragma once

#include "redis/reply.h"

#include <QString>

#include <memory>

struct redisReader;

namespace cachescope::redis {

// Incremental RESP2 parser: hiredis's reader, building our Reply tree directly through its
// object callbacks (no second copy of each reply). Bytes go in as they arrive; whole replies come out.
class ReplyReader
{
public:
    // Arrays longer than this are refused as a protocol error instead of allocating what a corrupt
    // or hostile length asks for.
    static constexpr int maxArrayElements = 8 * 1024 * 1024;

    ReplyReader();
    ~ReplyReader();
    ReplyReader(const ReplyReader&) = delete;
    ReplyReader& operator=(const ReplyReader&) = delete;

    void feed(const char* data, qsizetype size);

    enum class Status
    {
        HaveReply,
        NeedMoreData,
        Error, // the stream is unusable from here on; errorString() says why
    };
    Status next(Reply* reply);

    QString errorString() const;

private:
    struct ReaderDeleter
    {
        void operator()(redisReader* reader) const;
    };
    std::unique_ptr<redisReader, ReaderDeleter> m_reader;
};

} // namespace cachescope::redis
