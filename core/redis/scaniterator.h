#pragma once

#include "redis/keypages.h"
#include "redis/reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QPointer>

namespace cachescope::redis {

class Client;

struct ScanOptions
{
    QByteArray match; // empty: every key
    int count = 1000; // the COUNT hint per page
    QByteArray type; // empty: every type (SCAN … TYPE needs Redis 6)
};

// Walks the keyspace with SCAN, one page in flight at a time (each page needs the previous cursor),
// reporting each page as it arrives. Keys can repeat across pages, as SCAN guarantees no better; a key that
// exists for the whole scan is reported at least once. The cursor can be saved and the scan resumed from it.
class ScanIterator : public KeyPages
{
    Q_OBJECT
public:
    ScanIterator(Client* connection, ScanOptions options, QObject* parent = nullptr);

    void start(const QByteArray& cursor = "0") override;
    // Stops after the page in flight, whose keys are then not reported.
    void cancel() override;
    // Back-pressure: while paused, no new page is asked for (the one in flight still arrives); resume() asks.
    void pause() override;
    void resume() override;
    // The COUNT hint for the pages asked for from now on (adaptive callers grow and shrink it).
    void setCount(int count) override
    {
        m_options.count = std::max(1, count);
    }
    int count() const override
    {
        return m_options.count;
    }

    bool isRunning() const
    {
        return m_running;
    }
    // The cursor to resume from: the one of the next page not yet reported.
    QByteArray cursor() const override
    {
        return m_cursor;
    }
    qint64 pagesReceived() const
    {
        return m_pages;
    }
    // How much of the node's keyspace the walk has covered, 0 to 1, from the cursor: SCAN counts through the hash
    // table's buckets in reversed-bit order, so the cursor's bits reversed, over 2^64, are the share of buckets
    // visited (Redis 7.0: one table per database). Known with MATCH too, where the keys returned say nothing.
    double walkedShare() const;
    qint64 keysReceived() const
    {
        return m_keys;
    }

private:
    void requestPage();
    void onReply(const Reply& reply);

    QPointer<Client> m_connection;
    ScanOptions m_options;
    QByteArray m_cursor = "0";
    bool m_walkedAll = false;
    bool m_running = false;
    bool m_paused = false;
    bool m_pageOwed = false; // a page is due but was held back by pause()
    quint64 m_request = 0; // identifies the page in flight, so a reply to a cancelled scan is ignored
    qint64 m_pages = 0;
    qint64 m_keys = 0;
};

} // namespace cachescope::redis
