#include "cache/cacheenvelope.h"
#include "cache/storedvalueview.h"
#include "model/displaybytes.h"
#include "model/jsonindent.h"

#include "hostiledata.h"

#include <QJsonDocument>
#include <QLocale>
#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

// How stored values read for people: JSON indented in its own key order, the cache manager's envelope decoded,
// prefixes of large values, and bytes a terminal must not obey.
class TestValueView : public QObject
{
    Q_OBJECT
private:
    static QByteArray entry(const QByteArray& payload, qint64 expiresAtMs, quint32 loadMs, qsizetype compressAbove = 0,
        bool negative = false)
    {
        cache::CacheEnvelope envelope;
        envelope.payload = payload;
        envelope.expiresAtMs = expiresAtMs;
        envelope.loadMs = loadMs;
        envelope.negative = negative;
        return envelope.encode(compressAbove);
    }

private Q_SLOTS:
    void indentKeepsKeyOrder_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<QByteArray>("expected");
        QTest::newRow("order") << QByteArray("{\"z\":1,\"a\":[true,null],\"m\":{}}")
                               << QByteArray("{\n  \"z\": 1,\n  \"a\": [\n    true,\n    null\n  ],\n  \"m\": {}\n}");
        QTest::newRow("strings hold structure")
            << QByteArray("{\"k\":\"a,b:{c}[\\\"d\\\"]\"}") << QByteArray("{\n  \"k\": \"a,b:{c}[\\\"d\\\"]\"\n}");
        QTest::newRow("whitespace") << QByteArray(" [ 1 ,\n 2.5e-3 ] ") << QByteArray("[\n  1,\n  2.5e-3\n]");
        QTest::newRow("empty array") << QByteArray("[ ]") << QByteArray("[]");
        QTest::newRow("cut") << QByteArray("{\"a\":{\"b\":[1,2")
                             << QByteArray("{\n  \"a\": {\n    \"b\": [\n      1,\n      2");
        QTest::newRow("cut in a string") << QByteArray("[\"abc\\") << QByteArray("[\n  \"abc\\");
        QTest::newRow("utf-8") << QByteArray("{\"ü\":\"€\"}") << QByteArray("{\n  \"ü\": \"€\"\n}");
        // A value cut right after an opening bracket and whitespace: nothing read past the end.
        QTest::newRow("cut after [ and a space") << QByteArray("[ ") << QByteArray("[");
        QTest::newRow("cut after { and a newline") << QByteArray("{\n") << QByteArray("{");
        QTest::newRow("cut inside, after [") << QByteArray("{\"a\": [\r\n\t") << QByteArray("{\n  \"a\": [");
        QTest::newRow("cut after a comma") << QByteArray("[1, ") << QByteArray("[\n  1,\n  ");
    }
    void indentKeepsKeyOrder()
    {
        QFETCH(QByteArray, text);
        QFETCH(QByteArray, expected);
        const auto indented = model::indentJson(text);
        QVERIFY(indented);
        QCOMPARE(*indented, expected);
    }

    void notJsonIsLeftAlone_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::newRow("plain") << QByteArray("hello");
        QTest::newRow("number") << QByteArray("42");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("closes first") << QByteArray("[]]");
        QTest::newRow("stray bytes") << QByteArray("{\"a\": \x01}");
    }
    void notJsonIsLeftAlone()
    {
        QFETCH(QByteArray, text);
        QVERIFY(!model::indentJson(text));
    }

    // The property the fuzz target checks too: indenting valid JSON never changes what it means.
    void indentedJsonMeansTheSame()
    {
        const QByteArray text =
            "{\"b\":[1,{\"c\":\"x\\\"y\",\"d\":[]},-0.5e10],\"a\":{\"e\":null,\"f\":false},\"g\":\"\\u00e9\\n\"}";
        const auto indented = model::indentJson(text);
        QVERIFY(indented);
        QCOMPARE(QJsonDocument::fromJson(*indented), QJsonDocument::fromJson(text));
    }

    void entriesAreDecoded_data()
    {
        QTest::addColumn<QByteArray>("stored");
        QTest::addColumn<qint64>("pttl");
        QTest::addColumn<QString>("freshness");
        QTest::addColumn<QStringList>("facts");
        QTest::addColumn<QString>("body");
        const qint64 now = 1800000000000;
        const QString expiry = u"cache-manager entry, logical expiry 2027-01-15 08:07:12 UTC"_s;
        QTest::newRow("fresh, then grace")
            << entry("{\"id\":7,\"name\":\"Concert\"}", now + 432000, 42) << qint64(492000)
            << u"fresh for 7m 12s, then stale for 1m of grace"_s << QStringList {expiry, u"loaded in 42 ms"_s}
            << u"{\n  \"id\": 7,\n  \"name\": \"Concert\"\n}"_s;
        QTest::newRow("stale") << entry("x", now - 5000, 3) << qint64(55000)
                               << u"stale for 5s: served only while a reload runs, gone in 55s"_s
                               << QStringList {u"cache-manager entry, logical expiry 2027-01-15 07:59:55 UTC"_s,
                                      u"loaded in 3 ms"_s}
                               << u"x"_s;
        QTest::newRow("1 ms of life left: fresh")
            << entry("x", now + 1, 3) << qint64(60001) << u"fresh for 0s, then stale for 1m of grace"_s
            << QStringList {u"cache-manager entry, logical expiry 2027-01-15 08:00:00 UTC"_s, u"loaded in 3 ms"_s}
            << u"x"_s;
        QTest::newRow("expiring this very ms: stale")
            << entry("x", now, 3) << qint64(60000) << u"stale for 0s: served only while a reload runs, gone in 1m"_s
            << QStringList {u"cache-manager entry, logical expiry 2027-01-15 08:00:00 UTC"_s, u"loaded in 3 ms"_s}
            << u"x"_s;
        // The same edge on a key without a TTL (PTTL -1): only the logical expiry tells fresh from stale.
        QTest::newRow("no TTL, 1 ms of life left: fresh")
            << entry("x", now + 1, 3) << qint64(-1) << u"fresh for 0s (the key itself never expires)"_s
            << QStringList {u"cache-manager entry, logical expiry 2027-01-15 08:00:00 UTC"_s, u"loaded in 3 ms"_s}
            << u"x"_s;
        QTest::newRow("no TTL, expiring this very ms: stale")
            << entry("x", now, 3) << qint64(-1) << u"stale for 0s (the key itself never expires)"_s
            << QStringList {u"cache-manager entry, logical expiry 2027-01-15 08:00:00 UTC"_s, u"loaded in 3 ms"_s}
            << u"x"_s;
        // Read, then gone before its PTTL was asked (the value was read first): no freshness to tell, the facts stay.
        QTest::newRow("gone by its PTTL")
            << entry("x", now + 1000, 3) << qint64(-2) << QString()
            << QStringList {u"cache-manager entry, logical expiry 2027-01-15 08:00:01 UTC"_s, u"loaded in 3 ms"_s}
            << u"x"_s;
        QTest::newRow("not found") << entry({}, now + 30000, 9, 0, true) << qint64(30000)
                                   << u"a cached \"not found\": fresh for 30s, then gone"_s
                                   << QStringList {u"cache-manager entry, logical expiry 2027-01-15 08:00:30 UTC"_s,
                                          u"a cached \"not found\": the loader found nothing"_s, u"loaded in 9 ms"_s}
                                   << u"(empty: a cached \"not found\")"_s;
        const QByteArray big = QByteArray("{\"seats\":\"") + QByteArray(5000, 'A') + "\"}";
        const QByteArray compressed = entry(big, now + 60000, 1, 100);
        QTest::newRow("compressed") << compressed << qint64(-1) << u"fresh for 1m (the key itself never expires)"_s
                                    << QStringList {u"cache-manager entry, logical expiry 2027-01-15 08:01:00 UTC"_s,
                                           u"zlib-compressed: %1 bytes stored for %2"_s.arg(
                                               QLocale().toString(compressed.size()), QLocale().toString(big.size())),
                                           u"loaded in 1 ms"_s}
                                    << QString::fromUtf8(*model::indentJson(big));
        QTest::newRow("someone else's") << QByteArray("plain text") << qint64(1000) << QString() << QStringList()
                                        << u"plain text"_s;
        QTest::newRow("damaged") << QByteArray("\0CS1\x01", 5) << qint64(1000) << QString()
                                 << QStringList {u"starts like a cache-manager entry, but its header or compression "
                                                 u"is damaged: the cache manager treats it as a miss"_s}
                                 << u"\\x00CS1\\x01"_s;
        // Compressed, claiming 4 GiB in 7 bytes: refused before anything is allocated (the fuzz target found it).
        QTest::newRow("hostile size")
            << QByteArray("\0CS1\x01\0\0\0\0\0\0\0\0\0\0\0\0\xff\xff\xff\xff"
                          "abc",
                   24)
            << qint64(1000) << QString()
            << QStringList {u"starts like a cache-manager entry, but its header or "
                            u"compression is damaged: the cache manager treats it as a miss"_s}
            << u"\\x00CS1\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\x00\\xff\\xff\\xff\\xffabc"_s;
        QTest::newRow("terminal escapes") << QByteArray("ok\x1b[2Jgone\x07") << qint64(1000) << QString()
                                          << QStringList() << u"ok\\x1b[2Jgone\\x07"_s;
        QTest::newRow("C1 control") << QByteArray("a\xc2\x9b"
                                                  "31m")
                                    << qint64(1000) << QString() << QStringList() << u"a\\xc2\\x9b31m"_s;
        QTest::newRow("U+009F, the last C1 control")
            << QByteArray("a\xc2\x9f") << qint64(1000) << QString() << QStringList() << u"a\\xc2\\x9f"_s;
        QTest::newRow("U+00A0 on, text") << QByteArray("\xc2\xa0\xc2\xa3"
                                                       "5 \xc2\xb1"
                                                       "1\xc2\xb0, caf\xc3\xa9")
                                         << qint64(1000) << QString() << QStringList()
                                         << u"\u00a0\u00a35 \u00b11\u00b0, caf\u00e9"_s;
    }
    void entriesAreDecoded()
    {
        QFETCH(QByteArray, stored);
        QFETCH(qint64, pttl);
        QFETCH(QString, freshness);
        QFETCH(QStringList, facts);
        QFETCH(QString, body);
        const qint64 now = 1800000000000; // 2027-01-15 08:00:00 UTC, as in the rows
        const cache::StoredValueView view = cache::viewStoredValue(stored, stored.size());
        QCOMPARE(view.freshness(pttl, now), freshness);
        QCOMPARE(view.facts(), facts);
        QCOMPARE(view.bodyText(), body);
    }

    // A compressed entry of 60 KB stored that inflates to 60 MiB: inflated up to 64 KiB only, said so; the rest is
    // never produced (the Key pane and cachectl get share this view).
    void aDecompressionBombIsShownInPart()
    {
        const QByteArray bomb = testing::compressedBombEntry(60 * 1024 * 1024);
        QVERIFY(bomb.size() < 100 * 1024);
        const cache::StoredValueView view = cache::viewStoredValue(bomb, bomb.size());
        QCOMPARE(view.kind, cache::StoredValueView::Kind::Entry);
        QCOMPARE(view.body.size(), cache::maxShownPayloadBytes);
        QVERIFY(!view.bodyComplete);
        QCOMPARE(view.payloadBytes, 60 * 1024 * 1024);
        // Zeros are shown escaped, four characters a byte: as many as fit in 64 KiB of text.
        const QString tail = u"\n… first %1 of %2 bytes"_s.arg(
            QLocale().formattedDataSize(cache::maxShownPayloadBytes / 4), QLocale().toString(60 * 1024 * 1024));
        QVERIFY2(view.bodyText().endsWith(tail), qPrintable(view.bodyText().right(80)));
        // Exactly at the limit is whole; one byte past it is cut.
        for (const qsizetype size :
            {cache::maxShownPayloadBytes - 1, cache::maxShownPayloadBytes, cache::maxShownPayloadBytes + 1}) {
            const QByteArray stored = testing::compressedBombEntry(size);
            const cache::StoredValueView at = cache::viewStoredValue(stored, stored.size());
            QCOMPARE(at.body.size(), std::min(size, cache::maxShownPayloadBytes));
            QCOMPARE(at.bodyComplete, size <= cache::maxShownPayloadBytes);
        }
    }

    // Every length of an entry, from nothing to the whole: below the magic it is someone else's value, from the
    // magic to the full header it is damaged (never served), and a compressed body cut anywhere is damaged too.
    void everyTruncationOfAnEntryIsRefused()
    {
        const QByteArray payload = QByteArray("{\"seat\":\"A1\"}").repeated(200);
        cache::CacheEnvelope envelope;
        envelope.payload = payload;
        envelope.expiresAtMs = 1800000000000;
        const QByteArray whole = envelope.encode(64);
        QVERIFY(whole.at(4) & cache::CacheEnvelope::Compressed);
        for (qsizetype length = 0; length < whole.size(); ++length) {
            const QByteArray cut = whole.left(length);
            const std::optional<cache::CacheEnvelope> decoded = cache::CacheEnvelope::decode(cut);
            if (length < 4) {
                QVERIFY2(decoded && decoded->foreign, qPrintable(QString::number(length)));
                continue;
            }
            QVERIFY2(!decoded, qPrintable(u"a cut of %1 of %2 bytes was decoded"_s.arg(length).arg(whole.size())));
            QCOMPARE(bool(cache::CacheEnvelope::decodeHeader(cut)), length >= cache::CacheEnvelope::headerSize);
        }
        const std::optional<cache::CacheEnvelope> decoded = cache::CacheEnvelope::decode(whole);
        QVERIFY(decoded);
        QCOMPARE(decoded->payload, payload);
        QCOMPARE(decoded->expiresAtMs, 1800000000000);
        // The payload limit: at it, decoded; one byte under it, refused as too large.
        bool tooLarge = true;
        QVERIFY(cache::CacheEnvelope::decode(whole, payload.size(), &tooLarge));
        QVERIFY(!tooLarge);
        QVERIFY(!cache::CacheEnvelope::decode(whole, payload.size() - 1, &tooLarge));
        QVERIFY(tooLarge);
    }

    // A compressed body too short to hold its claimed size (0 to 3 bytes) is damaged, never "too large": the claim
    // is not read past the body, whatever the bytes after it in memory.
    void aBodyShorterThanItsClaimIsDamaged_data()
    {
        QTest::addColumn<QByteArray>("body");
        QTest::newRow("0 bytes") << QByteArray();
        QTest::newRow("1 byte") << QByteArray("\xff");
        QTest::newRow("2 bytes") << QByteArray("\xff\xff");
        QTest::newRow("3 bytes") << QByteArray("\xff\xff\xff");
        QTest::newRow("4 bytes, a claim no deflate reaches") << QByteArray("\xff\xff\xff\xff");
    }
    void aBodyShorterThanItsClaimIsDamaged()
    {
        QFETCH(QByteArray, body);
        cache::CacheEnvelope envelope;
        envelope.payload = QByteArray(1000, 'a');
        const QByteArray header = envelope.encode(64).first(cache::CacheEnvelope::headerSize);
        QVERIFY(header.at(4) & cache::CacheEnvelope::Compressed);
        bool tooLarge = true;
        QVERIFY(!cache::CacheEnvelope::decode(header + body, 1024, &tooLarge));
        QCOMPARE(tooLarge, false);
    }

    // The default payload limit, 16 MiB, at its edge: an entry of exactly 16 MiB is decoded, one a byte larger is
    // refused as too large before it is inflated. (Zeros compress about 1000:1: small to store, whole to inflate.)
    void theDefaultPayloadLimitIsSixteenMebibytes()
    {
        QCOMPARE(cache::CacheEnvelope::defaultMaxPayloadBytes, 16 * 1024 * 1024);
        for (const qsizetype size : {qsizetype(16 * 1024 * 1024), qsizetype(16 * 1024 * 1024 + 1)}) {
            cache::CacheEnvelope envelope;
            envelope.payload = QByteArray(size, '0');
            envelope.expiresAtMs = 1800000000000;
            const QByteArray whole = envelope.encode(64);
            QVERIFY(whole.at(4) & cache::CacheEnvelope::Compressed);
            QVERIFY2(whole.size() < 1024 * 1024, qPrintable(QString::number(whole.size())));
            bool tooLarge = false;
            const std::optional<cache::CacheEnvelope> decoded =
                cache::CacheEnvelope::decode(whole, cache::CacheEnvelope::defaultMaxPayloadBytes, &tooLarge);
            QCOMPARE(decoded.has_value(), size == 16 * 1024 * 1024);
            QCOMPARE(tooLarge, size > 16 * 1024 * 1024);
            if (decoded)
                QCOMPARE(decoded->payload.size(), size);
        }
    }

    // A value read only in part: the body says how much is shown; a compressed one says the whole is needed; a
    // character cut in half at the end is dropped, not shown as garbage.
    void prefixesSayWhatIsShown()
    {
        const QByteArray value = QByteArray("é").repeated(40000); // 80,000 bytes
        const QByteArray prefix = value.left(65535); // ends in half an é
        const cache::StoredValueView plain = cache::viewStoredValue(prefix, value.size());
        QVERIFY(!plain.bodyComplete);
        const QString text = plain.bodyText();
        const QString tail =
            u"\n… first %1 of %2 bytes"_s.arg(QLocale().formattedDataSize(65535), QLocale().toString(80000));
        QVERIFY2(text.endsWith(tail), qPrintable(text.right(60)));
        QCOMPARE(text.chopped(tail.size()), QString(u"é"_s).repeated(32767));

        const QByteArray compressed = entry(QByteArray("abc").repeated(100000), 1, 1, 10);
        const cache::StoredValueView cut = cache::viewStoredValue(compressed.left(100), compressed.size());
        QCOMPARE(cut.kind, cache::StoredValueView::Kind::Entry);
        QCOMPARE(cut.payloadBytes, 300000);
        QCOMPARE(cut.bodyText(),
            u"(compressed: the whole value, %1 bytes, is needed to read it)"_s.arg(
                QLocale().toString(compressed.size())));
    }

    // A prefix may end anywhere inside a character of any UTF-8 length: each cut is dropped and the text before it
    // shown, whatever the lead byte (0xF0 and 0xF4 are the ends of the 4-byte range); a whole character at the end
    // stays. A value that is not a prefix keeps what it holds: a broken end is the writer's, shown escaped.
    void aCharacterCutAtTheEndIsDropped_data()
    {
        QTest::addColumn<QByteArray>("character");
        QTest::addColumn<int>("keptBytes");
        const QByteArray characters[] = {
            "\xc3\xa9"_ba, "\xe2\x82\xac"_ba, "\xf0\x9f\x8e\xab"_ba, "\xf0\x90\x80\x80"_ba, "\xf4\x8f\xbf\xbf"_ba};
        for (const QByteArray& character : characters) {
            for (int kept = 1; kept <= character.size(); ++kept) {
                const QByteArray name = character.toHex(' ') + " kept " + QByteArray::number(kept);
                QTest::newRow(name.constData()) << character << kept;
            }
        }
    }
    void aCharacterCutAtTheEndIsDropped()
    {
        QFETCH(QByteArray, character);
        QFETCH(int, keptBytes);
        const QByteArray before = "tickets \xe2\x82\xac "_ba;
        const QByteArray prefix = before + character.first(keptBytes);
        const bool whole = keptBytes == character.size();
        QCOMPARE(cache::textForPeople(prefix, true), QString::fromUtf8(whole ? prefix : before));
        const QString uncut = cache::textForPeople(prefix, false);
        QCOMPARE(uncut, whole ? QString::fromUtf8(prefix) : model::displayBytes(prefix, -1));
    }
};

QTEST_GUILESS_MAIN(TestValueView)
#include "tst_valueview.moc"
