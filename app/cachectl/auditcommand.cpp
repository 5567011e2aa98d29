#include "auditcommand.h"
#include "model/displaybytes.h"

#include "cliresult.h"

#include "ops/audit/audit.h"
#include "redis/client.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

void runAuditCommand(
    redis::Client& connection, int count, bool json, QTextStream& out, QTextStream& err, std::function<void(int)> done)
{
    ops::readAudit(connection, count, &connection,
        [json, &out, &err, done = std::move(done)](
            std::optional<QList<ops::AuditRecord>> records, const QString& error) {
            if (!records) {
                err << "cachectl audit: " << error << '\n';
                done(ExitFailure);
                return;
            }
            QJsonArray array;
            for (const ops::AuditRecord& record : *records) {
                if (json) {
                    // Every field in every record (one shape, docs/json-output.md): null where a record of an
                    // earlier version did not say.
                    const QJsonObject object {{u"id"_s, QString::fromUtf8(record.id)},
                        {u"at"_s, record.at.toString(Qt::ISODateWithMs)}, {u"actor"_s, record.actor},
                        {u"action"_s, record.action}, {u"target"_s, record.target},
                        {u"count"_s, record.count >= 0 ? QJsonValue(record.count) : QJsonValue()},
                        {u"dryRun"_s, record.dryRun},
                        {u"outcome"_s, record.outcome.isEmpty() ? QJsonValue() : QJsonValue(record.outcome)},
                        {u"detail"_s, record.detail}};
                    array.append(object);
                    continue;
                }
                // Every field came from whoever could XADD: escaped, so no stored byte reaches the terminal raw.
                out << record.at.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) << "  "
                    << model::displayText(record.actor).leftJustified(20) << ' '
                    << model::displayText(record.summary()).leftJustified(14) << ' '
                    << model::displayText(record.target);
                if (record.count >= 0)
                    out << "  (" << record.count << " keys)";
                out << '\n';
            }
            if (json)
                out << QJsonDocument(array).toJson(QJsonDocument::Indented);
            else if (records->isEmpty())
                out << "No audit records yet.\n";
            done(ExitOk);
        });
}

PreparedCommand prepareAudit(CommandInput& input)
{
    const int count = input.positive(u"count"_s, 20);
    const bool json = input.json();
    return runFunction(input, u"audit"_s,
        [count, json](redis::Client& connection, QTextStream& out, QTextStream& err, std::function<void(int)> done) {
            runAuditCommand(connection, count, json, out, err, std::move(done));
        });
}

} // namespace cachescope::cli
