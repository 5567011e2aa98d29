#pragma once

#include "dialogs/safetyoptions.h"

#include "ops/invalidation/invalidationrun.h"
#include "ops/invalidation/keyselection.h"

#include <QDialog>
#include <QPointer>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QSpinBox;
class QLineEdit;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QStandardItemModel;
class QTableView;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

// Pattern invalidation, the safe way (core's InvalidationRun, as cachectl and the admin API use it): a dry run shows
// the exact count per pattern and a sample before anything is deleted; a batch with a protected pattern is refused
// whole; on a production connection a broad deletion needs
// its count typed; deletion shows progress, can be cancelled, reports exactly what was deleted and is
// audited. Read-only connections can preview but never delete. The same flow sets a TTL on the keys instead
// (EXPIRE, optionally only shortening), for "set TTL on this node's keys" and "apply a route's new TTL".
class InvalidationDialog : public QDialog
{
    Q_OBJECT
public:
    enum class Action
    {
        Delete,
        SetTtl,
    };

    InvalidationDialog(
        redis::Client* connection, SafetyOptions safety, Action action = Action::Delete, QWidget* parent = nullptr);
    ~InvalidationDialog() override;

    void setPatterns(const QStringList& patterns);
    // The keys of cache-manager tags (their indexes list them) instead of patterns: one tag per line.
    void setTags(const QStringList& tags);
    bool usesTags() const;
    // A tree node's keys: its glob narrows the scan, its parts decide exactly.
    void setSelection(const ops::KeySelection& selection);
    // Offers the tree's selected node with a button ("Use the selected node: tenant acme"), never silently: the
    // toolbar's Invalidate… opens on typed patterns. Nothing: no offer.
    void offerSelection(const std::optional<ops::KeySelection>& selection);
    bool usesSelection() const
    {
        return m_selection.has_value();
    }
    int resultRows() const;
    // The line under the table: what a preview found, or what a run did (rich text).
    QString summaryText() const;
    // SetTtl only: the TTL to apply, and whether keys that expire sooner keep their TTL. `previousSeconds`, when the
    // TTL replaces a known one (a route's), lets the dialog warn that "only shorten" would undo a raise.
    void setTtl(qint64 seconds, bool onlyShorten, std::optional<qint64> previousSeconds = std::nullopt);
    // What the TTL row says about the change (how entries are treated, and any contradiction).
    QString ttlNote() const;

    qint64 previewTotal() const
    {
        return m_previewTotal;
    }
    qint64 deletedTotal() const
    {
        return m_deletedTotal;
    }

public Q_SLOTS:
    void preview();
    void execute();
    void cancel();

Q_SIGNALS:
    void previewed(qint64 total);
    void executed(qint64 deleted);
    // The batch was refused before anything ran (a protected pattern among them, or a read-only connection).
    void refused(const QString& reason);

private:
    // "127.0.0.1:7000: 4 · 127.0.0.1:7001: 5 · …  —  " on a cluster, so a slow or failing master shows itself.
    QString perNodeSummary() const;
    enum class Phase
    {
        Editing,
        Previewing,
        Previewed,
        Deleting,
        Done
    };
    QList<ops::InvalidationTarget> targets() const;
    void run(bool dryRun);
    void onTargetFinished(int row, const ops::InvalidationProgress& progress);
    void onRunFinished(const ops::InvalidationReport& report);
    void setPhase(Phase phase);
    void updateButtons();
    bool needsTypedConfirmation() const;
    bool typedCountMatches() const;
    QString actionVerb() const; // "deleted" / "given the new TTL"

    QPointer<redis::Client> m_connection;
    SafetyOptions m_safety;
    Action m_action;
    std::optional<ops::KeySelection> m_selection;
    Phase m_phase = Phase::Editing;
    QPlainTextEdit* m_patterns;
    QLabel* m_selectionLabel;
    QComboBox* m_kind; // patterns or tags
    QPushButton* m_useSelection;
    QPushButton* m_typePatterns;
    std::optional<ops::KeySelection> m_offered;
    QSpinBox* m_ttl = nullptr;
    QCheckBox* m_onlyShorten = nullptr;
    QLabel* m_ttlNote = nullptr;
    std::optional<qint64> m_previousTtl;
    QCheckBox* m_oneMasterAtATime = nullptr; // clusters only
    QStandardItemModel* m_results;
    QTableView* m_table;
    QLabel* m_summary;
    QLabel* m_confirmLabel;
    QLineEdit* m_confirm;
    QProgressBar* m_progress;
    QPushButton* m_previewButton;
    QPushButton* m_deleteButton;
    QPushButton* m_cancelButton;
    QPushButton* m_closeButton;
    bool m_dryRun = true;
    std::unique_ptr<ops::InvalidationRun> m_run; // presents core's run: refusal, pacing and audit are decided there
    QString m_problem; // why the last run was refused or failed, for the summary
    bool m_refusedRun = false;
    qint64 m_previewTotal = 0; // keys the run would change: matched (delete), or whose TTL would change (set TTL)
    qint64 m_previewMatched = 0;
    qint64 m_deletedTotal = 0;
    qint64 m_handledTotal = 0; // keys the write pass has reached (changed or not)
    qint64 m_skippedProtected = 0; // keys the patterns matched that protection left alone
    qint64 m_previewedBeforeRun = 0; // the preview's count, to compare with what the run did
    qint64 m_unconfirmedTotal = 0; // writes sent whose reply was lost: up to this many more may be changed
    bool m_cancelled = false;
};

} // namespace cachescope::ui
