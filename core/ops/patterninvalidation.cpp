#include "ops/patterninvalidation.h"

#include "model/displaybytes.h"
#include "model/redisglob.h"
#include "model/reservedkeys.h"
#include "redis/connection.h"
#include "redis/keyslot.h"

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
} // namespace

std::optional<QString> PatternInvalidation::refusal(
    const QByteArray& pattern, const QList<QByteArray>& protectedPatterns)
{
    if (pattern.isEmpty())
        return u"an empty pattern matches nothing; use '*' to mean every key"_s;
    // A pattern whose fixed start lies inside a protected namespace can only match protected keys.
    const QByteArray prefix = model::redisGlobLiteralPrefix(pattern);
    for (const QByteArray& guarded : withBuiltins(protectedPatterns)) {
        const QByteArray guardedPrefix = model::redisGlobLiteralPrefix(guarded);
        if (!guardedPrefix.isEmpty() && prefix.startsWith(guardedPrefix))
            return u"'%1' is inside the protected namespace '%2'"_s.arg(
                model::displayBytes(pattern), model::displayBytes(guarded));
    }
    return std::nullopt;
}

PatternInvalidation::PatternInvalidation(
    redis::Connection* connection, QByteArray pattern, Options options, QObject* parent)
    : QObject(parent)
    , m_connection(connection)
    , m_options(std::move(options))
    , m_scan(connection, {pattern, m_options.scanCount, {}})
{
    m_options.protectedPatterns = withBuiltins(m_options.protectedPatterns);
    m_progress.pattern = std::move(pattern);
    m_progress.dryRun = m_options.dryRun;
    connect(&m_scan, &redis::ScanIterator::page, this, &PatternInvalidation::onPage);
    connect(&m_scan, &redis::ScanIterator::finished, this, &PatternInvalidation::onScanDone);
    connect(&m_scan, &redis::ScanIterator::failed, this, &PatternInvalidation::fail);
}

void PatternInvalidation::start(const QByteArray& cursor)
{
    if (const auto why = refusal(m_progress.pattern, m_options.protectedPatterns)) {
        fail(redis::Reply::clientError(redis::ErrorKind::Generic, *why));
        return;
    }
    m_scan.start(cursor);
}

void PatternInvalidation::cancel()
{
    if (m_progress.finished)
        return;
    m_scan.cancel();
    m_progress.cancelled = true;
    m_progress.resumeCursor = m_scan.cursor();
    m_scanDone = true;
    finishIfDone();
}

bool PatternInvalidation::isProtected(const QByteArray& key) const
{
    return std::any_of(m_options.protectedPatterns.cbegin(), m_options.protectedPatterns.cend(),
        [&key](const QByteArray& guarded) { return model::redisGlobMatches(guarded, key); });
}

void PatternInvalidation::onPage(const QList<QByteArray>& keys)
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
    m_progress.resumeCursor = m_scan.cursor();
    if (!m_options.dryRun && !doomed.isEmpty() && m_connection) {
        if (m_options.expireSeconds)
            sendExpire(doomed);
        else
            sendUnlink(std::move(doomed));
    }
    Q_EMIT progressed(m_progress);
}

void PatternInvalidation::sendUnlink(QList<QByteArray> keys)
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

void PatternInvalidation::sendUnlinkBatch(QList<QByteArray> keys)
{
    onWriteSent();
    const qint64 sent = keys.size();
    keys.prepend("UNLINK");
    QElapsedTimer clock;
    clock.start();
    m_connection->command(keys, this, [this, sent, clock](const redis::Reply& reply) {
        if (reply.isInteger())
            m_progress.deleted += reply.integer();
        else
            onWriteFailed(reply, sent);
        onWriteDone(clock.nsecsElapsed());
        Q_EMIT progressed(m_progress);
        finishIfDone();
    });
}

void PatternInvalidation::onWriteSent()
{
    if (++m_writesInFlight >= m_options.maxWritesInFlight)
        m_scan.pause();
}

void PatternInvalidation::onWriteDone(qint64 latencyNs)
{
    --m_writesInFlight;
    const qint64 guardNs = std::chrono::nanoseconds(m_options.latencyGuard).count();
    if (latencyNs > guardNs)
        m_scan.setCount(std::max(m_options.minScanCount, m_scan.count() / 2));
    else if (latencyNs < guardNs / 4)
        m_scan.setCount(std::min(m_options.maxScanCount, m_scan.count() * 2));
    if (m_writesInFlight < m_options.maxWritesInFlight && !m_scanDone)
        m_scan.resume();
}

void PatternInvalidation::sendExpire(const QList<QByteArray>& keys)
{
    // EXPIRE takes one key: one pipelined command per key, counted as a batch so finishing waits for all.
    onWriteSent();
    auto remaining = std::make_shared<qsizetype>(keys.size());
    QElapsedTimer clock;
    clock.start();
    const QByteArray seconds = QByteArray::number(*m_options.expireSeconds);
    for (const QByteArray& key : keys) {
        QList<QByteArray> args {"EXPIRE", key, seconds};
        if (m_options.onlyShorten)
            args.append("LT");
        m_connection->command(args, this, [this, remaining, clock](const redis::Reply& reply) {
            if (reply.isInteger())
                m_progress.deleted += reply.integer(); // 0: the key is gone, or LT kept a shorter TTL
            else
                onWriteFailed(reply, 1);
            if (--*remaining > 0)
                return;
            onWriteDone(clock.nsecsElapsed());
            Q_EMIT progressed(m_progress);
            finishIfDone();
        });
    }
}

void PatternInvalidation::onWriteFailed(const redis::Reply& reply, qint64 lostWrites)
{
    if (reply.errorKind() == redis::ErrorKind::ConnectionLost || reply.errorKind() == redis::ErrorKind::Timeout)
        m_progress.unconfirmed += lostWrites;
    if (!m_progress.error)
        m_progress.error = reply;
    m_scan.cancel();
    m_scanDone = true;
}

void PatternInvalidation::onScanDone()
{
    m_scanDone = true;
    m_progress.resumeCursor.clear();
    finishIfDone();
}

void PatternInvalidation::fail(const redis::Reply& error)
{
    if (!m_progress.error)
        m_progress.error = error;
    m_scanDone = true;
    finishIfDone();
}

void PatternInvalidation::finishIfDone()
{
    if (!m_scanDone || m_writesInFlight > 0 || m_progress.finished)
        return;
    m_progress.finished = true;
    Q_EMIT finished(m_progress);
}

} // namespace cachescope::ops
