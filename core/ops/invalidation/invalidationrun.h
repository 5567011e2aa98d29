#pragma once

#include "model/patternlint.h"
#include "ops/audit/audit.h"
#include "ops/audit/auditwriter.h"
#include "ops/invalidation/keyspaceinvalidation.h"
#include "ops/invalidation/safetypolicy.h"
#include "ops/routes/routeconfigstore.h"

#include <QDateTime>
#include <QJsonObject>
#include <QObject>
#include <QPointer>

#include <functional>
#include <memory>
#include <optional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// One glob to run, optionally narrowed by an exact test (a key-tree node's parsed parts); or one cache-manager tag,
// whose index lists the keys.
struct InvalidationTarget
{
    QByteArray pattern; // the exact bytes handed to SCAN MATCH
    std::function<bool(const QByteArray& key)> filter;
    QString description; // for the audit record; empty: the escaped pattern (or tag)
    std::optional<QByteArray> tag; // set: the keys of this tag's index (the pattern is unused)

    // "events:*", or "tag venue:v7": how reports and the audit trail name it.
    QString describe() const;
};

struct InvalidationRequest
{
    QList<InvalidationTarget> targets;
    bool dryRun = true;
    std::optional<qint64> expireSeconds; // set: EXPIRE with this TTL instead of UNLINK
    bool onlyShorten = false; // keep keys that already expire sooner
    int maxParallelNodes = 0; // cluster: masters worked on at once (0: all)
    int sampleSize = 5; // matching keys kept per target for a preview
    // When every target provably matches no gateway key (model::lintPattern), the run is only a dry run and
    // reports `noMatch` instead of a "success" that did nothing — unless this is set.
    bool allowNoMatch = false;

    static InvalidationRequest forPatterns(const QList<QByteArray>& patterns, bool dryRun);
    static InvalidationRequest forTags(const QList<QByteArray>& tags, bool dryRun);
};

// Why a request is refused before anything runs. A batch with one refused target is refused whole.
struct InvalidationRefusal
{
    enum class Reason
    {
        NoTargets,
        EmptyPattern, // or an empty tag
        Protected,
        ReadOnly,
    };
    Reason reason;
    int targetIndex = -1; // the first refused target, or -1 for the whole request
    QString message;
};

// A lint warning on one target, with how many keys its suggested pattern matches (a dry run; -1: not counted).
struct TargetWarning
{
    model::PatternWarning warning;
    qint64 suggestionMatched = -1;
};

// What a run did: one shape for the dialog, cachectl and the admin API, with one JSON form.
struct InvalidationReport
{
    bool dryRun = true;
    bool expire = false;
    QList<InvalidationProgress> targets; // the targets that ran, in order (the last may have failed)
    QStringList notRun; // targets after a failed one, described: the run stops at the first failure
    std::optional<InvalidationRefusal> refusal;
    bool cancelled = false;
    bool noMatch = false; // every target was unmatchable: run as a dry run only, to count the suggestions
    QString error; // the first failure, with the server's or the client's reason
    QStringList auditErrors; // audit records that could not be written, with why
    QList<QList<TargetWarning>> warnings; // per target of the request (model::lintPattern), empty when fine

    // Every target provably matches no key the gateway writes: a "success" that would do nothing.
    bool everyTargetUnmatchable() const;

    bool failed() const
    {
        return refusal.has_value() || !error.isEmpty() || noMatch;
    }
    bool auditFailed() const
    {
        return !auditErrors.isEmpty();
    }
    qint64 matched() const
    {
        return sum(&InvalidationProgress::matched);
    }
    // Keys deleted (or given the TTL), confirmed by the server's replies.
    qint64 deleted() const
    {
        return sum(&InvalidationProgress::deleted);
    }
    // A TTL dry run: the keys whose TTL the run would change.
    qint64 wouldChange() const
    {
        return sum(&InvalidationProgress::wouldChange);
    }
    // Writes whose reply was lost: up to this many more keys may be changed.
    qint64 unconfirmed() const
    {
        return sum(&InvalidationProgress::unconfirmed);
    }
    qint64 sum(qint64 InvalidationProgress::*field) const;
    // {"success", "dryRun", "matched" | "invalidated" | "expired", "unconfirmed", "cancelled", "patterns": […], …}
    QJsonObject toJson() const;
};

// The one way CacheScope invalidates by pattern: the dialog, `cachectl invalidate|expire` and the admin API
// present it. The safety policy is applied once, before anything runs (a batch with a refused pattern is refused
// whole, and so is a write on a read-only policy); the targets then run one after another on the paced engine
// (KeyspaceInvalidation); the run stops at the first failed target (its server is unhealthy: the next targets
// would only pile more work on it) and names those it did not run. Every target that ran, dry runs included, gets
// one audit record; a record that cannot be written because the server is gone is retried until the server is
// back or auditRetryWindow has passed, and only then is finished() emitted, with the failure in auditErrors.
class InvalidationRun : public QObject
{
    Q_OBJECT
public:
    InvalidationRun(redis::Client* client, SafetyPolicy policy, InvalidationRequest request, QObject* parent = nullptr);
    ~InvalidationRun() override;

    static std::optional<InvalidationRefusal> refusal(const SafetyPolicy& policy, const InvalidationRequest& request);

    // How long a lost audit record is retried (reconnecting when needed). Default: 10 s, or twice the command
    // timeout when that is longer.
    void setAuditRetryWindow(std::chrono::milliseconds window)
    {
        m_audit.setRetryWindow(window);
    }

    void start();
    void cancel();

    const InvalidationRequest& request() const
    {
        return m_request;
    }
    const InvalidationReport& report() const
    {
        return m_report;
    }
    // The target running now, for a per-node view; null between targets.
    const KeyspaceInvalidation* currentJob() const
    {
        return m_job.get();
    }
    bool isRunning() const
    {
        return m_started && !m_finished;
    }

Q_SIGNALS:
    void targetStarted(int index);
    void progressed(int index, const cachescope::ops::InvalidationProgress& progress);
    void targetFinished(int index, const cachescope::ops::InvalidationProgress& progress);
    void finished(const cachescope::ops::InvalidationReport& report);

private:
    void runNext();
    // After a target: counts the keys its warnings' suggested patterns match (dry runs), then runs the next target.
    void countSuggestions(int index, qsizetype warning);
    void onTargetFinished(const InvalidationProgress& progress);
    AuditRecord recordFor(int index, const InvalidationProgress& progress) const;
    void queueAudit(AuditRecord record);
    void finishIfDone();

    QPointer<redis::Client> m_client;
    SafetyPolicy m_policy;
    InvalidationRequest m_request;
    InvalidationReport m_report;
    std::unique_ptr<KeyspaceInvalidation> m_job;
    std::unique_ptr<KeyspaceInvalidation> m_suggestionJob;
    std::unique_ptr<RouteConfigStore> m_routes; // reads the live rules for the lint
    qsizetype m_next = 0;
    QDateTime m_targetStartedAt;
    bool m_started = false;
    bool m_targetsDone = false;
    bool m_finished = false;

    AuditWriter m_audit;
};

} // namespace cachescope::ops
