#include "getcommand.h"

#include "cliresult.h"
#include "model/keyparser.h"
#include "redis/connection.h"

#include <QJsonDocument>
#include <QJsonObject>

#include <memory>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

namespace {
constexpr int maxValueBytes = 64 * 1024; // a 10 MB value is not printed whole; its size is

QString describeKey(const QByteArray& key)
{
    const model::ParsedKey parsed = model::parseKey(key);
    switch (parsed.kind) {
    case model::ParsedKey::Kind::GatewayResponse: {
        const auto& g = parsed.gateway;
        QStringList parts {u"gateway response %1 %2"_s.arg(redis::displayBytes(g.method), redis::displayBytes(g.path))};
        for (const auto& vary : g.vary)
            parts.append(u"%1=%2"_s.arg(
                redis::displayBytes(vary.name), vary.value ? redis::displayBytes(*vary.value) : u"(absent)"_s));
        if (g.userId)
            parts.append(u"user %1"_s.arg(redis::displayBytes(*g.userId)));
        if (g.tenantId)
            parts.append(u"tenant %1"_s.arg(redis::displayBytes(*g.tenantId)));
        if (g.venueId)
            parts.append(u"venue %1"_s.arg(redis::displayBytes(*g.venueId)));
        return parts.join(u", "_s);
    }
    case model::ParsedKey::Kind::Service:
        return u"service entry, namespace %1, id %2"_s.arg(
            redis::displayBytes(parsed.serviceNamespace), redis::displayBytes(parsed.serviceId));
    case model::ParsedKey::Kind::Other:
        break;
    }
    return u"other (not a gateway or service key)"_s;
}

QString describeTtl(qint64 pttl)
{
    if (pttl == -1)
        return u"no expiry"_s;
    if (pttl == -2)
        return u"key does not exist"_s;
    return QString::number(double(pttl) / 1000.0, 'f', 3) + u" s"_s;
}
} // namespace

GetCommand::GetCommand(redis::Connection* connection, QByteArray key, bool json, QTextStream& out, QTextStream& err)
    : m_connection(connection)
    , m_key(std::move(key))
    , m_json(json)
    , m_out(out)
    , m_err(err)
{
}

void GetCommand::start()
{
    // Pipelined: the three replies come back together in one round trip.
    struct Replies
    {
        redis::Reply type, ttl, value;
    };
    auto replies = std::make_shared<Replies>();
    m_connection->command({"TYPE", m_key}, this, [replies](const redis::Reply& r) { replies->type = r; });
    m_connection->command({"PTTL", m_key}, this, [replies](const redis::Reply& r) { replies->ttl = r; });
    m_connection->command(
        {"GETRANGE", m_key, "0", QByteArray::number(maxValueBytes - 1)}, this, [this, replies](const redis::Reply& r) {
            replies->value = r;
            print(replies->type, replies->ttl, replies->value);
        });
}

void GetCommand::print(const redis::Reply& type, const redis::Reply& ttl, const redis::Reply& value)
{
    for (const redis::Reply* reply : {&type, &ttl}) {
        if (reply->isError()) {
            m_err << "cachectl get: " << reply->errorMessage() << '\n';
            Q_EMIT finished(ExitFailure);
            return;
        }
    }
    if (ttl.integer() == -2) {
        m_err << "cachectl get: no such key: " << redis::displayBytes(m_key) << '\n';
        Q_EMIT finished(ExitFailure);
        return;
    }
    const bool isString = type.bytes() == "string";
    QString shown;
    if (isString && !value.isError()) {
        const QJsonDocument document = QJsonDocument::fromJson(value.bytes());
        shown = !document.isNull() ? QString::fromUtf8(document.toJson(QJsonDocument::Indented)).trimmed()
                                   : redis::displayBytes(value.bytes());
        if (value.bytes().size() >= maxValueBytes)
            shown += u"\n… (first %1 bytes shown)"_s.arg(maxValueBytes);
    }
    if (m_json) {
        QJsonObject json {{u"key"_s, redis::displayBytes(m_key)}, {u"type"_s, QString::fromUtf8(type.bytes())},
            {u"pttl"_s, ttl.integer()}, {u"parsed"_s, describeKey(m_key)}};
        if (isString)
            json.insert(u"value"_s, redis::displayBytes(value.bytes()));
        m_out << QJsonDocument(json).toJson(QJsonDocument::Indented);
    } else {
        m_out << "Key:   " << redis::displayBytes(m_key) << '\n';
        m_out << "Shape: " << describeKey(m_key) << '\n';
        m_out << "Type:  " << QString::fromUtf8(type.bytes()) << '\n';
        m_out << "TTL:   " << describeTtl(ttl.integer()) << '\n';
        if (isString)
            m_out << "Value:\n" << shown << '\n';
    }
    Q_EMIT finished(ExitOk);
}

} // namespace cachescope::cli
