#pragma once

#include "ops/invalidation/pacedinvalidation.h"

#include <QMetaObject>
#include <QPointer>

#include <memory>
#include <vector>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// Pattern invalidation over a client's whole keyspace: one PacedInvalidation per node, all running at once —
// on a single server that is just one; on a cluster, one per master, each SCANning its own node and UNLINKing
// per hash slot (multi-key commands must not cross slots). Progress is the sum over the nodes, and per node for
// a detailed view; the result is exact, as on a single server. With PacedInvalidation::Options::tag it walks that
// tag's index instead, once, through the client.
class KeyspaceInvalidation : public QObject
{
    Q_OBJECT
public:
    KeyspaceInvalidation(
        redis::Client* client, QByteArray pattern, PacedInvalidation::Options options, QObject* parent = nullptr);
    ~KeyspaceInvalidation() override;

    // Waits for the client to be ready if it is not yet (a cluster learns its nodes then). On a single server,
    // `cursor` resumes an earlier run (see InvalidationProgress::resumeCursor).
    void start(const QByteArray& cursor = "0");
    void cancel();

    const InvalidationProgress& progress() const
    {
        return m_total;
    }
    // Each node's description ("127.0.0.1:7000 (slots 0-5460)") and its own progress.
    QList<std::pair<QString, InvalidationProgress>> perNode() const;

Q_SIGNALS:
    void progressed(const cachescope::ops::InvalidationProgress& total);
    void finished(const cachescope::ops::InvalidationProgress& total);

private:
    void begin(const QByteArray& cursor);
    void finishWith(redis::Reply error);
    void update();

    QPointer<redis::Client> m_client;
    QByteArray m_pattern;
    PacedInvalidation::Options m_options;
    std::vector<std::unique_ptr<PacedInvalidation>> m_jobs;
    QStringList m_nodeNames;
    bool m_starting = false; // waiting for the client to know its nodes
    std::size_t m_started = 0; // jobs started so far (PacedInvalidation::Options::maxParallelNodes)
    InvalidationProgress m_total;
    bool m_cancelled = false;
};

} // namespace cachescope::ops
