#pragma once

#include "redis/connectionoptions.h"
#include "redis/replyreader.h"

#include <QHostAddress>
#include <QObject>
#include <QPointer>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <functional>
#include <memory>

namespace cachescope::testing {

// A server that speaks RESP as a script says, for what no real Redis sends: it answers the handshake as Redis does,
// then each other command with the bytes `answer` gives (one write each, or byte by byte), and can push bytes
// nobody asked for.
class ScriptedServer : public QObject
{
public:
    std::function<QByteArray(const QList<QByteArray>& command)> answer;
    bool byteByByte = false;

    ScriptedServer()
    {
        m_server.listen(QHostAddress::LocalHost, 0);
        connect(&m_server, &QTcpServer::newConnection, this, [this] {
            while (QTcpSocket* socket = m_server.nextPendingConnection()) {
                m_client = socket;
                auto reader = std::make_shared<redis::ReplyReader>();
                connect(socket, &QTcpSocket::readyRead, this, [this, socket, reader] {
                    // Commands that arrive while a reply goes out byte by byte are buffered without another
                    // readyRead (it is never emitted recursively): read on until the socket holds nothing.
                    redis::Reply command;
                    while (socket->bytesAvailable() > 0
                        || reader->next(&command) == redis::ReplyReader::Status::HaveReply) {
                        if (socket->bytesAvailable() > 0) {
                            reader->feed(socket->readAll());
                            continue;
                        }
                        QList<QByteArray> arguments;
                        for (const redis::Reply& argument : command.elements())
                            arguments.append(argument.bytes());
                        const QByteArray name = arguments.value(0).toUpper();
                        if (name == "PING")
                            write("+PONG\r\n");
                        else if (name == "CLIENT")
                            write("+OK\r\n");
                        else
                            write(answer(arguments));
                    }
                });
            }
        });
    }
    quint16 port() const
    {
        return m_server.serverPort();
    }
    // Where to connect, without reconnecting: a script answers one connection.
    redis::ConnectionOptions connectionOptions() const
    {
        redis::ConnectionOptions options;
        options.host = QStringLiteral("127.0.0.1");
        options.port = port();
        options.autoReconnect = false;
        return options;
    }
    void write(const QByteArray& bytes)
    {
        if (!m_client)
            return;
        if (!byteByByte) {
            m_client->write(bytes);
            return;
        }
        for (const char byte : bytes) {
            m_client->write(&byte, 1);
            m_client->flush();
            QTest::qWait(1);
        }
    }

private:
    QTcpServer m_server;
    QPointer<QTcpSocket> m_client;
};

} // namespace cachescope::testing
