#pragma once

#include <QString>
#include <QtGlobal>

#include <optional>

namespace cachescope::analysis {

// A value computed from part of the keys, scaled to all of them, with the half-width of its 95 % confidence
// interval (0 when every key counted; nothing when the part says too little).
struct Estimate
{
    double value = 0;
    std::optional<double> error;
    bool exact() const
    {
        return error && *error == 0;
    }
};

// A group's size in the whole keyspace from a partial SCAN: `groupKeys` of the `seen` keys scanned so far belong to
// it, and the keyspace holds `whole` (DBSIZE when the scan started). SCAN walks the hash table's buckets, so the part
// scanned is a near-uniform sample without replacement; the error is the binomial proportion's with the
// finite-population correction. A part that is all of the group or none of it shows no spread: the projection then
// claims no error rather than an error of 0 (only a count of everything is exact). Without a usable base (nothing
// seen yet, or more seen than DBSIZE said) the count so far, without an error.
Estimate projectScannedCount(qint64 groupKeys, qint64 seen, qint64 whole);

// "≈ 12,345 ± 210", "12,345" (exact), "≈ 12,345" (error unknown).
QString describeCountEstimate(const Estimate& estimate);

} // namespace cachescope::analysis
