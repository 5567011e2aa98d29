#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>

#include "model/keygrouping.h"

namespace cachescope::ops {

// Counts of scanned keys grouped as the ops engineer thinks of them, by model::KeyGrouping — the grouping the
// dashboard's key tree uses: gateway responses by tenant, venue and route rule; service entries by namespace;
// CacheScope's own keys apart; the rest as "other". Holds counts, not keys, so its size depends on the number of
// groups and not on the keyspace. SCAN may report a key twice while the server rehashes,
// so counts of a scan that raced with a rehash can be a little high.
class KeyspaceSummary
{
public:
    // The label of a missing tenant or venue; chosen so it cannot be an escaped key component.
    static const QByteArray none;

    void add(const QByteArray& key);
    void add(const QList<QByteArray>& keys);

    qint64 total() const
    {
        return m_total;
    }
    qint64 gatewayTotal() const
    {
        return m_gatewayTotal;
    }
    qint64 serviceTotal() const
    {
        return m_serviceTotal;
    }
    qint64 otherTotal() const
    {
        return m_otherTotal;
    }
    qint64 cacheScopeTotal() const // CacheScope's own keys: stats, tag indexes, config, audit
    {
        return m_cacheScopeTotal;
    }

    using RouteCounts = QMap<QByteArray, qint64>; // route rule label ("GET /api/events/{id}") → count
    using VenueCounts = QMap<QByteArray, RouteCounts>;
    const QMap<QByteArray, VenueCounts>& gateway() const // tenant → venue → route → count
    {
        return m_gateway;
    }
    const QMap<QByteArray, qint64>& services() const // namespace → count
    {
        return m_services;
    }
    const QList<QByteArray>& otherSamples() const // the first few keys of unknown shape
    {
        return m_otherSamples;
    }

    QJsonObject toJson() const;

private:
    qint64 m_total = 0;
    qint64 m_gatewayTotal = 0;
    qint64 m_serviceTotal = 0;
    qint64 m_otherTotal = 0;
    qint64 m_cacheScopeTotal = 0;
    model::KeyGrouping m_grouping;
    QMap<QByteArray, VenueCounts> m_gateway;
    QMap<QByteArray, qint64> m_services;
    QList<QByteArray> m_otherSamples;
};

} // namespace cachescope::ops
