#pragma once

#include "ops/audit/audit.h"

#include <QByteArray>
#include <QList>
#include <QString>

#include <functional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// Follows the audit stream: each read returns the records after the last one seen, oldest first.
//
// Reading must not show in the hit rate we chart. The server counts an XRANGE as a hit when the stream exists,
// even when the range is empty, while an empty reply is counted by us as a miss (redis/ownlookups.h): the charts
// would show one hit per poll that no gateway made. So a read starts at a record that exists (inclusive) and
// drops it; its reply is empty only when the stream is gone. A position that names no record (a time, or a record
// deleted since) is first tied to the newest record by XREVRANGE + - COUNT 1, whose reply is empty only when the
// stream is gone too.
class AuditFollower
{
public:
    // Records after `after` (a stream id, "<ms>-<seq>") are new; it need not name a record.
    explicit AuditFollower(QByteArray after = "0-0");

    // `more` when a full page came: the caller may read again at once. The position moves only on success.
    using Callback = std::function<void(const QList<AuditRecord>& records, bool more, const QString& error)>;
    void read(redis::Client& client, int pageSize, const QObject* context, Callback callback);

    const QByteArray& after() const
    {
        return m_after;
    }
    // `namesRecord`: `after` is the id of a record the stream holds (the newest, just read).
    void setAfter(QByteArray after, bool namesRecord = false);

private:
    void readFrom(redis::Client& client, int pageSize, const QObject* context, Callback callback);

    QByteArray m_after;
    bool m_namesRecord = false; // m_after is the id of a record the stream held when last read ("0-0" counts)
};

} // namespace cachescope::ops
