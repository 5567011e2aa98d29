#pragma once

#include <QByteArray>
#include <QPointer>
#include <QWidget>

class QLabel;
class QPlainTextEdit;

namespace cachescope::redis {
class Connection;
}

namespace cachescope::ui {

// What the selected key holds: its parsed parts, type, TTL and value (JSON indented, binary escaped,
// the first 64 KiB of large values), fetched through core's key inspection.
class KeyDetailPane : public QWidget
{
    Q_OBJECT
public:
    explicit KeyDetailPane(redis::Connection* connection, QWidget* parent = nullptr);

    QByteArray currentKey() const
    {
        return m_key;
    }
    QString valueText() const;

public Q_SLOTS:
    void showKey(const QByteArray& key);

Q_SIGNALS:
    void loaded();

private:
    QPointer<redis::Connection> m_connection;
    QByteArray m_key;
    quint64 m_request = 0; // only the newest selection's answer is shown
    QLabel* m_keyLabel;
    QLabel* m_shape;
    QLabel* m_type;
    QLabel* m_ttl;
    QPlainTextEdit* m_value;
};

} // namespace cachescope::ui
