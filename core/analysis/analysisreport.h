#pragma once

#include "analysis/estimate.h"

#include <QByteArray>
#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>

#include <array>
#include <optional>

namespace cachescope::model {
struct KeyPlace;
}

namespace cachescope::analysis {

// How an analysis groups keys, as the key tree and the stats do: gateway responses by tenant, venue and route
// rule; every key by namespace (service namespaces, "gateway" responses, CacheScope's own, "other").
enum class Dimension
{
    Tenant,
    Venue,
    Route,
    Namespace,
    Count_
};
inline constexpr int dimensionCount = int(Dimension::Count_);
QString dimensionName(Dimension dimension); // "tenant", "venue", "route", "ns"

// The group a key belongs to in each dimension (indexed by Dimension), as views into `place` (valid while it lives):
// a gateway key by its tenant, venue ("(none)" when the key has none) and route, every other key by its kind in those
// three ("(service entries)", "(CacheScope's own keys)", "(other keys)"), so that each dimension adds up to the
// total; the namespace for all. The analysis and the expiry/eviction watch both group by it.
std::array<QByteArrayView, dimensionCount> groupLabelsOf(const model::KeyPlace& place);
std::optional<Dimension> dimensionFromName(QStringView name);

// When a key's memory is given back by expiry: within 1 h, 4 h, 24 h, later, or never (no TTL).
enum class TtlBucket
{
    WithinHour,
    WithinFourHours,
    WithinDay,
    Later,
    Never,
    Count_
};
inline constexpr int ttlBucketCount = int(TtlBucket::Count_);
QString ttlBucketName(TtlBucket bucket); // "1h", "4h", "24h", "later", "never"
TtlBucket ttlBucketOf(qint64 pttlMs); // pttlMs >= 0, or -1 for no expiry

struct BigKey
{
    QByteArray key;
    qint64 bytes = 0;
    qint64 pttlMs = -1;
    friend bool operator==(const BigKey&, const BigKey&) = default;
};

// Distinct values of one vary-by parameter (or of the user of a private route), counted exactly up to `cap` and
// then marked capped: a lower bound, said as "≥ 50,000".
struct DistinctValues
{
    static constexpr qsizetype cap = 50000;
    QSet<size_t> hashes; // dropped when a report is saved; `count` stays
    qint64 count = 0;
    bool capped = false;
    void add(QByteArrayView value);
};

// The figures of one group (or of everything analysed).
struct GroupFigures
{
    qint64 keys = 0; // seen by SCAN
    qint64 measured = 0; // keys whose MEMORY USAGE and PTTL answered
    qint64 bytes = 0; // MEMORY USAGE summed over the measured keys
    double bytesSquared = 0; // Σ bytes², for the sampling error
    std::array<qint64, ttlBucketCount> ttlKeys {}; // measured keys by when they expire
    std::array<qint64, ttlBucketCount> ttlBytes {}; // their bytes
    qint64 persistentAgainstRules = 0; // measured keys without expiry that the rules say must expire
    QList<BigKey> biggest; // the largest measured keys, largest first (then by key), at most the analysis's topKeys
    QMap<QByteArray, DistinctValues> variants; // vary-by parameter ("user" for private routes) → distinct values

    void addMeasured(const QByteArray& key, qint64 bytes, qint64 pttlMs, int topKeys); // pttlMs < -2: not read
    static bool listedBefore(const BigKey& a, const BigKey& b); // the order of `biggest`
    void merge(const GroupFigures& other, int topKeys);
};

// What one analysis found: counts from SCAN (every key matching the pattern), memory and expiry from MEMORY USAGE and
// PTTL (every key, or one in `sampleEvery` by a hash of the key, which is as good as random and the same key each
// time). Built while the scan runs: until `complete`, the counts are those of the part scanned, and keysEstimate()
// projects them onto the whole keyspace (SCAN walks the hash table's buckets, so the part scanned is a near-uniform
// sample of it).
struct AnalysisReport
{
    static constexpr int formatVersion = 1;

    QString server; // "127.0.0.1:6379", or the seed node of a cluster
    QByteArray match; // SCAN MATCH pattern; empty: every key
    QString scope; // what was analysed when it was narrower than the pattern says ("tenant acme"); empty: the pattern
    int sampleEvery = 1; // 1: every key measured
    bool ttlMeasured = true; // false: MEMORY USAGE alone; the TTL buckets and "TTL missing" are then empty
    int topKeys = 10;
    QDateTime startedAt;
    QDateTime finishedAt;
    bool complete = false; // the scan went over the whole keyspace
    QString error; // why it stopped, when it did not complete
    qint64 keyspaceSize = 0; // DBSIZE summed over the nodes when the analysis started (the projection's base)
    qint64 unmeasured = 0; // keys chosen for measuring that were gone by then or refused
    GroupFigures total;
    // label → figures, per dimension. A hash: a scan looks a group up for every key (a sorted map spent a third of
    // the analysis's time comparing venue labels); sort the labels where order matters.
    std::array<QHash<QByteArray, GroupFigures>, dimensionCount> groups;
    QList<QByteArray> persistentSamples; // a few keys without expiry that the rules say must expire
    // Hit rate per label of each dimension when the analysis was saved, from the stats CacheScope clients record
    // (last hour); for comparing snapshots. Empty when there were no stats.
    std::array<QMap<QByteArray, double>, dimensionCount> hitRates;

    const QHash<QByteArray, GroupFigures>& by(Dimension dimension) const
    {
        return groups[std::size_t(dimension)];
    }
    // Every key of the group (projected while the scan runs), with its 95 % error; exact once complete.
    Estimate keysEstimate(const GroupFigures& group) const;
    // The group's memory: exact when every key of it was measured in a complete scan; else scaled from the keys
    // measured to the keys counted (a ratio estimate) with its error.
    Estimate bytesEstimate(const GroupFigures& group) const;
    // Bytes by when they expire, scaled like bytesEstimate().
    double ttlBytesEstimate(const GroupFigures& group, TtlBucket bucket) const;
    double scannedFraction() const; // keys seen over keyspaceSize, at most 1 (0 with a pattern or scope: unknown)

    QJsonObject toJson() const;
    static std::optional<AnalysisReport> fromJson(const QJsonObject& json, QString* error);
    // One row per group of `dimension`: label, keys, bytes, error, measured, TTL buckets, persistent, top variant.
    QByteArray toCsv(Dimension dimension) const;
};

QString describeBytes(double bytes); // "1.21 GiB", as the key tree writes sizes
// "≈ 1.2 GiB ± 3 %", "14.6 KiB" (exact), "≈ 1.2 GiB" (error unknown).
QString describeBytesEstimate(const Estimate& estimate);
// A group's memory as a table shows it: its estimate, or why there is none — "none sampled" when a sampled run
// measured none of its keys, "none measured" when a full run found its keys gone before MEMORY USAGE reached them.
QString describeGroupBytes(const AnalysisReport& report, const GroupFigures& group);

} // namespace cachescope::analysis
