#pragma once

#include <QObject>
#include <QString>

#include <functional>
#include <optional>

namespace cachescope::ui {

// Connection passwords in the OS keychain (Secret Service, KWallet, macOS Keychain, Windows Credential Store)
// through QtKeychain, keyed by profile name. There is no plain-text fallback: when no keychain is available the
// password is not stored at all and the caller says so.
class SecretStore : public QObject
{
    Q_OBJECT
public:
    explicit SecretStore(QObject* parent = nullptr);

    // `done(password, error, noKeychain)`: the password; nothing and no error when none is stored; nothing and an
    // error when the keychain could not be asked — noKeychain when there is none on this machine at all.
    void readPassword(const QString& profile, QObject* context,
        std::function<void(std::optional<QString> password, const QString& error, bool noKeychain)> done);
    // Whether this machine has a keychain to store passwords in (`why` says what is missing when not).
    void checkAvailable(QObject* context, std::function<void(bool available, const QString& why)> done);
    // `done(error)`: empty when stored.
    void writePassword(
        const QString& profile, const QString& password, QObject* context, std::function<void(const QString&)> done);
    void removePassword(const QString& profile);

    static QString serviceName();
};

} // namespace cachescope::ui
