#include "ops/invalidation/keyspaceinvalidation.h"

#include "model/displaybytes.h"
#include "redis/client.h"
#include "redis/connection.h"

namespace cachescope::ops {

using namespace Qt::StringLiterals;

KeyspaceInvalidation::KeyspaceInvalidation(
    redis::Client* client, QByteArray pattern, PacedInvalidation::Options options, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_pattern(std::move(pattern))
    , m_options(std::move(options))
{
    m_total.pattern = m_pattern;
    m_total.tag = m_options.tag;
    m_total.dryRun = m_options.dryRun;
}

KeyspaceInvalidation::~KeyspaceInvalidation() = default;

void KeyspaceInvalidation::start(const QByteArray& cursor)
{
    const auto why = m_options.tag.isEmpty() ? PacedInvalidation::refusal(m_pattern, m_options.protectedPatterns)
                                             : PacedInvalidation::tagRefusal(m_options.tag);
    if (why) {
        finishWith(redis::Reply::clientError(redis::ErrorKind::Generic, *why));
        return;
    }
    m_starting = true;
    whenNodesKnown(m_client, this, [this, cursor](const QString& error) {
        m_starting = false;
        if (m_total.finished)
            return; // cancelled meanwhile
        if (!error.isEmpty())
            finishWith(redis::Reply::clientError(redis::ErrorKind::NotConnected, error));
        else
            begin(cursor);
    });
}

void KeyspaceInvalidation::finishWith(redis::Reply error)
{
    m_total.error = std::move(error);
    m_total.cancelled = m_cancelled;
    m_total.finished = true;
    QMetaObject::invokeMethod(
        this, [this] { Q_EMIT finished(m_total); }, Qt::QueuedConnection);
}

void KeyspaceInvalidation::begin(const QByteArray& cursor)
{
    if (m_cancelled) {
        finishWith(redis::Reply::clientError(redis::ErrorKind::Cancelled, u"cancelled"_s));
        return;
    }
    PacedInvalidation::Options options = m_options;
    options.groupBySlot = m_client->isCluster();
    // A pattern is SCANned on every node; a tag's index is one key, read through the client, which sends each
    // member's UNLINK where it lives.
    QList<redis::Client*> nodes;
    if (m_options.tag.isEmpty()) {
        for (redis::Connection* node : m_client->nodes())
            nodes.append(node);
        for (qsizetype i = 0; i < nodes.size(); ++i)
            m_nodeNames.append(m_client->describeNode(int(i)));
    } else {
        nodes.append(m_client.data());
        m_nodeNames.append(u"the index of tag "_s + model::displayBytes(m_options.tag));
    }
    for (qsizetype i = 0; i < nodes.size(); ++i) {
        m_jobs.push_back(std::make_unique<PacedInvalidation>(nodes.at(i), m_pattern, options));
        connect(m_jobs.back().get(), &PacedInvalidation::progressed, this, &KeyspaceInvalidation::update);
        connect(m_jobs.back().get(), &PacedInvalidation::finished, this, [this] {
            // The next waiting node, unless cancelled (a node never started reports as finished with nothing).
            if (m_started < m_jobs.size() && !m_cancelled)
                m_jobs[m_started++]->start();
            update();
        });
    }
    const std::size_t parallel =
        m_options.maxParallelNodes > 0 ? std::size_t(m_options.maxParallelNodes) : m_jobs.size();
    for (std::size_t i = 0; i < m_jobs.size() && i < parallel; ++i)
        m_jobs[i]->start(m_jobs.size() == 1 ? cursor : QByteArray("0"));
    m_started = std::min(parallel, m_jobs.size());
}

void KeyspaceInvalidation::cancel()
{
    if (m_cancelled)
        return; // also when called again from a progress signal this very call emits
    m_cancelled = true;
    if (m_starting && !m_total.finished) {
        finishWith(redis::Reply::clientError(redis::ErrorKind::Cancelled, u"cancelled before it started"_s));
        return;
    }
    for (std::size_t i = 0; i < m_started; ++i)
        m_jobs[i]->cancel();
    update(); // nodes that never started are done now; the running ones report when they stop
}

QList<std::pair<QString, InvalidationProgress>> KeyspaceInvalidation::perNode() const
{
    QList<std::pair<QString, InvalidationProgress>> nodes;
    for (std::size_t i = 0; i < m_jobs.size(); ++i)
        nodes.append({m_nodeNames.value(qsizetype(i)), m_jobs[i]->progress()});
    return nodes;
}

void KeyspaceInvalidation::update()
{
    if (m_total.finished)
        return;
    InvalidationProgress total;
    total.pattern = m_pattern;
    total.tag = m_options.tag;
    total.dryRun = m_options.dryRun;
    bool allFinished = true;
    for (std::size_t i = 0; i < m_jobs.size(); ++i) {
        const InvalidationProgress& p = m_jobs[i]->progress();
        if (i >= m_started) { // waiting for its turn, or never to run after a cancel
            if (m_cancelled)
                total.cancelled = true;
            else
                allFinished = false;
            continue;
        }
        total.scanned += p.scanned;
        total.matched += p.matched;
        total.deleted += p.deleted;
        total.unconfirmed += p.unconfirmed;
        total.skippedProtected += p.skippedProtected;
        total.wouldChange += p.wouldChange;
        for (const QByteArray& key : p.sample) {
            if (total.sample.size() < m_options.sampleSize)
                total.sample.append(key);
        }
        if (p.error && !total.error)
            total.error = p.error;
        total.cancelled = total.cancelled || p.cancelled;
        allFinished = allFinished && p.finished;
    }
    if (m_jobs.size() == 1)
        total.resumeCursor = m_jobs.front()->progress().resumeCursor; // one cursor means nothing across nodes
    total.finished = allFinished;
    m_total = total;
    if (allFinished)
        Q_EMIT finished(m_total);
    else
        Q_EMIT progressed(m_total);
}

} // namespace cachescope::ops
