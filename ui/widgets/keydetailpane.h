#pragma once

#include "cache/storedvalueview.h"
#include "ops/invalidation/keyselection.h"
#include "ops/keys/keyinspection.h"
#include "redis/latestrequest.h"

#include <QByteArray>
#include <QElapsedTimer>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include <optional>

class QFormLayout;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QStackedWidget;
class QTableView;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

class MemberTableModel;

// What the selected key holds, as an engineer reads it: its parsed parts, type, a TTL that counts down, a cache
// manager's envelope decoded (fresh for…, then stale for… of grace), a string's body (JSON in its own key order,
// binary escaped, the first 64 KiB, more on request) or the members of any other type a page at a time. Copy key,
// Copy value, Refresh, and Delete through the same safe invalidation flow as the tree (not on protected keys, not
// when read-only). All reads through core, none blocking.
class KeyDetailPane : public QWidget
{
    Q_OBJECT
public:
    static constexpr int memberPageSize = 200;

    explicit KeyDetailPane(redis::Client* connection, QWidget* parent = nullptr);

    // Delete stays disabled on a read-only connection; `protectedPatterns` add to the built-in protected namespaces.
    void setSafety(bool readOnly, const QList<QByteArray>& protectedPatterns);

    QByteArray currentKey() const
    {
        return m_key;
    }
    QString valueText() const;
    QString ttlText() const;
    QString entryText() const;
    int memberRowsShown() const;
    bool canDelete() const;

public Q_SLOTS:
    void showKey(const QByteArray& key);
    void refresh();
    // Reads sixteen times as much of a truncated value (up to 64 MiB), or the next page of members.
    void loadMore();
    void copyKey() const;
    void copyValue() const;

Q_SIGNALS:
    void loaded();
    void deleteRequested(const cachescope::ops::KeySelection& selection);

private:
    void inspect();
    void show(const ops::KeyInspection& inspection);
    void readMembers();
    void tick();
    void updateActions();

    QPointer<redis::Client> m_connection;
    bool m_readOnly = false;
    QList<QByteArray> m_protectedPatterns;
    int m_limit = 0; // bytes of a string value to read
    QByteArray m_key;
    std::optional<ops::KeyInspection> m_inspection;
    cache::StoredValueView m_view; // a string's value, decoded once per read
    QElapsedTimer m_inspectedAt; // the TTL counts down from here
    QByteArray m_nextMembers; // where the next page of members starts; empty: none
    redis::LatestRequest m_requests; // only the newest selection's answer is shown
    QTimer m_countdown;

    QLineEdit* m_keyLabel; // one line that scrolls: a key has no spaces to wrap at
    QLabel* m_shape;
    QLabel* m_type;
    QLabel* m_ttl;
    QFormLayout* m_form;
    QLabel* m_entry;
    QLabel* m_gone;
    QStackedWidget* m_body;
    QPlainTextEdit* m_value;
    QTableView* m_members;
    MemberTableModel* m_memberModel;
    QLabel* m_memberCount;
    QPushButton* m_more;
    QPushButton* m_refresh;
    QPushButton* m_copyKey;
    QPushButton* m_copyValue;
    QPushButton* m_delete;
};

} // namespace cachescope::ui
