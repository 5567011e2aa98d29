#include "redis/clusterclient.h"

#include "redis/commandkeys.h"
#include "redis/connection.h"
#include "redis/keyslot.h"

#include <algorithm>
#include <chrono>
#include <map>

namespace cachescope::redis {

using namespace Qt::StringLiterals;
using namespace std::chrono_literals;

namespace {

constexpr int maxRedirects = 5;
constexpr auto refreshDelay = 100ms; // gathers the MOVED replies of one resharding into one map read
constexpr auto refreshRetry = 1s; // while no node can be asked
constexpr auto tryAgainDelay = 50ms;

bool isSplittable(const QByteArray& name)
{
    return name == "DEL" || name == "UNLINK" || name == "EXISTS" || name == "TOUCH" || name == "MGET";
}

} // namespace

struct ClusterClient::Request
{
    QList<QByteArray> arguments;
    QPointer<const QObject> context;
    bool guarded = false;
    Callback callback;
    int redirects = 0;

    bool wanted() const
    {
        return !guarded || context;
    }
};

ClusterClient::ClusterClient(ConnectionOptions seed, QObject* parent)
    : Client(parent)
    , m_seedOptions(std::move(seed))
    , m_slotOwner(clusterSlots, nullptr)
{
    m_seedOptions.database = 0; // a cluster has only database 0
    m_refreshTimer.setSingleShot(true);
    connect(&m_refreshTimer, &QTimer::timeout, this, &ClusterClient::refreshTopology);
}

ClusterClient::~ClusterClient()
{
    // The nodes may still signal while they go; this object is half gone by then.
    for (const auto& connection : m_connections)
        connection->disconnect(this);
    if (m_seed)
        m_seed->disconnect(this);
    m_connections.clear();
    m_seed.reset();
}

qsizetype ClusterClient::pendingCount() const
{
    qsizetype count = qsizetype(m_waiting.size());
    for (const auto& connection : m_connections)
        count += connection->pendingCount();
    return count;
}

QString ClusterClient::describeNode(int index) const
{
    return index >= 0 && index < m_topology.masters.size() ? m_topology.describe(index) : QString();
}

Connection* ClusterClient::nodeForSlot(int slot) const
{
    return slot >= 0 && slot < clusterSlots ? m_slotOwner[std::size_t(slot)] : nullptr;
}

void ClusterClient::open()
{
    if (m_seed && !m_closed)
        return;
    m_closed = false;
    m_haveTopology = false;
    m_state = State::Connecting;
    Q_EMIT stateChanged(m_state);
    m_seed = std::make_unique<Connection>(m_seedOptions);
    connect(m_seed.get(), &Client::ready, this, [this] {
        if (!m_haveTopology)
            refreshTopology();
    });
    connect(m_seed.get(), &Client::errorOccurred, this, [this](ErrorKind kind, const QString& message) {
        if (!m_haveTopology && m_seed->state() == State::Disconnected)
            fail(kind, message);
    });
    m_seed->open();
}

void ClusterClient::close()
{
    if (m_closed)
        return;
    m_closed = true;
    m_refreshTimer.stop();
    std::deque<RequestPtr> waiting;
    waiting.swap(m_waiting);
    for (const RequestPtr& request : waiting)
        finishLater(request, Reply::clientError(ErrorKind::Cancelled, u"the cluster client was closed"_s));
    for (const auto& connection : m_connections)
        connection->close();
    if (m_seed)
        m_seed->close();
    updateState();
}

void ClusterClient::fail(ErrorKind kind, const QString& message)
{
    m_lastErrorKind = kind;
    m_lastError = message;
    std::deque<RequestPtr> waiting;
    waiting.swap(m_waiting);
    for (const RequestPtr& request : waiting)
        finishLater(request, Reply::clientError(ErrorKind::NotConnected, u"not connected: "_s + message));
    m_closed = true;
    updateState();
    Q_EMIT errorOccurred(kind, message);
}

void ClusterClient::command(const QList<QByteArray>& arguments, const QObject* context, Callback callback)
{
    auto request = std::make_shared<Request>();
    request->arguments = arguments;
    request->context = context;
    request->guarded = context != nullptr;
    request->callback = std::move(callback);
    if (m_closed || (!m_seed && !m_haveTopology)) {
        const QString why =
            m_lastError.isEmpty() ? u"the cluster client is not open"_s : u"not connected: "_s + m_lastError;
        finishLater(request, Reply::clientError(ErrorKind::NotConnected, why));
        return;
    }
    route(request);
}

void ClusterClient::route(const RequestPtr& request)
{
    if (!request->wanted())
        return;
    if (!m_haveTopology) {
        m_waiting.push_back(request);
        return;
    }
    const CommandKeys keys = commandKeys(request->arguments);
    if (keys.kind == CommandKeys::Kind::Unknown) {
        finishLater(request,
            Reply::clientError(ErrorKind::Unroutable,
                u"%1 was not sent: CacheScope does not know which cluster node serves its keys"_s.arg(
                    QString::fromUtf8(request->arguments.value(0).toUpper()))));
        return;
    }
    Connection* node = nullptr;
    if (keys.kind == CommandKeys::Kind::NoKeys) {
        node = anyReadyNode();
        if (!node)
            node = m_masters.value(0);
    } else {
        const int slot = keySlot(request->arguments.at(keys.positions.first()));
        const bool oneSlot = std::all_of(keys.positions.cbegin() + 1, keys.positions.cend(),
            [&](qsizetype at) { return keySlot(request->arguments.at(at)) == slot; });
        if (!oneSlot && splitAcrossSlots(request, keys.positions))
            return;
        node = m_slotOwner[std::size_t(slot)];
        if (!node) {
            scheduleRefresh();
            finishLater(request,
                Reply::clientError(ErrorKind::ClusterDown,
                    u"hash slot %1 is served by no master (the cluster is down or being resharded)"_s.arg(slot)));
            return;
        }
    }
    if (!node) {
        finishLater(request, Reply::clientError(ErrorKind::NotConnected, u"the cluster has no masters"_s));
        return;
    }
    sendTo(node, request, false);
}

void ClusterClient::sendTo(Connection* node, const RequestPtr& request, bool asking)
{
    if (asking)
        node->command({"ASKING"}, nullptr, nullptr);
    // The node is owned here and drops its callbacks when destroyed, so `this` outlives every call.
    node->command(request->arguments, request->guarded ? request->context.data() : nullptr,
        [this, request](const Reply& reply) { onReply(request, reply); });
}

void ClusterClient::onReply(const RequestPtr& request, const Reply& reply)
{
    switch (reply.errorKind()) {
    case ErrorKind::Moved:
    case ErrorKind::Ask:
        if (const auto redirect = reply.redirect(); redirect && ++request->redirects <= maxRedirects) {
            ++m_redirects;
            Connection* target = connectionTo(QString::fromUtf8(redirect->host), redirect->port);
            if (reply.errorKind() == ErrorKind::Moved) {
                m_slotOwner[std::size_t(redirect->slot)] = target;
                scheduleRefresh();
            }
            sendTo(target, request, reply.errorKind() == ErrorKind::Ask);
            return;
        }
        break;
    case ErrorKind::TryAgain: // a multi-key command during a slot migration
        if (++request->redirects <= maxRedirects) {
            QTimer::singleShot(tryAgainDelay, this, [this, request] { route(request); });
            return;
        }
        break;
    case ErrorKind::ConnectionLost:
    case ErrorKind::NotConnected:
    case ErrorKind::ClusterDown:
    case ErrorKind::Timeout: // a master that went silent
        scheduleRefresh(); // a failover shows itself this way
        break;
    default:
        break;
    }
    finish(request, reply);
}

bool ClusterClient::splitAcrossSlots(const RequestPtr& request, const QList<qsizetype>& keyPositions)
{
    const QByteArray name = request->arguments.first().toUpper();
    if (!isSplittable(name))
        return false;
    std::map<int, QList<qsizetype>> bySlot; // key positions per slot, each in the caller's order
    for (qsizetype at : keyPositions)
        bySlot[keySlot(request->arguments.at(at))].append(at);

    struct Gather
    {
        std::size_t remaining = 0;
        qint64 sum = 0;
        Reply values; // MGET
        std::optional<Reply> error;
    };
    auto gather = std::make_shared<Gather>();
    gather->remaining = bySlot.size();
    const bool isMget = name == "MGET";
    if (isMget)
        gather->values = Reply::array(std::size_t(keyPositions.size()));
    for (const auto& [slot, positions] : bySlot) {
        auto part = std::make_shared<Request>();
        part->arguments.reserve(positions.size() + 1);
        part->arguments.append(request->arguments.first());
        for (qsizetype at : positions)
            part->arguments.append(request->arguments.at(at));
        part->context = request->context;
        part->guarded = request->guarded;
        part->callback = [this, request, gather, positions = positions, isMget](const Reply& reply) {
            if (reply.isError()) {
                if (!gather->error)
                    gather->error = reply;
            } else if (isMget && reply.isArray() && qsizetype(reply.elements().size()) == positions.size()) {
                for (qsizetype i = 0; i < positions.size(); ++i)
                    gather->values.elements()[std::size_t(positions.at(i) - 1)] = reply.elements()[std::size_t(i)];
            } else if (reply.isInteger()) {
                gather->sum += reply.integer();
            }
            if (--gather->remaining > 0)
                return;
            finish(request, gather->error ? *gather->error : isMget ? gather->values : Reply::integer(gather->sum));
        };
        route(part);
    }
    return true;
}

void ClusterClient::finish(const RequestPtr& request, const Reply& reply)
{
    if (request->wanted() && request->callback)
        request->callback(reply);
}

void ClusterClient::finishLater(const RequestPtr& request, const Reply& reply)
{
    QTimer::singleShot(0, this, [this, request, reply] { finish(request, reply); });
}

void ClusterClient::refreshTopology()
{
    if (m_refreshing || m_closed)
        return;
    Connection* source = anyReadyNode();
    if (!source && m_seed && m_seed->isReady())
        source = m_seed.get();
    if (!source) {
        m_refreshTimer.start(refreshRetry);
        return;
    }
    m_refreshing = true;
    discoverCluster(*source, this, [this](std::optional<ClusterTopology> topology, const QString& error) {
        m_refreshing = false;
        if (m_closed)
            return;
        if (!topology || topology->masters.isEmpty()) {
            const QString why = error.isEmpty() ? u"the cluster has no masters with slots"_s : error;
            if (!m_haveTopology)
                fail(ErrorKind::ClusterDown, why);
            else
                m_refreshTimer.start(refreshRetry);
            return;
        }
        applyTopology(std::move(*topology));
    });
}

void ClusterClient::applyTopology(ClusterTopology topology)
{
    ++m_topologyLoads;
    m_topology = std::move(topology);
    QList<Connection*> masters;
    std::fill(m_slotOwner.begin(), m_slotOwner.end(), nullptr);
    for (const ClusterTopology::Master& master : std::as_const(m_topology.masters)) {
        Connection* connection = connectionTo(master.host, master.port);
        masters.append(connection);
        for (const auto& [first, last] : master.slotRanges) {
            for (int slot = std::max(first, 0); slot <= std::min(last, clusterSlots - 1); ++slot)
                m_slotOwner[std::size_t(slot)] = connection;
        }
    }
    const bool changed = masters != m_masters;
    m_masters = masters;
    for (const auto& connection : m_connections)
        closeIfServingNothing(connection.get());
    m_haveTopology = true;
    if (changed)
        Q_EMIT nodesChanged();
    std::deque<RequestPtr> waiting;
    waiting.swap(m_waiting);
    for (const RequestPtr& request : waiting)
        route(request);
    updateState();
    // A master that cannot be reached may be failing over: read the map again every second until it names a
    // reachable one, rather than only as often as the lost master's reconnect attempts (which back off to seconds).
    const bool masterUnreachable = std::any_of(m_masters.cbegin(), m_masters.cend(), [](const Connection* master) {
        return master->state() == State::WaitingToReconnect || master->state() == State::Disconnected;
    });
    if (masterUnreachable && !m_refreshTimer.isActive() && !m_closed)
        m_refreshTimer.start(refreshRetry);
}

Connection* ClusterClient::connectionTo(const QString& host, quint16 port)
{
    const QString effectiveHost = host.isEmpty() ? m_seedOptions.host : host; // a node that does not know its IP
    const QString address = effectiveHost + u':' + QString::number(port);
    if (Connection* existing = m_byAddress.value(address)) {
        if (existing->state() == State::Disconnected && !m_closed)
            existing->open();
        return existing;
    }
    ConnectionOptions options = m_seedOptions;
    options.host = effectiveHost;
    options.port = port;
    m_connections.push_back(std::make_unique<Connection>(options));
    Connection* connection = m_connections.back().get();
    m_byAddress.insert(address, connection);
    connect(connection, &Client::stateChanged, this, [this, connection](State state) {
        if (state == State::WaitingToReconnect && m_masters.contains(connection))
            scheduleRefresh();
        else if (state == State::WaitingToReconnect && m_haveTopology)
            closeIfServingNothing(connection);
        updateState();
    });
    connect(
        connection, &Client::errorOccurred, this, [this, connection, address](ErrorKind kind, const QString& message) {
            if (!m_masters.contains(connection))
                return;
            m_lastErrorKind = kind;
            m_lastError = address + u": "_s + message;
            Q_EMIT errorOccurred(kind, m_lastError);
        });
    connection->open();
    return connection;
}

void ClusterClient::closeIfServingNothing(Connection* connection)
{
    // A node that serves no slot any more (an old master after a failover) stops reconnecting once its pending
    // commands are answered or timed out: here at a topology load, or at its next failed attempt after that.
    // Deferred: the connection may be inside its own state change, about to arm its reconnect timer.
    QTimer::singleShot(0, connection, [this, connection] {
        if (!m_closed && !m_masters.contains(connection) && connection->pendingCount() == 0
            && connection->state() != State::Disconnected)
            connection->close();
    });
}

Connection* ClusterClient::anyReadyNode() const
{
    for (Connection* master : m_masters) {
        if (master->isReady())
            return master;
    }
    return nullptr;
}

void ClusterClient::scheduleRefresh()
{
    if (!m_refreshTimer.isActive() && !m_closed)
        m_refreshTimer.start(refreshDelay);
}

void ClusterClient::updateState()
{
    State next = m_state;
    if (m_closed) {
        next = State::Disconnected;
    } else if (m_haveTopology) {
        const bool allReady =
            std::all_of(m_masters.cbegin(), m_masters.cend(), [](Connection* c) { return c->isReady(); });
        if (allReady)
            next = State::Ready;
        else if (m_state == State::Ready || m_state == State::WaitingToReconnect)
            next = State::WaitingToReconnect;
    }
    if (next == m_state)
        return;
    m_state = next;
    Q_EMIT stateChanged(m_state);
    if (m_state == State::Ready)
        Q_EMIT ready();
}

} // namespace cachescope::redis
