#include "redis/reply.h"

#include "model/displaybytes.h"

#include <QList>

#include <array>
#include <utility>

namespace cachescope::redis {

using namespace Qt::StringLiterals;

namespace {
struct ErrorPrefix
{
    const char* prefix;
    ErrorKind kind;
};

constexpr std::array<ErrorPrefix, 16> serverErrorPrefixes = {{
    {"WRONGTYPE", ErrorKind::WrongType},
    {"NOAUTH", ErrorKind::NoAuth},
    {"WRONGPASS", ErrorKind::WrongPass},
    {"NOPERM", ErrorKind::NoPerm},
    {"MOVED", ErrorKind::Moved},
    {"ASK", ErrorKind::Ask},
    {"OOM", ErrorKind::OutOfMemory},
    {"READONLY", ErrorKind::ReadOnly},
    {"LOADING", ErrorKind::Loading},
    {"BUSY", ErrorKind::Busy},
    {"NOSCRIPT", ErrorKind::NoScript},
    {"CLUSTERDOWN", ErrorKind::ClusterDown},
    {"TRYAGAIN", ErrorKind::TryAgain},
    {"CROSSSLOT", ErrorKind::CrossSlot},
    {"EXECABORT", ErrorKind::ExecAbort},
    {"MASTERDOWN", ErrorKind::MasterDown},
}};
} // namespace

ErrorKind classifyServerError(const QByteArray& message)
{
    const qsizetype space = message.indexOf(' ');
    const QByteArray word = space < 0 ? message : message.first(space);
    for (const auto& entry : serverErrorPrefixes) {
        if (word == entry.prefix)
            return entry.kind;
    }
    return ErrorKind::Generic;
}

QString errorKindName(ErrorKind kind)
{
    switch (kind) {
    case ErrorKind::None:
        return u"none"_s;
    case ErrorKind::Generic:
        return u"server error"_s;
    case ErrorKind::NotConnected:
        return u"not connected"_s;
    case ErrorKind::ConnectionLost:
        return u"connection lost"_s;
    case ErrorKind::Timeout:
        return u"timeout"_s;
    case ErrorKind::Protocol:
        return u"protocol error"_s;
    case ErrorKind::Tls:
        return u"TLS error"_s;
    case ErrorKind::ReadOnlyConnection:
        return u"read-only connection"_s;
    case ErrorKind::Cancelled:
        return u"cancelled"_s;
    default:
        break;
    }
    for (const auto& entry : serverErrorPrefixes) {
        if (entry.kind == kind)
            return QString::fromLatin1(entry.prefix);
    }
    return u"unknown"_s;
}

Reply Reply::nil()
{
    return Reply();
}

Reply Reply::status(QByteArray text)
{
    Reply r;
    r.m_type = Type::Status;
    r.m_bytes = std::move(text);
    return r;
}

Reply Reply::string(QByteArray bytes)
{
    Reply r;
    r.m_type = Type::String;
    r.m_bytes = std::move(bytes);
    return r;
}

Reply Reply::integer(qint64 value)
{
    Reply r;
    r.m_type = Type::Integer;
    r.m_integer = value;
    return r;
}

Reply Reply::array(std::size_t size)
{
    Reply r;
    r.m_type = Type::Array;
    r.m_elements.resize(size);
    return r;
}

Reply Reply::serverError(QByteArray message)
{
    Reply r;
    r.m_type = Type::Error;
    r.m_errorKind = classifyServerError(message);
    r.m_bytes = std::move(message);
    return r;
}

Reply Reply::clientError(ErrorKind kind, const QString& message)
{
    Reply r;
    r.m_type = Type::Error;
    r.m_errorKind = kind;
    r.m_bytes = message.toUtf8();
    return r;
}

bool Reply::isStatus(const char* text) const
{
    return m_type == Type::Status && (!text || m_bytes == text);
}

QString Reply::errorMessage() const
{
    if (m_type != Type::Error)
        return {};
    // The server's words first; then, for the errors an engineer on call meets, what they mean here.
    const QString text = QString::fromUtf8(m_bytes);
    switch (m_errorKind) {
    case ErrorKind::OutOfMemory:
        return text + u" — Redis is at maxmemory with a policy that refuses writes: free memory or raise maxmemory"_s;
    case ErrorKind::ReadOnly:
        return text + u" — this server is a read-only replica: connect to its primary to write"_s;
    case ErrorKind::NoAuth:
        return text + u" — the server needs a password: give one (-a, REDISCLI_AUTH, or the profile's)"_s;
    case ErrorKind::Loading:
        return text + u" — Redis is still loading its dataset after a restart: try again in a moment"_s;
    case ErrorKind::MasterDown:
        return text + u" — this replica has lost its primary and serves no stale data"_s;
    case ErrorKind::CrossSlot:
        return text + u" — this server is a cluster node (cachectl: --cluster)"_s;
    case ErrorKind::Moved:
        return text + u" — the key lives on another node of this cluster (cachectl: --cluster)"_s;
    case ErrorKind::Busy:
        return text + u" — a script is running too long: SCRIPT KILL, or wait for it"_s;
    default:
        return text;
    }
}

std::optional<Redirect> Reply::redirect() const
{
    if (m_errorKind != ErrorKind::Moved && m_errorKind != ErrorKind::Ask)
        return std::nullopt;
    // "MOVED 3999 127.0.0.1:6381"; the host may be an IPv6 address, so split at the last colon.
    const QList<QByteArray> words = m_bytes.split(' ');
    if (words.size() != 3)
        return std::nullopt;
    const qsizetype colon = words.at(2).lastIndexOf(':');
    if (colon < 0)
        return std::nullopt;
    bool slotOk = false;
    bool portOk = false;
    Redirect redirect;
    redirect.slot = words.at(1).toInt(&slotOk);
    redirect.host = words.at(2).first(colon);
    redirect.port = words.at(2).sliced(colon + 1).toUShort(&portOk);
    if (!slotOk || !portOk || redirect.slot < 0 || redirect.slot > 16383)
        return std::nullopt;
    return redirect;
}

QString Reply::toDisplayString() const
{
    switch (m_type) {
    case Type::Nil:
        return u"(nil)"_s;
    case Type::Status:
        return QString::fromUtf8(m_bytes);
    case Type::Error:
        return u"(error) "_s + QString::fromUtf8(m_bytes);
    case Type::Integer:
        return u"(integer) "_s + QString::number(m_integer);
    case Type::String:
        return u'"' + model::displayBytes(m_bytes, 4096) + u'"';
    case Type::Array: {
        QStringList items;
        for (const Reply& element : m_elements)
            items.append(element.toDisplayString());
        return u'[' + items.join(u", "_s) + u']';
    }
    }
    return QString();
}

} // namespace cachescope::redis
