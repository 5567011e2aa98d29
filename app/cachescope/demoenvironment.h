#pragma once

#include <QProcess>
#include <QString>
#include <QTemporaryDir>

#include <memory>

namespace cachescope::app {

// `cachescope --demo`: a throwaway redis-server on a free loopback port in a temporary directory, with
// cachesim sending gateway traffic through it, so a newcomer sees a live dashboard in one command.
// Nothing blocks: the dashboard and cachesim both connect as soon as the server accepts connections.
class DemoEnvironment
{
public:
    DemoEnvironment();
    ~DemoEnvironment(); // stops cachesim and the server, removes the directory

    bool start(QString* error);
    quint16 port() const
    {
        return m_port;
    }

private:
    QTemporaryDir m_dir;
    quint16 m_port = 0;
    std::unique_ptr<QProcess> m_server;
    std::unique_ptr<QProcess> m_traffic;
};

} // namespace cachescope::app
