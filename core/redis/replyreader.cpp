#include "redis/replyreader.h"

#include <hiredis/read.h>

#include <new>

namespace cachescope::redis {

using namespace Qt::StringLiterals;

namespace {

// A child is built in place inside its parent's pre-sized element vector, so the pointer hiredis keeps for
// a nested array stays valid; only the root is heap-allocated and later freed by hiredis or by next().
void* place(const redisReadTask* task, Reply&& reply) noexcept
{
    try {
        if (task->parent) {
            auto* parent = static_cast<Reply*>(task->parent->obj);
            Reply& slot = parent->elements()[static_cast<std::size_t>(task->idx)];
            slot = std::move(reply);
            return &slot;
        }
        return new Reply(std::move(reply));
    } catch (const std::bad_alloc&) {
        return nullptr; // hiredis reports this as an out-of-memory error
    }
}

void* createString(const redisReadTask* task, char* data, size_t size) noexcept
{
    try {
        QByteArray bytes(data, static_cast<qsizetype>(size));
        switch (task->type) {
        case REDIS_REPLY_ERROR:
            return place(task, Reply::serverError(std::move(bytes)));
        case REDIS_REPLY_STATUS:
            return place(task, Reply::status(std::move(bytes)));
        default:
            return place(task, Reply::string(std::move(bytes)));
        }
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

void* createArray(const redisReadTask* task, int elements) noexcept
{
    if (elements < 0 || elements > ReplyReader::maxArrayElements)
        return nullptr;
    try {
        return place(task, Reply::array(static_cast<std::size_t>(elements)));
    } catch (const std::bad_alloc&) {
        return nullptr;
    }
}

void* createInteger(const redisReadTask* task, long long value) noexcept
{
    return place(task, Reply::integer(value));
}

void* createNil(const redisReadTask* task) noexcept
{
    return place(task, Reply::nil());
}

void freeObject(void* object) noexcept
{
    delete static_cast<Reply*>(object);
}

redisReplyObjectFunctions replyFunctions = {createString, createArray, createInteger, createNil, freeObject};

} // namespace

void ReplyReader::ReaderDeleter::operator()(redisReader* reader) const
{
    redisReaderFree(reader);
}

ReplyReader::ReplyReader()
    : m_reader(redisReaderCreateWithFunctions(&replyFunctions))
{
    if (!m_reader)
        throw std::bad_alloc();
}

ReplyReader::~ReplyReader() = default;

void ReplyReader::feed(const char* data, qsizetype size)
{
    // On failure the reader records the error and next() reports it.
    redisReaderFeed(m_reader.get(), data, static_cast<size_t>(size));
}

ReplyReader::Status ReplyReader::next(Reply* reply)
{
    void* object = nullptr;
    if (redisReaderGetReply(m_reader.get(), &object) != REDIS_OK)
        return Status::Error;
    if (!object)
        return Status::NeedMoreData;
    std::unique_ptr<Reply> owned(static_cast<Reply*>(object));
    *reply = std::move(*owned);
    return Status::HaveReply;
}

QString ReplyReader::errorString() const
{
    if (!m_reader->err)
        return QString();
    if (m_reader->err == REDIS_ERR_OOM)
        return u"reply too large or out of memory (arrays are limited to %1 elements)"_s.arg(maxArrayElements);
    return QString::fromUtf8(m_reader->errstr);
}

} // namespace cachescope::redis
