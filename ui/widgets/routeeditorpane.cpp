#include "widgets/routeeditorpane.h"
#include "model/displaybytes.h"

#include "itemmodels/routerulesmodel.h"

#include "model/routeconfigdiff.h"
#include "model/routeconfigjson.h"
#include "model/routeconfigmerge.h"
#include "model/ttltext.h"
#include "ops/audit/audit.h"
#include "redis/client.h"

#include <QFile>
#include <QFileDialog>
#include <QFrame>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QListView>
#include <QMenu>
#include <QMessageBox>
#include <QPushButton>
#include <QSaveFile>
#include <QStringListModel>
#include <QTableView>
#include <QToolButton>
#include <QVBoxLayout>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

RouteEditorPane::RouteEditorPane(redis::Client* connection, QString actor, bool readOnly, QWidget* parent)
    : QWidget(parent)
    , m_store(connection)
    , m_connection(connection)
    , m_actor(std::move(actor))
    , m_readOnly(readOnly)
    , m_model(new RouteRulesModel(this))
    , m_table(new QTableView(this))
    , m_version(new QLabel(this))
    , m_diff(new QLabel(this))
    , m_message(new QLabel(this))
    , m_add(new QPushButton(tr("Add rule"), this))
    , m_remove(new QPushButton(tr("Remove rule"), this))
    , m_reload(new QPushButton(tr("Reload"), this))
    , m_save(new QPushButton(tr("Save to Redis"), this))
    , m_applyTtl(new QPushButton(tr("Apply TTL to existing keys…"), this))
    , m_history(new QStringListModel(this))
    , m_namespaces(new QLabel(this))
    , m_noHistory(new QLabel(this))
    , m_incomingBanner(new QFrame(this))
    , m_incomingText(new QLabel(m_incomingBanner))
    , m_memory(connection->options().displayName())
    , m_lostBanner(new QFrame(this))
    , m_lostText(new QLabel(m_lostBanner))
    , m_restore(new QPushButton(m_lostBanner))
{
    // Lost state named as such, with the way back.
    m_lostBanner->setObjectName(u"lostConfig"_s);
    m_lostBanner->setStyleSheet(u"QFrame#lostConfig { background: #ffebee; border: 1px solid #e57373; }"_s);
    m_lostText->setWordWrap(true);
    m_lostText->setTextFormat(Qt::PlainText);
    auto* acceptButton = new QPushButton(tr("Keep what the server holds"), m_lostBanner);
    acceptButton->setToolTip(tr("Forget the lost version; the defaults (or what is stored now) stay"));
    m_restore->setEnabled(!m_readOnly);
    acceptButton->setEnabled(!m_readOnly);
    auto* lostButtons = new QHBoxLayout;
    lostButtons->addWidget(m_restore);
    lostButtons->addWidget(acceptButton);
    lostButtons->addStretch(1);
    auto* lostLayout = new QVBoxLayout(m_lostBanner);
    lostLayout->addWidget(m_lostText);
    lostLayout->addLayout(lostButtons);
    m_lostBanner->hide();
    connect(m_restore, &QPushButton::clicked, this, &RouteEditorPane::restoreLost);
    connect(acceptButton, &QPushButton::clicked, this, &RouteEditorPane::acceptLoss);
    m_table->setModel(m_model);
    // The path names the rule: as wide as the longest (never cut); the vary list takes what is left.
    m_table->horizontalHeader()->setSectionResizeMode(RouteRulesModel::PathColumn, QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(RouteRulesModel::VaryColumn, QHeaderView::Stretch);
    m_table->horizontalHeader()->setSectionResizeMode(RouteRulesModel::PrivateColumn, QHeaderView::ResizeToContents);
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    if (m_readOnly)
        m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_diff->setWordWrap(true);
    m_diff->setTextFormat(Qt::RichText);
    m_message->setWordWrap(true);
    auto* historyView = new QListView(this);
    historyView->setModel(m_history);
    historyView->setEditTriggers(QAbstractItemView::NoEditTriggers);
    // A short title: at 1024 px the pane gets about 600 px, and a group box is never narrower than its title.
    auto* historyBox = new QGroupBox(tr("Route saves (audit trail)"), this);
    historyBox->setToolTip(tr("Every save of the route rules; the selected rule's only when one is selected"));
    auto* historyLayout = new QVBoxLayout(historyBox);
    historyLayout->addWidget(historyView);
    m_noHistory->setObjectName(u"noHistory"_s);
    m_noHistory->setWordWrap(true);
    historyLayout->addWidget(m_noHistory);

    auto* buttons = new QHBoxLayout;
    m_version->setTextFormat(Qt::PlainText); // what another writer stored in updatedBy is text, never markup
    m_version->setWordWrap(true); // on its own row, above the buttons: a long "saved by … at …" must not widen the pane
    buttons->addStretch(1);
    // Import and export share one menu button: at 1024 px six buttons in a row cut their own labels.
    auto* json = new QToolButton(this);
    json->setText(tr("JSON"));
    json->setPopupMode(QToolButton::InstantPopup);
    json->setToolButtonStyle(Qt::ToolButtonTextOnly);
    auto* jsonMenu = new QMenu(json);
    QAction* importAction = jsonMenu->addAction(tr("Import rules from JSON…"));
    QAction* exportAction = jsonMenu->addAction(tr("Export rules as JSON…"));
    json->setMenu(jsonMenu);
    importAction->setEnabled(!m_readOnly);
    buttons->addWidget(json);
    for (QPushButton* button : {m_add, m_remove, m_reload, m_save})
        buttons->addWidget(button);
    connect(importAction, &QAction::triggered, this, [this] {
        const QString path =
            QFileDialog::getOpenFileName(this, tr("Import route rules"), QString(), tr("JSON (*.json)"));
        if (!path.isEmpty())
            importFile(path);
    });
    connect(exportAction, &QAction::triggered, this, [this] {
        const QString path =
            QFileDialog::getSaveFileName(this, tr("Export route rules"), u"routes.json"_s, tr("JSON (*.json)"));
        QSaveFile file(path);
        if (path.isEmpty())
            return;
        if (!file.open(QIODevice::WriteOnly) || file.write(model::routeConfigToJson(m_model->config())) < 0
            || !file.commit())
            m_message->setText(tr("Could not write %1: %2").arg(path, file.errorString()));
    });
    // Someone else's save while editing: said where it cannot be missed, with the two ways on.
    m_incomingBanner->setObjectName(u"incomingSave"_s);
    m_incomingBanner->setStyleSheet(u"QFrame#incomingSave { background: #fff3e0; border: 1px solid #ffb74d; }"_s);
    m_incomingText->setWordWrap(true);
    m_incomingText->setTextFormat(Qt::RichText);
    auto* mergeButton = new QPushButton(tr("Merge their changes into mine"), m_incomingBanner);
    auto* keepButton = new QPushButton(tr("Keep mine as they are"), m_incomingBanner);
    keepButton->setToolTip(tr("Saving then replaces their version of the rules you changed"));
    auto* bannerButtons = new QHBoxLayout;
    bannerButtons->addWidget(mergeButton);
    bannerButtons->addWidget(keepButton);
    bannerButtons->addStretch(1);
    auto* bannerLayout = new QVBoxLayout(m_incomingBanner);
    bannerLayout->addWidget(m_incomingText);
    bannerLayout->addLayout(bannerButtons);
    m_incomingBanner->hide();
    connect(mergeButton, &QPushButton::clicked, this, &RouteEditorPane::mergeIncoming);
    connect(keepButton, &QPushButton::clicked, this, &RouteEditorPane::keepMine);
    m_namespaces->setWordWrap(true);
    m_namespaces->setObjectName(u"namespaceTtls"_s);
    m_namespaces->setToolTip(tr("The shared cache manager's service namespaces; edit them through JSON › Import"));

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_version);
    layout->addLayout(buttons);
    layout->addWidget(m_lostBanner);
    layout->addWidget(m_incomingBanner);
    layout->addWidget(m_table, 3);
    layout->addWidget(m_namespaces);
    auto* below = new QHBoxLayout;
    below->addWidget(m_diff, 1);
    below->addWidget(m_applyTtl, 0, Qt::AlignTop);
    layout->addLayout(below);
    layout->addWidget(m_message);
    layout->addWidget(historyBox, 1);

    m_applyTtl->setToolTip(tr("Give the selected rule's cached keys its saved TTL (EXPIRE), after a preview"));
    for (QPushButton* button : {m_add, m_remove, m_save, m_applyTtl}) {
        button->setEnabled(!m_readOnly);
        if (m_readOnly)
            button->setToolTip(tr("This connection is read-only"));
    }
    connect(m_add, &QPushButton::clicked, this, [this] { m_table->edit(m_model->addRule()); });
    connect(m_remove, &QPushButton::clicked, this, [this] { m_model->removeRule(m_table->currentIndex().row()); });
    connect(m_reload, &QPushButton::clicked, this, [this] {
        if (!hasUnsavedEdits() || confirmDiscard())
            reload();
    });
    // A poll, not a subscription: a subscribed connection can do nothing else, and one read every few seconds
    // while someone looks is cheap (its lookups are CacheScope's own, kept out of the charts).
    m_watch.setInterval(std::chrono::seconds(5));
    connect(&m_watch, &QTimer::timeout, this, [this] {
        if (isVisible() || hasUnsavedEdits())
            checkForNewerSave();
    });
    m_watch.start();
    connect(m_save, &QPushButton::clicked, this, &RouteEditorPane::save);
    connect(m_applyTtl, &QPushButton::clicked, this, &RouteEditorPane::requestApplyTtl);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this, &RouteEditorPane::showHistory);
    connect(m_model, &RouteRulesModel::edited, this, &RouteEditorPane::updateDiff);
    connect(m_model, &RouteRulesModel::editRejected, this, [this](const QString& why) {
        m_message->setText(u"<span style='color:#b71c1c'>%1</span>"_s.arg(why.toHtmlEscaped()));
    });
    updateDiff();
}

bool RouteEditorPane::importFile(const QString& path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        m_message->setText(tr("Could not read %1: %2").arg(path, file.errorString()));
        return false;
    }
    const auto parsed = model::parseRouteConfigJson(file.readAll());
    if (!parsed.config) {
        QStringList errors;
        for (const model::ConfigError& error : parsed.errors)
            errors.append(error.toString().toHtmlEscaped());
        m_message->setText(u"<span style='color:#b71c1c'>%1</span>"_s.arg(
            tr("%1 is not a valid route configuration:<br>%2").arg(path.toHtmlEscaped(), errors.join(u"<br>"_s))));
        return false;
    }
    // Imported rules are unsaved edits: the diff shows them, Save writes them with the usual version check.
    m_model->setConfig(*parsed.config);
    m_message->setText(tr("Imported %1: review the changes, then save.").arg(path));
    updateDiff();
    return true;
}

QString RouteEditorPane::message() const
{
    return m_message->text();
}

void RouteEditorPane::reload()
{
    if (!m_connection)
        return;
    m_store.load(this, [this](std::optional<ops::RouteConfigSnapshot> snapshot, const QString& error) {
        if (!snapshot) {
            m_message->setText(u"<span style='color:#b71c1c'>%1</span>"_s.arg(error.toHtmlEscaped()));
            return;
        }
        m_message->clear();
        checkLoss(*snapshot);
        showSnapshot(*snapshot);
        Q_EMIT loaded();
    });
}

bool RouteEditorPane::checkLoss(const ops::RouteConfigSnapshot& snapshot)
{
    std::optional<ops::RouteConfigSnapshot> seen = m_memory.lastSeen();
    if (m_live.version > 0 && (!seen || seen->version < m_live.version))
        seen = m_live; // this window saw it, whatever the file could keep
    m_loss = ops::routeConfigLoss(snapshot, seen);
    m_lostBanner->setVisible(m_loss.has_value());
    if (!m_loss) {
        m_memory.remember(snapshot);
        return false;
    }
    m_lostText->setText(m_loss->describe());
    m_restore->setText(tr("Restore version %1").arg(m_loss->lastSeen.version));
    m_restore->setToolTip(tr("Saves the lost rules back, as version %1, audited as a restore of version %2")
                              .arg(std::max(m_loss->versionNow + 1, m_loss->lastSeen.version + 1))
                              .arg(m_loss->lastSeen.version));
    return true;
}

QString RouteEditorPane::statusText() const
{
    return m_loss ? m_loss->describe() : m_version->text();
}

void RouteEditorPane::restoreLost()
{
    if (!m_loss || m_readOnly || !m_connection)
        return;
    const ops::RouteConfigLoss loss = *m_loss;
    m_store.restore(loss.lastSeen, loss.versionNow, m_actor, this, [this, loss](const ops::RouteConfigSaveResult& r) {
        if (!r.saved) {
            m_message->setText(tr("Restore failed: %1").arg(r.error).toHtmlEscaped());
            return;
        }
        m_message->setText(tr("Version %1 restored as version %2 (audited as a restore).")
                               .arg(loss.lastSeen.version)
                               .arg(r.version)
                               .toHtmlEscaped());
        m_loss.reset();
        m_lostBanner->hide();
        reload();
        Q_EMIT saved(r.version);
    });
}

void RouteEditorPane::acceptLoss()
{
    if (!m_loss)
        return;
    m_memory.forget();
    m_loss.reset();
    m_lostBanner->hide();
    m_memory.remember(m_live);
}

void RouteEditorPane::showSnapshot(const ops::RouteConfigSnapshot& snapshot)
{
    m_live = snapshot;
    m_incoming.reset();
    m_incomingBanner->hide();
    m_model->setConfig(m_live.config);
    m_version->setText(m_live.version == 0
            ? tr("Version 0: nothing stored yet, the defaults apply")
            : tr("Version %1, saved by %2 at %3")
                  .arg(m_live.version)
                  .arg(model::displayText(m_live.updatedBy),
                      m_live.updatedAt.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s)));
    showNamespaces();
    updateDiff();
    loadHistory();
}

void RouteEditorPane::showNamespaces()
{
    QStringList namespaces;
    for (const model::NamespaceTtl& ns : std::as_const(m_live.config.namespaces))
        namespaces.append(u"%1 %2"_s.arg(ns.name, model::describeTtlShort(qint64(ns.ttlSeconds) * 1000)));
    m_namespaces->setText(namespaces.isEmpty() ? tr("Service namespaces: none configured.")
                                               : tr("Service namespaces: %1").arg(namespaces.join(u" · "_s)));
}

bool RouteEditorPane::hasUnsavedEdits() const
{
    return !(m_model->config() == m_live.config);
}

QString RouteEditorPane::incomingSave() const
{
    return m_incoming ? m_incomingText->text() : QString();
}

bool RouteEditorPane::confirmDiscard()
{
    if (!hasUnsavedEdits())
        return true;
    const QStringList changes = model::describeRouteChanges(m_live.config, m_model->config());
    return QMessageBox::question(this, tr("Discard route edits?"),
               tr("Your %n unsaved route change(s) will be lost:\n%1", nullptr, int(changes.size()))
                   .arg(changes.join(u'\n')),
               QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Cancel)
        == QMessageBox::Discard;
}

void RouteEditorPane::checkForNewerSave()
{
    if (!m_connection || m_checking)
        return;
    m_checking = true;
    m_store.load(this, [this](std::optional<ops::RouteConfigSnapshot> snapshot, const QString&) {
        m_checking = false;
        if (snapshot) // a failed read says nothing new; the next one may
            onStored(*snapshot);
    });
}

void RouteEditorPane::onStored(const ops::RouteConfigSnapshot& snapshot)
{
    if (snapshot.version < m_live.version || (m_loss && snapshot.version == m_loss->versionNow)) {
        // Versions only grow: a lower one is lost state, not a save.
        if (checkLoss(snapshot) && snapshot.version != m_live.version) {
            if (!hasUnsavedEdits())
                showSnapshot(snapshot); // what the gateways use now
            m_message->clear();
        }
        return;
    }
    if (snapshot.version == m_live.version || (m_incoming && m_incoming->version == snapshot.version))
        return;
    const QString who = tr("%1 saved version %2 at %3")
                            .arg(snapshot.updatedBy.isEmpty() ? tr("Someone") : model::displayText(snapshot.updatedBy))
                            .arg(snapshot.version)
                            .arg(snapshot.updatedAt.toLocalTime().toString(u"HH:mm:ss"_s));
    if (!hasUnsavedEdits()) {
        showSnapshot(snapshot);
        m_message->setText(tr("%1; it is shown now.").arg(who).toHtmlEscaped());
        return;
    }
    m_incoming = snapshot;
    QStringList theirs;
    for (const QString& change : model::describeRouteChanges(m_live.config, snapshot.config))
        theirs.append(change.toHtmlEscaped());
    m_incomingText->setText(
        tr("<b>%1 while you were editing.</b> Their changes:<br>%2<br>Merge them into your edits, "
           "or keep yours as they are; then save.")
            .arg(who.toHtmlEscaped(), theirs.isEmpty() ? tr("(none to the rules)") : theirs.join(u"<br>"_s)));
    m_incomingBanner->show();
    m_message->clear(); // an older message would contradict the banner
    updateDiff();
}

void RouteEditorPane::mergeIncoming()
{
    if (!m_incoming)
        return;
    const model::RouteConfigMerge merge =
        model::mergeRouteConfigs(m_live.config, m_model->config(), m_incoming->config);
    const ops::RouteConfigSnapshot theirs = *m_incoming;
    showSnapshot(theirs);
    m_model->setConfig(merge.config); // my edits, now against their version
    updateDiff();
    m_message->setText(
        (merge.conflicts.isEmpty() ? tr("Merged: their changes are in, yours are still unsaved.")
                                   : tr("Merged; both of you changed %1: yours were kept, theirs are in the history.")
                                         .arg(merge.conflicts.join(u", "_s)))
            .toHtmlEscaped());
}

void RouteEditorPane::keepMine()
{
    if (!m_incoming)
        return;
    const model::RouteConfig mine = m_model->config();
    const ops::RouteConfigSnapshot theirs = *m_incoming;
    showSnapshot(theirs);
    m_model->setConfig(mine);
    updateDiff();
    m_message->setText(tr("Your edits are kept against version %1: the changes below replace theirs when you save.")
                           .arg(theirs.version)
                           .toHtmlEscaped());
}

void RouteEditorPane::save()
{
    if (m_readOnly || !m_connection)
        return;
    const model::RouteConfig edited = m_model->config();
    m_store.save(edited, m_live.version, m_actor, this, [this, edited](const ops::RouteConfigSaveResult& result) {
        if (!result.saved) {
            // Never overwrite someone else's change: keep the edits in the table and say what happened.
            m_message->setText(
                u"<span style='color:#b71c1c'>%1</span>"_s.arg(tr("Not saved: %1").arg(result.error).toHtmlEscaped()));
            if (result.conflict)
                checkForNewerSave(); // their version, with the choice to merge it
            Q_EMIT saveFailed(result.error, result.conflict);
            return;
        }
        // At once, not only when the history read below comes back: "Apply TTL" may be the very next click.
        const QDateTime now = QDateTime::currentDateTimeUtc();
        const QHash<QString, int> changed = model::changedTtls(m_live.config, edited);
        for (auto it = changed.cbegin(); it != changed.cend(); ++it)
            m_lastTtlChange.insert(it.key(), {it.value(), now});
        m_live.config = edited;
        m_live.version = result.version;
        m_live.updatedBy = m_actor;
        m_live.updatedAt = now;
        m_memory.remember(m_live);
        m_message->setText(tr("Saved as version %1; every gateway using this store reloads within a second. Keys "
                              "already cached keep their TTL: \"Apply TTL to existing keys\" changes them.")
                               .arg(result.version));
        m_version->setText(tr("Version %1, saved by you").arg(result.version));
        showNamespaces();
        updateDiff();
        loadHistory();
        Q_EMIT saved(result.version);
    });
}

void RouteEditorPane::updateDiff()
{
    const QStringList changes = model::describeRouteChanges(m_live.config, m_model->config());
    // Not while someone else's save waits for a choice: it would only be refused.
    m_save->setEnabled(!m_readOnly && !changes.isEmpty() && !m_incoming);
    if (changes.isEmpty()) {
        m_diff->setText(tr("No unsaved changes."));
        return;
    }
    QStringList lines;
    for (const QString& change : changes)
        lines.append(change.toHtmlEscaped());
    m_diff->setText(
        tr("<b>Unsaved changes against version %1:</b><br>%2").arg(m_live.version).arg(lines.join(u"<br>"_s)));
}

QString RouteEditorPane::currentRulePath() const
{
    const QModelIndex current = m_table->currentIndex();
    if (!current.isValid())
        return {};
    return m_model->index(current.row(), RouteRulesModel::PathColumn).data(Qt::EditRole).toString();
}

bool RouteEditorPane::stageTtl(const QString& rulePath, int seconds)
{
    if (m_readOnly)
        return false;
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const QModelIndex path = m_model->index(row, RouteRulesModel::PathColumn);
        if (path.data(Qt::EditRole).toString() != rulePath)
            continue;
        const QModelIndex ttl = m_model->index(row, RouteRulesModel::TtlColumn);
        if (!m_model->setData(ttl, seconds))
            return false;
        m_table->setCurrentIndex(ttl);
        return true;
    }
    return false;
}

void RouteEditorPane::requestApplyTtl()
{
    const QString path = currentRulePath();
    const auto& rules = m_live.config.routes;
    const auto live =
        std::find_if(rules.cbegin(), rules.cend(), [&path](const model::RouteRule& rule) { return rule.path == path; });
    if (path.isEmpty() || live == rules.cend()) {
        m_message->setText(tr("Select a saved rule first: existing keys get the TTL that is live in Redis."));
        return;
    }
    const auto edited = m_model->config().routes;
    const auto mine = std::find_if(
        edited.cbegin(), edited.cend(), [&path](const model::RouteRule& rule) { return rule.path == path; });
    if (mine == edited.cend() || !(*mine == *live)) {
        m_message->setText(tr("%1 has unsaved changes: save them first, so the keys get the TTL the gateway uses.")
                               .arg(path.toHtmlEscaped()));
        return;
    }
    ops::GatewayScope scope;
    scope.rulePath = path;
    // Entries written under the old TTL are all stale once it has passed since the change: no "previous" then.
    std::optional<qint64> previous;
    const auto change = m_lastTtlChange.constFind(path);
    if (change != m_lastTtlChange.cend() && change->at.addSecs(change->before) > QDateTime::currentDateTimeUtc())
        previous = change->before;
    Q_EMIT applyTtlRequested(ops::selectGatewayKeys(scope, m_live.config), live->ttlSeconds, previous);
}

void RouteEditorPane::loadHistory()
{
    if (!m_connection)
        return;
    ops::readAudit(*m_connection, 200, this, [this](std::optional<QList<ops::AuditRecord>> records, const QString&) {
        m_historyEntries.clear();
        QHash<QString, TtlChange> lastTtlChange;
        for (const ops::AuditRecord& record : records.value_or(QList<ops::AuditRecord>())) {
            if (record.action != u"routes.save")
                continue;
            const auto before =
                model::parseRouteConfigJson(record.before).config.value_or(model::RouteConfig::defaults());
            const auto after = model::parseRouteConfigJson(record.after).config;
            const QHash<QString, int> changed = after ? model::changedTtls(before, *after) : QHash<QString, int>();
            for (auto it = changed.cbegin(); it != changed.cend(); ++it) {
                if (!lastTtlChange.contains(it.key())) // newest first: the last change
                    lastTtlChange.insert(it.key(), {it.value(), record.at});
            }
            m_historyEntries.append({record.at.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s) + u"  "_s
                    + model::displayText(record.actor),
                after ? model::describeRouteChanges(before, *after) : QStringList()});
        }
        if (records)
            m_lastTtlChange = lastTtlChange;
        showHistory();
    });
}

void RouteEditorPane::showHistory()
{
    // With a rule selected, only the saves that changed it; each change line starts "+ /path:", "~ /path:"…
    const QString path = currentRulePath();
    const QString marker = u" %1:"_s.arg(path);
    QStringList lines;
    for (const HistoryEntry& entry : std::as_const(m_historyEntries)) {
        QStringList changes = entry.changes;
        if (!path.isEmpty())
            changes.removeIf([&marker](const QString& change) { return !change.mid(1).startsWith(marker); });
        if (!path.isEmpty() && changes.isEmpty())
            continue;
        lines.append(entry.when + (changes.isEmpty() ? QString() : u": "_s + changes.join(u"; "_s)));
    }
    m_history->setStringList(lines);
    // An empty list says what it would hold, and why it holds nothing.
    m_noHistory->setVisible(lines.isEmpty());
    m_noHistory->setText(path.isEmpty()
            ? tr("No route save in the audit trail yet: the rules shown are the stored ones, or the defaults.")
            : tr("No save changed %1 in the audit trail yet.").arg(path));
}

QStringList RouteEditorPane::historyLines() const
{
    return m_history->stringList();
}

} // namespace cachescope::ui
