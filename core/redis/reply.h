#pragma once

#include <QByteArray>
#include <QMetaType>
#include <QString>

#include <optional>
#include <vector>

namespace cachescope::redis {

// What went wrong, for callers that react differently to each. The first group comes from the server's
// error prefix; the second is raised by the client itself.
enum class ErrorKind
{
    None,
    // from the server
    Generic, // ERR and prefixes we do not know
    WrongType,
    NoAuth,
    WrongPass,
    NoPerm,
    Moved,
    Ask,
    OutOfMemory,
    ReadOnly,
    Loading,
    Busy,
    NoScript,
    ClusterDown,
    TryAgain,
    CrossSlot,
    ExecAbort,
    MasterDown,
    // from the client
    NotConnected, // no connection and none coming (closed, or the last attempt failed for good)
    ConnectionLost, // the connection dropped with the command sent: it may or may not have run
    Timeout,
    Protocol, // the server's bytes were not valid RESP
    Tls,
    Cancelled,
    ReadOnlyConnection, // a write refused by a read-only connection before it reached the server
    Unroutable, // a cluster client does not know which node serves the command's keys
};

QString errorKindName(ErrorKind kind);

// Where a MOVED or ASK error sends the command.
struct Redirect
{
    int slot = -1;
    QByteArray host;
    quint16 port = 0;
};

// One RESP2 reply, owning its data. Arrays own their elements; strings are raw bytes (binary-safe).
class Reply
{
public:
    enum class Type
    {
        Nil,
        Status,
        Error,
        Integer,
        String,
        Array,
    };

    Reply() = default;
    static Reply nil();
    static Reply status(QByteArray text);
    static Reply string(QByteArray bytes);
    static Reply integer(qint64 value);
    static Reply array(std::size_t size);
    static Reply serverError(QByteArray message); // kind taken from the message's first word
    static Reply clientError(ErrorKind kind, const QString& message);

    Type type() const
    {
        return m_type;
    }
    bool isNil() const
    {
        return m_type == Type::Nil;
    }
    bool isError() const
    {
        return m_type == Type::Error;
    }
    bool isString() const
    {
        return m_type == Type::String;
    }
    bool isArray() const
    {
        return m_type == Type::Array;
    }
    bool isInteger() const
    {
        return m_type == Type::Integer;
    }
    bool isStatus(const char* text = nullptr) const;

    // The bytes of a String, Status or Error.
    const QByteArray& bytes() const
    {
        return m_bytes;
    }
    qint64 integer() const
    {
        return m_integer;
    }
    const std::vector<Reply>& elements() const
    {
        return m_elements;
    }
    std::vector<Reply>& elements()
    {
        return m_elements;
    }

    ErrorKind errorKind() const
    {
        return m_errorKind;
    }
    // The error text for people: the server's message, or the client's explanation.
    // The error's text as the server sent it, followed for OOM, READONLY, NOAUTH, LOADING, MASTERDOWN and
    // BUSY by what it means for the engineer reading it. bytes() keeps the server's text alone.
    QString errorMessage() const;
    // For Moved and Ask errors.
    std::optional<Redirect> redirect() const;

    // A short, readable rendering for logs and the CLI (binary bytes escaped).
    QString toDisplayString() const;

private:
    Type m_type = Type::Nil;
    ErrorKind m_errorKind = ErrorKind::None;
    QByteArray m_bytes;
    qint64 m_integer = 0;
    std::vector<Reply> m_elements;
};

// Classifies a server error message by its first word ("WRONGTYPE Operation against…" → WrongType).
ErrorKind classifyServerError(const QByteArray& message);

} // namespace cachescope::redis

Q_DECLARE_METATYPE(cachescope::redis::ErrorKind)
Q_DECLARE_METATYPE(cachescope::redis::Reply)
