#pragma once

#include "ops/routeconfigstore.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QStringListModel;
class QTableView;
class QListView;

namespace cachescope::ui {

class RouteRulesModel;

// The route TTL editor: the live rules in a table with inline editing and validation, the changes against
// what is live before saving, saving that detects a concurrent edit instead of overwriting it, and the audit
// history of route saves.
class RouteEditorPane : public QWidget
{
    Q_OBJECT
public:
    RouteEditorPane(redis::Connection* connection, QString actor, bool readOnly, QWidget* parent = nullptr);

    RouteRulesModel* rulesModel() const
    {
        return m_model;
    }
    qint64 baseVersion() const
    {
        return m_live.version;
    }
    QString message() const;
    // Loads rules from a JSON file into the table as unsaved edits; false (with the reasons shown) when the
    // file cannot be read or is not a valid configuration.
    bool importFile(const QString& path);

public Q_SLOTS:
    void reload();
    void save();

Q_SIGNALS:
    void loaded();
    void saved(qint64 version);
    void saveFailed(const QString& message, bool conflict);

private:
    void updateDiff();
    void loadHistory();

    ops::RouteConfigStore m_store;
    QPointer<redis::Connection> m_connection;
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
    QStringListModel* m_history;
};

} // namespace cachescope::ui
