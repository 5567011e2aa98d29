#include "admin/httprequestparser.h"

#include <tuple>

namespace cachescope::admin {

using namespace Qt::StringLiterals;

namespace {
bool isToken(const QByteArray& text)
{
    if (text.isEmpty())
        return false;
    for (char c : text) {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'
            || c == '_' || c == '.' || c == '!' || c == '#' || c == '$' || c == '%' || c == '&' || c == '\'' || c == '*'
            || c == '+' || c == '^' || c == '`' || c == '|' || c == '~';
        if (!ok)
            return false;
    }
    return true;
}
} // namespace

QByteArray HttpRequest::header(const QByteArray& lowerCaseName) const
{
    for (const auto& [name, value] : headers) {
        if (name == lowerCaseName)
            return value;
    }
    return {};
}

HttpRequestParser::HttpRequestParser()
    : HttpRequestParser(Limits {})
{
}

HttpRequestParser::HttpRequestParser(Limits limits)
    : m_limits(limits)
{
}

HttpRequestParser::State HttpRequestParser::fail(int status, const QString& message)
{
    m_state = State::Failed;
    m_errorStatus = status;
    m_errorMessage = message;
    if (m_request.method.isEmpty()) // kept for the log: what of the request line came
        std::tie(m_request.method, m_request.path) = methodAndPathSoFar();
    m_buffer.clear();
    return m_state;
}

HttpRequestParser::State HttpRequestParser::feed(const QByteArray& bytes)
{
    if (m_state != State::NeedMore)
        return m_state;
    m_buffer += bytes;
    if (!m_headDone) {
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            // +3: the buffer may end inside a terminator that arrives with the next bytes.
            if (m_buffer.size() > m_limits.maxHeaderBytes + 3)
                return fail(431, u"the request line and headers exceed %1 bytes"_s.arg(m_limits.maxHeaderBytes));
            return m_state;
        }
        if (end > m_limits.maxHeaderBytes)
            return fail(431, u"the request line and headers exceed %1 bytes"_s.arg(m_limits.maxHeaderBytes));
        if (parseHead(m_buffer.first(end)) == State::Failed)
            return m_state;
        m_buffer.remove(0, end + 4);
        m_headDone = true;
    }
    if (m_buffer.size() < m_contentLength)
        return m_state;
    m_request.body = m_buffer.first(m_contentLength);
    m_buffer.remove(0, m_contentLength);
    m_state = State::Complete;
    return m_state;
}

std::pair<QByteArray, QByteArray> HttpRequestParser::methodAndPathSoFar() const
{
    if (!m_request.method.isEmpty())
        return {m_request.method, m_request.path};
    QByteArray line = m_buffer.first(std::min<qsizetype>(m_buffer.size(), 1024));
    const qsizetype end = line.indexOf('\r') >= 0 ? line.indexOf('\r') : line.indexOf('\n');
    if (end >= 0)
        line.truncate(end);
    const QList<QByteArray> parts = line.split(' ');
    QByteArray target = parts.value(1);
    if (const qsizetype question = target.indexOf('?'); question >= 0)
        target.truncate(question);
    return {parts.value(0), target};
}

HttpRequestParser::State HttpRequestParser::parseHead(const QByteArray& head)
{
    const QList<QByteArray> lines = head.split('\n');
    QByteArray requestLine = lines.first();
    if (!requestLine.endsWith('\r') && lines.size() > 1)
        return fail(400, u"lines must end with CRLF"_s);
    requestLine.chop(requestLine.endsWith('\r') ? 1 : 0);
    const QList<QByteArray> parts = requestLine.split(' ');
    if (parts.size() != 3 || !isToken(parts.at(0)) || parts.at(1).isEmpty() || !parts.at(1).startsWith('/'))
        return fail(400, u"malformed request line"_s);
    if (parts.at(2) != "HTTP/1.1" && parts.at(2) != "HTTP/1.0")
        return fail(505, u"only HTTP/1.0 and HTTP/1.1 are spoken here"_s);
    m_request.method = parts.at(0);
    m_request.target = parts.at(1);
    const qsizetype question = m_request.target.indexOf('?');
    m_request.path = question < 0 ? m_request.target : m_request.target.first(question);
    m_request.query = question < 0 ? QByteArray() : m_request.target.sliced(question + 1);

    bool sawLength = false;
    int hosts = 0;
    int authorizations = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        QByteArray line = lines.at(i);
        if (!line.endsWith('\r') && i + 1 < lines.size())
            return fail(400, u"lines must end with CRLF"_s);
        line.chop(line.endsWith('\r') ? 1 : 0);
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0 || !isToken(line.first(colon)))
            return fail(400, u"malformed header line %1"_s.arg(i));
        const QByteArray name = line.first(colon).toLower();
        const QByteArray value = line.sliced(colon + 1).trimmed();
        if (name == "transfer-encoding")
            return fail(501, u"chunked or encoded bodies are not accepted; send Content-Length"_s);
        if (name == "content-length") {
            bool ok = false;
            const qlonglong length = value.toLongLong(&ok);
            if (sawLength)
                return fail(400, u"more than one Content-Length header"_s);
            if (!ok || length < 0 || value.startsWith('+'))
                return fail(400, u"Content-Length is not a number"_s);
            if (length > m_limits.maxBodyBytes)
                return fail(413, u"the body exceeds %1 bytes"_s.arg(m_limits.maxBodyBytes));
            m_contentLength = qsizetype(length);
            sawLength = true;
        }
        hosts += name == "host" ? 1 : 0;
        authorizations += name == "authorization" ? 1 : 0;
        m_request.headers.append({name, value});
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host, or with two, is answered 400. Two Authorization headers would
    // leave which one counts to whoever reads them: refused too.
    if (hosts > 1 || (hosts == 0 && parts.at(2) == "HTTP/1.1"))
        return fail(400, hosts ? u"more than one Host header"_s : u"an HTTP/1.1 request needs a Host header"_s);
    if (authorizations > 1)
        return fail(400, u"more than one Authorization header"_s);
    return m_state;
}

} // namespace cachescope::admin
