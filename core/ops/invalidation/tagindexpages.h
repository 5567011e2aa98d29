#pragma once

#include "redis/keypages.h"
#include "redis/reply.h"

#include <QPointer>
#include <QSet>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// The members of a cache-manager tag index (model::tagKey), handed out a page at a time like a SCAN, so the
// paced invalidation engine walks a tag as it walks a pattern. The index is read whole first (ZSCAN pages, each a
// keyspace lookup counted like any other) and then paged from memory: paging the live index by rank would skip
// members whenever a gateway prunes expired ones meanwhile. A tenant's index lists its venues (model/tagindexmember.h):
// their indexes are read too, and the tenant's keys kept. With liveOnly, members whose score (the entry's expiry)
// has passed are left out: a dry run counts the entries that are still there; a real run UNLINKs every member,
// since UNLINK's reply only counts the keys that still exist.
class TagIndexPages : public redis::KeyPages
{
    Q_OBJECT
public:
    TagIndexPages(redis::Client* client, QByteArray tag, bool liveOnly, QObject* parent = nullptr);

    void start(const QByteArray& cursor = "0") override;
    void cancel() override;
    void pause() override;
    void resume() override;
    void setCount(int count) override
    {
        m_count = std::max(1, count);
    }
    int count() const override
    {
        return m_count;
    }
    QByteArray cursor() const override
    {
        return {}; // a tag is walked whole again: its members are read at once
    }

private:
    static constexpr int membersPerRead = 1000; // ZSCAN's COUNT hint
    // `own`: m_tag's index itself, else one it references (even if a writer made it name m_tag again).
    void readPage(const QByteArray& indexTag, const QByteArray& cursor, bool own);
    void readNextReferences();
    // Adds the keys one ZSCAN page (member, score, …) of `indexTag`'s index lists (those of m_tag only when it is not
    // `own`, but a referenced index), and the references of its own.
    void readMembers(const std::vector<redis::Reply>& elements, const QByteArray& indexTag, bool own);
    void scheduleDelivery();
    void deliver();

    QPointer<redis::Client> m_client;
    QByteArray m_tag;
    bool m_liveOnly = false;
    int m_count = 500;
    QList<QByteArray> m_members;
    QSet<QByteArray> m_seen;
    QList<QByteArray> m_references; // the tags a tenant's index names, read in turn
    QSet<QByteArray> m_referencesSeen;
    qsizetype m_nextReference = 0;
    qsizetype m_referencesPending = 0;
    qsizetype m_next = 0;
    bool m_running = false;
    bool m_cancelled = false;
    bool m_loaded = false;
    bool m_paused = false;
    bool m_deliveryQueued = false;
};

} // namespace cachescope::ops
