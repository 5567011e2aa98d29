#include "redis/tlsconfiguration.h"

#include <QFile>
#include <QSslCertificate>
#include <QSslKey>

namespace cachescope::redis {

using namespace Qt::StringLiterals;

namespace {
std::optional<QByteArray> readFile(const QString& path, const QString& what, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        *error = u"cannot read the %1 file '%2': %3"_s.arg(what, path, file.errorString());
        return std::nullopt;
    }
    return file.readAll();
}

// The PEM certificates in a file; nothing (with the reason) when it cannot be read or holds none.
std::optional<QList<QSslCertificate>> readCertificates(const QString& path, const QString& what, QString* error)
{
    const auto pem = readFile(path, what, error);
    if (!pem)
        return std::nullopt;
    QList<QSslCertificate> certificates = QSslCertificate::fromData(*pem, QSsl::Pem);
    if (certificates.isEmpty()) {
        *error = u"the %1 file '%2' holds no PEM certificate"_s.arg(what, path);
        return std::nullopt;
    }
    return certificates;
}
} // namespace

std::optional<QSslConfiguration> buildTlsConfiguration(const TlsOptions& tls, QString* error)
{
    QSslConfiguration config = QSslConfiguration::defaultConfiguration();
    config.setPeerVerifyMode(tls.verifyPeer ? QSslSocket::VerifyPeer : QSslSocket::VerifyNone);

    if (!tls.caFile.isEmpty()) {
        const auto cas = readCertificates(tls.caFile, u"CA certificate"_s, error);
        if (!cas)
            return std::nullopt;
        config.setCaCertificates(*cas); // only this CA: a private CA must not be mixed with public ones
    }

    if (tls.certFile.isEmpty() != tls.keyFile.isEmpty()) {
        *error = u"a client certificate needs both --cert and --key"_s;
        return std::nullopt;
    }
    if (!tls.certFile.isEmpty()) {
        const auto certs = readCertificates(tls.certFile, u"client certificate"_s, error);
        if (!certs)
            return std::nullopt;
        const auto keyPem = readFile(tls.keyFile, u"private key"_s, error);
        if (!keyPem)
            return std::nullopt;
        QSslKey key(*keyPem, QSsl::Rsa, QSsl::Pem);
        if (key.isNull())
            key = QSslKey(*keyPem, QSsl::Ec, QSsl::Pem);
        if (key.isNull()) {
            *error = u"the key file '%1' holds no unencrypted PEM RSA or EC private key"_s.arg(tls.keyFile);
            return std::nullopt;
        }
        config.setLocalCertificate(certs->first());
        config.setPrivateKey(key);
    }
    return config;
}

} // namespace cachescope::redis
