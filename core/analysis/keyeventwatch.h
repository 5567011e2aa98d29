#pragma once

#include "analysis/analysisreport.h"
#include "analysis/keyeventfeed.h"
#include "model/keygrouping.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QObject>
#include <QPointer>
#include <QTimer>

#include <functional>
#include <memory>
#include <vector>

namespace cachescope::redis {
class Client;
class Connection;
class Reply;
}

namespace cachescope::ops {
class KeyspaceEventsSetting;
}

namespace cachescope::analysis {

// Expired and evicted keys by route, tenant, venue and namespace: "route X lost 40 % of its entries to eviction
// before their TTL". Subscribes to the server's keyevent notifications (__keyevent@DB__:expired and :evicted) on
// every master and places each key with the key tree's grouping.
//
// The server publishes them only when notify-keyspace-events holds E, x and e: ops::KeyspaceEventsSetting widens it
// with consent and puts it back (audited, and recovered after a watch that died). Placing keys is rate-limited:
// beyond maxAttributedPerSecond the events are counted in the totals but not placed (`unattributed`).
class KeyEventWatch : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        bool mayChangeConfig = false;
        QString actor; // for the audit records of a change
        int maxAttributedPerSecond = 50000;
        model::RouteConfig routes = model::RouteConfig::defaults();
    };
    struct Counts
    {
        qint64 expired = 0;
        qint64 evicted = 0;
        double evictedShare() const // of the entries that left: how many were pushed out before their TTL
        {
            return expired + evicted > 0 ? double(evicted) / double(expired + evicted) : 0;
        }
    };
    struct Report
    {
        QDateTime startedAt;
        QDateTime endedAt;
        Counts total; // every event received
        qint64 unattributed = 0; // received over the rate limit: in the totals, not in the groups
        std::array<QHash<QByteArray, Counts>, dimensionCount> groups;
        // The server's own counters over the watch (INFO expired_keys / evicted_keys), summed over the masters: what
        // the totals can be checked against (a slow subscriber the server drops loses events). Read just before
        // subscribing and just after the subscriptions are drained, so they cover a little more than the watch:
        // the totals are at most these.
        std::optional<Counts> serverDelta;
        QStringList configBefore; // notify-keyspace-events per node as found
        bool configChanged = false;
        QString configNote; // how the setting was left ("restored", or why it was not)
        QString error;
    };

    KeyEventWatch(redis::Client* client, Options options, QObject* parent = nullptr);
    ~KeyEventWatch() override;

    void start();
    // Stops listening, restores the setting if it was changed, and finishes.
    void stop();
    bool isRunning() const
    {
        return m_running;
    }
    const Report& report() const
    {
        return m_report;
    }
Q_SIGNALS:
    void started(); // listening on every master
    void finished(); // once; report().error says what went wrong, report().configNote how the setting was left

private:
    void acquireSetting();
    void subscribe();
    void listening();
    void onEvent(bool evicted, const QByteArray& key);
    void fail(const QString& error);
    void finish();
    void restoreConfig();
    void readServerCounters(std::function<void(std::optional<Counts>)> done);

    QPointer<redis::Client> m_client;
    Options m_options;
    model::KeyGrouping m_grouping;
    Report m_report;
    std::unique_ptr<ops::KeyspaceEventsSetting> m_setting;
    KeyeventFeed m_feed;
    std::optional<Counts> m_serverBefore;
    QTimer m_heartbeat; // renews the setting's lease and the rate limit's second
    int m_attributedThisSecond = 0;
    bool m_running = false;
    bool m_stopping = false;
};

} // namespace cachescope::analysis
