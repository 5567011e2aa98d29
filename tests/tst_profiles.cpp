#include "dialogs/connectiondialog.h"
#include "keychain/secretstore.h"
#include "profiles/connectionprofile.h"
#include "redisserver.h"

#include <QCheckBox>
#include <QDir>
#include <QFile>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace cachescope;
using namespace Qt::StringLiterals;

// Connection profiles: what is saved (everything but the password), what "Test connection" says against real
// servers (plain with ACL users, TLS), and that a password never reaches the settings file.
class TestProfiles : public QObject
{
    Q_OBJECT
private:
    static constexpr auto password = "s3cret-Pa55-do-not-log";
    testing::RedisServer m_acl {{false, false, {u"user alice on >s3cret-Pa55-do-not-log ~* +@all"_s}}};
    testing::RedisServer m_tls {{true, false, {}}};
    QTemporaryDir m_dir;

    static void save(QWidget* widget, const QString& name)
    {
        const QString dir = QCoreApplication::applicationDirPath() + u"/screenshots"_s;
        QDir().mkpath(dir);
        QVERIFY(widget->grab().save(dir + u'/' + name + u".png"_s));
    }

    profiles::ConnectionProfile aclProfile() const
    {
        profiles::ConnectionProfile profile;
        profile.name = u"staging (alice)"_s;
        profile.host = m_acl.host();
        profile.port = m_acl.port();
        profile.database = 2;
        profile.username = u"alice"_s;
        profile.production = true;
        profile.protectedPatterns = {"session:*", "payments:*"};
        // Not the defaults, so that a field the dialog or the settings drop shows.
        profile.alertDropPercent = 60;
        profile.alertFloorPercent = 20;
        profile.alertMinLookups = 200;
        profile.treeAggregateAbove = 2'500'000;
        return profile;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_acl.start(), qPrintable(m_acl.errorString()));
        QVERIFY2(m_tls.start(), qPrintable(m_tls.errorString()));
    }

    void validation_data()
    {
        QTest::addColumn<QString>("field");
        QTest::addColumn<QString>("value");
        QTest::addColumn<QString>("problem");
        QTest::newRow("fine") << QString() << QString() << QString();
        QTest::newRow("no name") << u"name"_s << u"  "_s << u"name: must not be empty"_s;
        QTest::newRow("no host") << u"host"_s << QString() << u"host: must not be empty"_s;
        QTest::newRow("database 16") << u"database"_s << u"16"_s << u"database: must be between 0 and 15"_s;
        QTest::newRow("cert without key") << u"certFile"_s << u"/tmp/c.pem"_s << u"TLS is off"_s;
        QTest::newRow("empty protected pattern") << u"protected"_s << QString() << u"protects nothing"_s;
    }
    void validation()
    {
        QFETCH(QString, field);
        QFETCH(QString, value);
        QFETCH(QString, problem);
        profiles::ConnectionProfile profile = aclProfile();
        if (field == u"name")
            profile.name = value;
        else if (field == u"host")
            profile.host = value;
        else if (field == u"database")
            profile.database = value.toInt();
        else if (field == u"certFile")
            profile.certFile = value;
        else if (field == u"protected")
            profile.protectedPatterns.append(QByteArray());
        const QStringList problems = profile.validate();
        if (problem.isEmpty())
            QVERIFY2(problems.isEmpty(), qPrintable(problems.join(u"; "_s)));
        else
            QVERIFY2(problems.join(u"; "_s).contains(problem), qPrintable(problems.join(u"; "_s)));
    }

    // Saved profiles come back field for field; the password goes to the keychain or nowhere — this machine
    // has no keychain service, so the dialog says it was not stored, and the settings file does not have it.
    void passwordNeverReachesTheSettingsFile()
    {
        const QString path = m_dir.filePath(u"profiles.ini"_s);
        {
            QSettings settings(path, QSettings::IniFormat);
            ui::SecretStore secrets;
            ui::ConnectionDialog dialog(settings, secrets);
            dialog.setProfile(aclProfile(), QString::fromLatin1(password));
            QSignalSpy stored(&dialog, &ui::ConnectionDialog::passwordStored);
            QVERIFY(dialog.saveProfile());
            QVERIFY(stored.wait(10000));
            if (!stored.first().first().toBool()) {
                QVERIFY2(dialog.statusText().contains(u"never written to the settings file"_s),
                    qPrintable(dialog.statusText()));
            }
            dialog.show();
            save(&dialog, u"dialog-connection-saved"_s);
            for (QScrollArea* area : dialog.findChildren<QScrollArea*>())
                area->verticalScrollBar()->setValue(area->verticalScrollBar()->maximum());
            save(&dialog, u"dialog-connection-saved-safety"_s); // the alert and key tree rows
            // It fits the smallest screen we ship for (1024×640), title bar and panel aside.
            QVERIFY2(dialog.minimumSizeHint().height() <= 600 && dialog.minimumSizeHint().width() <= 1000,
                qPrintable(u"%1×%2"_s.arg(dialog.minimumSizeHint().width()).arg(dialog.minimumSizeHint().height())));
        }
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray written = file.readAll();
        QVERIFY(written.contains("alice"));
        QVERIFY2(!written.contains(password), written.constData());

        QSettings settings(path, QSettings::IniFormat);
        const QList<profiles::ConnectionProfile> loaded = profiles::loadProfiles(settings);
        QCOMPARE(loaded.size(), 1);
        QVERIFY(loaded.first() == aclProfile());
        ui::SecretStore secrets;
        ui::ConnectionDialog again(settings, secrets);
        QCOMPARE(again.profileNames(), QStringList {u"staging (alice)"_s});
        QVERIFY(again.selectProfile(u"staging (alice)"_s));
        QCOMPARE(again.safetyOptions().production, true);
        QCOMPARE(again.hitRateAlertRule().minLookups, 200);
        QCOMPARE(again.treeAggregateAbove(), 2'500'000);
        QCOMPARE(again.safetyOptions().protectedPatterns, (QList<QByteArray> {"session:*", "payments:*"}));
        QCOMPARE(again.connectionOptions().database, 2);

        again.deleteProfile();
        QSettings reread(path, QSettings::IniFormat);
        QVERIFY(profiles::loadProfiles(reread).isEmpty());
    }

    // Without a keychain on the machine (as here and in CI), "remember" is off and says why, opening a profile
    // shows no error, and saving says calmly that the password was not stored.
    void noKeychainIsSaidCalmly()
    {
        const QString path = m_dir.filePath(u"nokeychain.ini"_s);
        QSettings settings(path, QSettings::IniFormat);
        profiles::saveProfiles(settings, {aclProfile()});
        ui::SecretStore secrets;
        std::optional<bool> available;
        secrets.checkAvailable(this, [&available](bool a, const QString&) { available = a; });
        QTRY_VERIFY_WITH_TIMEOUT(available.has_value(), 10000);
        if (*available)
            QSKIP("this machine has a keychain");
        ui::ConnectionDialog dialog(settings, secrets);
        QSignalSpy loaded(&dialog, &ui::ConnectionDialog::passwordLoaded); // the first profile opens by itself
        dialog.show();
        auto* remember = dialog.findChild<QCheckBox*>(u"rememberPassword"_s);
        QVERIFY(remember);
        QTRY_VERIFY_WITH_TIMEOUT(!remember->isEnabled(), 10000);
        QVERIFY(!remember->isChecked());
        QCOMPARE(remember->text(), u"No system keychain here: the password is used for this session only"_s);
        QVERIFY(dialog.selectProfile(u"staging (alice)"_s));
        QTRY_VERIFY_WITH_TIMEOUT(loaded.count() >= 1, 10000);
        QCOMPARE(dialog.statusText(), QString()); // nothing red on open
        dialog.setProfile(aclProfile(), QString::fromLatin1(password));
        QSignalSpy stored(&dialog, &ui::ConnectionDialog::passwordStored);
        QVERIFY(dialog.saveProfile());
        QCOMPARE(stored.count(), 1);
        QCOMPARE(stored.first().first().toBool(), false);
        QCOMPARE(dialog.statusText(),
            u"Profile \"staging (alice)\" saved. Its password is not: there is no system keychain here, and it is "
            "never written to the settings file; type it when you connect."_s);
        save(&dialog, u"dialog-connection-no-keychain"_s);
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(!file.readAll().contains(password));
    }

    void testConnectionSaysWhatHappened_data()
    {
        QTest::addColumn<int>("which");
        QTest::addColumn<QString>("expected");
        QTest::newRow("ACL user, right password") << 0 << u"Connected: Redis 7"_s;
        QTest::newRow("wrong password") << 1 << u"Failed: authentication failed"_s;
        QTest::newRow("nothing listening") << 2 << u"Failed: 127.0.0.1"_s;
        QTest::newRow("TLS with its CA") << 3 << u"Connected: Redis 7"_s;
        QTest::newRow("TLS with another CA") << 4 << u"Failed: "_s;
        QTest::newRow("TLS server, TLS off") << 5 << u"Failed: "_s;
        QTest::newRow("plain server, TLS on") << 6 << u"Failed: "_s;
    }
    void testConnectionSaysWhatHappened()
    {
        QFETCH(int, which);
        QFETCH(QString, expected);
        QSettings settings(m_dir.filePath(u"probe.ini"_s), QSettings::IniFormat);
        ui::SecretStore secrets;
        ui::ConnectionDialog dialog(settings, secrets);
        profiles::ConnectionProfile profile = aclProfile();
        QString secret = QString::fromLatin1(password);
        if (which == 1)
            secret = u"wrong"_s;
        if (which == 2) {
            testing::RedisServer gone;
            QVERIFY(gone.start());
            profile.port = gone.port();
        } // stopped: its port refuses connections
        if (which == 6) {
            profile.tls = true;
            profile.caFile = m_tls.caFile();
        } else if (which >= 3) {
            profile.port = m_tls.port();
            profile.username.clear();
            secret.clear();
            profile.database = 0;
            profile.tls = which != 5;
            profile.caFile = which == 3 ? m_tls.caFile() : which == 4 ? m_tls.unrelatedCaFile() : QString();
        }
        dialog.setProfile(profile, secret);
        dialog.show();
        QSignalSpy tested(&dialog, &ui::ConnectionDialog::tested);
        dialog.testConnection();
        QVERIFY(tested.wait(15000));
        QVERIFY2(dialog.statusText().startsWith(expected), qPrintable(dialog.statusText()));
        const QString details[] = {u" keys in db 2"_s, u"WRONGPASS"_s, u"refused"_s, u"standalone master"_s,
            u"untrusted"_s, u"turn TLS on"_s,
            u"this port does not seem to speak TLS (turn TLS off, or use the server's tls-port)"_s};
        QVERIFY2(dialog.statusText().contains(details[which]), qPrintable(dialog.statusText()));
        QVERIFY(!dialog.statusText().contains(QString::fromLatin1(password)));
        if (which == 0)
            save(&dialog, u"dialog-connection-tested"_s);
        if (which == 1)
            save(&dialog, u"dialog-connection-wrong-password"_s);
    }
};

QTEST_MAIN(TestProfiles)
#include "tst_profiles.moc"
