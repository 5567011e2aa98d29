#include "keyscommand.h"

#include "cliresult.h"
#include "redis/connection.h"

#include <QJsonDocument>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

KeysCommand::KeysCommand(redis::Connection* connection, Options options, QTextStream& out, QTextStream& err)
    : m_options(std::move(options))
    , m_out(out)
    , m_err(err)
    , m_scan(connection, m_options.scan)
{
    connect(&m_scan, &redis::ScanIterator::page, this, [this](const QList<QByteArray>& keys) {
        m_summary.add(keys);
        if (m_options.list && !m_options.json) {
            for (const QByteArray& key : keys)
                m_out << redis::displayBytes(key) << '\n';
            m_out.flush();
        }
    });
    connect(&m_scan, &redis::ScanIterator::finished, this, [this] {
        printSummary();
        Q_EMIT finished(ExitOk);
    });
    connect(&m_scan, &redis::ScanIterator::failed, this, [this](const redis::Reply& error) {
        m_err << "cachectl keys: scan failed after " << m_scan.keysReceived() << " keys: " << error.errorMessage()
              << '\n';
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
    const auto& gateway = m_summary.gateway();
    m_out << "Gateway responses: " << m_summary.gatewayTotal() << '\n';
    for (auto tenant = gateway.cbegin(); tenant != gateway.cend(); ++tenant) {
        qint64 tenantTotal = 0;
        for (const auto& routes : *tenant)
            for (qint64 count : routes)
                tenantTotal += count;
        m_out << "  tenant " << redis::displayBytes(tenant.key()) << ": " << tenantTotal << '\n';
        for (auto venue = tenant->cbegin(); venue != tenant->cend(); ++venue) {
            qint64 venueTotal = 0;
            for (qint64 count : *venue)
                venueTotal += count;
            m_out << "    venue " << redis::displayBytes(venue.key()) << ": " << venueTotal << '\n';
            for (auto route = venue->cbegin(); route != venue->cend(); ++route)
                m_out << "      " << redis::displayBytes(route.key()) << ": " << route.value() << '\n';
        }
    }
    m_out << "Service entries: " << m_summary.serviceTotal() << '\n';
    for (auto it = m_summary.services().cbegin(); it != m_summary.services().cend(); ++it)
        m_out << "  " << redis::displayBytes(it.key()) << ": " << it.value() << '\n';
    m_out << "Other keys: " << m_summary.otherTotal() << '\n';
    for (const QByteArray& key : m_summary.otherSamples())
        m_out << "  e.g. " << redis::displayBytes(key, 200) << '\n';
    m_out << "Total: " << m_summary.total() << " keys in " << m_scan.pagesReceived() << " SCAN pages\n";
}

} // namespace cachescope::cli
