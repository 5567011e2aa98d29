#include "keychain/secretstore.h"

#include <QPointer>

#include <qt6keychain/keychain.h>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

namespace {
QString describe(const QKeychain::Job* job)
{
    switch (job->error()) {
    case QKeychain::NoBackendAvailable:
    case QKeychain::OtherError:
        return SecretStore::tr("no system keychain is available (%1)").arg(job->errorString());
    case QKeychain::AccessDenied:
    case QKeychain::AccessDeniedByUser:
        return SecretStore::tr("the keychain refused access (%1)").arg(job->errorString());
    default:
        return job->errorString();
    }
}

// No keychain service on this machine (none running, no D-Bus session): as opposed to one that refused.
bool isMissing(const QKeychain::Job* job)
{
    return job->error() == QKeychain::NoBackendAvailable || job->error() == QKeychain::OtherError;
}

template<typename Job>
Job* makeJob(const QString& profile)
{
    auto* job = new Job(SecretStore::serviceName());
    job->setAutoDelete(true);
    job->setKey(profile);
    job->setInsecureFallback(false); // never the plain-text settings file
    return job;
}
} // namespace

SecretStore::SecretStore(QObject* parent)
    : QObject(parent)
{
}

QString SecretStore::serviceName()
{
    return u"CacheScope"_s;
}

void SecretStore::readPassword(const QString& profile, QObject* context,
    std::function<void(std::optional<QString> password, const QString& error, bool noKeychain)> done)
{
    auto* job = makeJob<QKeychain::ReadPasswordJob>(profile);
    QObject::connect(job, &QKeychain::Job::finished, context, [job, done](QKeychain::Job*) {
        if (job->error() == QKeychain::NoError)
            done(job->textData(), QString(), false);
        else if (job->error() == QKeychain::EntryNotFound)
            done(std::nullopt, QString(), false);
        else
            done(std::nullopt, describe(job), isMissing(job));
    });
    job->start();
}

void SecretStore::checkAvailable(QObject* context, std::function<void(bool available, const QString& why)> done)
{
    // Reading an entry that is not there asks the backend without touching anything.
    auto* job = makeJob<QKeychain::ReadPasswordJob>(u"(availability check)"_s);
    QObject::connect(job, &QKeychain::Job::finished, context,
        [job, done](QKeychain::Job*) { done(!isMissing(job), isMissing(job) ? describe(job) : QString()); });
    job->start();
}

void SecretStore::writePassword(
    const QString& profile, const QString& password, QObject* context, std::function<void(const QString&)> done)
{
    auto* job = makeJob<QKeychain::WritePasswordJob>(profile);
    job->setTextData(password);
    QObject::connect(job, &QKeychain::Job::finished, context,
        [job, done](QKeychain::Job*) { done(job->error() == QKeychain::NoError ? QString() : describe(job)); });
    job->start();
}

void SecretStore::removePassword(const QString& profile)
{
    makeJob<QKeychain::DeletePasswordJob>(profile)->start();
}

} // namespace cachescope::ui
