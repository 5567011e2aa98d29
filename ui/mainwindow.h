#pragma once

#include <QMainWindow>
#include <QPointer>

class QLabel;
class QTabWidget;

namespace cachescope::redis {
class Connection;
}
namespace cachescope::ops {
class InfoSampler;
}

namespace cachescope::ui {

class KeyBrowser;
class KeyDetailPane;
class LiveChartPane;

// The dashboard: key browser on the left; the selected key and the live charts on the right; connection
// state in the status bar. Everything reaches Redis through core, asynchronously: the window never waits.
class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    explicit MainWindow(redis::Connection* connection, QWidget* parent = nullptr);
    ~MainWindow() override;

    KeyBrowser* keyBrowser() const
    {
        return m_browser;
    }
    KeyDetailPane* keyDetail() const
    {
        return m_detail;
    }
    LiveChartPane* liveCharts() const
    {
        return m_charts;
    }
    QTabWidget* tabs() const
    {
        return m_tabs;
    }

private:
    void createActions();
    void updateConnectionStatus();

    QPointer<redis::Connection> m_connection;
    KeyBrowser* m_browser;
    KeyDetailPane* m_detail;
    LiveChartPane* m_charts;
    QTabWidget* m_tabs;
    ops::InfoSampler* m_sampler;
    QLabel* m_serverLabel;
    QLabel* m_stateLabel;
    bool m_scannedOnce = false;
};

} // namespace cachescope::ui
