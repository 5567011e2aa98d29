#include "invalidatecommand.h"

#include "cliresult.h"

#include "model/displaybytes.h"
#include "redis/client.h"

#include <QJsonDocument>

namespace cachescope::cli {

using namespace Qt::StringLiterals;

InvalidateCommand::InvalidateCommand(redis::Client* connection, Options options, QTextStream& out, QTextStream& err)
    : m_options(std::move(options))
    , m_out(out)
    , m_err(err)
{
    ops::InvalidationRequest request = m_options.tags.isEmpty()
        ? ops::InvalidationRequest::forPatterns(m_options.patterns, !m_options.execute)
        : ops::InvalidationRequest::forTags(m_options.tags, !m_options.execute);
    request.expireSeconds = m_options.expireSeconds;
    request.onlyShorten = m_options.onlyShorten;
    request.maxParallelNodes = m_options.mastersAtOnce;
    request.allowNoMatch = m_options.allowNoMatch;
    m_run = std::make_unique<ops::InvalidationRun>(connection, m_options.safety, std::move(request));
    connect(m_run.get(), &ops::InvalidationRun::progressed, this, [this](int, const ops::InvalidationProgress& p) {
        if (!m_options.execute || m_options.json)
            return;
        m_progressShown = true;
        m_err << "\r" << p.describeTarget().left(200) << ": " << p.deleted << ' ' << verb() << ", " << p.matched
              << " matched so far" << Qt::flush;
    });
    connect(m_run.get(), &ops::InvalidationRun::targetFinished, this, [this] {
        if (m_progressShown)
            m_err << '\n';
        m_progressShown = false;
    });
    connect(m_run.get(), &ops::InvalidationRun::finished, this, &InvalidateCommand::report);
}

void InvalidateCommand::start()
{
    m_run->start();
}

void InvalidateCommand::cancel()
{
    m_run->cancel();
}

void InvalidateCommand::report(const ops::InvalidationReport& report)
{
    const QString prefix = u"cachectl "_s + commandName() + u": "_s;
    if (report.refusal) {
        m_err << prefix << "refused: " << report.refusal->message << '\n';
        if (m_options.json)
            m_out << QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented);
        Q_EMIT finished(ExitFailure);
        return;
    }
    if (m_options.json) {
        m_out << QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented);
    } else {
        for (const ops::InvalidationProgress& p : report.targets) {
            m_out << p.describeTarget() << ": ";
            if (m_options.execute)
                m_out << p.deleted << ' ' << verb();
            else if (m_options.expireSeconds)
                m_out << p.matched << " matched, " << p.wouldChange << " would get the new TTL";
            else
                m_out << p.matched << " would be deleted";
            if (p.skippedProtected > 0)
                m_out << ", " << p.skippedProtected << " protected keys left alone";
            if (p.cancelled)
                m_out << " (cancelled; resume cursor " << QString::fromLatin1(p.resumeCursor) << ")";
            m_out << '\n';
            if (!m_options.execute) {
                for (const QByteArray& key : p.sample)
                    m_out << "  e.g. " << model::displayBytes(key, 200) << '\n';
            }
            for (const ops::TargetWarning& w : report.warnings.value(&p - report.targets.constData())) {
                m_out << "  warning: " << w.warning.message << '\n';
                if (!w.warning.suggestion.isEmpty()) {
                    m_out << "  try " << model::displayBytes(w.warning.suggestion);
                    if (w.suggestionMatched >= 0)
                        m_out << " (" << w.suggestionMatched << " matching keys)";
                    m_out << '\n';
                }
            }
            if (p.error) {
                m_out << "  error: " << p.error->errorMessage() << '\n';
                if (p.unconfirmed > 0)
                    m_out << "  up to " << p.unconfirmed << " more keys may have been changed (no reply)\n";
            }
        }
        for (const QString& target : report.notRun)
            m_out << target << ": not run (" << (report.cancelled ? "cancelled" : "stopped") << " before it)\n";
        if (!m_options.execute && !report.failed() && !report.cancelled) {
            m_out << "Dry run: nothing was changed. Run again with --yes to "
                  << (m_options.expireSeconds ? "set the TTL of" : "delete") << " these "
                  << (m_options.expireSeconds ? report.wouldChange() : report.matched()) << " keys.\n";
        }
    }
    if (!report.error.isEmpty())
        m_err << prefix << "failed: " << report.error << '\n';
    else if (report.noMatch)
        m_err << prefix
              << "every pattern matches no key the gateway writes (see the warnings); nothing was changed. "
                 "--allow-no-match runs them anyway.\n";
    for (const QString& auditError : report.auditErrors)
        m_err << prefix << "the audit record could not be written: " << auditError << '\n';
    if (report.failed() || report.auditFailed())
        Q_EMIT finished(ExitFailure);
    else if (report.cancelled)
        Q_EMIT finished(ExitInterrupted);
    else
        Q_EMIT finished(ExitOk);
}

QString InvalidateCommand::verb() const
{
    return m_options.expireSeconds ? u"TTL set"_s : u"deleted"_s;
}

QString InvalidateCommand::commandName() const
{
    return (m_options.expireSeconds ? u"expire"_s : u"invalidate"_s) + (m_options.tags.isEmpty() ? u""_s : u" --tag"_s);
}

PreparedCommand prepareInvalidateOrExpire(CommandInput& input, bool expire)
{
    const QCommandLineParser& parser = input.parser;
    const QString name = expire ? u"expire"_s : u"invalidate"_s;
    if (parser.isSet(u"tag"_s) && !input.arguments.isEmpty()) {
        input.usage(name + u" takes --tag TAG or PATTERNs, not both"_s);
        return {};
    }
    if (input.arguments.isEmpty() && !parser.isSet(u"tag"_s)) {
        input.usage(name
            + (expire ? u" takes PATTERN... or --tag TAG, and --ttl SECONDS"_s : u" takes PATTERN... or --tag TAG"_s));
        return {};
    }
    InvalidateCommand::Options options;
    for (const QString& tag : parser.values(u"tag"_s))
        options.tags.append(input.bytes(tag));
    if (expire) {
        if (!parser.isSet(u"ttl"_s)) {
            input.usage(u"expire needs --ttl SECONDS"_s);
            return {};
        }
        options.expireSeconds = input.positive(u"ttl"_s, 0);
        options.onlyShorten = parser.isSet(u"only-shorten"_s);
    }
    for (const QString& pattern : input.arguments)
        options.patterns.append(input.bytes(pattern));
    for (const QString& pattern : parser.values(u"protect"_s))
        options.safety.protectedPatterns.append(input.bytes(pattern));
    options.safety.readOnly = input.connectionOptions->readOnly;
    options.safety.actor = input.actor();
    options.execute = parser.isSet(u"yes"_s);
    options.json = input.json();
    options.mastersAtOnce = input.positive(u"masters-at-once"_s, 0);
    options.allowNoMatch = parser.isSet(u"allow-no-match"_s);
    return prepareObject(new InvalidateCommand(input.connection, options, input.out, input.err), true);
}

} // namespace cachescope::cli
