#include "cache/responsecachepolicy.h"

#include "model/gatewaykey.h"

#include <QUrl>
#include <QUrlQuery>

namespace cachescope::cache {

using namespace Qt::StringLiterals;

namespace {
CacheDecision bypass(const QString& reason)
{
    CacheDecision decision;
    decision.action = CacheDecision::Action::Bypass;
    decision.reason = reason;
    return decision;
}

qsizetype occurrences(const QList<QPair<QString, QString>>& query, const QString& name)
{
    return std::count_if(query.cbegin(), query.cend(), [&name](const auto& item) { return item.first == name; });
}

std::optional<QByteArray> utf8(const std::optional<QString>& text)
{
    return text ? std::optional<QByteArray>(text->toUtf8()) : std::nullopt;
}
} // namespace

GatewayRequest GatewayRequest::fromUrl(const QByteArray& method, const QString& pathAndQuery)
{
    GatewayRequest request;
    request.method = method;
    const qsizetype question = pathAndQuery.indexOf(u'?');
    request.path = question < 0 ? pathAndQuery : pathAndQuery.first(question);
    if (question >= 0) {
        // As the design's gateway (Node's querystring) reads it: '+' is a space.
        QString text = pathAndQuery.sliced(question + 1);
        text.replace(u'+', u"%20"_s);
        const QUrlQuery query(text);
        request.query = query.queryItems(QUrl::FullyDecoded);
    }
    return request;
}

ResponseCachePolicy::ResponseCachePolicy(model::RouteConfig config)
    : m_config(std::move(config))
{
}

void ResponseCachePolicy::setConfig(model::RouteConfig config)
{
    m_config = std::move(config);
}

CacheDecision ResponseCachePolicy::decide(const GatewayRequest& request) const
{
    const bool isHead = request.method == "HEAD";
    if (request.method != "GET" && !isHead)
        return bypass(u"method %1 is never cached"_s.arg(QString::fromUtf8(request.method)));
    const model::RouteRule* rule = m_config.match(request.path);
    if (!rule)
        return bypass(u"no cache rule for %1"_s.arg(request.path));
    if (rule->isPrivate && (!request.userId || request.userId->isEmpty()))
        return bypass(u"private route without an authenticated user"_s);
    for (const QString& name : rule->condition.requireQuery) {
        if (occurrences(request.query, name) == 0)
            return bypass(u"query parameter '%1' is required for caching"_s.arg(name));
    }
    for (const QString& name : rule->condition.skipIfQuery) {
        if (occurrences(request.query, name) > 0)
            return bypass(u"query parameter '%1' disables caching"_s.arg(name));
    }

    model::GatewayKey key;
    key.method = "GET"; // HEAD shares the GET entry
    key.path = request.path.toUtf8();
    for (const QString& name : rule->varyBy) {
        const qsizetype count = occurrences(request.query, name);
        if (count > 1)
            return bypass(u"vary-by parameter '%1' is given %2 times"_s.arg(name).arg(count));
        model::VaryValue vary {name.toUtf8(), std::nullopt};
        for (const auto& item : request.query) {
            if (item.first == name)
                vary.value = item.second.toUtf8();
        }
        key.vary.append(std::move(vary));
    }
    if (rule->isPrivate)
        key.userId = utf8(request.userId);
    key.tenantId = utf8(request.tenantId);
    key.venueId = utf8(request.venueId);

    CacheDecision decision;
    decision.action = CacheDecision::Action::Lookup;
    decision.key = model::buildGatewayKey(key);
    decision.ttlSeconds = rule->ttlSeconds;
    decision.isPrivate = rule->isPrivate;
    decision.rulePath = rule->path;
    decision.mayStore = !isHead;
    return decision;
}

HeaderList ResponseCachePolicy::headers(const CacheDecision& decision, CacheOutcome outcome)
{
    if (!decision.isLookup() || outcome == CacheOutcome::Bypass)
        return {{"X-Cache", "BYPASS"}, {"Cache-Control", "no-store"}};
    QByteArray shownKey = decision.key.first(std::min(decision.key.size(), keyHeaderLength));
    if (decision.key.size() > keyHeaderLength)
        shownKey += "...";
    const QByteArray ttl = QByteArray::number(decision.ttlSeconds);
    return {
        {"X-Cache", outcome == CacheOutcome::Hit ? "HIT" : "MISS"},
        {"X-Cache-Key", shownKey},
        {"X-Cache-TTL", ttl},
        {"Cache-Control", (decision.isPrivate ? "private, max-age=" : "public, max-age=") + ttl},
    };
}

bool ResponseCachePolicy::isStorable(int status, const HeaderList& responseHeaders)
{
    if (status != 200)
        return false;
    for (const auto& [name, value] : responseHeaders) {
        const QByteArray lowerName = name.toLower();
        if (lowerName == "set-cookie")
            return false;
        if (lowerName == "cache-control") {
            for (const QByteArray& directive : value.toLower().split(',')) {
                const QByteArray d = directive.trimmed();
                if (d == "no-store" || d == "private" || d.startsWith("private=") || d == "no-cache")
                    return false;
            }
        }
    }
    return true;
}

} // namespace cachescope::cache
