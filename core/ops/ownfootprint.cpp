#include "ops/ownfootprint.h"

#include "redis/client.h"
#include "redis/keyspacescan.h"

#include <QLocale>

#include <algorithm>
#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

QString footprintKind(const QByteArray& key)
{
    if (!key.startsWith("cachescope:"))
        return {};
    const QByteArray rest = key.sliced(11);
    if (rest.startsWith("stats:{")) {
        const qsizetype colon = rest.indexOf(':', 7);
        return colon > 7 ? u"stats "_s + QString::fromLatin1(rest.sliced(7, colon - 7)) : u"stats"_s;
    }
    if (rest.startsWith("stats:") && rest.endsWith(":index")) {
        return u"stats "_s + QString::fromLatin1(rest.sliced(6, rest.size() - 6 - 6));
    }
    if (rest.startsWith("stats:"))
        return u"stats (earlier version, expires within 24 h)"_s;
    if (rest.startsWith("tag:"))
        return u"tag indexes"_s;
    if (rest.startsWith("audit"))
        return u"audit"_s;
    if (rest.startsWith("config:"))
        return u"route config"_s;
    return u"other"_s;
}

QString OwnFootprint::summary() const
{
    const QLocale locale;
    QString text = u"%1 keys, %2"_s.arg(locale.toString(keys), locale.formattedDataSize(bytes));
    QStringList each;
    for (const FootprintPart& part : parts)
        each.append(
            u"%1 %2 keys %3"_s.arg(part.kind, locale.toString(part.keys), locale.formattedDataSize(part.bytes)));
    if (!each.isEmpty())
        text += u": "_s + each.join(u", "_s);
    return text;
}

void measureOwnFootprint(redis::Client& client, QObject* context, std::function<void(const OwnFootprint&)> done)
{
    struct Walk
    {
        OwnFootprint footprint;
        qint64 pendingSizes = 0;
        bool scanDone = false;
        bool reported = false;
        std::function<void(const OwnFootprint&)> done;
    };
    auto walk = std::make_shared<Walk>();
    walk->done = std::move(done);
    auto* scan = new redis::KeyspaceScan(&client, {"cachescope:*", 1000, {}}, context);
    auto finishIfDone = [walk, scan] {
        if (!walk->scanDone || walk->pendingSizes > 0 || walk->reported)
            return;
        walk->reported = true;
        scan->deleteLater();
        // Kinds in a fixed order, whatever order the walk met them in.
        std::sort(walk->footprint.parts.begin(), walk->footprint.parts.end(),
            [](const FootprintPart& a, const FootprintPart& b) { return a.kind < b.kind; });
        walk->done(walk->footprint);
    };
    QObject::connect(scan, &redis::KeyspaceScan::page, context,
        [walk, finishIfDone, &client, context](const QList<QByteArray>& keys) {
            for (const QByteArray& key : keys) {
                const QString kind = footprintKind(key);
                if (kind.isEmpty())
                    continue;
                ++walk->pendingSizes;
                client.command({"MEMORY", "USAGE", key, "SAMPLES", "0"}, context,
                    [walk, finishIfDone, kind](const redis::Reply& reply) {
                        --walk->pendingSizes;
                        if (!reply.isInteger()) {
                            ++walk->footprint.unmeasured;
                        } else {
                            auto part = std::find_if(walk->footprint.parts.begin(), walk->footprint.parts.end(),
                                [&kind](const FootprintPart& p) { return p.kind == kind; });
                            if (part == walk->footprint.parts.end())
                                part = walk->footprint.parts.insert(walk->footprint.parts.end(), {kind, 0, 0});
                            ++part->keys;
                            part->bytes += reply.integer();
                            ++walk->footprint.keys;
                            walk->footprint.bytes += reply.integer();
                        }
                        finishIfDone();
                    });
            }
        });
    QObject::connect(scan, &redis::KeyspaceScan::finished, context, [walk, finishIfDone] {
        walk->scanDone = true;
        finishIfDone();
    });
    QObject::connect(scan, &redis::KeyspaceScan::failed, context, [walk, finishIfDone](const redis::Reply& error) {
        walk->footprint.error = error.errorMessage();
        walk->scanDone = true;
        finishIfDone();
    });
    scan->start();
}

} // namespace cachescope::ops
