#include "ops/invalidation/pacedinvalidation.h"

#include "model/displaybytes.h"
#include "model/gatewaykey.h"
#include "model/redisglob.h"
#include "model/reservedkeys.h"
#include "model/tagindexmember.h"
#include "ops/invalidation/entryttl.h"
#include "ops/invalidation/tagindexpages.h"
#include "redis/client.h"
#include "redis/keyslot.h"
#include "redis/scaniterator.h"

#include <QElapsedTimer>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

namespace {
QList<QByteArray> withBuiltins(QList<QByteArray> patterns)
{
    for (const QByteArray& builtin : model::builtinProtectedPatterns()) {
        if (!patterns.contains(builtin))
            patterns.append(builtin);
    }
    return patterns;
}

// "prefix*": a literal prefix and one star, not escaped, at the end: every key that starts with the prefix. (With the
// star escaped the whole pattern is literal: one key.)
bool isNamespacePattern(const QByteArray& guarded)
{
    return guarded.endsWith('*') && !model::redisGlobIsLiteral(guarded) && model::redisGlobIsLiteral(guarded.chopped(1));
}
} // namespace

std::optional<QString> PacedInvalidation::refusal(const QByteArray& pattern, const QList<QByteArray>& protectedPatterns)
{
    if (pattern.isEmpty())
        return u"an empty pattern matches nothing; use '*' to mean every key"_s;
    // A pattern whose fixed start lies inside a protected namespace ("prefix*") can only match protected keys. Other
    // protected patterns (one key, a class such as session:[ab]) hold only part of what a pattern with the same start
    // matches: the walk leaves those keys alone one by one, and deletes the rest.
    const QByteArray prefix = model::redisGlobLiteralPrefix(pattern);
    for (const QByteArray& guarded : withBuiltins(protectedPatterns)) {
        const QByteArray guardedPrefix = model::redisGlobLiteralPrefix(guarded);
        if (!guardedPrefix.isEmpty() && isNamespacePattern(guarded) && prefix.startsWith(guardedPrefix))
            return u"'%1' is inside the protected namespace '%2'"_s.arg(
                model::displayBytes(pattern), model::displayBytes(guarded));
    }
    return std::nullopt;
}

QString InvalidationProgress::describeTarget() const
{
    return tag.isEmpty() ? model::displayBytes(pattern) : u"tag "_s + model::displayBytes(tag);
}

std::optional<QString> PacedInvalidation::tagRefusal(const QByteArray& tag)
{
    if (tag.isEmpty())
        return u"an empty tag names no index"_s;
    return std::nullopt;
}

PacedInvalidation::PacedInvalidation(redis::Client* client, QByteArray pattern, Options options, QObject* parent)
    : QObject(parent)
    , m_connection(client)
    , m_options(std::move(options))
{
    m_options.protectedPatterns = withBuiltins(m_options.protectedPatterns);
    m_progress.dryRun = m_options.dryRun;
    if (m_options.tag.isEmpty()) {
        m_progress.pattern = std::move(pattern);
        m_scan = std::make_unique<redis::ScanIterator>(
            client, redis::ScanOptions {m_progress.pattern, m_options.scanCount, {}});
    } else {
        // Fixed pages: the members are in memory already, and a page of this size is a quick UNLINK (bounded in
        // flight like any other), never one huge command for a tag with a million entries.
        m_options.scanCount = m_options.minScanCount = m_options.maxScanCount = tagPageSize;
        m_options.groupBySlot = false; // the client splits per slot, for members may live on any node
        m_progress.tag = m_options.tag;
        m_scan = std::make_unique<TagIndexPages>(client, m_options.tag, m_options.dryRun);
        m_scan->setCount(m_options.scanCount);
    }
    connect(m_scan.get(), &redis::KeyPages::page, this, &PacedInvalidation::onPage);
    connect(m_scan.get(), &redis::KeyPages::finished, this, &PacedInvalidation::onScanDone);
    connect(m_scan.get(), &redis::KeyPages::failed, this, &PacedInvalidation::fail);
}

PacedInvalidation::~PacedInvalidation() = default;

void PacedInvalidation::start(const QByteArray& cursor)
{
    const auto why =
        m_options.tag.isEmpty() ? refusal(m_progress.pattern, m_options.protectedPatterns) : tagRefusal(m_options.tag);
    if (why) {
        fail(redis::Reply::clientError(redis::ErrorKind::Generic, *why));
        return;
    }
    m_scan->start(cursor);
}

void PacedInvalidation::cancel()
{
    if (m_progress.finished)
        return;
    m_scan->cancel();
    m_progress.cancelled = true;
    m_progress.resumeCursor = m_scan->cursor();
    m_scanDone = true;
    finishIfDone();
}

bool PacedInvalidation::isProtected(const QByteArray& key) const
{
    return std::any_of(m_options.protectedPatterns.cbegin(), m_options.protectedPatterns.cend(),
        [&key](const QByteArray& guarded) { return model::redisGlobMatches(guarded, key); });
}

void PacedInvalidation::onPage(const QList<QByteArray>& keys)
{
    QList<QByteArray> doomed;
    doomed.reserve(keys.size());
    for (const QByteArray& key : keys) {
        ++m_progress.scanned;
        if (isProtected(key)) {
            ++m_progress.skippedProtected;
            continue;
        }
        if (m_options.keyFilter && !m_options.keyFilter(key))
            continue;
        // SCAN may repeat a key; the dry run counts distinct keys (by 64-bit hash), a real run leaves that to
        // UNLINK's reply so its memory stays flat however many keys match.
        if (m_options.dryRun) {
            const size_t hash = qHash(key, size_t(0x9e3779b97f4a7c15ULL));
            if (m_seen.contains(hash))
                continue;
            m_seen.insert(hash);
        }
        ++m_progress.matched;
        if (m_progress.sample.size() < m_options.sampleSize)
            m_progress.sample.append(key);
        doomed.append(key);
    }
    m_progress.resumeCursor = m_scan->cursor();
    if (!doomed.isEmpty() && m_connection) {
        if (m_options.expireSeconds)
            sendExpire(doomed); // a dry run too: whether a TTL would change is the server's to say
        else if (!m_options.dryRun)
            sendUnlink(std::move(doomed));
    }
    Q_EMIT progressed(m_progress);
}

void PacedInvalidation::sendUnlink(QList<QByteArray> keys)
{
    if (m_options.groupBySlot) {
        QHash<int, QList<QByteArray>> bySlot;
        for (const QByteArray& key : std::as_const(keys))
            bySlot[redis::keySlot(key)].append(key);
        if (bySlot.size() > 1) {
            for (auto& group : bySlot)
                sendUnlinkBatch(std::move(group));
            return;
        }
    }
    sendUnlinkBatch(std::move(keys));
}

QList<QList<QByteArray>> gatewayTagRemovals(const QList<QByteArray>& keys, const QByteArray& exceptTag)
{
    QHash<QByteArray, QList<QByteArray>> members; // index key → the members that list the deleted keys
    for (const QByteArray& key : keys) {
        const std::optional<model::GatewayKey> parsed = model::parseGatewayKey(key);
        if (!parsed)
            continue;
        // The run's own index is dropped whole at its end. A tenant's reference to a venue may stand for other keys
        // too, and leads to none of the tenant's once its venue's index has lost them.
        std::optional<model::TagIndexWrite> listing = model::ownListing(key, *parsed);
        if (listing && listing->tag != exceptTag)
            members[model::tagKey(listing->tag)].append(std::move(listing->member));
    }
    QList<QList<QByteArray>> commands;
    for (auto it = members.begin(); it != members.end(); ++it)
        commands.append(QList<QByteArray> {"ZREM", it.key()} + it.value());
    return commands;
}

void PacedInvalidation::sendUnlinkBatch(QList<QByteArray> keys)
{
    onWriteSent();
    const qint64 sent = keys.size();
    // The venue's and tenant's tag indexes lose the members whose keys this run deletes (a tag run drops its own
    // index at the end instead; a tenant's run still empties the venue indexes that listed its keys). A tenant's
    // reference to a venue stays until it expires: it then leads to no key of the tenant. Not on a cluster's node
    // connection: an index may live on another master.
    const QList<QList<QByteArray>> tagRemovals =
        !m_options.groupBySlot ? gatewayTagRemovals(keys, m_options.tag) : QList<QList<QByteArray>>();
    keys.prepend("UNLINK");
    QElapsedTimer clock;
    clock.start();
    m_connection->command(keys, this, [this, sent, clock, tagRemovals](const redis::Reply& reply) {
        if (reply.isInteger()) {
            m_progress.deleted += reply.integer();
            for (const QList<QByteArray>& removal : tagRemovals)
                m_connection->command(removal, nullptr, nullptr); // best effort: a stale member is pruned later
        } else
            onWriteFailed(reply, sent);
        onWriteDone(clock.nsecsElapsed());
        Q_EMIT progressed(m_progress);
        finishIfDone();
    });
}

void PacedInvalidation::onWriteSent()
{
    m_peakWritesInFlight = std::max(m_peakWritesInFlight, ++m_writesInFlight);
    if (m_writesInFlight >= m_options.maxWritesInFlight)
        m_scan->pause();
}

void PacedInvalidation::onWriteDone(qint64 latencyNs)
{
    --m_writesInFlight;
    const qint64 guardNs = std::chrono::nanoseconds(m_options.latencyGuard).count();
    if (latencyNs > guardNs)
        m_scan->setCount(std::max(m_options.minScanCount, m_scan->count() / 2));
    else if (latencyNs < guardNs / 4)
        m_scan->setCount(std::min(m_options.maxScanCount, m_scan->count() * 2));
    if (m_writesInFlight < m_options.maxWritesInFlight && !m_scanDone)
        m_scan->resume();
}

void PacedInvalidation::sendExpire(const QList<QByteArray>& keys)
{
    // One key per script: one pipelined command per key, counted as a batch so finishing waits for all.
    onWriteSent();
    auto remaining = std::make_shared<qsizetype>(keys.size());
    QElapsedTimer clock;
    clock.start();
    const EntryTtlChange change {*m_options.expireSeconds, m_options.onlyShorten};
    for (const QByteArray& key : keys) {
        m_connection->command(
            entryTtlCommand(key, change, m_options.dryRun), this, [this, remaining, clock](const redis::Reply& reply) {
                // Not changed: the key is gone, it already had that expiry, or it expires sooner (onlyShorten).
                if (const auto changed = entryTtlChanged(reply))
                    (m_options.dryRun ? m_progress.wouldChange : m_progress.deleted) += *changed ? 1 : 0;
                else
                    onWriteFailed(reply.isError() ? reply
                                                  : redis::Reply::clientError(redis::ErrorKind::Protocol,
                                                      u"unexpected reply to the TTL script"_s),
                        m_options.dryRun ? 0 : 1);
                if (--*remaining > 0)
                    return;
                onWriteDone(clock.nsecsElapsed());
                Q_EMIT progressed(m_progress);
                finishIfDone();
            });
    }
}

void PacedInvalidation::onWriteFailed(const redis::Reply& reply, qint64 lostWrites)
{
    if (reply.errorKind() == redis::ErrorKind::ConnectionLost || reply.errorKind() == redis::ErrorKind::Timeout)
        m_progress.unconfirmed += lostWrites;
    if (!m_progress.error)
        m_progress.error = reply;
    m_scan->cancel();
    m_scanDone = true;
}

void PacedInvalidation::onScanDone()
{
    m_scanDone = true;
    m_progress.resumeCursor.clear();
    finishIfDone();
}

void PacedInvalidation::fail(const redis::Reply& error)
{
    if (!m_progress.error)
        m_progress.error = error;
    m_scanDone = true;
    finishIfDone();
}

bool PacedInvalidation::dropsTagIndex() const
{
    return !m_options.tag.isEmpty() && !m_options.dryRun && !m_options.expireSeconds && !m_progress.error
        && !m_progress.cancelled;
}

void PacedInvalidation::finishIfDone()
{
    if (!m_scanDone || m_writesInFlight > 0 || m_progress.finished)
        return;
    if (dropsTagIndex() && !m_indexDropSent && m_connection) {
        // Last, once every member's UNLINK was confirmed: not counted (it is not an entry), waited for so the run
        // ends with the index gone. A failure leaves it to expire with its longest-lived entry.
        m_indexDropSent = true;
        ++m_writesInFlight;
        m_connection->command({"UNLINK", model::tagKey(m_options.tag)}, this, [this](const redis::Reply&) {
            --m_writesInFlight;
            finishIfDone();
        });
        return;
    }
    m_progress.finished = true;
    Q_EMIT finished(m_progress);
}

} // namespace cachescope::ops
