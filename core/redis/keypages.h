#pragma once

#include "redis/reply.h"

#include <QByteArray>
#include <QList>
#include <QObject>

namespace cachescope::redis {

// Keys handed out a page at a time with back-pressure: what the paced invalidation engine walks, whether the keys
// come from SCAN (ScanIterator) or from a tag's index (ops::TagIndexPages).
class KeyPages : public QObject
{
    Q_OBJECT
public:
    using QObject::QObject;

    virtual void start(const QByteArray& cursor = "0") = 0;
    // Stops after the page in flight, whose keys are then not reported.
    virtual void cancel() = 0;
    // While paused no new page is handed out or asked for; resume() goes on.
    virtual void pause() = 0;
    virtual void resume() = 0;
    // The page size from now on (adaptive callers grow and shrink it).
    virtual void setCount(int count) = 0;
    virtual int count() const = 0;
    // Where a new walk can resume; empty when a walk cannot be resumed.
    virtual QByteArray cursor() const = 0;

Q_SIGNALS:
    void page(const QList<QByteArray>& keys);
    void finished();
    void failed(const cachescope::redis::Reply& error);
};

} // namespace cachescope::redis
