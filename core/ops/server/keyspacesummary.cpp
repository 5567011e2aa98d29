#include "ops/server/keyspacesummary.h"

#include "model/displaybytes.h"
#include "redis/reply.h"

#include <QJsonArray>

namespace cachescope::ops {

namespace {
constexpr qsizetype maxOtherSamples = 10;

QString label(const QByteArray& bytes)
{
    return model::displayBytes(bytes);
}
} // namespace

const QByteArray KeyspaceSummary::none = "(none)";

void KeyspaceSummary::add(const QByteArray& key)
{
    ++m_total;
    const model::KeyPlace place = m_grouping.place(key);
    switch (place.kind) {
    case model::KeyPlace::Kind::Gateway: {
        ++m_gatewayTotal;
        // Deep copies: the place shares the key's bytes, and the map outlives the key.
        const auto own = [](const std::optional<QByteArray>& label) {
            return label ? QByteArray(label->constData(), label->size()) : none;
        };
        ++m_gateway[own(place.tenant)][own(place.venue)][place.route];
        break;
    }
    case model::KeyPlace::Kind::Service:
        ++m_serviceTotal;
        ++m_services[QByteArray(place.serviceNamespace.constData(), place.serviceNamespace.size())];
        break;
    case model::KeyPlace::Kind::CacheScope:
        ++m_cacheScopeTotal;
        break;
    case model::KeyPlace::Kind::Other:
        ++m_otherTotal;
        if (m_otherSamples.size() < maxOtherSamples)
            m_otherSamples.append(key);
        break;
    }
}

void KeyspaceSummary::add(const QList<QByteArray>& keys)
{
    for (const QByteArray& key : keys)
        add(key);
}

QJsonObject KeyspaceSummary::toJson() const
{
    QJsonObject tenants;
    for (auto tenant = m_gateway.cbegin(); tenant != m_gateway.cend(); ++tenant) {
        QJsonObject venues;
        for (auto venue = tenant->cbegin(); venue != tenant->cend(); ++venue) {
            QJsonObject routes;
            for (auto route = venue->cbegin(); route != venue->cend(); ++route)
                routes.insert(label(route.key()), route.value());
            venues.insert(label(venue.key()), routes);
        }
        tenants.insert(label(tenant.key()), venues);
    }
    QJsonObject services;
    for (auto it = m_services.cbegin(); it != m_services.cend(); ++it)
        services.insert(label(it.key()), it.value());
    QJsonArray others;
    for (const QByteArray& key : m_otherSamples)
        others.append(label(key));
    return QJsonObject {
        {QStringLiteral("total"), m_total},
        {QStringLiteral("gateway"),
            QJsonObject {{QStringLiteral("total"), m_gatewayTotal}, {QStringLiteral("tenants"), tenants}}},
        {QStringLiteral("services"),
            QJsonObject {{QStringLiteral("total"), m_serviceTotal}, {QStringLiteral("namespaces"), services}}},
        {QStringLiteral("cachescope"), QJsonObject {{QStringLiteral("total"), m_cacheScopeTotal}}},
        {QStringLiteral("other"),
            QJsonObject {{QStringLiteral("total"), m_otherTotal}, {QStringLiteral("samples"), others}}},
    };
}

} // namespace cachescope::ops
