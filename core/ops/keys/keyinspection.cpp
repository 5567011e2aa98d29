#include "ops/keys/keyinspection.h"

#include "ops/server/ownfootprint.h"

#include "model/displaybytes.h"
#include "redis/client.h"

#include <QHash>
#include <QPointer>

#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

void inspectKey(redis::Client& connection, const QByteArray& key, const QObject* context,
    std::function<void(std::optional<KeyInspection>, QString)> callback, int maxValueBytes)
{
    auto inspection = std::make_shared<KeyInspection>();
    inspection->key = key;
    inspection->parsed = model::parseKey(key);
    auto error = std::make_shared<QString>();
    auto keep = [error](const redis::Reply& reply) {
        if (reply.isError() && error->isEmpty() && reply.errorKind() != redis::ErrorKind::WrongType)
            *error = reply.errorMessage();
    };
    connection.command({"TYPE", key}, context, [inspection, keep](const redis::Reply& r) {
        keep(r);
        inspection->type = r.bytes();
    });
    connection.command({"PTTL", key}, context, [inspection, keep](const redis::Reply& r) {
        keep(r);
        inspection->pttl = r.isInteger() ? r.integer() : -2;
    });
    // GETRANGE and STRLEN answer WRONGTYPE for other types; the type decides which reply counts.
    connection.command(
        {"GETRANGE", key, "0", QByteArray::number(maxValueBytes - 1)}, context, [inspection](const redis::Reply& r) {
            if (r.isString())
                inspection->valuePrefix = r.bytes();
        });
    QPointer<redis::Client> guard(&connection);
    connection.command({"STRLEN", key}, context,
        [inspection, error, guard, context, callback = std::move(callback)](const redis::Reply& r) mutable {
            if (r.isInteger())
                inspection->valueSize = r.integer();
            auto finish = [inspection, error, callback]() {
                if (!error->isEmpty())
                    callback(std::nullopt, *error);
                else
                    callback(*inspection, QString());
            };
            static const QHash<QByteArray, QByteArray> sizeCommands {
                {"hash", "HLEN"}, {"list", "LLEN"}, {"set", "SCARD"}, {"zset", "ZCARD"}, {"stream", "XLEN"}};
            const QByteArray sizeCommand = sizeCommands.value(inspection->type);
            if (sizeCommand.isEmpty() || !guard) {
                finish();
                return;
            }
            // A second round trip only for collections, whose size needs the command of their type.
            guard->command({sizeCommand, inspection->key}, context, [inspection, finish](const redis::Reply& size) {
                if (size.isInteger())
                    inspection->valueSize = size.integer();
                finish();
            });
        });
}

QString describeParsedKey(const model::ParsedKey& parsed)
{
    switch (parsed.kind) {
    case model::ParsedKey::Kind::GatewayResponse: {
        const auto& g = parsed.gateway;
        QStringList parts {u"gateway response %1 %2"_s.arg(model::displayBytes(g.method), model::displayBytes(g.path))};
        for (const auto& vary : g.vary)
            parts.append(u"%1=%2"_s.arg(
                model::displayBytes(vary.name), vary.value ? model::displayBytes(*vary.value) : u"(absent)"_s));
        if (g.userId)
            parts.append(u"user %1"_s.arg(model::displayBytes(*g.userId)));
        if (g.tenantId)
            parts.append(u"tenant %1"_s.arg(model::displayBytes(*g.tenantId)));
        if (g.venueId)
            parts.append(u"venue %1"_s.arg(model::displayBytes(*g.venueId)));
        return parts.join(u", "_s);
    }
    case model::ParsedKey::Kind::Service:
        return u"service entry, namespace %1, id %2"_s.arg(
            model::displayBytes(parsed.serviceNamespace), model::displayBytes(parsed.serviceId));
    case model::ParsedKey::Kind::Other:
        break;
    }
    return u"other (not a gateway or service key)"_s;
}

QString describeInspectedKey(const KeyInspection& inspection)
{
    const QString own = footprintKind(inspection.key);
    return own.isEmpty() ? describeParsedKey(inspection.parsed) : u"CacheScope's own data: "_s + own;
}

} // namespace cachescope::ops
