#pragma once

#include "analysis/keyeventwatch.h"
#include "dialogs/safetyoptions.h"

#include <QDialog>
#include <QPointer>
#include <QTimer>

#include <memory>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableView;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

class EvictionModel;

// Watches expiries and evictions (core's analysis::KeyEventWatch, as `cachectl evictions`) and shows, per route,
// tenant, venue or namespace, what left and how much of it was pushed out before its TTL — live, every second.
// The server publishes the events only with notify-keyspace-events holding E, x and e: the watch turns them on
// only when the box is ticked (never on a read-only connection), puts the old value back when it stops, and audits
// both. Closing the dialog stops the watch first, so the setting is always restored.
class EvictionWatchDialog : public QDialog
{
    Q_OBJECT
public:
    EvictionWatchDialog(
        redis::Client* connection, const SafetyOptions& safety, model::RouteConfig routes, QWidget* parent = nullptr);
    ~EvictionWatchDialog() override;

    EvictionModel* model() const
    {
        return m_model;
    }
    QCheckBox* consent() const
    {
        return m_consent;
    }
    QComboBox* dimension() const
    {
        return m_dimension;
    }
    QString totalsText() const;
    QString statusText() const;
    bool isWatching() const;
    const analysis::KeyEventWatch::Report* report() const;

public Q_SLOTS:
    void start();
    void stop();

Q_SIGNALS:
    void started();
    void finished();

protected:
    void closeEvent(QCloseEvent* event) override;

private:
    void update();

    QPointer<redis::Client> m_connection;
    SafetyOptions m_safety;
    model::RouteConfig m_routes;
    std::unique_ptr<analysis::KeyEventWatch> m_watch;
    EvictionModel* m_model;
    QCheckBox* m_consent;
    QComboBox* m_dimension;
    QSpinBox* m_seconds;
    QPushButton* m_start;
    QPushButton* m_stop;
    QLabel* m_status;
    QLabel* m_totals;
    QTableView* m_table;
    QTimer m_tick;
    QTimer m_deadline;
    bool m_closeWhenFinished = false;
};

} // namespace cachescope::ui
