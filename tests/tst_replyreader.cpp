#include "redis/commandencoder.h"
#include "redis/replyreader.h"

#include <QTest>

using namespace cachescope::redis;

class TestReplyReader : public QObject
{
    Q_OBJECT
private:
    static std::vector<Reply> parseAll(const QByteArray& bytes, int chunk, bool* failed = nullptr)
    {
        ReplyReader reader;
        std::vector<Reply> replies;
        for (qsizetype offset = 0; offset < bytes.size(); offset += chunk) {
            reader.feed(bytes.constData() + offset, std::min<qsizetype>(chunk, bytes.size() - offset));
            Reply reply;
            for (;;) {
                const auto status = reader.next(&reply);
                if (status == ReplyReader::Status::Error) {
                    if (failed)
                        *failed = true;
                    return replies;
                }
                if (status == ReplyReader::Status::NeedMoreData)
                    break;
                replies.push_back(reply);
            }
        }
        if (failed)
            *failed = false;
        return replies;
    }

private Q_SLOTS:
    void typesSurviveAnyChunking_data()
    {
        QTest::addColumn<int>("chunk");
        for (int chunk : {1, 2, 3, 7, 64, 100000})
            QTest::newRow(qPrintable(QString::number(chunk))) << chunk;
    }
    void typesSurviveAnyChunking()
    {
        QFETCH(int, chunk);
        const QByteArray stream = "+OK\r\n"
                                  "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
                                  ":-42\r\n"
                                  "$5\r\nhe\r\no\r\n"
                                  "$-1\r\n"
                                  "*-1\r\n"
                                  "*0\r\n"
                                  "*3\r\n$1\r\na\r\n*2\r\n:1\r\n$0\r\n\r\n$-1\r\n";
        const auto replies = parseAll(stream, chunk);
        QCOMPARE(replies.size(), std::size_t(8));
        QVERIFY(replies[0].isStatus("OK"));
        QVERIFY(replies[1].isError());
        QCOMPARE(replies[1].errorKind(), ErrorKind::WrongType);
        QCOMPARE(replies[2].integer(), -42);
        QCOMPARE(replies[3].bytes(), QByteArray("he\r\no")); // bulk strings are binary-safe
        QVERIFY(replies[4].isNil());
        QVERIFY(replies[5].isNil());
        QVERIFY(replies[6].isArray() && replies[6].elements().empty());
        const Reply& nested = replies[7];
        QCOMPARE(nested.elements().size(), std::size_t(3));
        QCOMPARE(nested.elements()[0].bytes(), QByteArray("a"));
        QCOMPARE(nested.elements()[1].elements()[0].integer(), 1);
        QVERIFY(nested.elements()[1].elements()[1].isString());
        QVERIFY(nested.elements()[1].elements()[1].bytes().isEmpty());
        QVERIFY(nested.elements()[2].isNil());
    }

    void errorKinds_data()
    {
        QTest::addColumn<QByteArray>("message");
        QTest::addColumn<ErrorKind>("kind");
        QTest::newRow("ERR") << QByteArray("ERR unknown command") << ErrorKind::Generic;
        QTest::newRow("NOAUTH") << QByteArray("NOAUTH Authentication required.") << ErrorKind::NoAuth;
        QTest::newRow("WRONGPASS") << QByteArray("WRONGPASS invalid username-password pair") << ErrorKind::WrongPass;
        QTest::newRow("MOVED") << QByteArray("MOVED 3999 127.0.0.1:6381") << ErrorKind::Moved;
        QTest::newRow("ASK") << QByteArray("ASK 3999 127.0.0.1:6381") << ErrorKind::Ask;
        QTest::newRow("OOM") << QByteArray("OOM command not allowed when used memory > 'maxmemory'.")
                             << ErrorKind::OutOfMemory;
        QTest::newRow("READONLY") << QByteArray("READONLY You can't write against a read only replica.")
                                  << ErrorKind::ReadOnly;
        QTest::newRow("LOADING") << QByteArray("LOADING Redis is loading the dataset in memory") << ErrorKind::Loading;
        QTest::newRow("no space") << QByteArray("CLUSTERDOWN") << ErrorKind::ClusterDown;
        QTest::newRow("prefix only") << QByteArray("MOVEDX 1 a:1") << ErrorKind::Generic;
    }
    void errorKinds()
    {
        QFETCH(QByteArray, message);
        QFETCH(ErrorKind, kind);
        const auto replies = parseAll("-" + message + "\r\n", 1000);
        QCOMPARE(replies.size(), std::size_t(1));
        QCOMPARE(replies[0].errorKind(), kind);
        QVERIFY(replies[0].errorMessage().startsWith(QString::fromUtf8(message)));
        QCOMPARE(replies[0].bytes(), message);
    }

    void redirectIsParsed()
    {
        const Reply moved = Reply::serverError("MOVED 3999 127.0.0.1:6381");
        QCOMPARE(moved.redirect()->slot, 3999);
        QCOMPARE(moved.redirect()->host, QByteArray("127.0.0.1"));
        QCOMPARE(moved.redirect()->port, quint16(6381));
        const Reply ipv6 = Reply::serverError("ASK 1 ::1:7000");
        QCOMPARE(ipv6.redirect()->host, QByteArray("::1"));
        QVERIFY(!Reply::serverError("MOVED nonsense").redirect());
        QVERIFY(!Reply::serverError("MOVED 99999 h:1").redirect());
        // The slot table's own bounds: its last slot is taken, one past it (which would be written outside the
        // table) and one below its first are not.
        QCOMPARE(Reply::serverError("MOVED 16383 h:1").redirect()->slot, 16383);
        QCOMPARE(Reply::serverError("ASK 0 h:1").redirect()->slot, 0);
        QVERIFY(!Reply::serverError("MOVED 16384 h:1").redirect());
        QVERIFY(!Reply::serverError("MOVED -1 h:1").redirect());
        QVERIFY(!Reply::serverError("MOVED 1 h:65536").redirect());
    }

    void malformedInputIsAnErrorNotACrash_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::newRow("unknown type byte") << QByteArray("!oops\r\n");
        QTest::newRow("bad bulk length") << QByteArray("$abc\r\n");
        QTest::newRow("bad integer") << QByteArray(":12x\r\n");
        QTest::newRow("bad array length") << QByteArray("*x\r\n");
        QTest::newRow("hostile array length") << QByteArray("*2000000000\r\n");
        QTest::newRow("deep nesting") << QByteArray("*1\r\n").repeated(20) + ":1\r\n";
    }
    void malformedInputIsAnErrorNotACrash()
    {
        QFETCH(QByteArray, bytes);
        bool failed = false;
        parseAll(bytes, 3, &failed);
        QVERIFY(failed);
        ReplyReader reader;
        reader.feed(bytes.constData(), bytes.size());
        Reply reply;
        QCOMPARE(reader.next(&reply), ReplyReader::Status::Error);
        QVERIFY(!reader.errorString().isEmpty());
    }

    // The array length bound at the limit (taken: the elements are awaited) and one past it (refused before any
    // allocation); a generated mutant moving the bound by one survived the suite.
    void arrayLengthLimit_data()
    {
        QTest::addColumn<qint64>("length");
        QTest::addColumn<bool>("refused");
        QTest::newRow("limit") << qint64(ReplyReader::maxArrayElements) << false;
        QTest::newRow("limit + 1") << qint64(ReplyReader::maxArrayElements) + 1 << true;
    }
    void arrayLengthLimit()
    {
        QFETCH(qint64, length);
        QFETCH(bool, refused);
        ReplyReader reader;
        const QByteArray header = '*' + QByteArray::number(length) + "\r\n";
        reader.feed(header.constData(), header.size());
        Reply reply;
        QCOMPARE(reader.next(&reply), refused ? ReplyReader::Status::Error : ReplyReader::Status::NeedMoreData);
    }

    void partialReplyWaits()
    {
        ReplyReader reader;
        reader.feed("$10\r\n01234", 10);
        Reply reply;
        QCOMPARE(reader.next(&reply), ReplyReader::Status::NeedMoreData);
        reader.feed("56789\r\n", 7);
        QCOMPARE(reader.next(&reply), ReplyReader::Status::HaveReply);
        QCOMPARE(reply.bytes(), QByteArray("0123456789"));
    }

    void encoderIsBinarySafe()
    {
        const QByteArray encoded = encodeCommand({"SET", QByteArray("k\x00\r\n", 4), QByteArray()});
        static const char expected[] = "*3\r\n$3\r\nSET\r\n$4\r\nk\x00\r\n\r\n$0\r\n\r\n";
        QCOMPARE(encoded, QByteArray(expected, sizeof(expected) - 1));
    }

    // Lengths are written digit by digit: each row crosses a place where the number of digits changes.
    void encoderWritesEveryLength_data()
    {
        QTest::addColumn<int>("argumentCount");
        QTest::addColumn<int>("argumentSize");
        QTest::addColumn<QByteArray>("header"); // "*<count>\r\n$<size>\r\n", as written by hand
        QTest::newRow("one empty") << 1 << 0 << QByteArray("*1\r\n$0\r\n");
        QTest::newRow("9 of 9") << 9 << 9 << QByteArray("*9\r\n$9\r\n");
        QTest::newRow("10 of 10") << 10 << 10 << QByteArray("*10\r\n$10\r\n");
        QTest::newRow("99 of 99") << 99 << 99 << QByteArray("*99\r\n$99\r\n");
        QTest::newRow("100 of 100") << 100 << 100 << QByteArray("*100\r\n$100\r\n");
        QTest::newRow("2 of 1000000") << 2 << 1000000 << QByteArray("*2\r\n$1000000\r\n");
    }

    void encoderWritesEveryLength()
    {
        QFETCH(int, argumentCount);
        QFETCH(int, argumentSize);
        QFETCH(QByteArray, header);
        QList<QByteArray> arguments;
        for (int i = 0; i < argumentCount; ++i)
            arguments.append(QByteArray(argumentSize, char('a' + i % 26)));
        QByteArray expected = header.left(header.indexOf('$'));
        for (const QByteArray& argument : arguments)
            expected += header.mid(header.indexOf('$')) + argument + "\r\n";
        QCOMPARE(encodeCommand(arguments), expected);
        QByteArray appended("*1\r\n$4\r\nPING\r\n"); // a command already in the buffer stays as it was
        appendCommand(appended, arguments);
        QCOMPARE(appended, "*1\r\n$4\r\nPING\r\n" + expected);
    }
};

QTEST_GUILESS_MAIN(TestReplyReader)
#include "tst_replyreader.moc"
