#pragma once

#include <QByteArray>
#include <QList>

#include <optional>

namespace cachescope::model {

// How a cached key is listed in a tag index (tagKey(tag), a sorted set scored by the entry's expiry).
//
// Members are kept short, so that a small index stays a listpack (zset-max-listpack-value is 64 bytes; a skiplist
// member of a full gateway key costs ~240 bytes): what the index name already says is left out.
// - A gateway key whose last marker is the tag ("…:venue:V" in the index of venue:V) is listed without the
//   "gateway:response:" prefix and without that marker: "\x01GET:/api/events:tenant:acme".
// - A tenant does not list the keys that also have a venue: it lists the venue instead ("\x03venue:V"), whose
//   index lists the keys; a reader keeps those of the tenant. So each entry is listed once, not once per tag.
// - Any other key is listed as it is; one that starts with one of these marker bytes is listed after "\x02".
// Members written before this scheme (whole keys) read back as whole keys, so old indexes stay usable.
inline constexpr char compactMemberMarker = '\x01';
inline constexpr char wholeKeyMarker = '\x02';
inline constexpr char referenceMarker = '\x03';

struct TagIndexWrite
{
    QByteArray tag; // the index written: tagKey(tag)
    QByteArray member; // what it lists
};

// What writing `key` with `tags` adds to the tag indexes: one member for each tag.
QList<TagIndexWrite> tagIndexWrites(const QByteArray& key, const QList<QByteArray>& tags);

// The member that lists `key` itself in `tag`'s index (never a reference): what ZREM needs once the key is gone.
QByteArray tagIndexMember(const QByteArray& tag, const QByteArray& key);

struct GatewayKey;
// Where a gateway key written with its own tags (gatewayTagsOf) is listed itself: its venue's index, or its tenant's
// when it has no venue (the tenant's reference to the venue stands for other keys too); nothing without either.
std::optional<TagIndexWrite> ownListing(const QByteArray& key, const GatewayKey& parsed);

// One member of `tag`'s index, read back: either a key or another tag whose index lists this tag's keys among others.
struct TagIndexEntry
{
    QByteArray key;
    QByteArray referencedTag;
};
TagIndexEntry decodeTagIndexMember(const QByteArray& tag, const QByteArray& member);

// Whether `key`'s own name says it belongs to `tag` (a gateway key with that scope): what a reader of a referenced
// index keeps. References are written for gateway keys only, so nothing else in a referenced index is the tag's.
bool keyCarriesTag(const QByteArray& key, const QByteArray& tag);

} // namespace cachescope::model
