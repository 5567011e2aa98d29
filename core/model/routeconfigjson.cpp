#include "model/routeconfigjson.h"

#include "model/keyparser.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include <cmath>

namespace cachescope::model {

using namespace Qt::StringLiterals;

namespace {

constexpr int formatVersion = 1;

QString indexed(const QString& field, qsizetype index)
{
    return field + u'[' + QString::number(index) + u']';
}

QString member(const QString& parent, const QString& name)
{
    return parent.isEmpty() ? name : parent + u'.' + name;
}

class Reader
{
public:
    QList<ConfigError> errors;

    void error(const QString& field, const QString& message)
    {
        errors.append({field, message});
    }

    void rejectUnknown(const QJsonObject& object, const QString& path, std::initializer_list<QString> known)
    {
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (std::find(known.begin(), known.end(), it.key()) == known.end())
                error(member(path, it.key()), u"unknown field"_s);
        }
    }

    std::optional<QString> string(const QJsonObject& object, const QString& path, const QString& name, bool required)
    {
        const QJsonValue value = object.value(name);
        if (value.isUndefined()) {
            if (required)
                error(member(path, name), u"is required"_s);
            return std::nullopt;
        }
        if (!value.isString()) {
            error(member(path, name), u"must be a string"_s);
            return std::nullopt;
        }
        return value.toString();
    }

    std::optional<int> integer(const QJsonObject& object, const QString& path, const QString& name)
    {
        const QJsonValue value = object.value(name);
        if (value.isUndefined()) {
            error(member(path, name), u"is required"_s);
            return std::nullopt;
        }
        const double number = value.toDouble(-1.5);
        if (!value.isDouble() || !std::isfinite(number) || number != std::trunc(number)) {
            error(member(path, name), u"must be a whole number of seconds"_s);
            return std::nullopt;
        }
        // Range first: converting a double beyond the integer's range is undefined behaviour (found by fuzzing).
        if (number < std::numeric_limits<int>::min() || number > std::numeric_limits<int>::max()) {
            error(member(path, name),
                u"must be between %1 and %2 seconds (got %3)"_s.arg(minTtlSeconds).arg(maxTtlSeconds).arg(number));
            return std::nullopt;
        }
        return static_cast<int>(number);
    }

    bool boolean(const QJsonObject& object, const QString& path, const QString& name)
    {
        const QJsonValue value = object.value(name);
        if (value.isUndefined())
            return false;
        if (!value.isBool())
            error(member(path, name), u"must be true or false"_s);
        return value.toBool();
    }

    QStringList stringList(const QJsonObject& object, const QString& path, const QString& name)
    {
        const QJsonValue value = object.value(name);
        if (value.isUndefined())
            return {};
        if (!value.isArray()) {
            error(member(path, name), u"must be an array of strings"_s);
            return {};
        }
        QStringList out;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (!array.at(i).isString())
                error(indexed(member(path, name), i), u"must be a string"_s);
            else
                out.append(array.at(i).toString());
        }
        return out;
    }

    RouteRule route(const QJsonObject& object, const QString& path)
    {
        rejectUnknown(object, path, {u"path"_s, u"ttl"_s, u"varyBy"_s, u"private"_s, u"condition"_s});
        RouteRule rule;
        rule.path = string(object, path, u"path"_s, true).value_or(QString());
        rule.ttlSeconds = integer(object, path, u"ttl"_s).value_or(minTtlSeconds);
        rule.varyBy = stringList(object, path, u"varyBy"_s);
        rule.isPrivate = boolean(object, path, u"private"_s);
        const QJsonValue condition = object.value(u"condition"_s);
        if (condition.isObject()) {
            const QString conditionPath = member(path, u"condition"_s);
            const QJsonObject conditionObject = condition.toObject();
            rejectUnknown(conditionObject, conditionPath, {u"requireQuery"_s, u"skipIfQuery"_s});
            rule.condition.requireQuery = stringList(conditionObject, conditionPath, u"requireQuery"_s);
            rule.condition.skipIfQuery = stringList(conditionObject, conditionPath, u"skipIfQuery"_s);
        } else if (!condition.isUndefined()) {
            error(member(path, u"condition"_s), u"must be an object"_s);
        }
        return rule;
    }

    NamespaceTtl namespaceTtl(const QJsonObject& object, const QString& path)
    {
        rejectUnknown(object, path, {u"name"_s, u"ttl"_s});
        NamespaceTtl entry;
        entry.name = string(object, path, u"name"_s, true).value_or(QString());
        entry.ttlSeconds = integer(object, path, u"ttl"_s).value_or(minTtlSeconds);
        return entry;
    }

    template<typename T, typename ReadOne>
    QList<T> array(const QJsonObject& root, const QString& name, ReadOne readOne)
    {
        const QJsonValue value = root.value(name);
        if (value.isUndefined())
            return {};
        if (!value.isArray()) {
            error(name, u"must be an array"_s);
            return {};
        }
        QList<T> out;
        const QJsonArray items = value.toArray();
        for (qsizetype i = 0; i < items.size(); ++i) {
            if (!items.at(i).isObject()) {
                error(indexed(name, i), u"must be an object"_s);
                continue;
            }
            out.append(readOne(items.at(i).toObject(), indexed(name, i)));
        }
        return out;
    }
};

bool isValidRoutePath(const QString& path, QString* why)
{
    if (path.size() > maxRoutePathLength) {
        *why = u"must be at most %1 characters (got %2)"_s.arg(maxRoutePathLength).arg(path.size());
        return false;
    }
    if (!path.startsWith(u'/')) {
        *why = u"must start with '/'"_s;
        return false;
    }
    if (path.size() > 1 && path.endsWith(u'/')) {
        *why = u"must not end with '/'"_s;
        return false;
    }
    if (path.contains(u"//"_s)) {
        *why = u"must not contain an empty segment ('//')"_s;
        return false;
    }
    for (QChar c : path) {
        if (c.isSpace() || c == u'?' || c == u'#' || c.category() == QChar::Other_Control) {
            *why = u"must not contain whitespace, control characters, '?' or '#'"_s;
            return false;
        }
    }
    return true;
}

void validateTtl(QList<ConfigError>& errors, const QString& field, int ttl)
{
    if (ttl < minTtlSeconds || ttl > maxTtlSeconds) {
        errors.append({field,
            u"must be between %1 and %2 seconds (1 s to 30 days), got %3"_s.arg(minTtlSeconds)
                .arg(maxTtlSeconds)
                .arg(ttl)});
    }
}

void validateParameterNames(QList<ConfigError>& errors, const QString& field, const QStringList& names)
{
    if (names.size() > maxParametersPerList) {
        errors.append({field, u"at most %1 parameters (got %2)"_s.arg(maxParametersPerList).arg(names.size())});
        return;
    }
    QSet<QString> seen;
    for (qsizetype i = 0; i < names.size(); ++i) {
        const QString& name = names.at(i);
        if (name.size() > maxParameterNameLength)
            errors.append({indexed(field, i), u"must be at most %1 characters"_s.arg(maxParameterNameLength)});
        else if (name.isEmpty() || std::any_of(name.begin(), name.end(), [](QChar c) { return c.isSpace(); }))
            errors.append({indexed(field, i), u"must be a non-empty query parameter name without spaces"_s});
        else if (seen.contains(name))
            errors.append({indexed(field, i), u"duplicate parameter '%1'"_s.arg(name)});
        seen.insert(name);
    }
}

} // namespace

QString ConfigError::toString() const
{
    return field + u": "_s + message;
}

QList<ConfigError> validateRouteConfig(const RouteConfig& config)
{
    QList<ConfigError> errors;
    if (config.routes.size() > maxRouteRules)
        errors.append({u"routes"_s, u"at most %1 rules (got %2)"_s.arg(maxRouteRules).arg(config.routes.size())});
    if (config.namespaces.size() > maxServiceNamespaces)
        errors.append({u"namespaces"_s,
            u"at most %1 namespaces (got %2)"_s.arg(maxServiceNamespaces).arg(config.namespaces.size())});
    if (!errors.isEmpty())
        return errors; // not each of thousands of rules checked and reported
    QHash<QString, qsizetype> firstByPath;
    for (qsizetype i = 0; i < config.routes.size(); ++i) {
        const RouteRule& rule = config.routes.at(i);
        const QString base = indexed(u"routes"_s, i);
        QString why;
        if (!isValidRoutePath(rule.path, &why))
            errors.append({base + u".path"_s, why});
        else if (firstByPath.contains(rule.path))
            errors.append({base + u".path"_s,
                u"duplicate rule for '%1' (first in routes[%2])"_s.arg(rule.path).arg(firstByPath.value(rule.path))});
        else
            firstByPath.insert(rule.path, i);
        validateTtl(errors, base + u".ttl"_s, rule.ttlSeconds);
        validateParameterNames(errors, base + u".varyBy"_s, rule.varyBy);
        validateParameterNames(errors, base + u".condition.requireQuery"_s, rule.condition.requireQuery);
        validateParameterNames(errors, base + u".condition.skipIfQuery"_s, rule.condition.skipIfQuery);
    }
    QHash<QString, qsizetype> firstByName;
    for (qsizetype i = 0; i < config.namespaces.size(); ++i) {
        const NamespaceTtl& entry = config.namespaces.at(i);
        const QString base = indexed(u"namespaces"_s, i);
        if (!isServiceNamespace(entry.name.toUtf8()))
            errors.append({base + u".name"_s, u"must be 1 to 64 letters, digits, '_', '-' or '.'"_s});
        else if (firstByName.contains(entry.name))
            errors.append({base + u".name"_s,
                u"duplicate namespace '%1' (first in namespaces[%2])"_s.arg(entry.name)
                    .arg(firstByName.value(entry.name))});
        else
            firstByName.insert(entry.name, i);
        validateTtl(errors, base + u".ttl"_s, entry.ttlSeconds);
    }
    return errors;
}

RouteConfigParseResult parseRouteConfigJson(const QByteArray& json)
{
    RouteConfigParseResult result;
    if (json.size() > maxRouteConfigBytes) { // refused before it is parsed: its size is what other writers chose
        result.errors.append({u"(document)"_s,
            u"is %1 bytes; a route configuration is at most %2"_s.arg(json.size()).arg(maxRouteConfigBytes)});
        return result;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(json, &parseError);
    if (parseError.error != QJsonParseError::NoError) {
        result.errors.append({u"(document)"_s,
            u"not valid JSON at offset %1: %2"_s.arg(parseError.offset).arg(parseError.errorString())});
        return result;
    }
    if (!document.isObject()) {
        result.errors.append({u"(document)"_s, u"must be a JSON object with \"routes\" and \"namespaces\""_s});
        return result;
    }
    const QJsonObject root = document.object();
    Reader reader;
    reader.rejectUnknown(root, QString(), {u"formatVersion"_s, u"routes"_s, u"namespaces"_s});
    const QJsonValue version = root.value(u"formatVersion"_s);
    if (!version.isUndefined() && version.toDouble() != formatVersion)
        reader.error(u"formatVersion"_s, u"unsupported format version (this build reads %1)"_s.arg(formatVersion));
    if (!root.contains(u"routes"_s))
        reader.error(u"routes"_s, u"is required"_s);

    RouteConfig config;
    config.routes = reader.array<RouteRule>(
        root, u"routes"_s, [&reader](const QJsonObject& o, const QString& p) { return reader.route(o, p); });
    config.namespaces = reader.array<NamespaceTtl>(
        root, u"namespaces"_s, [&reader](const QJsonObject& o, const QString& p) { return reader.namespaceTtl(o, p); });

    result.errors = reader.errors;
    // Value checks run only on fields that were read, so one mistake is not reported twice.
    for (const ConfigError& error : validateRouteConfig(config)) {
        const bool alreadyReported = std::any_of(result.errors.cbegin(), result.errors.cend(),
            [&error](const ConfigError& e) { return e.field == error.field; });
        if (!alreadyReported)
            result.errors.append(error);
    }
    if (result.errors.isEmpty())
        result.config = std::move(config);
    return result;
}

QByteArray routeConfigToJson(const RouteConfig& config)
{
    QJsonArray routes;
    for (const RouteRule& rule : config.routes) {
        QJsonObject object {{u"path"_s, rule.path}, {u"ttl"_s, rule.ttlSeconds}};
        if (!rule.varyBy.isEmpty())
            object.insert(u"varyBy"_s, QJsonArray::fromStringList(rule.varyBy));
        if (rule.isPrivate)
            object.insert(u"private"_s, true);
        if (!rule.condition.isEmpty()) {
            QJsonObject condition;
            if (!rule.condition.requireQuery.isEmpty())
                condition.insert(u"requireQuery"_s, QJsonArray::fromStringList(rule.condition.requireQuery));
            if (!rule.condition.skipIfQuery.isEmpty())
                condition.insert(u"skipIfQuery"_s, QJsonArray::fromStringList(rule.condition.skipIfQuery));
            object.insert(u"condition"_s, condition);
        }
        routes.append(object);
    }
    QJsonArray namespaces;
    for (const NamespaceTtl& entry : config.namespaces)
        namespaces.append(QJsonObject {{u"name"_s, entry.name}, {u"ttl"_s, entry.ttlSeconds}});
    const QJsonObject root {{u"formatVersion"_s, formatVersion}, {u"routes"_s, routes}, {u"namespaces"_s, namespaces}};
    return QJsonDocument(root).toJson(QJsonDocument::Indented);
}

} // namespace cachescope::model
