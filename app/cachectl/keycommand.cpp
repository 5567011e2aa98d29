#include "keycommand.h"
#include "model/routeconfigjson.h"
#include "ops/routes/routeconfigstore.h"
#include "redis/client.h"

#include "cliresult.h"

#include "cache/responsecachepolicy.h"
#include "model/displaybytes.h"
#include "redis/reply.h"

#include <QFile>
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

namespace {
KeyRequest keyRequest(const CommandInput& input)
{
    KeyRequest request {input.arguments.at(0).toUtf8(), input.arguments.at(1), {}, {}, {}};
    if (input.parser.isSet(u"user-id"_s))
        request.userId = input.parser.value(u"user-id"_s);
    if (input.parser.isSet(u"tenant"_s))
        request.tenantId = input.parser.value(u"tenant"_s);
    if (input.parser.isSet(u"venue"_s))
        request.venueId = input.parser.value(u"venue"_s);
    return request;
}
} // namespace

PreparedCommand prepareKey(CommandInput& input)
{
    if (input.arguments.size() != 2) {
        input.usage(u"key takes METHOD and URL, e.g. cachectl key GET '/api/search?q=rock'"_s);
        return {};
    }
    const KeyRequest request = keyRequest(input);
    const bool json = input.json();
    PreparedCommand prepared;
    if (!input.parser.isSet(u"live"_s)) {
        model::RouteConfig rules = model::RouteConfig::defaults();
        if (input.parser.isSet(u"routes"_s)) {
            QFile file(input.parser.value(u"routes"_s));
            if (!file.open(QIODevice::ReadOnly)) {
                input.usage(u"cannot read %1: %2"_s.arg(file.fileName(), file.errorString()));
                return {};
            }
            const auto parsed = model::parseRouteConfigJson(file.readAll());
            if (!parsed.config) {
                input.usage(file.fileName() + u": "_s + parsed.errors.first().toString());
                return {};
            }
            rules = *parsed.config;
        }
        prepared.exitNow = printKeyDecision(rules, request, json, input.out);
        return prepared;
    }
    auto* store = new ops::RouteConfigStore(input.connection);
    QTextStream& out = input.out;
    QTextStream& err = input.err;
    prepared.start = [store, request, json, &out, &err] {
        store->load(store, [request, json, &out, &err](std::optional<ops::RouteConfigSnapshot> s, const QString& e) {
            if (!s) {
                err << "cachectl key: " << e << '\n';
                QCoreApplication::exit(ExitFailure);
                return;
            }
            QCoreApplication::exit(printKeyDecision(s->config, request, json, out));
        });
    };
    prepared.runner.reset(store);
    return prepared;
}

} // namespace cachescope::cli
