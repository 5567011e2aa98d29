#pragma once

#include "cache/hitratealerts.h"
#include "dialogs/safetyoptions.h"

#include "ops/server/serverprobe.h"
#include "profiles/connectionprofile.h"
#include "redis/latestrequest.h"

#include <QDialog>

class QCheckBox;
class QLabel;
class QLineEdit;
class QListView;
class QPushButton;
class QSettings;
class QSpinBox;
class QStringListModel;

namespace cachescope::ui {

class SecretStore;

// Saved connection profiles: host, port, database, ACL user, TLS files, read-only and production flags,
// protected patterns. Passwords go to the OS keychain only, never to the settings file; "Test connection"
// connects once and shows the server (version, role, keys) or the exact error. Accepting the dialog hands
// over the options and the safety settings of the chosen profile.
class ConnectionDialog : public QDialog
{
    Q_OBJECT
public:
    ConnectionDialog(QSettings& settings, SecretStore& secrets, QWidget* parent = nullptr);

    // Selects a saved profile by name; false when there is none of that name.
    bool selectProfile(const QString& name);
    profiles::ConnectionProfile profile() const; // as the form shows it
    redis::ConnectionOptions connectionOptions() const;
    SafetyOptions safetyOptions() const;
    // The chosen profile's hit-rate alerts.
    cache::HitRateAlertRule hitRateAlertRule() const;
    // Above how many keys the key tree aggregates (KeyBrowser::setAggregateAbove).
    qint64 treeAggregateAbove() const;
    QString statusText() const;
    QStringList profileNames() const;

    // For tests and scripts: fill the form.
    void setProfile(const profiles::ConnectionProfile& profile, const QString& password);

public Q_SLOTS:
    void testConnection();
    // Validates and stores the form as a profile (password to the keychain); false with the reasons shown.
    bool saveProfile();
    void newProfile();
    void deleteProfile();

Q_SIGNALS:
    void tested(const cachescope::ops::ServerProbe& probe);
    void passwordStored(bool stored, const QString& error);
    void passwordLoaded();

private:
    void showStatus(const QString& text, bool error);
    void loadSelected();
    void updateTlsFields();
    // No keychain here: "remember" is off and says why, instead of failing on every save and open.
    void keychainMissing(const QString& why);

    QSettings& m_settings;
    SecretStore& m_secrets;
    QList<profiles::ConnectionProfile> m_profiles;
    QStringListModel* m_names;
    QListView* m_list;
    QLineEdit* m_name;
    QLineEdit* m_host;
    QSpinBox* m_port;
    QSpinBox* m_database;
    QLineEdit* m_user;
    QLineEdit* m_password;
    QCheckBox* m_rememberPassword;
    std::optional<bool> m_keychainAvailable; // unknown until asked
    QCheckBox* m_tls;
    QLineEdit* m_caFile;
    QLineEdit* m_certFile;
    QLineEdit* m_keyFile;
    QLineEdit* m_serverName;
    QCheckBox* m_cluster;
    QCheckBox* m_readOnly;
    QCheckBox* m_production;
    QLineEdit* m_protected;
    QSpinBox* m_alertDrop;
    QSpinBox* m_alertFloor;
    QSpinBox* m_alertMinLookups;
    QSpinBox* m_treeAggregateAbove;
    QLabel* m_status;
    QPushButton* m_test;
    QPushButton* m_connect;
    redis::LatestRequest m_probes; // a newer test makes an older one's answer irrelevant
};

} // namespace cachescope::ui
