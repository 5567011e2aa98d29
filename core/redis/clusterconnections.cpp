#include "redis/clusterconnections.h"

#include "redis/keyslot.h"

#include <memory>

namespace cachescope::redis {

using namespace Qt::StringLiterals;

ClusterConnections::ClusterConnections(ConnectionOptions seed, QObject* parent)
    : QObject(parent)
    , m_seedOptions(std::move(seed))
{
}

ClusterConnections::~ClusterConnections() = default;

Connection* ClusterConnections::forKey(const QByteArray& key) const
{
    const int index = m_topology.masterFor(keySlot(key));
    return index >= 0 && std::size_t(index) < m_masters.size() ? m_masters[std::size_t(index)].get() : nullptr;
}

void ClusterConnections::open(std::function<void(const QString& error)> ready)
{
    auto reported = std::make_shared<bool>(false);
    auto report = [reported, ready](const QString& error) {
        if (*reported)
            return;
        *reported = true;
        ready(error);
    };
    m_seed = std::make_unique<Connection>(m_seedOptions);
    connect(m_seed.get(), &Connection::errorOccurred, this,
        [report](ErrorKind, const QString& message) { report(message); });
    connect(m_seed.get(), &Connection::ready, this, [this, report] {
        discoverCluster(*m_seed, this, [this, report](std::optional<ClusterTopology> topology, const QString& error) {
            if (!topology || topology->masters.isEmpty()) {
                report(error.isEmpty() ? u"the cluster has no masters with slots"_s : error);
                return;
            }
            m_topology = std::move(*topology);
            auto waiting = std::make_shared<int>(int(m_topology.masters.size()));
            for (int i = 0; i < m_topology.masters.size(); ++i) {
                m_masters.push_back(std::make_unique<Connection>(m_topology.optionsFor(i, m_seedOptions)));
                Connection* master = m_masters.back().get();
                connect(master, &Connection::errorOccurred, this, [this, i, report](ErrorKind, const QString& message) {
                    report(u"%1: %2"_s.arg(m_topology.describe(i), message));
                });
                connect(master, &Connection::ready, this, [waiting, report] {
                    if (--*waiting == 0)
                        report(QString());
                });
                master->open();
            }
        });
    });
    m_seed->open();
}

} // namespace cachescope::redis
