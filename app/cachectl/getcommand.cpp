#include "getcommand.h"

#include "cliresult.h"

#include "cache/storedvalueview.h"
#include "model/displaybytes.h"
#include "model/ttltext.h"
#include "ops/keys/keyinspection.h"
#include "redis/client.h"

#include <QDateTime>
#include <QJsonDocument>
#include <QJsonObject>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

GetCommand::GetCommand(redis::Client* connection, QByteArray key, bool json, QTextStream& out, QTextStream& err)
    : m_connection(connection)
    , m_key(std::move(key))
    , m_json(json)
    , m_out(out)
    , m_err(err)
{
}

void GetCommand::start()
{
    ops::inspectKey(
        *m_connection, m_key, this, [this](std::optional<ops::KeyInspection> inspection, const QString& error) {
            if (!inspection) {
                m_err << "cachectl get: " << error << '\n';
                Q_EMIT finished(ExitFailure);
                return;
            }
            print(*inspection);
        });
}

void GetCommand::print(const ops::KeyInspection& inspection)
{
    if (!inspection.exists()) {
        m_err << "cachectl get: no such key: " << model::displayBytes(m_key) << '\n';
        Q_EMIT finished(ExitFailure);
        return;
    }
    const bool isString = inspection.type == "string";
    if (m_json) {
        QJsonObject json {{u"key"_s, model::displayBytes(m_key)}, {u"type"_s, QString::fromUtf8(inspection.type)},
            {u"pttl"_s, inspection.pttl}, {u"size"_s, inspection.valueSize},
            {u"parsed"_s, ops::describeInspectedKey(inspection)}};
        if (isString) {
            json.insert(u"value"_s, model::displayBytes(inspection.valuePrefix));
            json.insert(u"view"_s,
                cache::viewStoredValue(inspection.valuePrefix, inspection.valueSize)
                    .toJson(inspection.pttl, QDateTime::currentMSecsSinceEpoch()));
        }
        m_out << QJsonDocument(json).toJson(QJsonDocument::Indented);
    } else {
        m_out << "Key:   " << model::displayBytes(m_key) << '\n';
        m_out << "Shape: " << ops::describeInspectedKey(inspection) << '\n';
        m_out << "Type:  " << QString::fromUtf8(inspection.type) << " (" << inspection.valueSize
              << (isString ? " bytes" : " elements") << ")\n";
        m_out << "TTL:   " << model::describeTtlShort(inspection.pttl) << '\n';
        if (isString) {
            const cache::StoredValueView view = cache::viewStoredValue(inspection.valuePrefix, inspection.valueSize);
            QStringList facts = view.facts();
            const QString freshness = view.freshness(inspection.pttl, QDateTime::currentMSecsSinceEpoch());
            if (!freshness.isEmpty())
                facts.prepend(freshness);
            for (qsizetype i = 0; i < facts.size(); ++i)
                m_out << (i == 0 ? "Entry: " : "       ") << facts.at(i) << '\n';
            m_out << "Value:\n" << view.bodyText() << '\n';
        }
    }
    Q_EMIT finished(ExitOk);
}

PreparedCommand prepareGet(CommandInput& input)
{
    if (input.arguments.size() != 1) {
        input.usage(u"get takes one KEY"_s);
        return {};
    }
    const QByteArray key = input.bytes(input.arguments.first());
    return prepareObject(new GetCommand(input.connection, key, input.json(), input.out, input.err));
}

} // namespace cachescope::cli
