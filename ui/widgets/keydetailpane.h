#pragma once

#include <QByteArray>
#include <QPointer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace cachescope::redis {
class Client;
}

namespace cachescope::ui {

// What the selected key holds: its parsed parts, type, TTL and value (JSON indented, binary escaped,
// the first 64 KiB of large values, more on request), fetched through core's key inspection.
class KeyDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit KeyDetailPane(redis::Client* connection, QWidget* parent = nullptr);

    QByteArray currentKey() const
    {
        return m_key;
    }
    QString valueText() const;

public Q_SLOTS:
    void showKey(const QByteArray& key);
    // Reads sixteen times as much of a truncated value (up to 64 MiB), still without blocking.
    void loadMore();

Q_SIGNALS:
    void loaded();

private:
    void inspect();

    QPointer<redis::Client> m_connection;
    int m_limit = 0; // bytes of a string value to read
    QByteArray m_key;
    quint64 m_request = 0; // only the newest selection's answer is shown
    QLabel* m_keyLabel;
    QLabel* m_shape;
    QLabel* m_type;
    QLabel* m_ttl;
    QPlainTextEdit* m_value;
    QPushButton* m_more;
};

} // namespace cachescope::ui
