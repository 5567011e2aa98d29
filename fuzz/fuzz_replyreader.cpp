// Any bytes from a "server": the reader yields replies or a protocol error, never crashes or allocates what a
// hostile length asks for; feeding the same bytes in two pieces gives the same replies as in one.
#include "model/displaybytes.h"
#include "redis/replyreader.h"

#include <QList>

#include <cstdint>
#include <cstdlib>

namespace {
QList<QByteArray> drain(cachescope::redis::ReplyReader& reader, bool* failed)
{
    QList<QByteArray> shapes;
    cachescope::redis::Reply reply;
    for (;;) {
        const auto status = reader.next(&reply);
        if (status == cachescope::redis::ReplyReader::Status::HaveReply) {
            shapes.append(cachescope::model::displayBytes(reply.isString() ? reply.bytes() : QByteArray()).toUtf8()
                + '/' + QByteArray::number(reply.isArray() ? reply.elements().size() : -1));
            continue;
        }
        *failed = status == cachescope::redis::ReplyReader::Status::Error;
        return shapes;
    }
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const char* bytes = reinterpret_cast<const char*>(data);
    cachescope::redis::ReplyReader whole;
    whole.feed(bytes, qsizetype(size));
    bool wholeFailed = false;
    const QList<QByteArray> wholeReplies = drain(whole, &wholeFailed);

    cachescope::redis::ReplyReader split;
    const size_t half = size / 2;
    bool splitFailed = false;
    split.feed(bytes, qsizetype(half));
    QList<QByteArray> splitReplies = drain(split, &splitFailed);
    if (!splitFailed) {
        split.feed(bytes + half, qsizetype(size - half));
        splitReplies += drain(split, &splitFailed);
    }
    if (wholeFailed != splitFailed || (!wholeFailed && wholeReplies != splitReplies))
        std::abort();
    return 0;
}
