#pragma once

#include "redis/reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>
#include <QString>

namespace cachescope::redis {

// A walk over a whole keyspace, node by node, page by page: what the key browser and `cachectl keys` receive,
// whether the walk runs on the receiver's thread (KeyspaceScan) or on a thread and connection of its own
// (BackgroundScan). The signals are declared once, here.
class KeyspaceWalk : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual void start() = 0;
    // No page is reported after this returns.
    virtual void cancel() = 0;
    virtual bool isRunning() const = 0;
    virtual qint64 keysReceived() const = 0;
    // The share of the keyspace walked so far, 0 to 1: the nodes' shares (ScanIterator::walkedShare) averaged, a
    // finished node counting 1. With MATCH it is the only measure of progress.
    virtual double walkedShare() const = 0;

Q_SIGNALS:
    void nodeStarted(int index, int count, const QString& description);
    void nodeFinished(int index, qint64 keys);
    void page(const QList<QByteArray>& keys);
    void finished();
    void failed(const cachescope::redis::Reply& error);
};

} // namespace cachescope::redis
