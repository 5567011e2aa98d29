#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

namespace cachescope::cache {

// A stored string value as an engineer reads it, for the Key pane and `cachectl get` alike: a cache manager's
// entry has its envelope decoded (logical expiry against the key's TTL, load time, compression, a cached "not
// found"), and the body is shown as text — JSON indented in its own key order — or, when it is not text, as
// escaped bytes. Built from the first bytes of the value when only those were read.
struct StoredValueView
{
    enum class Kind
    {
        Plain, // written by someone else: shown as it is
        Entry, // a CacheScope cache-manager entry
        Damaged, // starts like an entry, but the header or the compression is broken: the manager treats it as a miss
    };
    Kind kind = Kind::Plain;
    bool compressed = false;
    bool negative = false;
    qint64 expiresAtMs = 0; // logical expiry (entries)
    quint32 loadMs = 0;
    qint64 storedBytes = 0; // the whole value as stored (STRLEN)
    qint64 payloadBytes = -1; // the body's full size once uncompressed; -1 when unknown
    QByteArray body; // the payload, or as much of it as was read (empty when compressed and cut)
    bool bodyComplete = true;

    // "fresh for 7m 12s, then stale for 1m of grace"; empty for plain values. pttlMs as PTTL answers it.
    QString freshness(qint64 pttlMs, qint64 nowMs) const;
    // What the envelope says, a line each ("zlib-compressed: 1,234 bytes stored for 5,678", "loaded in 42 ms").
    QStringList facts() const;
    // The body for people, with how much of it is shown when it was cut.
    QString bodyText() const;
    // {"envelope": {...}, "freshness": "...", "body": "...", "bodyComplete": true}
    QJsonObject toJson(qint64 pttlMs, qint64 nowMs) const;
};

// A compressed entry is inflated up to this many bytes for people to read (the Key pane, cachectl get): 60 KiB of
// zlib can hold 60 MiB.
inline constexpr qsizetype maxShownPayloadBytes = 64 * 1024;

// `prefix`: the first bytes of the value (all of it when prefix.size() == storedBytes).
StoredValueView viewStoredValue(const QByteArray& prefix, qint64 storedBytes);

// Bytes shown as text when they are UTF-8 without control characters (which a terminal would obey), JSON indented;
// else escaped (model::displayBytes). A multi-byte character cut at the end of a prefix is dropped.
QString textForPeople(const QByteArray& bytes, bool cut);

} // namespace cachescope::cache
