#include "model/tagindexmember.h"

#include "model/gatewaykey.h"
#include "model/keyescaping.h"

namespace cachescope::model {

namespace {
const QByteArrayView prefix(gatewayKeyPrefix, qsizetype(sizeof(gatewayKeyPrefix) - 1));

// The marker a gateway key ends with when it carries `tag` as its last scope ("…:venue:v1" for "venue:v1"), spelled as
// the key builder spells it; empty for a tag that is no gateway scope marker.
QByteArray markerSuffix(const QByteArray& tag)
{
    const qsizetype colon = tag.indexOf(':');
    if (colon <= 0)
        return {};
    const QByteArrayView name(tag.constData(), colon);
    if (name != QByteArrayView("venue") && name != QByteArrayView("tenant"))
        return {};
    return ':' + tag.left(colon + 1) + escapeKeyComponent(tag.sliced(colon + 1));
}

bool startsWithMarkerByte(const QByteArray& bytes)
{
    return !bytes.isEmpty()
        && (bytes.front() == compactMemberMarker || bytes.front() == wholeKeyMarker
            || bytes.front() == referenceMarker);
}
} // namespace

QByteArray tagIndexMember(const QByteArray& tag, const QByteArray& key)
{
    const QByteArray suffix = markerSuffix(tag);
    if (!suffix.isEmpty() && key.startsWith(prefix) && key.endsWith(suffix)
        && key.size() > prefix.size() + suffix.size())
        return compactMemberMarker + key.mid(prefix.size(), key.size() - prefix.size() - suffix.size());
    return startsWithMarkerByte(key) ? wholeKeyMarker + key : key;
}

QList<TagIndexWrite> tagIndexWrites(const QByteArray& key, const QList<QByteArray>& tags)
{
    QList<TagIndexWrite> writes;
    writes.reserve(tags.size());
    for (const QByteArray& tag : tags) {
        // "…:tenant:T:venue:V" written with venue:V too: the tenant lists the venue, not the key.
        if (tag.startsWith("tenant:") && key.startsWith(prefix)) {
            const QByteArray tenantMarker = markerSuffix(tag);
            const auto venue = std::find_if(tags.cbegin(), tags.cend(), [&](const QByteArray& other) {
                const QByteArray venueMarker = other.startsWith("venue:") ? markerSuffix(other) : QByteArray();
                return !venueMarker.isEmpty() && key.endsWith(QByteArray(tenantMarker + venueMarker));
            });
            if (venue != tags.cend()) {
                writes.append({tag, referenceMarker + *venue});
                continue;
            }
        }
        writes.append({tag, tagIndexMember(tag, key)});
    }
    return writes;
}

std::optional<TagIndexWrite> ownListing(const QByteArray& key, const GatewayKey& parsed)
{
    // gatewayTagsOf names the venue first, then the tenant: the first is the key's last marker.
    const QList<QByteArray> tags = gatewayTagsOf(parsed);
    if (tags.isEmpty())
        return std::nullopt;
    return TagIndexWrite {tags.first(), tagIndexMember(tags.first(), key)};
}

TagIndexEntry decodeTagIndexMember(const QByteArray& tag, const QByteArray& member)
{
    if (member.isEmpty())
        return {member, {}};
    switch (member.front()) {
    case compactMemberMarker:
        return {prefix.toByteArray() + member.sliced(1) + markerSuffix(tag), {}};
    case wholeKeyMarker:
        return {member.sliced(1), {}};
    case referenceMarker:
        return {{}, member.sliced(1)};
    default:
        return {member, {}};
    }
}

bool keyCarriesTag(const QByteArray& key, const QByteArray& tag)
{
    const std::optional<GatewayKey> parsed = parseGatewayKey(key);
    return parsed && gatewayTagsOf(*parsed).contains(tag);
}

} // namespace cachescope::model
