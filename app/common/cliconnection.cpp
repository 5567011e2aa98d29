#include "cliconnection.h"

#include <QUrl>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

void addConnectionOptions(QCommandLineParser& parser)
{
    parser.addOptions(connectionOptions());
}

QList<QCommandLineOption> connectionOptions()
{
    return {
        {{u"h"_s, u"host"_s}, u"Server hostname (default 127.0.0.1)."_s, u"host"_s},
        {{u"p"_s, u"port"_s}, u"Server port (default 6379)."_s, u"port"_s},
        {{u"a"_s, u"pass"_s}, u"Password (prefer the REDISCLI_AUTH environment variable)."_s, u"password"_s},
        {u"user"_s, u"ACL user name."_s, u"username"_s},
        {{u"n"_s, u"db"_s}, u"Database number."_s, u"db"_s},
        {{u"u"_s, u"url"_s}, u"Server URI: redis://[user[:password]@]host[:port][/db], rediss:// for TLS."_s, u"uri"_s},
        {u"tls"_s, u"Connect with TLS."_s},
        {u"cacert"_s, u"CA certificate file to verify the server with."_s, u"file"_s},
        {u"cert"_s, u"Client certificate file."_s, u"file"_s},
        {u"key"_s, u"Client private key file."_s, u"file"_s},
        {u"sni"_s, u"Server name to verify (default: the host)."_s, u"name"_s},
        {u"insecure"_s, u"Do not verify the server's certificate."_s},
        {u"timeout"_s, u"Connect and command timeout in milliseconds (default 5000)."_s, u"ms"_s},
        {u"read-only"_s, u"Refuse every command that could write, in the client itself."_s},
        {{u"c"_s, u"cluster"_s}, u"The server is a Redis Cluster node: find every master and route by hash slot."_s},
    };
}

ConnectionArguments connectionFromArguments(const QCommandLineParser& parser)
{
    ConnectionArguments result;
    redis::ConnectionOptions& options = result.options;
    options.autoReconnect = false; // a command-line run reports a dropped connection instead of waiting

    auto applyUrl = [&](const QString& url, const QString& source) {
        const redis::UrlParseResult parsed = redis::parseRedisUrl(url, options);
        if (!parsed.options) {
            result.error = source + u": "_s + parsed.error;
            return false;
        }
        options = *parsed.options;
        return true;
    };
    const QString envUrl = qEnvironmentVariable("REDIS_URL");
    if (!envUrl.isEmpty() && !applyUrl(envUrl, u"REDIS_URL"_s))
        return result;
    if (parser.isSet(u"url"_s)) {
        const QString before = options.password;
        if (!applyUrl(parser.value(u"url"_s), u"-u"_s))
            return result;
        if (options.password != before || !QUrl(parser.value(u"url"_s)).password().isEmpty())
            result.warning = u"Warning: a password given in -u can be seen by other users of this machine; "
                             u"prefer REDISCLI_AUTH or REDIS_URL."_s;
    }

    if (parser.isSet(u"host"_s))
        options.host = parser.value(u"host"_s);
    if (parser.isSet(u"port"_s)) {
        bool ok = false;
        const uint port = parser.value(u"port"_s).toUInt(&ok);
        if (!ok || port == 0 || port > 65535) {
            result.error = u"-p: not a port number: '%1'"_s.arg(parser.value(u"port"_s));
            return result;
        }
        options.port = quint16(port);
    }
    if (parser.isSet(u"db"_s)) {
        bool ok = false;
        options.database = parser.value(u"db"_s).toInt(&ok);
        if (!ok || options.database < 0) {
            result.error = u"-n: not a database number: '%1'"_s.arg(parser.value(u"db"_s));
            return result;
        }
    }
    if (parser.isSet(u"user"_s))
        options.username = parser.value(u"user"_s);
    const QString envPassword = qEnvironmentVariable("REDISCLI_AUTH");
    if (!envPassword.isEmpty())
        options.password = envPassword;
    if (parser.isSet(u"pass"_s)) {
        options.password = parser.value(u"pass"_s);
        result.warning = u"Warning: a password given with -a can be seen by other users of this machine; "
                         u"prefer REDISCLI_AUTH."_s;
    }
    if (parser.isSet(u"tls"_s))
        options.tls.enabled = true;
    const bool anyTlsFile = parser.isSet(u"cacert"_s) || parser.isSet(u"cert"_s) || parser.isSet(u"key"_s)
        || parser.isSet(u"sni"_s) || parser.isSet(u"insecure"_s);
    if (anyTlsFile && !options.tls.enabled) {
        result.error = u"--cacert, --cert, --key, --sni and --insecure need --tls (or a rediss:// URL)"_s;
        return result;
    }
    options.tls.caFile = parser.value(u"cacert"_s);
    options.tls.certFile = parser.value(u"cert"_s);
    options.tls.keyFile = parser.value(u"key"_s);
    options.tls.serverName = parser.value(u"sni"_s);
    options.tls.verifyPeer = !parser.isSet(u"insecure"_s);
    if (parser.isSet(u"timeout"_s)) {
        bool ok = false;
        const int ms = parser.value(u"timeout"_s).toInt(&ok);
        if (!ok || ms <= 0) {
            result.error = u"--timeout: not a positive number of milliseconds: '%1'"_s.arg(parser.value(u"timeout"_s));
            return result;
        }
        options.connectTimeout = std::chrono::milliseconds(ms);
        options.commandTimeout = std::chrono::milliseconds(ms);
    }
    options.readOnly = parser.isSet(u"read-only"_s);
    options.cluster = parser.isSet(u"cluster"_s);
    if (options.cluster && options.database != 0)
        result.error = u"a Redis Cluster has only database 0 (drop -n/--db)"_s;
    options.clientName = u"cachectl"_s;
    options.noTouch = true; // looking at keys must not make them look recently used (Redis 7.2+)
    return result;
}

int intOption(const QCommandLineParser& parser, const QString& name, int fallback, int minimum, QTextStream& err,
    const QString& program, bool* ok)
{
    if (!parser.isSet(name))
        return fallback;
    bool parsed = false;
    const int value = parser.value(name).toInt(&parsed);
    if (!parsed || value < minimum) {
        err << program << ": --" << name << " needs a whole number of at least " << minimum << ", got '"
            << parser.value(name) << "'\n";
        *ok = false;
    }
    return value;
}

} // namespace cachescope::cli
