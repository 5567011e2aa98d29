#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <utility>

namespace cachescope::admin {

// One HTTP/1.1 request as the admin API needs it.
struct HttpRequest
{
    QByteArray method;
    QByteArray target; // path and query, as sent
    QByteArray path; // target without the query
    QByteArray query;
    QList<std::pair<QByteArray, QByteArray>> headers; // names lower-cased, values trimmed
    QByteArray body;

    QByteArray header(const QByteArray& lowerCaseName) const;
};

// An incremental parser for requests of bounded size, fed the bytes of a connection as they come. It is
// strict where leniency would be a risk: sizes are checked before anything is buffered, chunked bodies and
// duplicate Content-Length headers are refused, and every refusal carries the status code and a message.
// (Qt HttpServer 6.4 buffers a whole body before a handler can see its size, hence this small parser.)
class HttpRequestParser
{
public:
    struct Limits
    {
        qsizetype maxHeaderBytes = 16 * 1024; // request line + headers
        qsizetype maxBodyBytes = 64 * 1024;
    };
    enum class State
    {
        NeedMore,
        Complete,
        Failed,
    };

    HttpRequestParser();
    explicit HttpRequestParser(Limits limits);

    // Consumes `bytes`; returns the state after them. Bytes after a complete request are kept (pipelining is
    // not supported: the server answers one request per connection).
    State feed(const QByteArray& bytes);
    State state() const
    {
        return m_state;
    }
    // The request line and headers have arrived (the body may still be coming).
    bool headComplete() const
    {
        return m_headDone;
    }
    const HttpRequest& request() const
    {
        return m_request;
    }
    // Method and path as far as they arrived (for the log of a request refused before it was complete): from the
    // parsed request line, else from the first bytes of an unfinished one; empty when nothing came.
    std::pair<QByteArray, QByteArray> methodAndPathSoFar() const;
    int errorStatus() const
    {
        return m_errorStatus;
    }
    QString errorMessage() const
    {
        return m_errorMessage;
    }

private:
    State fail(int status, const QString& message);
    State parseHead(const QByteArray& head);

    Limits m_limits;
    State m_state = State::NeedMore;
    QByteArray m_buffer;
    bool m_headDone = false;
    qsizetype m_contentLength = 0;
    HttpRequest m_request;
    int m_errorStatus = 0;
    QString m_errorMessage;
};

} // namespace cachescope::admin
