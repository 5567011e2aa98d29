#include "redis/connectionoptions.h"

#include <QRegularExpression>
#include <QUrl>

namespace cachescope::redis {

using namespace Qt::StringLiterals;

QString ConnectionOptions::displayName() const
{
    QString name = host + u':' + QString::number(port);
    if (database != 0)
        name += u'/' + QString::number(database);
    if (tls.enabled)
        name += u" (TLS)"_s;
    return name;
}

UrlParseResult parseRedisUrl(const QString& text, const ConnectionOptions& base)
{
    UrlParseResult result;
    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid()) {
        // Qt's message quotes the URL, password and all: describe the URL with its password masked instead.
        static const QRegularExpression userInfo(u"^([A-Za-z][A-Za-z0-9+.-]*://[^/@]*?:)[^/]*@"_s);
        QString masked = text;
        masked.replace(userInfo, u"\\1***@"_s);
        const QUrl maskedUrl(masked, QUrl::StrictMode);
        result.error = maskedUrl.isValid()
            ? u"not a valid URL: %1 (percent-encode '@', ':' and '/' in a password)"_s.arg(masked)
            : u"not a valid URL: %1"_s.arg(maskedUrl.errorString());
        return result;
    }
    ConnectionOptions options = base;
    if (url.scheme() == u"rediss")
        options.tls.enabled = true;
    else if (url.scheme() != u"redis") {
        result.error = u"the URL must start with redis:// or rediss://"_s;
        return result;
    }
    if (url.host().isEmpty()) {
        result.error = u"the URL names no host"_s;
        return result;
    }
    options.host = url.host();
    if (url.port() != -1)
        options.port = static_cast<quint16>(url.port());
    if (!url.userName().isEmpty())
        options.username = url.userName();
    if (!url.password().isEmpty())
        options.password = url.password();
    const QString path = url.path();
    if (!path.isEmpty() && path != u"/") {
        bool ok = false;
        const int db = path.sliced(1).toInt(&ok);
        if (!ok || db < 0) {
            result.error = u"the URL path must be a database number, got '%1'"_s.arg(path.sliced(1));
            return result;
        }
        options.database = db;
    }
    result.options = options;
    return result;
}

} // namespace cachescope::redis
