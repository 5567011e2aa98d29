#pragma once

#include <QByteArray>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <functional>

namespace cachescope::redis {
class Client;
}

namespace cachescope::ops {

// The server setting notify-keyspace-events, widened for a watch and put back: one owner for every watch that
// needs keyspace notifications (expiries and evictions, misses), on every master.
//
// The setting is changed only with consent, never on a read-only connection; only the missing flags are added, the
// change is audited, and it is put back when the last watch ends (audited too) — unless someone changed it
// meanwhile, which is then said instead of overwritten. So that a watch that dies (SIGKILL, a lost machine) does not
// leave the server publishing forever, the value found is kept in the server beside a lease each running watch
// renews every second (reservedKey, a hash of a few fields: `before:<node>`, `after:<node>`, `lease:<id>`):
// a later watch restores the original when it ends, and restoreAbandoned() (`cachectl misses --restore`) does it
// at once when no lease is live.
class KeyspaceEventsSetting : public QObject
{
    Q_OBJECT
public:
    // The hash that remembers the value found while any watch runs; removed when the setting is put back.
    static constexpr char reservedKey[] = "cachescope:keyspace-events{cachescope}";
    // A lease not renewed for this long belongs to a watch that is gone.
    static constexpr qint64 leaseMs = 10'000;

    struct Options
    {
        bool mayChangeConfig = false;
        QString actor; // for the audit records
        QString purpose; // "expiries and evictions": what the watch needs published, for messages and audits
        QByteArray flags; // the event classes needed besides 'E' (keyevent channels), e.g. "xe"
    };

    KeyspaceEventsSetting(redis::Client* client, Options options, QObject* parent = nullptr);
    ~KeyspaceEventsSetting() override;

    // `current` with what `flags` needs added ('E' always; 'A' stands for g$lshzxetd, not for m or n). `current`
    // itself when nothing is missing.
    static QByteArray withFlags(const QByteArray& current, const QByteArray& flags);

    // Reads the setting on every master and widens it if needed; emits ready() or failed(message).
    void acquire();
    // Renews the lease (a write, no keyspace lookup); the watch calls it every second.
    void renew();
    // Puts the setting back if this was the last watch; `done` runs once, with note() saying how it was left.
    // Called while acquire() is under way, it waits for it, then puts back what it set (ready() is not emitted).
    void release(std::function<void()> done);

    // For one engineer at a shell: put back what a watch that died left, when no watch holds a lease. The
    // callback gets what was done ("nothing to restore", "restored to \"\" on 1 node") or an error.
    static void restoreAbandoned(redis::Client* client, const QString& actor, const QObject* context,
        std::function<void(QString note, QString error)> callback);

    QStringList before() const
    {
        return m_before;
    }
    bool changed() const
    {
        return m_changed;
    }
    // How the setting was found or left, for the report.
    QString note() const
    {
        return m_note;
    }

Q_SIGNALS:
    void ready();
    void failed(const QString& message);

private:
    void acquired(const QString& error);
    void change(const QList<QByteArray>& current, const QList<QByteArray>& original, const QList<QByteArray>& wanted);
    void audit(const QString& detail, const QByteArray& before, const QByteArray& after, std::function<void()> written);

    QPointer<redis::Client> m_client;
    Options m_options;
    QByteArray m_leaseField;
    bool m_leased = false;
    bool m_acquiring = false;
    std::function<void()> m_releaseWhenAcquired;
    bool m_changed = false;
    QStringList m_before; // as found, per node (the original kept in the server when a dead watch left its change)
    QList<QByteArray> m_after; // what was set, per node
    QString m_note;
};

} // namespace cachescope::ops
