#pragma once

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

public Q_SLOTS:
    void refresh();

Q_SIGNALS:
    void refreshed();

private:
    QPointer<redis::Client> m_connection;
    AuditModel* m_model;
    QTableView* m_view;
    QLabel* m_status;
};

} // namespace cachescope::ui
