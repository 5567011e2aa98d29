#include "redis/replyreader.h"

#include <hiredis/read.h>

#include <algorithm>
#include <new>

namespace cachescope::redis {

using namespace Qt::StringLiterals;

namespace {

// A child is appended to its parent's element vector as it arrives (hiredis builds in order), never sized to
// the declared length: "*7999999\r\n*7999999\r\n" would otherwise cost half a gigabyte per level before any
// element is sent. Appending is safe for the pointers hiredis keeps: it holds only the arrays still being read,
// one per level, and an array's vector grows only while none of its children is being read. The root is on the
// heap, freed by hiredis or handed back by next() to be reused for the next reply (the reader's privdata points
// to that spare), so a reply costs no allocation of its own.
void* place(const redisReadTask* task, Reply&& reply) noexcept
{
    try {
        if (task->parent) {
            std::vector<Reply>& siblings = static_cast<Reply*>(task->parent->obj)->elements();
            if (static_cast<std::size_t>(task->idx) != siblings.size())
                return nullptr; // not in order: no reply hiredis builds
            return &siblings.emplace_back(std::move(reply));
        }
        if (auto* spare = static_cast<std::unique_ptr<Reply>*>(task->privdata); spare && *spare) {
            Reply* root = spare->release();
            *root = std::move(reply);
            return root;
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

constexpr std::size_t initialArrayCapacity = 1024; // one allocation for a typical page or pipeline

void* createArray(const redisReadTask* task, int elements) noexcept
{
    if (elements < 0 || elements > ReplyReader::maxArrayElements)
        return nullptr;
    try {
        Reply array = Reply::array(0);
        array.elements().reserve(std::min(static_cast<std::size_t>(elements), initialArrayCapacity));
        return place(task, std::move(array));
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
    m_reader->privdata = &m_spareRoot;
}

ReplyReader::~ReplyReader() = default;

void ReplyReader::feed(const char* data, qsizetype size)
{
    if (m_unfedFrom > 0) {
        m_unfed.remove(0, m_unfedFrom);
        m_unfedFrom = 0;
    }
    m_unfed.append(data, size);
}

void ReplyReader::feed(QByteArray bytes)
{
    if (m_unfedFrom >= m_unfed.size()) {
        m_unfed = std::move(bytes);
        m_unfedFrom = 0;
    } else {
        feed(bytes.constData(), bytes.size());
    }
}

ReplyReader::Status ReplyReader::next(Reply* reply)
{
    for (;;) {
        void* object = nullptr;
        if (redisReaderGetReply(m_reader.get(), &object) != REDIS_OK)
            return Status::Error;
        if (object) {
            std::unique_ptr<Reply> owned(static_cast<Reply*>(object));
            *reply = std::move(*owned);
            m_spareRoot = std::move(owned);
            return Status::HaveReply;
        }
        if (m_unfedFrom >= m_unfed.size()) {
            m_unfed.clear();
            m_unfedFrom = 0;
            return Status::NeedMoreData;
        }
        const qsizetype slice = std::min(feedSlice, m_unfed.size() - m_unfedFrom);
        // On failure the reader records the error and the next redisReaderGetReply reports it.
        redisReaderFeed(m_reader.get(), m_unfed.constData() + m_unfedFrom, static_cast<size_t>(slice));
        m_unfedFrom += slice;
    }
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
