#include "ops/invalidation/tagindexpages.h"

#include "model/reservedkeys.h"
#include "model/tagindexmember.h"
#include "redis/client.h"

#include <QDateTime>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

TagIndexPages::TagIndexPages(redis::Client* client, QByteArray tag, bool liveOnly, QObject* parent)
    : KeyPages(parent)
    , m_client(client)
    , m_tag(std::move(tag))
    , m_liveOnly(liveOnly)
{
}

void TagIndexPages::start(const QByteArray&)
{
    m_running = true;
    m_cancelled = false;
    m_loaded = false;
    m_paused = false;
    m_members.clear();
    m_seen.clear();
    m_references.clear();
    m_referencesSeen.clear();
    m_nextReference = 0;
    m_referencesPending = 0;
    m_next = 0;
    if (!m_client) {
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_running = false;
                Q_EMIT failed(redis::Reply::clientError(redis::ErrorKind::NotConnected, u"the connection is gone"_s));
            },
            Qt::QueuedConnection);
        return;
    }
    readPage(m_tag, "0", true);
}

void TagIndexPages::readPage(const QByteArray& indexTag, const QByteArray& cursor, bool own)
{
    // ZSCAN, not ZRANGE 0 -1: how big an index is is up to its writers, and one reply holds the server for as long as
    // it takes to build. A member present throughout is returned at least once, whatever gateways prune meanwhile.
    m_client->command({"ZSCAN", model::tagKey(indexTag), cursor, "COUNT", QByteArray::number(membersPerRead)}, this,
        [this, indexTag, own](const redis::Reply& reply) {
            if (!m_running)
                return;
            const bool wellFormed = reply.isArray() && reply.elements().size() == 2 && reply.elements()[1].isArray()
                && reply.elements()[1].elements().size() % 2 == 0;
            if (!wellFormed) {
                m_running = false;
                Q_EMIT failed(reply.isError() ? reply
                                              : redis::Reply::clientError(redis::ErrorKind::Protocol,
                                                  u"unexpected ZSCAN reply: "_s + reply.toDisplayString()));
                return;
            }
            readMembers(reply.elements()[1].elements(), indexTag, own);
            const QByteArray next = reply.elements()[0].bytes();
            if (next != "0") {
                readPage(indexTag, next, own);
                return;
            }
            if (!own)
                --m_referencesPending;
            // A tenant lists its venues; each venue's index lists its keys, of this tenant and maybe others. Read a
            // few at a time: how many references there are is up to the writers.
            readNextReferences();
        });
}

void TagIndexPages::readNextReferences()
{
    constexpr int maxReadsInFlight = 16;
    while (m_running && m_referencesPending < maxReadsInFlight && m_nextReference < m_references.size()) {
        ++m_referencesPending;
        readPage(m_references.at(m_nextReference++), "0", false);
    }
    if (m_running && m_referencesPending == 0 && m_nextReference >= m_references.size()) {
        m_loaded = true;
        scheduleDelivery();
    }
}

void TagIndexPages::readMembers(const std::vector<redis::Reply>& elements, const QByteArray& indexTag, bool own)
{
    const double now = double(QDateTime::currentMSecsSinceEpoch());
    m_members.reserve(m_members.size() + qsizetype(elements.size() / 2));
    for (std::size_t i = 0; i + 1 < elements.size(); i += 2) {
        if (m_liveOnly && elements[i + 1].bytes().toDouble() < now)
            continue;
        model::TagIndexEntry entry = model::decodeTagIndexMember(indexTag, elements[i].bytes());
        if (!entry.referencedTag.isEmpty()) {
            // One level only: a referenced index's own references are not this tag's. Once each, however often
            // ZSCAN returns it.
            if (own && !m_referencesSeen.contains(entry.referencedTag)) {
                m_referencesSeen.insert(entry.referencedTag);
                m_references.append(std::move(entry.referencedTag));
            }
            continue;
        }
        if (!own && !model::keyCarriesTag(entry.key, m_tag))
            continue;
        if (!m_seen.contains(entry.key)) { // listed directly and through a venue after a rewrite: once
            m_seen.insert(entry.key);
            m_members.append(std::move(entry.key));
        }
    }
}

void TagIndexPages::cancel()
{
    m_running = false;
    m_cancelled = true;
}

void TagIndexPages::pause()
{
    m_paused = true;
}

void TagIndexPages::resume()
{
    m_paused = false;
    scheduleDelivery();
}

void TagIndexPages::scheduleDelivery()
{
    // One page per event-loop pass, never from inside pause()/resume(): the receiver is mid-call then.
    if (m_deliveryQueued || !m_loaded || !m_running || m_paused)
        return;
    m_deliveryQueued = true;
    QMetaObject::invokeMethod(this, &TagIndexPages::deliver, Qt::QueuedConnection);
}

void TagIndexPages::deliver()
{
    m_deliveryQueued = false;
    if (!m_running || m_paused)
        return;
    const qsizetype size = std::min<qsizetype>(m_count, m_members.size() - m_next);
    const QList<QByteArray> keys = m_members.sliced(m_next, size);
    m_next += size;
    const bool done = m_next >= m_members.size();
    if (done)
        m_running = false;
    QPointer<TagIndexPages> self(this);
    if (!keys.isEmpty())
        Q_EMIT page(keys);
    if (!self || m_cancelled)
        return;
    if (done)
        Q_EMIT finished();
    else
        scheduleDelivery();
}

} // namespace cachescope::ops
