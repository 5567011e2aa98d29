#pragma once

#include <QDateTime>
#include <QPointer>
#include <QWidget>

class QLabel;
class QTableView;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

class AuditModel;

// The audit trail every CacheScope tool writes (invalidations, TTL changes, route saves, admin API calls),
// newest first; refreshed on demand and after this window's own writes.
class AuditPane : public QWidget
{
    Q_OBJECT
public:
    static constexpr int shownRecords = 500;

    explicit AuditPane(redis::Client* connection, QWidget* parent = nullptr);

    AuditModel* model() const
    {
        return m_model;
    }
    // The line above the table, as the engineer reads it.
    QString statusText() const;

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void refreshed();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    QPointer<redis::Client> m_connection;
    AuditModel* m_model;
    QTableView* m_view;
    QLabel* m_status;
    QByteArray m_newestSeen; // the newest record's id at the last read: gone from a later read means a lost trail
    QDateTime m_newestSeenAt;
    qsizetype m_recordsSeen = 0;
};

} // namespace cachescope::ui
