#include "model/patternlint.h"

#include "model/gatewaykey.h"

#include <algorithm>

namespace cachescope::model {

using namespace Qt::StringLiterals;

namespace {
bool isGlobMeta(char c)
{
    return c == '*' || c == '?' || c == '[' || c == '\\';
}

bool isHex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Quoted, with bytes that are not printable ASCII as \xHH (as the tools show keys).
QString shown(const QByteArray& bytes)
{
    QString text = u"'"_s;
    for (const char c : bytes.first(std::min<qsizetype>(bytes.size(), 200))) {
        const auto byte = static_cast<unsigned char>(c);
        text +=
            byte >= 0x20 && byte < 0x7f ? QString(QLatin1Char(c)) : u"\\x%1"_s.arg(uint(byte), 2, 16, QLatin1Char('0'));
    }
    return text + u"'"_s;
}
} // namespace

QList<PatternWarning> lintPattern(const QByteArray& pattern, const RouteConfig* rules)
{
    QList<PatternWarning> warnings;
    if (!pattern.startsWith(gatewayKeyPrefix))
        return warnings;
    const QByteArray rest = pattern.sliced(qsizetype(sizeof(gatewayKeyPrefix) - 1));

    // The method segment: literal bytes up to the next ':' or glob metacharacter.
    qsizetype end = 0;
    while (end < rest.size() && rest.at(end) != ':' && !isGlobMeta(rest.at(end)))
        ++end;
    const QByteArray segment = rest.first(end);
    const bool segmentComplete = end < rest.size() && rest.at(end) == ':';
    if (segment.startsWith('/')) {
        warnings.append({u"gateway keys are gateway:response:{METHOD}:{path}…; %1 skips the method, so it matches "
                         u"no gateway key"_s.arg(shown(pattern)),
            QByteArray(gatewayKeyPrefix) + "*:" + rest, true});
    } else if (segmentComplete && segment != "GET" && segment != "HEAD") {
        const QByteArray upper = segment.toUpper();
        const bool cacheable = upper == "GET" || upper == "HEAD";
        warnings.append({cacheable
                ? u"methods are upper case in gateway keys: %1 never matches"_s.arg(shown(segment))
                : u"the gateway caches GET and HEAD responses only: no key has the method %1"_s.arg(shown(segment)),
            cacheable ? QByteArray(gatewayKeyPrefix) + upper + rest.sliced(end) : QByteArray(), true});
    }

    // The path: after a literal method or '*', up to the next ':' or metacharacter.
    const bool methodKnown = segmentComplete && (segment == "GET" || segment == "HEAD");
    const bool anyMethod = rest.startsWith("*:");
    if (methodKnown || anyMethod) {
        const QByteArray afterMethod = rest.sliced(methodKnown ? end + 1 : 2);
        // After "*:" comes the path only when it looks like one: the '*' may as well have taken the method and the
        // path ("*:tenant:t1:venue:v83", as a tree node's selection is written), and then the pairs follow.
        const bool pathFollows = methodKnown || afterMethod.startsWith('/');
        qsizetype pathEnd = 0;
        while (pathFollows && pathEnd < afterMethod.size() && afterMethod.at(pathEnd) != ':'
            && !isGlobMeta(afterMethod.at(pathEnd)))
            ++pathEnd;
        const QByteArray path = afterMethod.first(pathEnd);
        const bool pathComplete = pathEnd == afterMethod.size() || afterMethod.at(pathEnd) == ':';
        const QString pathText = QString::fromUtf8(path);
        if (rules && path.startsWith('/')) {
            const bool covered = std::any_of(rules->routes.cbegin(), rules->routes.cend(), [&](const RouteRule& rule) {
                return routePathCovers(rule.path, pathText) || (!pathComplete && rule.path.startsWith(pathText));
            });
            if (!covered) {
                const RouteRule* closest = nullptr;
                qsizetype best = -1;
                for (const RouteRule& rule : rules->routes) {
                    qsizetype common = 0;
                    while (common < rule.path.size() && common < pathText.size()
                        && rule.path.at(common) == pathText.at(common))
                        ++common;
                    if (common > best) {
                        best = common;
                        closest = &rule;
                    }
                }
                QStringList paths;
                for (const RouteRule& rule : rules->routes)
                    paths.append(rule.path);
                warnings.append({u"no route rule covers the path %1 (rules: %2): the gateway caches no such key "
                                 u"unless an earlier configuration did"_s.arg(shown(path), paths.join(u", "_s)),
                    closest ? pattern.first(pattern.size() - rest.size() + (rest.size() - afterMethod.size()))
                            + closest->path.toUtf8() + "*"
                            : QByteArray(),
                    false});
            }
        }
        // After the path, name:value pairs: a fully literal tail must have an even number of parts.
        const QByteArray tail = !pathFollows               ? afterMethod
            : pathComplete && pathEnd < afterMethod.size() ? afterMethod.sliced(pathEnd + 1)
                                                           : QByteArray();
        const bool literalTail = std::none_of(tail.cbegin(), tail.cend(), isGlobMeta);
        if (!tail.isEmpty() && literalTail && tail.count(':') % 2 == 0) {
            warnings.append(
                {u"after the path a gateway key holds name:value pairs, and a ':' inside a value is "
                 u"written %3A; %1 has an odd number of parts, so it matches no gateway key"_s.arg(shown(tail)),
                    {}, true});
        }
    }

    // Escapes: the builder writes %XX with upper-case hex digits.
    QByteArray upperEscapes = pattern;
    bool lowerEscape = false;
    for (qsizetype i = 0; i + 2 < upperEscapes.size(); ++i) {
        if (upperEscapes.at(i) != '%' || !isHex(upperEscapes.at(i + 1)) || !isHex(upperEscapes.at(i + 2)))
            continue;
        for (qsizetype j = i + 1; j <= i + 2; ++j) {
            const char c = upperEscapes.at(j);
            if (c >= 'a' && c <= 'f') {
                upperEscapes[j] = char(c - 'a' + 'A');
                lowerEscape = true;
            }
        }
    }
    if (lowerEscape) {
        warnings.append({u"the key builder writes escapes in upper case (%3A for ':'); %1 has lower-case ones and "
                         u"matches no gateway key"_s.arg(shown(pattern)),
            upperEscapes, true});
    }
    return warnings;
}

} // namespace cachescope::model
