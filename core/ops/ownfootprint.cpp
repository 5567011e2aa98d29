#include "ops/ownfootprint.h"

#include "redis/client.h"
#include "redis/gather.h"
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
    // Each page's sizes are asked for together (one gather per page); at most a few pages wait for theirs before
    // the scan pauses, so a large own keyspace never piles commands on the server.
    constexpr int maxPagesMeasuring = 4;
    struct Walk
    {
        OwnFootprint footprint;
        int pagesMeasuring = 0;
        bool scanDone = false;
        bool reported = false;
        std::function<void(const OwnFootprint&)> done;
    };
    auto walk = std::make_shared<Walk>();
    walk->done = std::move(done);
    auto* scan = new redis::KeyspaceScan(&client, {"cachescope:*", 1000, {}}, context);
    auto finishIfDone = [walk, scan] {
        if (!walk->scanDone || walk->pagesMeasuring > 0 || walk->reported)
            return;
        walk->reported = true;
        scan->deleteLater();
        // Kinds in a fixed order, whatever order the walk met them in.
        std::sort(walk->footprint.parts.begin(), walk->footprint.parts.end(),
            [](const FootprintPart& a, const FootprintPart& b) { return a.kind < b.kind; });
        walk->done(walk->footprint);
    };
    QObject::connect(scan, &redis::KeyspaceScan::page, context,
        [walk, scan, finishIfDone, &client, context](const QList<QByteArray>& keys) {
            QList<redis::AddressedCommand> sizes;
            QStringList kinds;
            for (const QByteArray& key : keys) {
                const QString kind = footprintKind(key);
                if (kind.isEmpty())
                    continue;
                // Not SAMPLES 0: that walks every element, and a bucket other writers made fat (100,000 fields)
                // held the server 30 ms. The default samples a large structure's elements; a small one (one block
                // of listpack) is measured exactly either way.
                sizes.append({&client, {"MEMORY", "USAGE", key}});
                kinds.append(kind);
            }
            if (sizes.isEmpty())
                return;
            if (++walk->pagesMeasuring >= maxPagesMeasuring)
                scan->pause();
            redis::gatherReplies(
                sizes, context, [walk, scan, finishIfDone, kinds](const std::vector<redis::Reply>& replies) {
                    for (std::size_t i = 0; i < replies.size(); ++i)
                        walk->footprint.add(kinds.at(qsizetype(i)), replies[i]);
                    if (--walk->pagesMeasuring < maxPagesMeasuring && !walk->scanDone)
                        scan->resume();
                    finishIfDone();
                });
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

void OwnFootprint::add(const QString& kind, const redis::Reply& size)
{
    if (!size.isInteger()) {
        ++unmeasured;
        return;
    }
    auto part = std::find_if(parts.begin(), parts.end(), [&kind](const FootprintPart& p) { return p.kind == kind; });
    if (part == parts.end())
        part = parts.insert(parts.end(), {kind, 0, 0});
    ++part->keys;
    part->bytes += size.integer();
    ++keys;
    bytes += size.integer();
}

} // namespace cachescope::ops
