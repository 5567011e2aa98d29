#include "ops/invalidation/invalidationrun.h"

#include "model/displaybytes.h"
#include "model/gatewaykey.h"
#include "redis/client.h"

#include <QJsonArray>

namespace cachescope::ops {

using namespace Qt::StringLiterals;

QString InvalidationTarget::describe() const
{
    if (!description.isEmpty())
        return description;
    return tag ? u"tag "_s + model::displayBytes(*tag) : model::displayBytes(pattern);
}

InvalidationRequest InvalidationRequest::forPatterns(const QList<QByteArray>& patterns, bool dryRun)
{
    InvalidationRequest request;
    request.dryRun = dryRun;
    for (const QByteArray& pattern : patterns)
        request.targets.append({pattern, {}, {}, {}});
    return request;
}

InvalidationRequest InvalidationRequest::forTags(const QList<QByteArray>& tags, bool dryRun)
{
    InvalidationRequest request;
    request.dryRun = dryRun;
    for (const QByteArray& tag : tags)
        request.targets.append({{}, {}, {}, tag});
    return request;
}

qint64 InvalidationReport::sum(qint64 InvalidationProgress::*field) const
{
    qint64 total = 0;
    for (const InvalidationProgress& p : targets)
        total += p.*field;
    return total;
}

bool InvalidationReport::everyTargetUnmatchable() const
{
    if (warnings.isEmpty())
        return false;
    return std::all_of(warnings.cbegin(), warnings.cend(), [](const QList<TargetWarning>& list) {
        return std::any_of(list.cbegin(), list.cend(), [](const TargetWarning& w) { return w.warning.unmatchable; });
    });
}

QJsonObject InvalidationReport::toJson() const
{
    QJsonArray perTarget;
    for (qsizetype t = 0; t < targets.size(); ++t) {
        const InvalidationProgress& p = targets.at(t);
        QJsonArray sample;
        for (const QByteArray& key : p.sample)
            sample.append(model::displayBytes(key));
        QJsonObject entry {
            {p.tag.isEmpty() ? u"pattern"_s : u"tag"_s, model::displayBytes(p.tag.isEmpty() ? p.pattern : p.tag)},
            {u"matched"_s, p.matched}, {expire ? u"ttlSet"_s : u"deleted"_s, p.deleted},
            {u"skippedProtected"_s, p.skippedProtected}, {u"sample"_s, sample}, {u"cancelled"_s, p.cancelled}};
        if (p.error)
            entry.insert(u"error"_s, p.error->errorMessage());
        if (p.unconfirmed > 0)
            entry.insert(u"unconfirmed"_s, p.unconfirmed);
        if (dryRun && expire)
            entry.insert(u"wouldChange"_s, p.wouldChange);
        if ((p.cancelled || p.error) && !p.resumeCursor.isEmpty())
            entry.insert(u"resumeCursor"_s, QString::fromLatin1(p.resumeCursor));
        QJsonArray lint;
        for (const TargetWarning& w : warnings.value(t)) {
            QJsonObject item {{u"message"_s, w.warning.message}, {u"unmatchable"_s, w.warning.unmatchable}};
            if (!w.warning.suggestion.isEmpty())
                item.insert(u"suggestion"_s, model::displayBytes(w.warning.suggestion));
            if (w.suggestionMatched >= 0)
                item.insert(u"suggestionMatched"_s, w.suggestionMatched);
            lint.append(item);
        }
        entry.insert(u"warnings"_s, lint);
        perTarget.append(entry);
    }
    const QString totalName = dryRun ? u"matched"_s : (expire ? u"expired"_s : u"invalidated"_s);
    QJsonObject object {{u"success"_s, !failed() && !auditFailed()}, {u"dryRun"_s, dryRun},
        {totalName, dryRun ? matched() : deleted()}, {u"cancelled"_s, cancelled}, {u"patterns"_s, perTarget}};
    if (!dryRun)
        object.insert(u"unconfirmed"_s, unconfirmed());
    if (dryRun && expire)
        object.insert(u"wouldChange"_s, wouldChange());
    if (!notRun.isEmpty()) {
        object.insert(u"notRun"_s, QJsonArray::fromStringList(notRun));
    }
    if (refusal) {
        object.insert(u"error"_s, refusal->message);
        if (refusal->targetIndex >= 0)
            object.insert(u"refusedIndex"_s, refusal->targetIndex);
    } else if (!error.isEmpty()) {
        object.insert(u"error"_s, error);
    } else if (noMatch) {
        object.insert(u"error"_s,
            u"every pattern matches no key the gateway writes (see each pattern's warnings and suggestion); nothing "
            u"was changed. To run them anyway, allow no match."_s);
    }
    if (!auditErrors.isEmpty())
        object.insert(u"auditError"_s, auditErrors.join(u"; "_s));
    return object;
}

InvalidationRun::InvalidationRun(
    redis::Client* client, SafetyPolicy policy, InvalidationRequest request, QObject* parent)
    : QObject(parent)
    , m_client(client)
    , m_policy(std::move(policy))
    , m_request(std::move(request))
    , m_audit(client)
{
    connect(&m_audit, &AuditWriter::idle, this, &InvalidationRun::finishIfDone);
    m_report.dryRun = m_request.dryRun;
    m_report.expire = m_request.expireSeconds.has_value();
    for (const InvalidationTarget& target : std::as_const(m_request.targets)) {
        QList<TargetWarning> list;
        if (!target.tag) { // a tag names keys the cache manager listed: nothing to lint
            for (const model::PatternWarning& warning : model::lintPattern(target.pattern))
                list.append({warning, -1});
        }
        m_report.warnings.append(list);
    }
}

InvalidationRun::~InvalidationRun() = default;

std::optional<InvalidationRefusal> InvalidationRun::refusal(
    const SafetyPolicy& policy, const InvalidationRequest& request)
{
    using Reason = InvalidationRefusal::Reason;
    if (request.targets.isEmpty())
        return InvalidationRefusal {Reason::NoTargets, -1, u"no pattern given: nothing to invalidate"_s};
    if (!request.dryRun && policy.readOnly)
        return InvalidationRefusal {Reason::ReadOnly, -1, u"this connection is read-only: only a dry run is allowed"_s};
    for (qsizetype i = 0; i < request.targets.size(); ++i) {
        const InvalidationTarget& target = request.targets.at(i);
        // A tag's members are checked one by one as they are walked (protected keys are skipped, not refused).
        if (target.tag) {
            if (const auto why = PacedInvalidation::tagRefusal(*target.tag))
                return InvalidationRefusal {Reason::EmptyPattern, int(i), *why};
            continue;
        }
        if (const auto why = PacedInvalidation::refusal(target.pattern, policy.protectedPatterns)) {
            return InvalidationRefusal {
                target.pattern.isEmpty() ? Reason::EmptyPattern : Reason::Protected, int(i), *why};
        }
    }
    return std::nullopt;
}

void InvalidationRun::start()
{
    if (m_started)
        return;
    m_started = true;
    if (auto refused = refusal(m_policy, m_request)) {
        m_report.refusal = refused;
        QStringList patterns;
        for (const InvalidationTarget& target : std::as_const(m_request.targets))
            patterns.append(target.describe());
        auto record = AuditRecord::of(
            AuditAction::Refused, AuditOutcome::Refused, m_policy.actor, patterns.join(u", "_s).left(1000), 0);
        record.dryRun = m_request.dryRun;
        record.detail = refused->message;
        queueAudit(std::move(record));
        m_targetsDone = true;
        // Never from inside start(): the caller connects to finished() after constructing, before or after start.
        QMetaObject::invokeMethod(this, &InvalidationRun::finishIfDone, Qt::QueuedConnection);
        return;
    }
    if (!m_request.allowNoMatch && m_report.everyTargetUnmatchable()) {
        m_report.noMatch = true;
        m_request.dryRun = true; // counts what the suggestions would match, deletes nothing
        m_report.dryRun = true;
    }
    const bool gatewayTargets =
        std::any_of(m_request.targets.cbegin(), m_request.targets.cend(), [](const InvalidationTarget& target) {
            return !target.tag && target.pattern.startsWith(model::gatewayKeyPrefix);
        });
    if (!gatewayTargets || !m_client) {
        QMetaObject::invokeMethod(this, &InvalidationRun::runNext, Qt::QueuedConnection);
        return;
    }
    // The live route rules, for the lint's "no rule covers this path" (a warning only; a failed read skips it).
    m_routes = std::make_unique<RouteConfigStore>(m_client);
    m_routes->load(this, [this](std::optional<RouteConfigSnapshot> snapshot, const QString&) {
        if (snapshot) {
            for (qsizetype t = 0; t < m_request.targets.size(); ++t) {
                if (m_request.targets.at(t).tag)
                    continue;
                for (const model::PatternWarning& warning :
                    model::lintPattern(m_request.targets.at(t).pattern, &snapshot->config)) {
                    if (!warning.unmatchable) // the provable ones are there already
                        m_report.warnings[t].append({warning, -1});
                }
            }
        }
        runNext();
    });
}

void InvalidationRun::cancel()
{
    if (!m_started || m_targetsDone)
        return;
    m_report.cancelled = true;
    if (m_job)
        m_job->cancel();
}

void InvalidationRun::runNext()
{
    m_job.reset();
    const bool stop = m_report.cancelled || !m_report.error.isEmpty() || !m_client;
    if (stop || m_next >= m_request.targets.size()) {
        for (qsizetype i = m_next; i < m_request.targets.size(); ++i)
            m_report.notRun.append(m_request.targets.at(i).describe());
        if (!m_client && m_report.error.isEmpty() && m_next < m_request.targets.size())
            m_report.error = u"the connection is gone"_s;
        m_targetsDone = true;
        finishIfDone();
        return;
    }
    const int index = int(m_next++);
    const InvalidationTarget& target = m_request.targets.at(index);
    PacedInvalidation::Options options;
    options.dryRun = m_request.dryRun;
    options.protectedPatterns = m_policy.protectedPatterns;
    options.keyFilter = target.filter;
    options.sampleSize = m_request.sampleSize;
    options.expireSeconds = m_request.expireSeconds;
    options.onlyShorten = m_request.onlyShorten;
    options.maxParallelNodes = m_request.maxParallelNodes;
    options.tag = target.tag.value_or(QByteArray());
    m_job = std::make_unique<KeyspaceInvalidation>(m_client, target.pattern, options);
    connect(m_job.get(), &KeyspaceInvalidation::progressed, this,
        [this, index](const InvalidationProgress& p) { Q_EMIT progressed(index, p); });
    connect(m_job.get(), &KeyspaceInvalidation::finished, this, &InvalidationRun::onTargetFinished);
    m_targetStartedAt = QDateTime::currentDateTimeUtc();
    Q_EMIT targetStarted(index);
    m_job->start();
}

void InvalidationRun::onTargetFinished(const InvalidationProgress& progress)
{
    const int index = int(m_next - 1);
    m_report.targets.append(progress);
    if (progress.error) // the first: runNext() starts no target after a failed one
        m_report.error = progress.error->errorMessage();
    if (progress.cancelled)
        m_report.cancelled = true;
    queueAudit(recordFor(index, progress));
    // Queued: the job that reported is deleted by runNext().
    QMetaObject::invokeMethod(
        this, [this, index] { countSuggestions(index, 0); }, Qt::QueuedConnection);
}

void InvalidationRun::countSuggestions(int index, qsizetype warning)
{
    QList<TargetWarning>& list = m_report.warnings[index];
    const InvalidationProgress& done = m_report.targets.last();
    // Only where the pattern found nothing and the run is still healthy: then the suggestion is the useful answer.
    while (warning < list.size()
        && (list.at(warning).warning.suggestion.isEmpty() || done.matched > 0 || done.error || done.cancelled
            || !m_client))
        ++warning;
    if (warning >= list.size()) {
        m_suggestionJob.reset();
        Q_EMIT targetFinished(index, done);
        runNext();
        return;
    }
    PacedInvalidation::Options options;
    options.dryRun = true;
    options.protectedPatterns = m_policy.protectedPatterns;
    options.sampleSize = 0;
    options.maxParallelNodes = m_request.maxParallelNodes;
    m_suggestionJob = std::make_unique<KeyspaceInvalidation>(m_client, list.at(warning).warning.suggestion, options);
    connect(m_suggestionJob.get(), &KeyspaceInvalidation::finished, this,
        [this, index, warning](const InvalidationProgress& p) {
            if (!p.error)
                m_report.warnings[index][warning].suggestionMatched = p.matched;
            QMetaObject::invokeMethod(
                this, [this, index, warning] { countSuggestions(index, warning + 1); }, Qt::QueuedConnection);
        });
    m_suggestionJob->start();
}

AuditRecord InvalidationRun::recordFor(int index, const InvalidationProgress& progress) const
{
    const AuditOutcome outcome = progress.error ? AuditOutcome::Failed
        : progress.cancelled                    ? AuditOutcome::Cancelled
                                                : AuditOutcome::Completed;
    const bool expire = m_request.expireSeconds.has_value();
    const InvalidationTarget& target = m_request.targets.at(index);
    // A tag's record names the tag under its own action, as it always has; an expire by tag says "tag …".
    const AuditAction action = expire ? AuditAction::Expire
        : target.tag                  ? AuditAction::InvalidateTags
                                      : AuditAction::Invalidate;
    const QString subject =
        target.tag && !expire && target.description.isEmpty() ? model::displayBytes(*target.tag) : target.describe();
    auto record = AuditRecord::of(
        action, outcome, m_policy.actor, subject.left(1000), m_request.dryRun ? progress.matched : progress.deleted);
    record.dryRun = m_request.dryRun;
    record.startedAt = m_targetStartedAt;
    if (target.tag)
        record.tag = target.tag->left(1000);
    else
        record.pattern = target.pattern.left(1000);
    QStringList detail;
    if (expire) {
        detail.append(
            u"ttl %1s%2"_s.arg(*m_request.expireSeconds).arg(m_request.onlyShorten ? u" only shorten"_s : QString()));
        if (m_request.dryRun)
            detail.append(u"would change %1"_s.arg(progress.wouldChange));
    }
    if (progress.unconfirmed > 0)
        detail.append(u"unconfirmed %1"_s.arg(progress.unconfirmed));
    if (progress.error)
        detail.append(progress.error->errorMessage().left(500));
    record.detail = detail.join(u"; "_s);
    return record;
}

void InvalidationRun::queueAudit(AuditRecord record)
{
    if (m_policy.readOnly)
        return; // a read-only connection writes nothing, not even the audit trail (the access log has the call)
    m_audit.write(std::move(record));
}

void InvalidationRun::finishIfDone()
{
    if (m_finished || !m_targetsDone || !m_audit.isIdle())
        return;
    m_finished = true;
    m_report.auditErrors = m_audit.errors();
    Q_EMIT finished(m_report);
}

} // namespace cachescope::ops
