#include "synccommand.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QTimer>

namespace cachescope::testing {

redis::Reply replyArray(const QList<redis::Reply>& elements)
{
    redis::Reply array = redis::Reply::array(std::size_t(elements.size()));
    for (qsizetype i = 0; i < elements.size(); ++i)
        array.elements()[std::size_t(i)] = elements.at(i);
    return array;
}

using namespace Qt::StringLiterals;

redis::Reply runCommand(redis::Client& connection, const QList<QByteArray>& arguments, int timeoutMs)
{
    QEventLoop loop;
    std::optional<redis::Reply> result;
    connection.command(arguments, &loop, [&](const redis::Reply& reply) {
        result = reply;
        loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    if (!result)
        loop.exec();
    return result ? *result : redis::Reply::clientError(redis::ErrorKind::Timeout, u"test helper timed out"_s);
}

bool openAndWait(redis::Client& connection, int timeoutMs)
{
    QEventLoop loop;
    QObject::connect(&connection, &redis::Client::ready, &loop, &QEventLoop::quit);
    QObject::connect(&connection, &redis::Client::stateChanged, &loop, [&loop](redis::Client::State state) {
        if (state == redis::Client::State::Disconnected)
            loop.quit();
    });
    QTimer::singleShot(timeoutMs, &loop, &QEventLoop::quit);
    connection.open();
    if (connection.state() != redis::Client::State::Disconnected && !connection.isReady())
        loop.exec();
    return connection.isReady();
}

QSet<QByteArray> scanAll(redis::Connection& connection, const QByteArray& pattern, redis::Reply* error)
{
    QSet<QByteArray> keys;
    QByteArray cursor = "0";
    do {
        const redis::Reply page = runCommand(connection, {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"});
        if (!page.isArray() || page.elements().size() != 2) {
            if (error)
                *error = page;
            return keys;
        }
        cursor = page.elements()[0].bytes();
        for (const redis::Reply& key : page.elements()[1].elements())
            keys.insert(key.bytes());
    } while (cursor != "0");
    return keys;
}

} // namespace cachescope::testing

namespace cachescope::testing {

QList<ops::AuditRecord> auditRecords(const redis::ConnectionOptions& options, int count)
{
    redis::Connection connection(options);
    if (!openAndWait(connection))
        return {};
    QList<ops::AuditRecord> records;
    bool done = false;
    ops::readAudit(connection, count, nullptr, [&](std::optional<QList<ops::AuditRecord>> read, const QString&) {
        records = read.value_or(QList<ops::AuditRecord>());
        done = true;
    });
    QElapsedTimer clock;
    clock.start();
    while (!done && clock.elapsed() < 10000)
        QCoreApplication::processEvents(QEventLoop::WaitForMoreEvents, 50);
    return records;
}

qint64 infoInteger(const QByteArray& info, const QByteArray& name)
{
    const qsizetype at = info.indexOf(QByteArray(name + ':'));
    if (at < 0)
        return -1;
    const qsizetype from = at + name.size() + 1;
    return info.mid(from, info.indexOf('\r', from) - from).toLongLong();
}

qint64 commandStat(const QByteArray& info, const QByteArray& command, const QByteArray& field)
{
    const QByteArray prefix = "cmdstat_" + command + ':';
    const qsizetype at = info.indexOf(prefix);
    if (at < 0)
        return 0;
    const qsizetype from = at + prefix.size();
    const qsizetype end = info.indexOf('\n', from);
    for (const QByteArray& part : info.mid(from, end < 0 ? -1 : end - from).trimmed().split(',')) {
        if (part.startsWith(QByteArray(field + '=')))
            return part.sliced(field.size() + 1).toLongLong();
    }
    return -1;
}

void afterReplies(redis::Client& connection, int count, QObject* context, std::function<void()> then)
{
    if (count <= 0) {
        then();
        return;
    }
    connection.command({"PING"}, context, [&connection, count, context, then = std::move(then)](const redis::Reply&) {
        if (count <= 1)
            then();
        else
            afterReplies(connection, count - 1, context, then);
    });
}

redis::LookupCount keyspaceLookupsIn(const QByteArray& info)
{
    return {infoInteger(info, "keyspace_hits"), infoInteger(info, "keyspace_misses")};
}

redis::LookupCount serverLookups(redis::Client& connection)
{
    return keyspaceLookupsIn(runCommand(connection, {"INFO", "stats"}).bytes());
}

qint64 commandCalls(redis::Client& connection, const QByteArray& command)
{
    return commandStat(runCommand(connection, {"INFO", "commandstats"}).bytes(), command, "calls");
}

} // namespace cachescope::testing
