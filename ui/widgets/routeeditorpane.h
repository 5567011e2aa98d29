#pragma once

#include "ops/invalidation/keyselection.h"
#include "ops/routes/routeconfigloss.h"
#include "ops/routes/routeconfigstore.h"

#include <QDateTime>
#include <QHash>
#include <QTimer>
#include <QWidget>

#include <optional>

class QFrame;
class QLabel;
class QPushButton;
class QStringListModel;
class QTableView;
class QListView;

namespace cachescope::ui {

class RouteRulesModel;

// The route TTL editor: the live rules in a table with inline editing and validation, the changes against
// what is live before saving, saving that detects a concurrent edit instead of overwriting it, and the audit
// history of route saves (of the selected rule, when one is selected). A saved TTL applies to new entries;
// "Apply TTL to existing keys" asks for the same change on the keys already cached (EXPIRE after a preview).
// Another client's save is noticed within seconds: shown at once when nothing is being edited, otherwise announced
// with the choice to merge it into the edits (core's three-way merge) or to keep the edits as they are; a refused
// save offers the same. Reload asks before it discards edits.
class RouteEditorPane : public QWidget
{
    Q_OBJECT
public:
    RouteEditorPane(redis::Client* connection, QString actor, bool readOnly, QWidget* parent = nullptr);

    RouteRulesModel* rulesModel() const
    {
        return m_model;
    }
    qint64 baseVersion() const
    {
        return m_live.version;
    }
    // The rules as last loaded from the server (the defaults until then).
    const model::RouteConfig& liveConfig() const
    {
        return m_live.config;
    }
    QString message() const;
    // Loads rules from a JSON file into the table as unsaved edits; false (with the reasons shown) when the
    // file cannot be read or is not a valid configuration.
    bool importFile(const QString& path);
    // The rule in the current row, for "apply to existing keys": its live keys and its live TTL; nothing (with
    // the reason shown) when the row has unsaved changes or no rule.
    void requestApplyTtl();
    // Puts `seconds` into the rule for `rulePath` as an unsaved edit and selects it (the miss what-if's proposal):
    // saving it is the engineer's, as any edit. False when there is no such rule or edits are not allowed.
    bool stageTtl(const QString& rulePath, int seconds);
    QStringList historyLines() const;
    QTableView* table() const
    {
        return m_table;
    }
    bool hasUnsavedEdits() const;
    // Someone else's save, waiting for the user's choice (merge or keep mine); empty when there is none.
    QString incomingSave() const;
    // Asks whether to discard the unsaved edits (a no when there are none to lose is not asked).
    bool confirmDiscard();
    // Reads the stored version now (otherwise every few seconds while the pane is shown or has edits).
    void checkForNewerSave();
    // The server lost the configuration this machine saw (a restart without persistence): said in a banner with a
    // restore, never as somebody's save. Nothing when it holds what was seen or newer.
    const std::optional<ops::RouteConfigLoss>& loss() const
    {
        return m_loss;
    }
    // What the tab says of the stored configuration, as an engineer reads it.
    QString statusText() const;

public Q_SLOTS:
    void reload();
    void save();
    void mergeIncoming();
    void keepMine();
    // Saves the lost configuration back (audited as a restore of that version).
    void restoreLost();
    // Takes what the server holds now as the configuration: the lost one is forgotten.
    void acceptLoss();

Q_SIGNALS:
    void loaded();
    void saved(qint64 version);
    void saveFailed(const QString& message, bool conflict);
    // `previousSeconds`: the rule's TTL before its last save, while entries written under it can still be fresh.
    void applyTtlRequested(
        const cachescope::ops::KeySelection& selection, qint64 seconds, std::optional<qint64> previousSeconds);

private:
    void updateDiff();
    void showSnapshot(const ops::RouteConfigSnapshot& snapshot);
    void onStored(const ops::RouteConfigSnapshot& snapshot);
    // Every snapshot read from the server goes through here: a loss is named, anything else remembered.
    bool checkLoss(const ops::RouteConfigSnapshot& snapshot);
    void showNamespaces();
    void loadHistory();
    void showHistory();
    QString currentRulePath() const;

    struct HistoryEntry
    {
        QString when; // "2026-11-25 09:00:00  alice"
        QStringList changes;
    };
    QList<HistoryEntry> m_historyEntries;
    struct TtlChange
    {
        qint64 before = 0;
        QDateTime at;
    };
    QHash<QString, TtlChange> m_lastTtlChange; // by rule path, from the audit stream and this pane's saves

    ops::RouteConfigStore m_store;
    QPointer<redis::Client> m_connection;
    QString m_actor;
    bool m_readOnly;
    ops::RouteConfigSnapshot m_live;
    RouteRulesModel* m_model;
    QTableView* m_table;
    QLabel* m_version;
    QLabel* m_diff;
    QLabel* m_message;
    QPushButton* m_add;
    QPushButton* m_remove;
    QPushButton* m_reload;
    QPushButton* m_save;
    QPushButton* m_applyTtl;
    QStringListModel* m_history;
    QLabel* m_namespaces;
    QLabel* m_noHistory;
    QFrame* m_incomingBanner;
    QLabel* m_incomingText;
    std::optional<ops::RouteConfigSnapshot> m_incoming;
    QTimer m_watch;
    ops::RouteConfigMemory m_memory;
    std::optional<ops::RouteConfigLoss> m_loss;
    QFrame* m_lostBanner;
    QLabel* m_lostText;
    QPushButton* m_restore;
    bool m_checking = false;
};

} // namespace cachescope::ui
