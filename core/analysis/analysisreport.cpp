#include "analysis/analysisreport.h"

#include "model/keygrouping.h"

#include "model/displaybytes.h"
#include "model/quotedbytes.h"

#include <QJsonArray>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr double z95 = 1.96;
constexpr std::array<const char*, dimensionCount> dimensionNames {"tenant", "venue", "route", "ns"};
constexpr std::array<const char*, ttlBucketCount> ttlBucketNames {"1h", "4h", "24h", "later", "never"};

// Labels and keys are bytes; in JSON they are written as redis-cli prints them (escaped, never lossy) and read
// back through the same parser redis-cli's quoting goes through.
QString bytesToJson(const QByteArray& bytes)
{
    return model::displayBytes(bytes);
}

std::optional<QByteArray> bytesFromJson(const QJsonValue& value)
{
    if (!value.isString())
        return std::nullopt;
    return model::parseQuotedBytes('"' + value.toString().toUtf8() + '"').bytes;
}

QJsonArray countsToJson(const std::array<qint64, ttlBucketCount>& counts)
{
    QJsonArray array;
    for (qint64 count : counts)
        array.append(count);
    return array;
}

bool countsFromJson(const QJsonValue& value, std::array<qint64, ttlBucketCount>& counts)
{
    const QJsonArray array = value.toArray();
    if (array.size() != ttlBucketCount)
        return false;
    for (int i = 0; i < ttlBucketCount; ++i)
        counts[std::size_t(i)] = array.at(i).toInteger();
    return true;
}

QJsonObject groupToJson(const GroupFigures& group)
{
    QJsonArray biggest;
    for (const BigKey& big : group.biggest)
        biggest.append(
            QJsonObject {{u"key"_s, bytesToJson(big.key)}, {u"bytes"_s, big.bytes}, {u"pttlMs"_s, big.pttlMs}});
    QJsonObject variants;
    for (auto it = group.variants.cbegin(); it != group.variants.cend(); ++it)
        variants.insert(bytesToJson(it.key()), QJsonObject {{u"distinct"_s, it->count}, {u"capped"_s, it->capped}});
    return QJsonObject {
        {u"keys"_s, group.keys},
        {u"measured"_s, group.measured},
        {u"bytes"_s, group.bytes},
        {u"bytesSquared"_s, group.bytesSquared},
        {u"ttlKeys"_s, countsToJson(group.ttlKeys)},
        {u"ttlBytes"_s, countsToJson(group.ttlBytes)},
        {u"persistentAgainstRules"_s, group.persistentAgainstRules},
        {u"biggest"_s, biggest},
        {u"variants"_s, variants},
    };
}

std::optional<GroupFigures> groupFromJson(const QJsonObject& json)
{
    GroupFigures group;
    group.keys = json.value(u"keys"_s).toInteger(-1);
    group.measured = json.value(u"measured"_s).toInteger(-1);
    group.bytes = json.value(u"bytes"_s).toInteger(-1);
    group.bytesSquared = json.value(u"bytesSquared"_s).toDouble();
    group.persistentAgainstRules = json.value(u"persistentAgainstRules"_s).toInteger();
    if (group.keys < 0 || group.measured < 0 || group.bytes < 0
        || !countsFromJson(json.value(u"ttlKeys"_s), group.ttlKeys)
        || !countsFromJson(json.value(u"ttlBytes"_s), group.ttlBytes))
        return std::nullopt;
    for (const QJsonValue& value : json.value(u"biggest"_s).toArray()) {
        const auto key = bytesFromJson(value[u"key"_s]);
        if (!key)
            return std::nullopt;
        group.biggest.append({*key, value[u"bytes"_s].toInteger(), value[u"pttlMs"_s].toInteger(-1)});
    }
    const QJsonObject variants = json.value(u"variants"_s).toObject();
    for (auto it = variants.constBegin(); it != variants.constEnd(); ++it) {
        const auto name = bytesFromJson(it.key());
        if (!name)
            return std::nullopt;
        DistinctValues& values = group.variants[*name];
        values.count = it->toObject().value(u"distinct"_s).toInteger();
        values.capped = it->toObject().value(u"capped"_s).toBool();
    }
    return group;
}

} // namespace

QString describeBytes(double bytes)
{
    return QLocale().formattedDataSize(qint64(std::llround(bytes)));
}

namespace {
const QByteArray noLabel = "(none)";
// Keys that are no gateway response have no tenant, venue or route: in those tables one row per kind says what they
// are, so each table adds up to the total and CacheScope's own keys (tag indexes can outweigh the entries) stand apart.
QByteArrayView notGatewayLabel(model::KeyPlace::Kind kind)
{
    switch (kind) {
    case model::KeyPlace::Kind::Service:
        return "(service entries)";
    case model::KeyPlace::Kind::CacheScope:
        return "(CacheScope's own keys)";
    case model::KeyPlace::Kind::Gateway:
    case model::KeyPlace::Kind::Other:
        break;
    }
    return "(other keys)";
}

} // namespace

std::array<QByteArrayView, dimensionCount> groupLabelsOf(const model::KeyPlace& place)
{
    if (place.kind == model::KeyPlace::Kind::Gateway)
        return {place.tenant ? QByteArrayView(*place.tenant) : noLabel,
            place.venue ? QByteArrayView(*place.venue) : noLabel, place.route, QByteArrayView("gateway")};
    const QByteArrayView apart = notGatewayLabel(place.kind);
    const QByteArrayView ns = place.kind == model::KeyPlace::Kind::Service ? QByteArrayView(place.serviceNamespace)
        : place.kind == model::KeyPlace::Kind::CacheScope                  ? QByteArrayView("cachescope")
                                                                           : QByteArrayView("other");
    return {apart, apart, apart, ns};
}

QString dimensionName(Dimension dimension)
{
    return QString::fromLatin1(dimensionNames[std::size_t(dimension)]);
}

std::optional<Dimension> dimensionFromName(QStringView name)
{
    for (int d = 0; d < dimensionCount; ++d) {
        if (name == QLatin1StringView(dimensionNames[std::size_t(d)]))
            return Dimension(d);
    }
    return std::nullopt;
}

QString ttlBucketName(TtlBucket bucket)
{
    return QString::fromLatin1(ttlBucketNames[std::size_t(bucket)]);
}

TtlBucket ttlBucketOf(qint64 pttlMs)
{
    constexpr qint64 hour = 3600 * 1000;
    if (pttlMs < 0)
        return TtlBucket::Never;
    if (pttlMs <= hour)
        return TtlBucket::WithinHour;
    if (pttlMs <= 4 * hour)
        return TtlBucket::WithinFourHours;
    if (pttlMs <= 24 * hour)
        return TtlBucket::WithinDay;
    return TtlBucket::Later;
}

void DistinctValues::add(QByteArrayView value)
{
    if (capped)
        return;
    hashes.insert(qHash(value, size_t(0x5eed)));
    count = hashes.size(); // a 64-bit hash: two values colliding among 50,000 is a chance of about 1 in 10^10
    if (count >= cap) {
        capped = true;
        hashes = {}; // the bound is what is kept: memory stays flat however many values follow
    }
}

namespace {
bool names(const QList<BigKey>& biggest, const QByteArray& key)
{
    return std::any_of(biggest.cbegin(), biggest.cend(), [&key](const BigKey& listed) { return listed.key == key; });
}
} // namespace

// Bigger first; keys of one size by their bytes, so the same keys give the same list whatever order SCAN met them
// in (and a diff of two analyses of unchanged data shows no churn).
bool GroupFigures::listedBefore(const BigKey& a, const BigKey& b)
{
    return a.bytes != b.bytes ? a.bytes > b.bytes : a.key < b.key;
}

void GroupFigures::addMeasured(const QByteArray& key, qint64 keyBytes, qint64 pttlMs, int topKeys)
{
    ++measured;
    bytes += keyBytes;
    bytesSquared += double(keyBytes) * double(keyBytes);
    if (pttlMs >= -1) {
        const auto bucket = std::size_t(ttlBucketOf(pttlMs));
        ++ttlKeys[bucket];
        ttlBytes[bucket] += keyBytes;
    }
    const BigKey big {key, keyBytes, pttlMs};
    if (topKeys <= 0 || (biggest.size() >= topKeys && !listedBefore(big, biggest.constLast())))
        return;
    if (names(biggest, key))
        return; // SCAN may return a key twice (while the server rehashes): the list names it once
    biggest.insert(std::upper_bound(biggest.begin(), biggest.end(), big, listedBefore), big);
    if (biggest.size() > topKeys)
        biggest.removeLast();
}

void GroupFigures::merge(const GroupFigures& other, int topKeys)
{
    keys += other.keys;
    measured += other.measured;
    bytes += other.bytes;
    bytesSquared += other.bytesSquared;
    for (std::size_t b = 0; b < ttlKeys.size(); ++b) {
        ttlKeys[b] += other.ttlKeys[b];
        ttlBytes[b] += other.ttlBytes[b];
    }
    persistentAgainstRules += other.persistentAgainstRules;
    for (const BigKey& big : other.biggest) {
        if (!names(biggest, big.key))
            biggest.append(big);
    }
    std::sort(biggest.begin(), biggest.end(), listedBefore);
    if (biggest.size() > topKeys)
        biggest.resize(topKeys);
    for (auto it = other.variants.cbegin(); it != other.variants.cend(); ++it) {
        DistinctValues& mine = variants[it.key()];
        // Distinct counts of disjoint groups add up; hashes are not merged (a merge is for totals, shown, not grown).
        mine.count += it->count;
        mine.capped = mine.capped || it->capped;
    }
}

double AnalysisReport::scannedFraction() const
{
    if (complete)
        return 1;
    if (keyspaceSize <= 0 || !match.isEmpty() || !scope.isEmpty())
        return 0; // with a pattern SCAN says nothing of how much it walked
    return std::min(1.0, double(total.keys) / double(keyspaceSize));
}

Estimate AnalysisReport::keysEstimate(const GroupFigures& group) const
{
    if (complete)
        return {double(group.keys), 0.0};
    if (!match.isEmpty() || !scope.isEmpty())
        return {double(group.keys), std::nullopt};
    return projectScannedCount(group.keys, total.keys, keyspaceSize);
}

Estimate AnalysisReport::bytesEstimate(const GroupFigures& group) const
{
    if (complete && sampleEvery == 1)
        return {double(group.bytes), 0.0};
    const Estimate keys = keysEstimate(group);
    if (keys.exact() && double(group.measured) == keys.value)
        return {double(group.bytes), 0.0}; // a sample that reached every key of the group
    if (group.measured == 0)
        return {0, keys.value == 0 ? std::optional<double>(0.0) : std::nullopt};
    const double m = double(group.measured);
    const double mean = double(group.bytes) / m;
    const double value = keys.value * mean;
    if (group.measured < 2 || !keys.error)
        return {value, std::nullopt};
    const double variance = std::max(0.0, (group.bytesSquared - m * mean * mean) / (m - 1));
    const double population = std::max(keys.value, m);
    const double meanError = z95 * std::sqrt(variance / m * (1 - m / population));
    // The mean's error and the count's, independent, added in quadrature. Keys measured alike (two entries of one
    // size) show no spread, which is not no error: only a group measured whole is exact.
    const double bytesError = std::hypot(population * meanError, mean * *keys.error);
    if (bytesError <= 0 && m < population)
        return {value, std::nullopt};
    return {value, bytesError};
}

double AnalysisReport::ttlBytesEstimate(const GroupFigures& group, TtlBucket bucket) const
{
    const double bucketBytes = double(group.ttlBytes[std::size_t(bucket)]);
    if (group.bytes == 0 || !ttlMeasured)
        return 0;
    return bytesEstimate(group).value * bucketBytes / double(group.bytes);
}

QJsonObject AnalysisReport::toJson() const
{
    QJsonObject byDimension;
    QJsonObject hitRatesJson;
    for (int d = 0; d < dimensionCount; ++d) {
        QJsonObject groupsJson;
        for (auto it = groups[std::size_t(d)].cbegin(); it != groups[std::size_t(d)].cend(); ++it) {
            QJsonObject group = groupToJson(*it);
            const Estimate bytes = bytesEstimate(*it);
            const Estimate keys = keysEstimate(*it);
            group.insert(u"bytesEstimate"_s, std::round(bytes.value));
            group.insert(u"bytesError"_s, bytes.error ? QJsonValue(std::round(*bytes.error)) : QJsonValue());
            group.insert(u"keysEstimate"_s, std::round(keys.value));
            group.insert(u"keysError"_s, keys.error ? QJsonValue(std::round(*keys.error)) : QJsonValue());
            groupsJson.insert(bytesToJson(it.key()), group);
        }
        byDimension.insert(dimensionName(Dimension(d)), groupsJson);
        QJsonObject rates;
        for (auto it = hitRates[std::size_t(d)].cbegin(); it != hitRates[std::size_t(d)].cend(); ++it)
            rates.insert(bytesToJson(it.key()), *it);
        hitRatesJson.insert(dimensionName(Dimension(d)), rates);
    }
    QJsonArray persistent;
    for (const QByteArray& key : persistentSamples)
        persistent.append(bytesToJson(key));
    return QJsonObject {
        {u"format"_s, formatVersion},
        {u"server"_s, server},
        {u"match"_s, bytesToJson(match)},
        {u"scope"_s, scope},
        {u"sampleEvery"_s, sampleEvery},
        {u"ttlMeasured"_s, ttlMeasured},
        {u"topKeys"_s, topKeys},
        {u"startedAt"_s, startedAt.toUTC().toString(Qt::ISODateWithMs)},
        {u"finishedAt"_s, finishedAt.isValid() ? finishedAt.toUTC().toString(Qt::ISODateWithMs) : QString()},
        {u"complete"_s, complete},
        {u"error"_s, error},
        {u"keyspaceSize"_s, keyspaceSize},
        {u"unmeasured"_s, unmeasured},
        {u"total"_s, groupToJson(total)},
        {u"groups"_s, byDimension},
        {u"persistentSamples"_s, persistent},
        {u"hitRates"_s, hitRatesJson},
    };
}

std::optional<AnalysisReport> AnalysisReport::fromJson(const QJsonObject& json, QString* error)
{
    auto fail = [error](const QString& why) {
        if (error)
            *error = why;
        return std::nullopt;
    };
    if (json.value(u"format"_s).toInt() != formatVersion)
        return fail(u"not an analysis of format %1"_s.arg(formatVersion));
    AnalysisReport report;
    report.server = json.value(u"server"_s).toString();
    report.sampleEvery = std::max(1, json.value(u"sampleEvery"_s).toInt(1));
    report.ttlMeasured = json.value(u"ttlMeasured"_s).toBool(true);
    report.topKeys = json.value(u"topKeys"_s).toInt(10);
    report.startedAt = QDateTime::fromString(json.value(u"startedAt"_s).toString(), Qt::ISODateWithMs);
    report.finishedAt = QDateTime::fromString(json.value(u"finishedAt"_s).toString(), Qt::ISODateWithMs);
    report.complete = json.value(u"complete"_s).toBool();
    report.error = json.value(u"error"_s).toString();
    report.keyspaceSize = json.value(u"keyspaceSize"_s).toInteger();
    report.unmeasured = json.value(u"unmeasured"_s).toInteger();
    const auto total = groupFromJson(json.value(u"total"_s).toObject());
    if (!report.startedAt.isValid() || !total)
        return fail(u"the start time or the totals are missing"_s);
    report.total = *total;
    const auto match = bytesFromJson(json.value(u"match"_s));
    if (!match)
        return fail(u"the pattern is not readable"_s);
    report.match = *match;
    report.scope = json.value(u"scope"_s).toString();
    const QJsonObject groups = json.value(u"groups"_s).toObject();
    const QJsonObject rates = json.value(u"hitRates"_s).toObject();
    for (int d = 0; d < dimensionCount; ++d) {
        const QJsonObject dimension = groups.value(dimensionName(Dimension(d))).toObject();
        for (auto it = dimension.constBegin(); it != dimension.constEnd(); ++it) {
            const auto label = bytesFromJson(it.key());
            const auto group = groupFromJson(it->toObject());
            if (!label || !group)
                return fail(u"the %1 group \"%2\" is damaged"_s.arg(dimensionName(Dimension(d)), it.key().left(80)));
            report.groups[std::size_t(d)].insert(*label, *group);
        }
        const QJsonObject dimensionRates = rates.value(dimensionName(Dimension(d))).toObject();
        for (auto it = dimensionRates.constBegin(); it != dimensionRates.constEnd(); ++it) {
            if (const auto label = bytesFromJson(it.key()))
                report.hitRates[std::size_t(d)].insert(*label, it->toDouble());
        }
    }
    for (const QJsonValue& value : json.value(u"persistentSamples"_s).toArray()) {
        if (const auto key = bytesFromJson(value))
            report.persistentSamples.append(*key);
    }
    return report;
}

QByteArray AnalysisReport::toCsv(Dimension dimension) const
{
    // RFC 4180: every text field quoted, quotes doubled; labels escaped as everywhere (no raw control bytes).
    auto quoted = [](const QString& text) -> QByteArray { return '"' + text.toUtf8().replace('"', "\"\"") + '"'; };
    QByteArray csv = quoted(dimensionName(dimension)) + ",keys,keys_error,bytes,bytes_error,measured";
    for (int b = 0; b < ttlBucketCount; ++b)
        csv += ",bytes_expiring_" + ttlBucketName(TtlBucket(b)).toLatin1();
    csv += ",persistent_against_rules,most_varied_parameter,distinct_values\r\n";
    QList<QByteArray> labels = by(dimension).keys();
    std::sort(labels.begin(), labels.end());
    for (const QByteArray& label : labels) {
        const auto it = by(dimension).constFind(label);
        const Estimate keys = keysEstimate(*it);
        const Estimate bytes = bytesEstimate(*it);
        auto number = [](double value) { return QByteArray::number(qint64(std::llround(value))); };
        auto errorOf = [&](const Estimate& e) { return e.error ? number(*e.error) : QByteArray(); };
        csv += quoted(model::displayBytes(it.key())) + ',' + number(keys.value) + ',' + errorOf(keys) + ','
            + number(bytes.value) + ',' + errorOf(bytes) + ',' + QByteArray::number(it->measured);
        for (int b = 0; b < ttlBucketCount; ++b)
            csv += ',' + number(ttlBytesEstimate(*it, TtlBucket(b)));
        csv += ',' + QByteArray::number(it->persistentAgainstRules);
        auto most = std::max_element(it->variants.cbegin(), it->variants.cend(),
            [](const DistinctValues& a, const DistinctValues& b) { return a.count < b.count; });
        if (most != it->variants.cend())
            csv += ',' + quoted(model::displayBytes(most.key())) + ',' + QByteArray::number(most->count)
                + (most->capped ? "+" : "");
        else
            csv += ",,";
        csv += "\r\n";
    }
    return csv;
}

QString describeBytesEstimate(const Estimate& estimate)
{
    if (estimate.exact())
        return describeBytes(estimate.value);
    QString text = u"≈ "_s + describeBytes(estimate.value);
    if (estimate.error && estimate.value > 0) {
        const double percent = 100 * *estimate.error / estimate.value;
        text += percent < 1 ? u" ± <1 %"_s : u" ± %1 %"_s.arg(std::round(percent));
    }
    return text;
}

QString describeGroupBytes(const AnalysisReport& report, const GroupFigures& group)
{
    if (group.measured > 0 || group.keys == 0)
        return describeBytesEstimate(report.bytesEstimate(group));
    return report.sampleEvery > 1 ? u"none sampled"_s : u"none measured"_s;
}

} // namespace cachescope::analysis
