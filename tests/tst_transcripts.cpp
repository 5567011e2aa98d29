#include "cache/cacheenvelope.h"
#include "cache/statsrecorder.h"
#include "model/gatewaykey.h"
#include "model/reservedkeys.h"
#include "redis/connection.h"
#include "redisserver.h"
#include "synccommand.h"
#include "toolrun.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

// What cachectl prints, whole: each command's standard output, standard error and exit code against a transcript
// recorded from a fixed data set (tests/transcripts/). A field that goes missing, a count off by one, a row in the
// wrong order or an escape that changed shows as a difference, where the other suites assert the parts they name.
// Only what changes from run to run is masked (the server's port, clocks, durations, TTLs still running down).
//
// After a deliberate change of output: CACHESCOPE_RECORD_TRANSCRIPTS=1 ./tst_transcripts writes the files anew;
// read their diff before committing it.
class TestTranscripts : public QObject
{
    Q_OBJECT
private:
    testing::RedisServer m_server;
    bool m_statsRecorded = false;
    QTemporaryDir m_home; // where analyze --save keeps its snapshots (XDG_DATA_HOME)

    static QString transcriptPath(const QString& name)
    {
        return qEnvironmentVariable("CACHESCOPE_SOURCE_DIR") + u"/tests/transcripts/"_s + name + u".txt"_s;
    }

    QStringList at() const
    {
        return {u"-h"_s, m_server.host(), u"-p"_s, QString::number(m_server.port())};
    }

    // The data set: every kind of key the tools group, with sizes that differ (rankings have no ties, whatever order
    // SCAN finds them in) and TTLs that sit inside their buckets for longer than the suite runs.
    void seed()
    {
        m_server.cli({u"FLUSHALL"_s});
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        const auto run = [&connection](const QList<QByteArray>& command) {
            const redis::Reply reply = testing::runCommand(connection, command);
            QVERIFY2(!reply.isError(), qPrintable(reply.errorMessage()));
        };
        const auto padded = [](const QByteArray& head, int bytes) -> QByteArray {
            const QByteArray json = "{" + head + ",\"pad\":\"\"}";
            return "{" + head + ",\"pad\":\"" + QByteArray(std::max<qsizetype>(0, bytes - json.size()), 'x') + "\"}";
        };
        // Seconds that show the same way for a minute at least: TTLs of whole minutes plus 50 s.
        const QList<int> ttls {
            0, 3 * 3600 + 30 * 60 + 50, 12 * 3600 + 30 * 60 + 50, 3 * 86400 + 5 * 3600 + 50, 0, 2 * 3600 + 50};
        int index = 0;
        for (const char* tenant : {"acme", "globex"}) {
            for (const char* venue : {"v1", "v2", "v3"}) {
                const QByteArray key =
                    model::buildGatewayKey({"GET", "/api/events", {}, {}, QByteArray(tenant), QByteArray(venue)});
                run({"SET", key, padded("\"list\":" + QByteArray::number(index), 3900 - 500 * index)});
                if (ttls.at(index) > 0)
                    run({"EXPIRE", key, QByteArray::number(ttls.at(index))});
                ++index;
            }
        }
        run({"SET", model::buildGatewayKey({"GET", "/api/events/42", {}, {}, "acme", "v1"}), padded("\"id\":42", 700),
            "EX", "7250"});
        run({"SET", model::buildGatewayKey({"GET", "/api/events/43", {}, {}, "globex", "v2"}),
            padded("\"id\":43", 650)});
        for (int k = 0; k < 12; ++k) {
            const QByteArray q = "q" + QByteArray::number(k);
            run({"SET",
                model::buildGatewayKey(
                    {"GET", "/api/search", {{"q", q}, {"category", std::nullopt}}, {}, "acme", "v1"}),
                padded("\"q\":\"" + q + "\"",
                    k == 11       ? 1000
                        : k == 10 ? 870
                        : k == 9  ? 740
                                  : 200 + 40 * k),
                "EX", QByteArray::number(7200 + 60 * k + 50)});
        }
        for (const char* user : {"u1", "u2"})
            run({"SET",
                model::buildGatewayKey(
                    {"GET", "/api/search", {{"q", "mine"}, {"category", "pop"}}, QByteArray(user), "acme", "v1"}),
                padded("\"private\":true", user == QByteArrayView("u1") ? 333 : 222), "EX", "7250"});
        run({"SET", model::buildGatewayKey({"GET", "/api/tickets/availability", {}, {}, "globex", "v3"}),
            "{\"left\":3}"});
        run({"SET", model::buildGatewayKey({"GET", "/api/legacy", {}, {}, "acme", "v2"}), padded("\"old\":1", 555)});

        // The tag indexes a gateway writes beside its entries (a score past every test's end). Kept as listpacks: a
        // skiplist's node levels are random, and so would be its MEMORY USAGE.
        run({"CONFIG", "SET", "zset-max-listpack-value", "256"});
        for (const QByteArray& key : testing::scanAll(connection, "gateway:response:*"))
            for (const QByteArray& tag : model::gatewayTagsOf(*model::parseGatewayKey(key)))
                run({"ZADD", model::tagKey(tag), "9999999999999", key});

        // Cache-manager entries: compressed, negative, plain; and one another writer left without our header.
        const qint64 now = QDateTime::currentMSecsSinceEpoch();
        cache::CacheEnvelope venues;
        venues.payload = padded("\"venues\":[\"v1\",\"v2\",\"v3\"]", 6000);
        venues.expiresAtMs = now + 3 * 3600 * 1000 + 50000;
        venues.loadMs = 41;
        run({"SET", model::buildGatewayKey({"GET", "/api/venues", {}, {}, "acme", std::nullopt}), venues.encode(100),
            "PX", QByteArray::number(3 * 3600 * 1000 + 50000 + 600000)});
        cache::CacheEnvelope missing;
        missing.negative = true;
        missing.expiresAtMs = now + 3600 * 1000 + 50000;
        missing.loadMs = 3;
        run({"SET", model::buildGatewayKey({"GET", "/api/venues/v9", {}, {}, "acme", std::nullopt}),
            missing.encode(100), "PX", QByteArray::number(3600 * 1000 + 50000 + 600000)});
        cache::CacheEnvelope plain;
        plain.payload = "{\"venue\":\"v2\",\"name\":\"Hall \\u00e9 \\\"2\\\"\"}";
        plain.expiresAtMs = now + 2 * 3600 * 1000 + 50000;
        run({"SET", model::buildGatewayKey({"GET", "/api/venues/v2", {}, {}, "globex", std::nullopt}),
            plain.encode(100000), "PX", QByteArray::number(2 * 3600 * 1000 + 50000 + 600000)});

        // Service keys, one of each type, and a namespace with a TTL rule whose keys have none.
        for (int i = 1; i <= 12; ++i)
            run({"SET", "events:" + QByteArray::number(i), QByteArray(4 * i * i, 'e')});
        run({"HSET", "events:hash", "name", "Gala", "seats", "120", "note", "line\nbreak\ttab"});
        run({"RPUSH", "events:list", "first", "second", "{\"third\":3}"});
        run({"SADD", "events:set", "b", "a", "c"});
        run({"ZADD", "events:zset", "1", "one", "2.5", "two", "-3", "minus"});
        run({"XADD", "events:stream", "1-1", "kind", "created"});
        run({"XADD", "events:stream", "1-2", "kind", "changed", "by", "ops"});
        run({"SET", "session:a", QByteArray(10, 'a')});
        run({"SET", "session:b", QByteArray(40, 'b')});
        run({"SET", "session:c", QByteArray(100, 'c')});
        run({"SET", "session:d", QByteArray(200, 'd'), "EX", "5450"});

        // Keys and values other writers chose: bytes that are not text, terminal escapes, an empty value.
        run({"SET", "loose", "plain text, " + QByteArray(100, '.')});
        run({"SET", QByteArray("bin:\xff\x00\x1b[2J", 10), QByteArray("\x1b]0;pwned\x07\xff\xfe ok", 15)});
        run({"SET", "empty", ""});
    }

    struct StatsEvents
    {
        cache::StatsLabels labels;
        cache::StatsEvent event;
        int times;
        qint64 loadMs;
    };
    static QList<StatsEvents> statsEvents()
    {
        const cache::StatsLabels acmeEvents {"gateway", "GET /api/events", "acme", "v1"};
        const cache::StatsLabels globexEvents {"gateway", "GET /api/events", "globex", "v2"};
        const cache::StatsLabels acmeSearch {"gateway", "GET /api/search", "acme", "v1"};
        using cache::StatsEvent;
        return {{acmeEvents, StatsEvent::Hit, 7, -1}, {acmeEvents, StatsEvent::Miss, 3, -1},
            {acmeEvents, StatsEvent::Load, 3, 40}, {globexEvents, StatsEvent::Hit, 1, -1},
            {globexEvents, StatsEvent::Miss, 1, -1}, {globexEvents, StatsEvent::LoadFailure, 1, 900},
            {acmeSearch, StatsEvent::Hit, 2, -1}, {acmeSearch, StatsEvent::Miss, 8, -1},
            {acmeSearch, StatsEvent::Set, 8, -1}, {acmeSearch, StatsEvent::NegativeHit, 1, -1},
            {acmeSearch, StatsEvent::StaleServed, 2, -1}, {acmeSearch, StatsEvent::Load, 1, 5}};
    }

    // A CacheScope client's stats (statsEvents()), written by the real recorder.
    void writeStats()
    {
        redis::Connection connection(m_server.connectionOptions());
        QVERIFY(testing::openAndWait(connection));
        cache::StatsRecorder recorder(&connection, {});
        for (const auto& [labels, event, times, loadMs] : statsEvents())
            for (int i = 0; i < times; ++i)
                recorder.record(labels, event, loadMs);
        bool flushed = false;
        recorder.flush(
            [&flushed](const cache::StatsRecorder::FlushResult& result) { flushed = result.unconfirmed == 0; });
        QTRY_VERIFY(flushed);
    }

    // Stats for the rows that read them, written once before the first of them and after the rows that analyse the
    // keyspace (the buckets' names and TTLs hold the time they were written in).
    void recordStats()
    {
        if (m_statsRecorded)
            return;
        m_statsRecorded = true;
        writeStats();
        QTest::qWait(1100); // windows end at the last complete second: the one written in is complete
    }

    // The parts of a run that differ from one run to the next, masked; everything else is compared byte for byte.
    // Samples are kept in the order SCAN met them, which differs with each server's hash seed: they are sorted here.
    QByteArray masked(const QByteArray& text) const
    {
        QByteArray own = text;
        own.replace(QByteArray(m_server.host().toUtf8() + ':' + QByteArray::number(m_server.port())), "HOST:PORT");
        own.replace(m_home.path().toUtf8(), "XDG_DATA_HOME");
        QJsonParseError error;
        const QJsonDocument document = QJsonDocument::fromJson(own, &error);
        if (error.error == QJsonParseError::NoError && document.isObject())
            return QJsonDocument(maskedJson(document.object()).toObject()).toJson(QJsonDocument::Indented);
        if (error.error == QJsonParseError::NoError && document.isArray())
            return QJsonDocument(maskedJson(document.array()).toArray()).toJson(QJsonDocument::Indented);
        QString s = QString::fromUtf8(own);
        static const QList<std::pair<QRegularExpression, QString>> rules {
            {QRegularExpression(u"(measured[^,\n]*), \\d+\\.\\d s\n"_s), u"\\1, N.N s\n"_s},
            {QRegularExpression(u"\\d{4}-\\d\\d-\\d\\d[T ]\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?(Z|[+-]\\d\\d:?\\d\\d)?"_s),
                u"DATETIME"_s},
            {QRegularExpression(u"\\b\\d\\d:\\d\\d:\\d\\d\\b"_s), u"TIME"_s},
            {QRegularExpression(u"in \\d+ SCAN pages"_s), u"in N SCAN pages"_s},
            {QRegularExpression(u"^In \\d+\\.\\d s:"_s, QRegularExpression::MultilineOption), u"In N.N s:"_s},
            // Who ran an audited command: this machine's user and host name.
            {QRegularExpression(u"^DATETIME  \\S+@\\S+ +"_s, QRegularExpression::MultilineOption),
                u"DATETIME  USER@HOST  "_s},
            {QRegularExpression(u"saved by \\S+@\\S+ at"_s), u"saved by USER@HOST at"_s},
            // Progress rewritten in place ("\r…"): how often depends on timing; the last state stays.
            {QRegularExpression(u"(?:\r[^\r\n]*)+(\r[^\r\n]*)"_s), u"\\1"_s},
        };
        for (const auto& [pattern, replacement] : rules)
            s.replace(pattern, replacement);
        QStringList lines = s.split(u'\n');
        for (qsizetype i = 0; i < lines.size();) {
            const bool example = lines.at(i).startsWith(u"  e.g. ");
            const bool listed = i > 0 && lines.at(i - 1).endsWith(u"e.g.:") && lines.at(i).startsWith(u"  ");
            if (!example && !listed) {
                ++i;
                continue;
            }
            qsizetype end = i + 1;
            while (end < lines.size() && lines.at(end).startsWith(example ? u"  e.g. "_s : u"  "_s))
                ++end;
            std::sort(lines.begin() + i, lines.begin() + end);
            i = end;
        }
        return lines.join(u'\n').toUtf8();
    }

    static QJsonValue maskedJson(const QJsonValue& value)
    {
        static const QSet<QString> clocks {u"startedAt"_s, u"finishedAt"_s, u"durationMs"_s, u"fetchedAtMs"_s,
            u"logicalExpiryMs"_s, u"at"_s, u"atMs"_s, u"time"_s, u"from"_s, u"to"_s, u"seconds"_s};
        static const QSet<QString> ttls {u"pttl"_s, u"pttlMs"_s};
        static const QSet<QString> samples {u"sample"_s, u"samples"_s, u"persistentSamples"_s};
        if (value.isArray()) {
            QJsonArray array;
            for (const QJsonValue& element : value.toArray())
                array.append(maskedJson(element));
            return array;
        }
        if (!value.isObject())
            return value;
        QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (clocks.contains(it.key())) {
                *it = u"MASKED"_s;
            } else if (it.key() == u"actor") {
                *it = u"USER@HOST"_s;
            } else if (it.key() == u"id" && it->toString().contains(QRegularExpression(u"^\\d{13}-\\d+$"_s))) {
                *it = u"STREAM-ID"_s;
            } else if (it.key() == u"server" && it->isObject()) { // the server's own life: memory, ops, INFO counters
                QJsonObject server = it->toObject();
                for (auto field = server.begin(); field != server.end(); ++field)
                    *field = u"MASKED"_s;
                *it = server;
            } else if (ttls.contains(it.key()) && it->toInteger() > 0) {
                *it = u"%1 min"_s.arg(it->toInteger() / 60000); // whole minutes plus 50 s: stable for 50 s
            } else if (it.key() == u"value" && object.value(u"view"_s).toObject().contains(u"envelope"_s)) {
                *it = u"MASKED: an entry's header holds its expiry time"_s;
            } else if (samples.contains(it.key()) && it->isArray()) {
                QStringList sorted;
                for (const QJsonValue& element : it->toArray())
                    sorted.append(element.toString());
                sorted.sort();
                *it = QJsonArray::fromStringList(sorted);
            } else {
                *it = maskedJson(*it);
            }
        }
        return object;
    }

    void compareWithTranscript(const QString& name, const QByteArray& actual)
    {
        QFile file(transcriptPath(name));
        if (qEnvironmentVariableIntValue("CACHESCOPE_RECORD_TRANSCRIPTS")) {
            QDir().mkpath(QFileInfo(file).absolutePath());
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(actual);
            return;
        }
        QVERIFY2(file.open(QIODevice::ReadOnly), qPrintable(u"no transcript: "_s + file.fileName()));
        const QByteArray expected = file.readAll();
        if (actual == expected)
            return;
        const QList<QByteArray> want = expected.split('\n');
        const QList<QByteArray> got = actual.split('\n');
        qsizetype line = 0;
        while (line < want.size() && line < got.size() && want.at(line) == got.at(line))
            ++line;
        QFAIL(qPrintable(u"differs from %1 at line %2:\n  recorded: %3\n  now:      %4"_s.arg(file.fileName())
                             .arg(line + 1)
                             .arg(QString::fromUtf8(want.value(line, "(end)")))
                             .arg(QString::fromUtf8(got.value(line, "(end)")))));
    }

    static QByteArray transcript(
        const QStringList& arguments, const testing::ToolRun& run, const QByteArray& out, const QByteArray& err)
    {
        return "$ cachectl " + arguments.join(u' ').toUtf8() + "\nexit " + QByteArray::number(run.exitCode)
            + "\n--- standard output\n" + out + "--- standard error\n" + err;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_server.start(), qPrintable(m_server.errorString()));
        seed();
        // Route files for `key --routes` and `routes import`: private and shared rules, a file that is no JSON, and
        // one whose rules break the limits (each reason is told).
        const auto write = [this](const QString& name, const QByteArray& content) {
            QFile file(m_home.filePath(name));
            QVERIFY(file.open(QIODevice::WriteOnly));
            file.write(content);
        };
        write(u"routes.json"_s,
            "{\"formatVersion\":1,\"routes\":[{\"path\":\"/api/me\",\"ttl\":45,\"private\":true,"
            "\"varyBy\":[\"a\",\"b\"]},{\"path\":\"/\",\"ttl\":5}],\"namespaces\":[]}");
        write(u"broken.json"_s, "{\"formatVersion\":1,\"routes\":[{\"path\":");
        write(u"invalid.json"_s,
            "{\"formatVersion\":1,\"routes\":[{\"path\":\"api\",\"ttl\":0},{\"path\":\"/a\",\"ttl\":2592001},"
            "{\"path\":\"/b\",\"ttl\":\"60\"}],\"namespaces\":[{\"name\":\"s*\",\"ttl\":60}]}");
    }

    void outputIsTheRecordedOne_data()
    {
        QTest::addColumn<QStringList>("arguments");
        QTest::addColumn<bool>("server");
        const QString search = QString::fromUtf8(model::buildGatewayKey(
            {"GET", "/api/search", {{"q", "q3"}, {"category", std::nullopt}}, {}, "acme", "v1"}));
        const QString event = QString::fromUtf8(model::buildGatewayKey({"GET", "/api/events", {}, {}, "acme", "v2"}));
        const auto row = [](const char* name, const QStringList& arguments, bool server = true) {
            QTest::newRow(name) << arguments << server;
        };
        row("keys", {u"keys"_s});
        row("keys-all", {u"keys"_s, u"--all"_s});
        row("keys-json", {u"keys"_s, u"--json"_s});
        row("keys-count", {u"keys"_s, u"--count"_s, u"2"_s});
        row("keys-match", {u"keys"_s, u"--match"_s, u"gateway:response:GET:/api/search*"_s});
        row("analyze", {u"analyze"_s});
        row("analyze-tenant", {u"analyze"_s, u"--by"_s, u"tenant"_s});
        row("analyze-venue", {u"analyze"_s, u"--by"_s, u"venue"_s});
        row("analyze-ns", {u"analyze"_s, u"--by"_s, u"ns"_s});
        row("analyze-rows", {u"analyze"_s, u"--rows"_s, u"2"_s});
        row("analyze-no-ttl", {u"analyze"_s, u"--no-ttl"_s});
        row("analyze-match", {u"analyze"_s, u"--match"_s, u"gateway:response:GET:/api/search*"_s});
        row("analyze-json", {u"analyze"_s, u"--json"_s});
        row("analyze-csv", {u"analyze"_s, u"--csv"_s});
        row("analyze-csv-tenant", {u"analyze"_s, u"--csv"_s, u"--by"_s, u"tenant"_s});
        row("analyze-sample", {u"analyze"_s, u"--sample"_s, u"4"_s});
        row("analyze-sample-json", {u"analyze"_s, u"--sample"_s, u"4"_s, u"--json"_s});
        row("get-gateway", {u"get"_s, event});
        row("get-gateway-json", {u"get"_s, event, u"--json"_s});
        row("get-search", {u"get"_s, search});
        row("get-compressed", {u"get"_s, u"gateway:response:GET:/api/venues:tenant:acme"_s});
        row("get-compressed-json", {u"get"_s, u"gateway:response:GET:/api/venues:tenant:acme"_s, u"--json"_s});
        row("get-negative", {u"get"_s, u"gateway:response:GET:/api/venues/v9:tenant:acme"_s});
        row("get-plain-envelope", {u"get"_s, u"gateway:response:GET:/api/venues/v2:tenant:globex"_s});
        row("get-hash", {u"get"_s, u"events:hash"_s});
        row("get-hash-json", {u"get"_s, u"events:hash"_s, u"--json"_s});
        row("get-list", {u"get"_s, u"events:list"_s});
        row("get-set", {u"get"_s, u"events:set"_s});
        row("get-zset", {u"get"_s, u"events:zset"_s});
        row("get-stream", {u"get"_s, u"events:stream"_s});
        row("get-stream-json", {u"get"_s, u"events:stream"_s, u"--json"_s});
        row("get-binary", {u"get"_s, u"\"bin:\\xff\\x00\\x1b[2J\""_s});
        row("get-empty", {u"get"_s, u"empty"_s});
        row("get-service", {u"get"_s, u"events:7"_s});
        row("get-missing", {u"get"_s, u"events:none"_s});
        row("key-cached", {u"key"_s, u"GET"_s, u"/api/events/1"_s}, false);
        row("key-cached-json", {u"key"_s, u"GET"_s, u"/api/events/1"_s, u"--json"_s}, false);
        row("key-vary", {u"key"_s, u"GET"_s, u"/api/search?category=pop&q=a%20b&page=2"_s}, false);
        row("key-post", {u"key"_s, u"POST"_s, u"/api/events"_s}, false);
        row("key-no-rule", {u"key"_s, u"GET"_s, u"/api/nothing"_s}, false);
        row("key-head-scoped", {u"key"_s, u"HEAD"_s, u"/api/events/a:b*c?x=1"_s, u"--tenant"_s, u"ac me"_s,
                                   u"--venue"_s, u"v{1}"_s},
            false);
        row("key-vary-missing", {u"key"_s, u"GET"_s, u"/api/search?category=&page=3"_s, u"--json"_s}, false);
        row("key-private", {u"key"_s, u"--routes"_s, u"XDG_DATA_HOME/routes.json"_s, u"GET"_s, u"/api/me/orders?b=2&a=1"_s,
                               u"--user-id"_s, u"u:1"_s, u"--tenant"_s, u"acme"_s},
            false);
        row("key-private-anonymous", {u"key"_s, u"--routes"_s, u"XDG_DATA_HOME/routes.json"_s, u"GET"_s,
                                         u"/api/me/orders"_s},
            false);
        row("key-routes-broken", {u"key"_s, u"--routes"_s, u"XDG_DATA_HOME/broken.json"_s, u"GET"_s, u"/api/x"_s},
            false);
        // From here on the server also holds stats buckets.
        row("stats-by-route", {u"stats"_s, u"--by"_s, u"route"_s});
        row("stats-by-tenant", {u"stats"_s, u"--by"_s, u"tenant"_s, u"--window"_s, u"30"_s});
        row("stats-by-venue-json", {u"stats"_s, u"--by"_s, u"venue"_s, u"--window"_s, u"600"_s, u"--json"_s});
        row("stats-top", {u"stats"_s, u"--by"_s, u"route"_s, u"--top"_s, u"1"_s});
        row("stats-footprint", {u"stats"_s, u"--footprint"_s});
        row("stats-footprint-json", {u"stats"_s, u"--footprint"_s, u"--json"_s});
        row("analyze-hit-rates", {u"analyze"_s, u"--match"_s, u"gateway:response:*"_s});
        row("analyze-hit-rates-tenant", {u"analyze"_s, u"--match"_s, u"gateway:response:*"_s, u"--by"_s, u"tenant"_s});
        // From here on the server also holds the audit records of dry runs.
        row("invalidate-dry", {u"invalidate"_s, u"gateway:response:GET:/api/events:tenant:acme:*"_s});
        row("invalidate-dry-json", {u"invalidate"_s, u"session:*"_s, u"--json"_s});
        row("invalidate-two", {u"invalidate"_s, u"session:*"_s, u"gateway:response:GET:/api/events/*"_s});
        row("invalidate-unmatchable", {u"invalidate"_s, u"gateway:response:/api/events*"_s});
        row("invalidate-protected", {u"invalidate"_s, u"cachescope:*"_s});
        row("invalidate-lint", {u"invalidate"_s, u"gateway:response:get:/api/events*"_s,
                                   u"gateway:response:POST:/api/events*"_s, u"gateway:response:GET:/api/events:tenant:globex*"_s,
                                   u"gateway:response:GET:/api/events:tenant:a%3a*"_s, u"--json"_s});
        row("invalidate-protect-option", {u"invalidate"_s, u"session:*"_s, u"--protect"_s, u"session:[ab]"_s});
        row("invalidate-tag", {u"invalidate"_s, u"--tag"_s, u"venue:v2"_s});
        row("invalidate-tag-json", {u"invalidate"_s, u"--tag"_s, u"tenant:globex"_s, u"--json"_s});
        row("expire-dry", {u"expire"_s, u"session:*"_s, u"--ttl"_s, u"60"_s});
        row("routes", {u"routes"_s, u"get"_s});
        row("routes-json", {u"routes"_s, u"get"_s, u"--json"_s});
        // Writes, and what the reads say after them.
        row("analyze-save-before", {u"analyze"_s, u"--match"_s, u"gateway:response:*"_s, u"--save"_s, u"before"_s});
        row("invalidate-yes", {u"invalidate"_s, u"gateway:response:GET:/api/search:*"_s, u"--yes"_s});
        row("invalidate-tag-yes", {u"invalidate"_s, u"--tag"_s, u"venue:v3"_s, u"--yes"_s, u"--json"_s});
        row("expire-yes", {u"expire"_s, u"session:*"_s, u"--ttl"_s, u"7200"_s, u"--yes"_s});
        row("routes-set", {u"routes"_s, u"set"_s, u"/api/search"_s, u"--ttl"_s, u"120"_s});
        row("routes-after", {u"routes"_s, u"get"_s});
        row("routes-import-broken", {u"routes"_s, u"import"_s, u"XDG_DATA_HOME/broken.json"_s});
        row("routes-import-invalid", {u"routes"_s, u"import"_s, u"XDG_DATA_HOME/invalid.json"_s});
        row("key-live", {u"key"_s, u"--live"_s, u"GET"_s, u"/api/search?q=a"_s});
        row("keys-after", {u"keys"_s});
        row("analyze-save-after", {u"analyze"_s, u"--match"_s, u"gateway:response:*"_s, u"--save"_s, u"after"_s});
        row("analyze-diff", {u"analyze"_s, u"--diff"_s, u"before"_s, u"after"_s}, false);
        row("analyze-diff-json", {u"analyze"_s, u"--diff"_s, u"before"_s, u"after"_s, u"--json"_s}, false);
        row("analyze-diff-unknown", {u"analyze"_s, u"--diff"_s, u"before"_s, u"nothing"_s}, false);
        row("audit", {u"audit"_s});
        row("audit-json", {u"audit"_s, u"--json"_s, u"--count"_s, u"3"_s});
        row("evictions", {u"evictions"_s, u"--seconds"_s, u"1"_s, u"--enable-events"_s});
        row("misses", {u"misses"_s, u"--seconds"_s, u"1"_s, u"--enable-events"_s});
        row("misses-what-if-json",
            {u"misses"_s, u"--seconds"_s, u"1"_s, u"--enable-events"_s, u"--what-if"_s, u"--json"_s});
        row("routes-restore-nothing-lost", {u"routes"_s, u"restore"_s});
    }

    void outputIsTheRecordedOne()
    {
        QFETCH(QStringList, arguments);
        QFETCH(bool, server);
        const QStringList recorded = arguments; // the transcript names files by XDG_DATA_HOME, not this run's path
        arguments.replaceInStrings(u"XDG_DATA_HOME"_s, m_home.path());
        if (arguments.first() == u"stats" || QByteArrayView(QTest::currentDataTag()).startsWith("analyze-hit"))
            recordStats();
        const testing::ToolRun run = testing::runTool(QStringLiteral(CACHECTL_PATH),
            (server ? at() : QStringList()) + arguments,
            {u"XDG_DATA_HOME="_s + m_home.path(), u"LC_ALL=C.UTF-8"_s}); // numbers as recorded, whatever the shell's
        QVERIFY2(run.exitCode >= 0, "cachectl did not finish");
        compareWithTranscript(
            QString::fromUtf8(QTest::currentDataTag()), transcript(recorded, run, masked(run.out), masked(run.err)));
    }

    // The Prometheus exposition of `cachectl serve`, whole, for the same data set and stats: every family, label and
    // value a scrape gets. Only the samples of the server's own life (uptime, memory, clients, INFO counters) and of
    // the collector's clock are masked.
    void metricsAreTheRecordedOnes()
    {
        recordStats();
        QTemporaryDir files;
        QFile token(files.filePath(u"token"_s));
        QVERIFY(token.open(QIODevice::WriteOnly));
        token.write("metrics-token-0123456789abc\n");
        token.close();
        QVERIFY(token.setPermissions(QFile::ReadOwner | QFile::WriteOwner)); // serve refuses a token others can read
        QProcess serve;
        serve.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(u"REDIS_URL"_s);
        env.remove(u"REDISCLI_AUTH"_s);
        env.insert(u"CACHESCOPE_ADMIN_TOKEN"_s, u"admin-token-0123456789abcdef"_s);
        env.insert(u"LC_ALL"_s, u"C.UTF-8"_s);
        serve.setProcessEnvironment(env);
        serve.start(QStringLiteral(CACHECTL_PATH),
            at() + QStringList {u"serve"_s, u"--http-port"_s, u"0"_s, u"--metrics-token-file"_s, token.fileName()});
        QVERIFY(serve.waitForStarted() && serve.waitForReadyRead(10000));
        const QByteArray line = serve.readLine().trimmed();
        const QUrl url(
            u"http://127.0.0.1:%1/metrics"_s.arg(QString::fromLatin1(line.sliced(line.lastIndexOf(':') + 1))));
        QNetworkAccessManager http;
        const auto scrape = [&http, &url]() -> QByteArray {
            QNetworkRequest request(url);
            request.setRawHeader("Authorization", "Bearer metrics-token-0123456789abc");
            QNetworkReply* reply = http.get(request);
            QSignalSpy done(reply, &QNetworkReply::finished);
            if (!reply->isFinished() && !done.wait(15000))
                return {};
            reply->deleteLater();
            return reply->readAll();
        };
        // Two complete rounds of the collector: the first reads the stats, the second finds them unchanged.
        QByteArray text;
        QTRY_VERIFY_WITH_TIMEOUT(
            (text = scrape()).contains("cachescope_metrics_last_complete_round_timestamp_seconds"), 15000);
        // What a CacheScope client records from now on shows in the counters (the stats before were the baseline).
        const auto rounds = [&text] {
            static const QRegularExpression count(
                u"^cachescope_metrics_rounds_total (\\d+)$"_s, QRegularExpression::MultilineOption);
            return count.match(QString::fromUtf8(text)).captured(1).toInt();
        };
        const int before = rounds();
        writeStats();
        // Two more rounds: the second began after the flush was answered, so it read everything written.
        QTRY_VERIFY_WITH_TIMEOUT((text = scrape(), rounds() >= before + 2), 20000);
        // The admin API of the same process: health, stats, an invalidation's dry run and refusals, each whole.
        QByteArray admin;
        const auto ask = [&http, &url, &admin, this](const QByteArray& method, const QString& path,
                             const QByteArray& bearer, const QByteArray& body = {}) {
            QNetworkRequest request(url.resolved(QUrl(path)));
            if (!bearer.isEmpty())
                request.setRawHeader("Authorization", "Bearer " + bearer);
            if (!body.isEmpty())
                request.setRawHeader("Content-Type", "application/json");
            QNetworkReply* reply = http.sendCustomRequest(request, method, body);
            QSignalSpy done(reply, &QNetworkReply::finished);
            QVERIFY(reply->isFinished() || done.wait(15000));
            admin += "\n$ " + method + ' ' + path.toUtf8() + (body.isEmpty() ? QByteArray() : ' ' + body) + "\n"
                + QByteArray::number(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt()) + ' '
                + reply->header(QNetworkRequest::ContentTypeHeader).toByteArray() + '\n' + masked(reply->readAll());
            reply->deleteLater();
        };
        const QByteArray adminToken = "admin-token-0123456789abcdef";
        ask("GET", u"/healthz"_s, {});
        ask("GET", u"/admin/cache/stats?window=600"_s, adminToken); // minutes: both writes, whatever the clock
        ask("GET", u"/admin/cache/stats?window=0"_s, adminToken);
        ask("GET", u"/admin/cache/stats"_s, "metrics-token-0123456789abc");
        ask("POST", u"/admin/cache/invalidate"_s, adminToken, "{\"patterns\":[\"session:*\"],\"dryRun\":true}");
        ask("POST", u"/admin/cache/invalidate"_s, adminToken, "{\"tags\":[\"venue:v1\"],\"dryRun\":true}");
        ask("POST", u"/admin/cache/invalidate"_s, adminToken, "{\"patterns\":[\"cachescope:tag:*\"],\"dryRun\":true}");
        ask("POST", u"/admin/cache/invalidate"_s, adminToken, "{\"patterns\":\"session:*\"}");
        ask("DELETE", u"/admin/cache/invalidate"_s, adminToken);
        ask("GET", u"/nowhere"_s, adminToken);
        compareWithTranscript(u"admin-api"_s, admin.mid(1));

        serve.terminate();
        QVERIFY(serve.waitForFinished(10000));
        QByteArray kept;
        static const QRegularExpression ownLife(
            u"^(cachescope_redis_(?!up)\\w+|\\w*timestamp\\w*|cachescope_metrics_rounds_total|"
            "cachescope_own_keyspace_lookups_total)(\\{[^}]*\\})? .*$"_s);
        for (const QByteArray& sample : text.split('\n')) {
            const QString s = QString::fromUtf8(sample);
            kept += (s.contains(ownLife) ? QString(s).replace(ownLife, u"\\1\\2 MASKED"_s) : s).toUtf8() + '\n';
        }
        compareWithTranscript(u"metrics"_s, "GET /metrics\n" + masked(kept.trimmed() + '\n'));
    }
};

QTEST_GUILESS_MAIN(TestTranscripts)
#include "tst_transcripts.moc"
