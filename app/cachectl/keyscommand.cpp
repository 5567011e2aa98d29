#include "keyscommand.h"

#include "cliresult.h"
#include "model/displaybytes.h"
#include "redis/client.h"

#include <QJsonDocument>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

KeysCommand::KeysCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_options(std::move(options))
    , m_out(out)
    , m_err(err)
    , m_scan(connection, m_options.scan)
{
    m_scan.setMaxParallelNodes(m_options.mastersAtOnce);
    connect(&m_scan, &redis::KeyspaceScan::nodeStarted, this, [this](int index, int count, const QString& description) {
        if (count > 1 && !m_options.json)
            m_err << "scanning master " << (index + 1) << " of " << count << ": " << description << '\n' << Qt::flush;
    });
    connect(&m_scan, &redis::KeyspaceScan::nodeFinished, this, [this](int index, qint64 keys) {
        if (m_scan.nodeCount() > 1 && !m_options.json)
            m_err << "master " << (index + 1) << " done: " << keys << " keys\n" << Qt::flush;
    });
    connect(&m_scan, &redis::KeyspaceScan::page, this, [this](const QList<QByteArray>& keys) {
        ++m_pages;
        m_summary.add(keys);
        if (m_options.list && !m_options.json) {
            for (const QByteArray& key : keys)
                m_out << model::displayBytes(key) << '\n';
            m_out.flush();
        }
    });
    connect(&m_scan, &redis::KeyspaceScan::finished, this, [this] {
        printSummary();
        Q_EMIT finished(ExitOk);
    });
    connect(&m_scan, &redis::KeyspaceScan::failed, this, [this](const redis::Reply& error) {
        m_err << "cachectl keys: scan failed after " << m_summary.total() << " keys: " << error.errorMessage() << '\n';
        Q_EMIT finished(ExitFailure);
    });
}

void KeysCommand::start()
{
    m_scan.start();
}

void KeysCommand::printSummary()
{
    if (m_options.json) {
        QJsonObject json = m_summary.toJson();
        json.insert(u"pattern"_s, QString::fromUtf8(m_options.scan.match.isEmpty() ? "*" : m_options.scan.match));
        m_out << QJsonDocument(json).toJson(QJsonDocument::Indented);
        return;
    }
    if (m_options.list)
        return; // the keys were the output; the summary would get in a pipe's way
    // Busiest first, and only the first few of each level unless --all: a production keyspace has
    // thousands of venues, and a screenful is what an engineer on call reads.
    const qsizetype limit = m_options.all ? std::numeric_limits<qsizetype>::max() : 10;
    auto busiestFirst = [](QList<std::pair<QByteArray, qint64>>& rows) {
        std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
    };
    auto printRows = [this, limit](const QList<std::pair<QByteArray, qint64>>& rows, const char* indent,
                         const char* what, auto&& printChildren) {
        for (qsizetype i = 0; i < rows.size() && i < limit; ++i) {
            m_out << indent << what << model::displayBytes(rows.at(i).first) << ": " << rows.at(i).second << '\n';
            printChildren(rows.at(i).first);
        }
        if (rows.size() > limit)
            m_out << indent << "… " << rows.size() - limit << " more (--all shows every one)\n";
    };
    const auto& gateway = m_summary.gateway();
    m_out << "Gateway responses: " << m_summary.gatewayTotal() << '\n';
    QList<std::pair<QByteArray, qint64>> tenants;
    for (auto tenant = gateway.cbegin(); tenant != gateway.cend(); ++tenant) {
        qint64 total = 0;
        for (const auto& routes : *tenant)
            for (qint64 count : routes)
                total += count;
        tenants.append({tenant.key(), total});
    }
    busiestFirst(tenants);
    printRows(tenants, "  ", "tenant ", [&](const QByteArray& tenant) {
        QList<std::pair<QByteArray, qint64>> venues;
        const auto& venueMap = gateway.value(tenant);
        for (auto venue = venueMap.cbegin(); venue != venueMap.cend(); ++venue) {
            qint64 total = 0;
            for (qint64 count : *venue)
                total += count;
            venues.append({venue.key(), total});
        }
        busiestFirst(venues);
        printRows(venues, "    ", "venue ", [&](const QByteArray& venue) {
            QList<std::pair<QByteArray, qint64>> routes;
            const auto& routeMap = venueMap.value(venue);
            for (auto route = routeMap.cbegin(); route != routeMap.cend(); ++route)
                routes.append({route.key(), route.value()});
            busiestFirst(routes);
            printRows(routes, "      ", "", [](const QByteArray&) {});
        });
    });
    m_out << "Service entries: " << m_summary.serviceTotal() << '\n';
    QList<std::pair<QByteArray, qint64>> namespaces;
    for (auto it = m_summary.services().cbegin(); it != m_summary.services().cend(); ++it)
        namespaces.append({it.key(), it.value()});
    busiestFirst(namespaces);
    printRows(namespaces, "  ", "", [](const QByteArray&) {});
    m_out << "CacheScope's own keys (stats, tags, config, audit): " << m_summary.cacheScopeTotal() << '\n';
    m_out << "Other keys: " << m_summary.otherTotal() << '\n';
    for (const QByteArray& key : m_summary.otherSamples())
        m_out << "  e.g. " << model::displayBytes(key, 200) << '\n';
    m_out << "Total: " << m_summary.total() << " keys in " << m_pages << " SCAN pages\n";
}

PreparedCommand prepareKeys(CommandInput& input)
{
    if (!input.arguments.isEmpty()) {
        input.usage(u"keys takes no arguments (--match PATTERN selects keys)"_s);
        return {};
    }
    KeysCommand::Options options;
    options.scan.match = input.bytes(input.parser.value(u"match"_s));
    options.scan.count = input.positive(u"count"_s, 1000);
    options.scan.type = input.parser.value(u"type"_s).toUtf8();
    options.list = input.parser.isSet(u"list"_s);
    options.all = input.parser.isSet(u"all"_s);
    options.json = input.json();
    options.mastersAtOnce = input.positive(u"masters-at-once"_s, 0);
    return prepareObject(new KeysCommand(input.connection, options, input.out, input.err));
}

} // namespace cachescope::cli
