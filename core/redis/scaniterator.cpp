#include "redis/scaniterator.h"

#include <cmath>

#include "redis/client.h"

namespace cachescope::redis {

using namespace Qt::StringLiterals;

ScanIterator::ScanIterator(Client* connection, ScanOptions options, QObject* parent)
    : KeyPages(parent)
    , m_connection(connection)
    , m_options(std::move(options))
{
}

void ScanIterator::start(const QByteArray& cursor)
{
    m_cursor = cursor;
    m_running = true;
    m_paused = false;
    m_pageOwed = false;
    m_pages = 0;
    m_keys = 0;
    m_walkedAll = false; // a walk started again has walked nothing yet
    requestPage();
}

void ScanIterator::cancel()
{
    m_running = false;
    m_pageOwed = false;
    ++m_request;
}

void ScanIterator::pause()
{
    m_paused = true;
}

void ScanIterator::resume()
{
    m_paused = false;
    if (m_pageOwed && m_running) {
        m_pageOwed = false;
        requestPage();
    }
}

void ScanIterator::requestPage()
{
    if (!m_connection) {
        m_running = false;
        Q_EMIT failed(Reply::clientError(ErrorKind::NotConnected, u"the connection is gone"_s));
        return;
    }
    QList<QByteArray> arguments {"SCAN", m_cursor};
    if (!m_options.match.isEmpty())
        arguments << "MATCH" << m_options.match;
    arguments << "COUNT" << QByteArray::number(std::max(1, m_options.count));
    if (!m_options.type.isEmpty())
        arguments << "TYPE" << m_options.type;
    const quint64 request = ++m_request;
    m_connection->command(arguments, this, [this, request](const Reply& reply) {
        if (request == m_request && m_running)
            onReply(reply);
    });
}

void ScanIterator::onReply(const Reply& reply)
{
    if (reply.isError()) {
        m_running = false;
        Q_EMIT failed(reply);
        return;
    }
    const auto& elements = reply.elements();
    if (!reply.isArray() || elements.size() != 2 || !elements[0].isString() || !elements[1].isArray()) {
        m_running = false;
        Q_EMIT failed(Reply::clientError(ErrorKind::Protocol, u"unexpected SCAN reply: "_s + reply.toDisplayString()));
        return;
    }
    QList<QByteArray> keys;
    keys.reserve(qsizetype(elements[1].elements().size()));
    for (const Reply& key : elements[1].elements())
        keys.append(key.bytes());
    m_cursor = elements[0].bytes();
    ++m_pages;
    m_keys += keys.size();
    const bool done = m_cursor == "0";
    m_walkedAll = done;
    // Ask for the next page before handing this one out, so the server works while the receiver does.
    if (!done && m_paused)
        m_pageOwed = true;
    else if (!done)
        requestPage();
    else
        m_running = false;
    const quint64 request = m_request;
    QPointer<ScanIterator> self(this);
    Q_EMIT page(keys);
    if (!self)
        return;
    if (done && request == m_request)
        Q_EMIT finished();
}

double ScanIterator::walkedShare() const
{
    if (m_walkedAll)
        return 1.0;
    bool ok = false;
    quint64 cursor = m_cursor.toULongLong(&ok);
    if (!ok)
        return 0.0;
    quint64 reversed = 0;
    for (int bit = 0; bit < 64; ++bit, cursor >>= 1)
        reversed = (reversed << 1) | (cursor & 1);
    return std::ldexp(double(reversed), -64);
}

} // namespace cachescope::redis
