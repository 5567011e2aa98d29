#include "admin/httprequestparser.h"
#include "analysis/estimate.h"
#include "cache/cacheenvelope.h"
#include "cache/statscounters.h"
#include "metrics/statsfold.h"
#include "model/gatewaykey.h"
#include "model/redisglob.h"
#include "model/tagindexmember.h"
#include "redis/commandencoder.h"
#include "redis/reply.h"
#include "redis/replyreader.h"

#include <QTest>

#include <rapidcheck.h>

#include <cmath>

using namespace cachescope;
using namespace Qt::StringLiterals;

// Properties where examples run out (RapidCheck, a fixed seed and a bounded count: RC_PARAMS in main()). Each
// generates inputs, including the shrunk counterexample RapidCheck reports when one fails.
namespace {
QByteArray bytesOf(const std::string& s)
{
    return QByteArray(s.data(), qsizetype(s.size()));
}

// Redis's glob for the grammar generated below (literals, '*', '?', '[…]' sets and ranges, '[^…]', '\' escapes),
// written the obvious recursive way: the reference the real matcher must agree with.
bool referenceGlob(const QByteArray& p, qsizetype pi, const QByteArray& s, qsizetype si)
{
    if (pi == p.size())
        return si == s.size();
    const char c = p[pi];
    if (c == '*') {
        for (qsizetype k = si; k <= s.size(); ++k) {
            if (referenceGlob(p, pi + 1, s, k))
                return true;
        }
        return false;
    }
    if (si == s.size())
        return false;
    if (c == '?')
        return referenceGlob(p, pi + 1, s, si + 1);
    if (c == '\\')
        return p[pi + 1] == s[si] && referenceGlob(p, pi + 2, s, si + 1);
    if (c == '[') {
        qsizetype end = p.indexOf(']', pi + 1);
        const bool negate = p[pi + 1] == '^';
        const QByteArray set = p.mid(pi + 1 + (negate ? 1 : 0), end - pi - 1 - (negate ? 1 : 0));
        bool in = false;
        for (qsizetype k = 0; k < set.size(); ++k) {
            if (k + 2 < set.size() && set[k + 1] == '-') {
                in = in || (s[si] >= set[k] && s[si] <= set[k + 2]);
                k += 2;
            } else {
                in = in || s[si] == set[k];
            }
        }
        return in != negate && referenceGlob(p, end + 1, s, si + 1);
    }
    return c == s[si] && referenceGlob(p, pi + 1, s, si + 1);
}
} // namespace

class TestProperties : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Any header block within the limit parses, whole or split anywhere; one past it is 431.
    void httpHeaderBlocksWithinTheLimitParse()
    {
        QVERIFY(rc::check("header block limit", [] {
            const auto headers = *rc::gen::container<std::vector<std::pair<std::string, std::string>>>(
                rc::gen::pair(rc::gen::container<std::string>(rc::gen::inRange('a', char('z' + 1))),
                    rc::gen::container<std::string>(rc::gen::inRange('0', char('z' + 1)))));
            QByteArray head = "GET /x HTTP/1.1\r\nHost: h\r\n";
            for (const auto& [name, value] : headers)
                head += "X-" + bytesOf(name) + ": " + bytesOf(value) + "\r\n";
            head += "\r\n";
            admin::HttpRequestParser::Limits limits;
            limits.maxHeaderBytes = 512;
            const qsizetype end = head.size() - 4; // where the blank line starts
            const int split = *rc::gen::inRange(0, int(head.size()) + 1);
            admin::HttpRequestParser whole(limits);
            admin::HttpRequestParser parts(limits);
            const auto wholeState = whole.feed(head);
            parts.feed(head.first(split));
            const auto partsState = parts.feed(head.sliced(split));
            RC_ASSERT(wholeState == partsState);
            if (end <= limits.maxHeaderBytes) {
                RC_ASSERT(wholeState == admin::HttpRequestParser::State::Complete);
                RC_ASSERT(whole.request().headers.size() == qsizetype(headers.size()) + 1);
            } else {
                RC_ASSERT(wholeState == admin::HttpRequestParser::State::Failed);
                RC_ASSERT(whole.errorStatus() == 431);
            }
        }));
    }

    // A command the encoder writes is read back by the reply reader as the same arguments, whatever its bytes and
    // however the stream is cut.
    void encodedCommandsReadBack()
    {
        QVERIFY(rc::check("RESP round trip", [] {
            const auto arguments =
                *rc::gen::nonEmpty(rc::gen::container<std::vector<std::string>>(rc::gen::string<std::string>()));
            QList<QByteArray> list;
            for (const std::string& argument : arguments)
                list.append(bytesOf(argument));
            const QByteArray encoded = redis::encodeCommand(list);
            redis::ReplyReader reader;
            const int split = *rc::gen::inRange(0, int(encoded.size()) + 1);
            reader.feed(encoded.first(split));
            redis::Reply reply;
            auto status = reader.next(&reply);
            if (split < encoded.size()) {
                RC_ASSERT(status == redis::ReplyReader::Status::NeedMoreData);
                reader.feed(encoded.sliced(split));
                status = reader.next(&reply);
            }
            RC_ASSERT(status == redis::ReplyReader::Status::HaveReply);
            RC_ASSERT(reply.isArray());
            RC_ASSERT(reply.elements().size() == arguments.size());
            for (std::size_t i = 0; i < arguments.size(); ++i)
                RC_ASSERT(reply.elements()[i].bytes() == list.at(qsizetype(i)));
        }));
    }

    // An envelope decodes to what was encoded; cut inside its header, or inside a compressed body, it is refused.
    void envelopesRoundTripAndTruncationsAreRefused()
    {
        QVERIFY(rc::check("envelope", [] {
            cache::CacheEnvelope envelope;
            const auto unit = *rc::gen::string<std::string>();
            envelope.payload = bytesOf(unit).repeated(*rc::gen::inRange(0, 200));
            envelope.negative = *rc::gen::arbitrary<bool>();
            envelope.expiresAtMs = *rc::gen::inRange<qint64>(0, qint64(1) << 50);
            envelope.loadMs = *rc::gen::arbitrary<quint32>();
            const qsizetype threshold = *rc::gen::inRange(0, 2000);
            const QByteArray stored = envelope.encode(threshold);
            const auto decoded = cache::CacheEnvelope::decode(stored);
            RC_ASSERT(decoded.has_value());
            RC_ASSERT(decoded->payload == envelope.payload);
            RC_ASSERT(decoded->negative == envelope.negative);
            RC_ASSERT(decoded->expiresAtMs == envelope.expiresAtMs);
            RC_ASSERT(decoded->loadMs == envelope.loadMs);
            for (qsizetype cut = 4; cut < cache::CacheEnvelope::headerSize; ++cut)
                RC_ASSERT(!cache::CacheEnvelope::decode(stored.first(cut)).has_value());
            bool compressed = false;
            RC_ASSERT(cache::CacheEnvelope::decodeHeader(stored, &compressed).has_value());
            if (compressed) {
                const qsizetype cut = *rc::gen::inRange(cache::CacheEnvelope::headerSize, stored.size());
                RC_ASSERT(!cache::CacheEnvelope::decode(stored.first(cut)).has_value());
            }
        }));
    }

    // The glob matcher agrees with the obvious recursive reference on patterns of every construct but the corner
    // cases (those are checked against a real server in tst_redisglob).
    void globAgreesWithTheReference()
    {
        QVERIFY(rc::check("glob", [] {
            const auto pieces = *rc::gen::container<std::vector<std::string>>(
                rc::gen::element<std::string>("a", "b", "c", "*", "?", "[ab]", "[a-c]", "[^a]", "\\*", "\\a"));
            QByteArray pattern;
            for (const std::string& piece : pieces)
                pattern += bytesOf(piece);
            const auto keyChars = *rc::gen::container<std::string>(rc::gen::element('a', 'b', 'c', '*'));
            const QByteArray key = bytesOf(keyChars);
            RC_ASSERT(model::redisGlobMatches(pattern, key) == referenceGlob(pattern, 0, key, 0));
            RC_ASSERT(model::RedisGlob(pattern).matches(key) == referenceGlob(pattern, 0, key, 0));
        }));
    }

    // Whatever a gateway key's components hold (separators, escapes, control and marker bytes, empty parts) and
    // whatever key a tag lists, the member read back is the key written, a tenant's reference leads to an index that
    // lists the key, and that reference's reader keeps it. Bytes that are not the gateway's also round-trip.
    void tagIndexMembersReadBackAsTheirKeys()
    {
        QVERIFY(rc::check("tag index member", [] {
            const auto component = [] {
                return bytesOf(*rc::gen::container<std::string>(
                    rc::gen::element('a', 'v', ':', '%', '\x01', '\x02', '\x03', '\0', '\xff', '/', 'e')));
            };
            model::GatewayKey parts {component(), component(), {}, {}, {}, {}};
            if (*rc::gen::arbitrary<bool>())
                parts.vary.append({component(), component()});
            if (*rc::gen::arbitrary<bool>())
                parts.userId = component();
            if (*rc::gen::arbitrary<bool>())
                parts.tenantId = component();
            if (*rc::gen::arbitrary<bool>())
                parts.venueId = component();
            const QByteArray key = *rc::gen::arbitrary<bool>() ? model::buildGatewayKey(parts) : component();
            QList<QByteArray> tags = model::gatewayTagsOf(parts);
            tags.append("tenant:" + component());
            tags.append("venue:" + component());
            tags.append(component());
            for (const model::TagIndexWrite& write : model::tagIndexWrites(key, tags)) {
                const model::TagIndexEntry entry = model::decodeTagIndexMember(write.tag, write.member);
                if (entry.referencedTag.isEmpty()) {
                    RC_ASSERT(entry.key == key);
                } else {
                    RC_ASSERT(tags.contains(entry.referencedTag));
                    const QByteArray listed = model::tagIndexMember(entry.referencedTag, key);
                    RC_ASSERT(model::decodeTagIndexMember(entry.referencedTag, listed).key == key);
                    RC_ASSERT(model::keyCarriesTag(key, write.tag));
                }
                RC_ASSERT(model::decodeTagIndexMember(write.tag, model::tagIndexMember(write.tag, key)).key == key);
            }
        }));
    }

    // A projected count is finite, between 0 and the whole, and never claims to be exact (an error of 0): once all
    // is seen it is the count as seen; a part that is all of the group, or none of it, claims no error. The edges
    // (all seen, all or none of the part) are drawn as often as the rest: uniform draws would almost never hit them.
    void projectionsStayWithinTheWhole()
    {
        QVERIFY(rc::check("projection", [] {
            const qint64 whole = *rc::gen::inRange<qint64>(0, 10'000'000);
            const qint64 seen = *rc::gen::oneOf(rc::gen::just(whole), rc::gen::inRange<qint64>(0, whole + 1));
            const qint64 group =
                *rc::gen::oneOf(rc::gen::just(seen), rc::gen::just<qint64>(0), rc::gen::inRange<qint64>(0, seen + 1));
            const analysis::Estimate estimate = analysis::projectScannedCount(group, seen, whole);
            RC_ASSERT(std::isfinite(estimate.value));
            RC_ASSERT(estimate.value >= 0);
            RC_ASSERT(estimate.value <= double(std::max(whole, group)));
            RC_ASSERT(!estimate.exact());
            if (estimate.error)
                RC_ASSERT(std::isfinite(*estimate.error) && *estimate.error > 0);
            if (seen == whole) {
                RC_ASSERT(estimate.value == double(group));
                RC_ASSERT(!estimate.error.has_value());
            }
        }));
    }

    // Whatever the reads of the buckets say (counts that grow, move into "(other)", vanish with the bucket), no
    // folded counter ever goes down, and nothing is negative.
    void foldedCountersNeverDecrease()
    {
        QVERIFY(rc::check("fold", [] {
            metrics::StatsFold fold(*rc::gen::inRange(1, 4));
            const auto reads = *rc::gen::container<std::vector<std::pair<int, std::vector<std::pair<int, int>>>>>(
                rc::gen::pair(rc::gen::inRange(0, 3),
                    rc::gen::container<std::vector<std::pair<int, int>>>(
                        rc::gen::pair(rc::gen::inRange(0, 4), rc::gen::inRange(0, 1000)))));
            const QByteArray labels[] = {"a", "b", "c", cache::otherLabel};
            QHash<QByteArray, qint64> before;
            for (const auto& [bucket, counts] : reads) {
                QHash<QByteArray, cache::StatsCounters> read;
                for (const auto& [label, hits] : counts)
                    read[labels[label]].events[std::size_t(cache::StatsEvent::Hit)] = hits;
                fold.fold(bucket, read, false);
                for (auto it = fold.totals().cbegin(); it != fold.totals().cend(); ++it) {
                    const qint64 now = it.value()[cache::StatsEvent::Hit];
                    RC_ASSERT(now >= 0);
                    RC_ASSERT(now >= before.value(it.key()));
                    before[it.key()] = now;
                }
            }
        }));
    }
};

int main(int argc, char** argv)
{
    // Reproducible in CI: a fixed seed and a bounded number of cases, unless RC_PARAMS says otherwise.
    if (!qEnvironmentVariableIsSet("RC_PARAMS"))
        qputenv("RC_PARAMS", "seed=20261206 max_success=300 max_size=100");
    QCoreApplication app(argc, argv);
    TestProperties test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_properties.moc"
