#include "ops/server/ownfootprint.h"

#include "model/gatewaykey.h"
#include "redis/client.h"
#include "redis/gather.h"
#include "redis/keyspacescan.h"

#include <QLocale>

#include <algorithm>
#include <memory>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

namespace {
// Any writer may store keys under the prefix: a tier's name is shown only when it could be one ("1s", "15m",
// "hourly"), so no stored byte reaches a terminal and the kinds stay few.
QString tierKind(QByteArrayView name)
{
    constexpr qsizetype longestTierName = 16;
    const auto allowed = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-';
    };
    const bool plausible =
        !name.isEmpty() && name.size() <= longestTierName && std::all_of(name.begin(), name.end(), allowed);
    return plausible ? u"stats "_s + QString::fromLatin1(name) : u"stats (not a tier name)"_s;
}
} // namespace

QString footprintKind(const QByteArray& key)
{
    if (!key.startsWith("cachescope:"))
        return {};
    const QByteArray rest = key.sliced(11);
    if (rest.startsWith("stats:{")) {
        const qsizetype colon = rest.indexOf(':', 7);
        return tierKind(colon < 0 ? QByteArrayView() : QByteArrayView(rest).sliced(7, colon - 7));
    }
    if (rest.startsWith("stats:") && rest.endsWith(":index"))
        return tierKind(QByteArrayView(rest).sliced(6, rest.size() - 6 - 6));
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

void measureOwnFootprint(
    redis::Client& client, QObject* context, std::function<void(const OwnFootprint&)> done, FootprintScope scope)
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
    // With the gateway entries, every key comes back (the server walks all of them either way): they are what the
    // tag indexes are compared with.
    const QByteArray match = scope == FootprintScope::WithGatewayEntries ? QByteArray() : QByteArray("cachescope:*");
    auto* scan = new redis::KeyspaceScan(&client, {match, 1000, {}}, context);
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
            QStringList kinds; // empty: a gateway entry, standing for weights[i] entries
            QList<qint64> weights;
            for (const QByteArray& key : keys) {
                const QString kind = footprintKind(key);
                if (kind.isEmpty()) {
                    if (!key.startsWith(model::gatewayKeyPrefix))
                        continue;
                    const qint64 weight = gatewayEntrySampleWeight(walk->footprint.gatewayEntries++);
                    if (weight == 0)
                        continue;
                    sizes.append({&client, {"MEMORY", "USAGE", key}});
                    kinds.append(QString());
                    weights.append(weight);
                    continue;
                }
                // Not SAMPLES 0: that walks every element, and a bucket other writers made fat (100,000 fields)
                // held the server 30 ms. The default samples a large structure's elements; a small one (one block
                // of listpack) is measured exactly either way.
                sizes.append({&client, {"MEMORY", "USAGE", key}});
                kinds.append(kind);
                weights.append(1);
            }
            if (sizes.isEmpty())
                return;
            if (++walk->pagesMeasuring >= maxPagesMeasuring)
                scan->pause();
            redis::gatherReplies(
                sizes, context, [walk, scan, finishIfDone, kinds, weights](const std::vector<redis::Reply>& replies) {
                    for (std::size_t i = 0; i < replies.size(); ++i) {
                        const qsizetype at = qsizetype(i);
                        if (kinds.at(at).isEmpty())
                            walk->footprint.addGatewayEntry(replies[i], weights.at(at));
                        else
                            walk->footprint.add(kinds.at(at), replies[i]);
                    }
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

qint64 gatewayEntrySampleWeight(qint64 index)
{
    constexpr qint64 measuredWhole = 1024;
    qint64 stride = 1;
    for (qint64 end = measuredWhole; index >= end; end *= 2)
        stride *= 2;
    return index % stride == 0 ? stride : 0;
}

void OwnFootprint::addGatewayEntry(const redis::Reply& size, qint64 weight)
{
    if (!size.isInteger())
        return; // gone since the SCAN: its stride's share is left out, as its bytes are
    ++gatewayEntriesMeasured;
    gatewayEntryBytes += size.integer() * weight;
}

std::optional<double> OwnFootprint::tagIndexRatio() const
{
    if (gatewayEntryBytes <= 0)
        return std::nullopt;
    const auto part =
        std::find_if(parts.cbegin(), parts.cend(), [](const FootprintPart& p) { return p.kind == u"tag indexes"_s; });
    return double(part == parts.cend() ? 0 : part->bytes) / double(gatewayEntryBytes);
}

QString OwnFootprint::tagIndexRatioText() const
{
    const std::optional<double> ratio = tagIndexRatio();
    if (!ratio)
        return {};
    const QLocale locale;
    return u"tag indexes %1× the bytes of the %2 gateway entries (%3%4)"_s.arg(locale.toString(*ratio, 'f', 2),
        locale.toString(gatewayEntries), gatewayEntriesMeasured < gatewayEntries ? u"≈ "_s : QString(),
        locale.formattedDataSize(gatewayEntryBytes));
}

void OwnFootprint::add(const QString& kind, const redis::Reply& size)
{
    if (!size.isInteger()) {
        ++unmeasured;
        return;
    }
    const auto partOf = [this](const QString& name) {
        return std::find_if(parts.begin(), parts.end(), [&name](const FootprintPart& p) { return p.kind == name; });
    };
    const QString otherKinds = u"other kinds"_s;
    const bool full = parts.size() >= maxParts;
    auto part = partOf(kind);
    if (part == parts.end() && full)
        part = partOf(otherKinds);
    if (part == parts.end())
        part = parts.insert(parts.end(), {full ? otherKinds : kind, 0, 0});
    ++part->keys;
    part->bytes += size.integer();
    ++keys;
    bytes += size.integer();
}

} // namespace cachescope::ops
