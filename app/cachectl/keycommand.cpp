#include "keycommand.h"

#include "cliresult.h"

#include "cache/responsecachepolicy.h"
#include "model/displaybytes.h"
#include "redis/reply.h"

#include <QJsonDocument>
#include <QJsonObject>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

int printKeyDecision(const model::RouteConfig& rules, const KeyRequest& keyRequest, bool json, QTextStream& out)
{
    cache::GatewayRequest request = cache::GatewayRequest::fromUrl(keyRequest.method.toUpper(), keyRequest.url);
    request.userId = keyRequest.userId;
    request.tenantId = keyRequest.tenantId;
    request.venueId = keyRequest.venueId;
    const cache::ResponseCachePolicy policy(rules);
    const cache::CacheDecision decision = policy.decide(request);
    const cache::HeaderList headers = cache::ResponseCachePolicy::headers(
        decision, decision.isLookup() ? cache::CacheOutcome::Miss : cache::CacheOutcome::Bypass);
    if (json) {
        QJsonObject headerObject;
        for (const auto& [name, value] : headers)
            headerObject.insert(QString::fromUtf8(name), QString::fromUtf8(value));
        QJsonObject object {{u"cached"_s, decision.isLookup()}, {u"headers"_s, headerObject}};
        if (decision.isLookup()) {
            object.insert(u"key"_s, model::displayBytes(decision.key));
            object.insert(u"ttl"_s, decision.ttlSeconds);
            object.insert(u"private"_s, decision.isPrivate);
            object.insert(u"rule"_s, decision.rulePath);
        } else {
            object.insert(u"reason"_s, decision.reason);
        }
        out << QJsonDocument(object).toJson(QJsonDocument::Indented);
        return ExitOk;
    }
    if (decision.isLookup()) {
        out << "Key:    " << model::displayBytes(decision.key) << '\n';
        out << "TTL:    " << decision.ttlSeconds << " s (rule " << decision.rulePath << ")"
            << (decision.isPrivate ? ", private" : "") << (decision.mayStore ? "" : ", read-only (HEAD)") << '\n';
    } else {
        out << "Bypass: " << decision.reason << '\n';
    }
    out << "Headers on a " << (decision.isLookup() ? "miss" : "bypass") << ":\n";
    for (const auto& [name, value] : headers)
        out << "  " << QString::fromUtf8(name) << ": " << QString::fromUtf8(value) << '\n';
    return ExitOk;
}

} // namespace cachescope::cli
