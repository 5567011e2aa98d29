#include "widgets/keydetailpane.h"

#include "cache/storedvalueview.h"
#include "itemmodels/membertablemodel.h"
#include "model/displaybytes.h"
#include "model/reservedkeys.h"
#include "model/ttltext.h"
#include "ops/keys/memberpages.h"
#include "redis/client.h"

#include <QApplication>
#include <QClipboard>
#include <QDateTime>
#include <QFontDatabase>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QStackedWidget>
#include <QTableView>
#include <QVBoxLayout>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

KeyDetailPane::KeyDetailPane(redis::Client* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_keyLabel(new QLineEdit(this))
    , m_shape(new QLabel(this))
    , m_type(new QLabel(this))
    , m_ttl(new QLabel(this))
    , m_form(new QFormLayout)
    , m_entry(new QLabel(this))
    , m_gone(new QLabel(this))
    , m_body(new QStackedWidget(this))
    , m_value(new QPlainTextEdit(this))
    , m_members(new QTableView(this))
    , m_memberModel(new MemberTableModel(this))
    , m_memberCount(new QLabel(this))
    , m_more(new QPushButton(tr("Show more"), this))
    , m_refresh(new QPushButton(tr("Refresh"), this))
    , m_copyKey(new QPushButton(tr("Copy key"), this))
    , m_copyValue(new QPushButton(tr("Copy value"), this))
    , m_delete(new QPushButton(tr("Delete…"), this))
{
    m_more->hide();
    connect(m_more, &QPushButton::clicked, this, &KeyDetailPane::loadMore);
    connect(m_refresh, &QPushButton::clicked, this, &KeyDetailPane::refresh);
    connect(m_copyKey, &QPushButton::clicked, this, &KeyDetailPane::copyKey);
    connect(m_copyValue, &QPushButton::clicked, this, &KeyDetailPane::copyValue);
    connect(m_delete, &QPushButton::clicked, this, [this] {
        if (canDelete())
            Q_EMIT deleteRequested(ops::selectKey(m_key));
    });
    m_refresh->setToolTip(tr("Read the key again"));
    m_delete->setToolTip(tr("Delete this key through the invalidation dialog: dry run, audit trail"));
    m_keyLabel->setReadOnly(true);
    m_keyLabel->setFrame(false);
    m_keyLabel->setStyleSheet(u"QLineEdit { background: transparent; }"_s);
    for (QLabel* label : {m_shape, m_entry})
        label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    for (QLabel* label : {m_shape, m_type, m_entry, m_gone})
        label->setWordWrap(true);
    m_gone->setStyleSheet(u"QLabel { background: #fff3e0; color: #8a4b00; padding: 6px; border-radius: 3px; }"_s);
    m_gone->hide();
    m_value->setReadOnly(true);
    m_value->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_value->setPlaceholderText(tr("Select a key in the tree to see what it holds"));
    m_members->setModel(m_memberModel);
    m_members->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_members->setWordWrap(false);
    m_members->horizontalHeader()->setStretchLastSection(true);
    m_members->verticalHeader()->setDefaultSectionSize(m_members->fontMetrics().height() + 6);
    m_body->addWidget(m_value);
    auto* memberPage = new QWidget(this);
    auto* memberLayout = new QVBoxLayout(memberPage);
    memberLayout->setContentsMargins(0, 0, 0, 0);
    memberLayout->addWidget(m_members, 1);
    memberLayout->addWidget(m_memberCount);
    m_body->addWidget(memberPage);

    auto* actions = new QHBoxLayout;
    for (QPushButton* button : {m_refresh, m_copyKey, m_copyValue, m_delete})
        actions->addWidget(button);
    actions->addStretch(1);
    m_form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    m_form->addRow(tr("Key:"), m_keyLabel);
    m_form->addRow(tr("Shape:"), m_shape);
    m_form->addRow(tr("Type:"), m_type);
    m_form->addRow(tr("TTL:"), m_ttl);
    m_form->addRow(tr("Entry:"), m_entry);
    m_form->setRowVisible(m_entry, false);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(actions);
    layout->addLayout(m_form);
    layout->addWidget(m_gone);
    layout->addWidget(m_body, 1);
    layout->addWidget(m_more, 0, Qt::AlignLeft);
    layout->addStretch(0); // with the body hidden (a vanished key), the rest stays at the top
    m_countdown.setInterval(1000);
    connect(&m_countdown, &QTimer::timeout, this, &KeyDetailPane::tick);
    updateActions();
}

void KeyDetailPane::setSafety(bool readOnly, const QList<QByteArray>& protectedPatterns)
{
    m_readOnly = readOnly;
    m_protectedPatterns = protectedPatterns;
    updateActions();
}

bool KeyDetailPane::canDelete() const
{
    return m_inspection && m_inspection->exists() && !m_readOnly && !model::isProtectedKey(m_key, m_protectedPatterns);
}

void KeyDetailPane::updateActions()
{
    const bool any = m_inspection.has_value();
    m_refresh->setEnabled(any || !m_key.isEmpty());
    m_copyKey->setEnabled(any);
    m_copyValue->setEnabled(any && m_inspection->exists());
    m_delete->setEnabled(canDelete());
    if (m_readOnly)
        m_delete->setToolTip(tr("This connection is read-only"));
    else if (any && model::isProtectedKey(m_key, m_protectedPatterns))
        m_delete->setToolTip(tr("A protected key: invalidation never deletes it"));
    else
        m_delete->setToolTip(tr("Delete this key through the invalidation dialog: dry run, audit trail"));
}

QString KeyDetailPane::valueText() const
{
    return m_body->currentWidget() == m_value ? m_value->toPlainText() : m_memberModel->toText();
}

QString KeyDetailPane::ttlText() const
{
    return m_ttl->text();
}

QString KeyDetailPane::entryText() const
{
    return m_entry->isHidden() ? QString() : m_entry->text();
}

int KeyDetailPane::memberRowsShown() const
{
    return m_memberModel->rowCount();
}

void KeyDetailPane::copyKey() const
{
    QApplication::clipboard()->setText(model::displayBytes(m_key));
}

void KeyDetailPane::copyValue() const
{
    QApplication::clipboard()->setText(valueText());
}

void KeyDetailPane::showKey(const QByteArray& key)
{
    m_key = key;
    m_limit = ops::maxInspectedValueBytes;
    m_keyLabel->setText(model::displayBytes(key, 4096));
    m_keyLabel->setCursorPosition(0);
    m_shape->clear();
    m_ttl->clear();
    m_entry->clear();
    m_value->clear();
    m_memberModel->reset({});
    m_inspection.reset();
    m_countdown.stop();
    inspect();
}

void KeyDetailPane::refresh()
{
    if (m_key.isEmpty() && !m_inspection)
        return;
    inspect();
}

void KeyDetailPane::loadMore()
{
    if (m_inspection && m_inspection->type != "string") {
        readMembers();
        return;
    }
    m_limit = int(std::min<qint64>(qint64(m_limit) * 16, 64LL * 1024 * 1024));
    inspect();
}

void KeyDetailPane::inspect()
{
    m_type->setText(tr("loading…"));
    m_more->hide();
    if (!m_connection)
        return;
    const quint64 ticket = m_requests.next();
    ops::inspectKey(
        *m_connection, m_key, this,
        [this, ticket](std::optional<ops::KeyInspection> inspection, const QString& error) {
            if (!m_requests.isCurrent(ticket))
                return; // the user has moved on to another key
            if (!inspection) {
                m_type->setText(tr("error: %1").arg(error));
                Q_EMIT loaded();
                return;
            }
            show(*inspection);
        },
        m_limit);
}

void KeyDetailPane::show(const ops::KeyInspection& inspection)
{
    m_inspection = inspection;
    m_inspectedAt.start();
    // Break points in long runs without spaces (ids, vary values), so the pane never grows past its width.
    QString shape = ops::describeInspectedKey(inspection);
    static const QRegularExpression longRun(u"(\\S{40})(?=\\S)"_s);
    shape.replace(longRun, u"\\1\u200B"_s);
    m_shape->setText(shape);
    m_gone->setVisible(!inspection.exists());
    m_form->setRowVisible(m_entry, false);
    m_memberModel->reset({});
    m_nextMembers.clear();
    if (!inspection.exists()) {
        m_gone->setText(tr("This key no longer exists: deleted or expired since it was listed."));
        m_gone->setToolTip(tr("Rescan to update the tree."));
        m_type->setText(tr("—"));
        m_ttl->setText(tr("—"));
        m_value->clear();
        m_body->hide();
        m_countdown.stop();
        updateActions();
        Q_EMIT loaded();
        return;
    }
    m_body->show();
    const bool isString = inspection.type == "string";
    m_type->setText(isString ? tr("string, %L1 bytes").arg(inspection.valueSize)
                             : tr("%1, %Ln members", nullptr, int(std::min<qint64>(inspection.valueSize, INT_MAX)))
                                   .arg(QString::fromUtf8(inspection.type)));
    if (isString) {
        m_view = cache::viewStoredValue(inspection.valuePrefix, inspection.valueSize);
        m_value->setPlainText(m_view.bodyText());
        m_body->setCurrentWidget(m_value);
        const bool cut = inspection.truncated();
        m_more->setText(tr("Show more of the value"));
        m_more->setVisible(cut && m_limit < 64 * 1024 * 1024);
    } else {
        m_body->setCurrentWidget(m_members->parentWidget());
        m_memberModel->reset(ops::memberColumns(inspection.type));
        readMembers();
    }
    tick();
    m_countdown.start();
    updateActions();
    if (isString)
        Q_EMIT loaded();
}

void KeyDetailPane::readMembers()
{
    if (!m_connection || !m_inspection)
        return;
    const quint64 ticket = m_requests.current();
    m_more->setEnabled(false);
    ops::readMemberPage(*m_connection, m_key, m_inspection->type, m_nextMembers, memberPageSize,
        m_inspection->valueSize, this, [this, ticket](std::optional<ops::MemberPage> page, const QString& error) {
            if (!m_requests.isCurrent(ticket))
                return;
            m_more->setEnabled(true);
            if (!page) {
                m_memberCount->setText(tr("Could not read the members: %1").arg(error));
                Q_EMIT loaded();
                return;
            }
            const bool first = m_memberModel->rowCount() == 0;
            m_memberModel->appendPage(*page);
            m_nextMembers = page->next;
            const qint64 total = m_inspection ? m_inspection->valueSize : 0;
            m_memberCount->setText(m_nextMembers.isEmpty()
                    ? tr("All %L1 shown").arg(m_memberModel->rowCount())
                    : tr("%L1 of %L2 shown").arg(m_memberModel->rowCount()).arg(total));
            m_more->setText(tr("Show %L1 more").arg(memberPageSize));
            m_more->setVisible(!m_nextMembers.isEmpty());
            if (first && m_memberModel->columnCount() > 1) { // sized once, so later pages do not make it jump
                m_members->resizeColumnToContents(0);
                m_members->setColumnWidth(0, std::min(m_members->columnWidth(0), m_members->width() * 3 / 5));
            }
            Q_EMIT loaded();
        });
}

void KeyDetailPane::tick()
{
    if (!m_inspection || !m_inspection->exists())
        return;
    const qint64 pttl = m_inspection->pttl;
    const qint64 left = pttl < 0 ? pttl : std::max<qint64>(0, pttl - m_inspectedAt.elapsed());
    m_ttl->setText(pttl >= 0 && left == 0 ? tr("expired (refresh to confirm)") : model::describeTtlShort(left));
    if (m_inspection->type != "string")
        return;
    QStringList facts = m_view.facts();
    const QString freshness = m_view.freshness(left, QDateTime::currentMSecsSinceEpoch());
    if (!freshness.isEmpty())
        facts.prepend(freshness);
    m_entry->setText(facts.join(u'\n'));
    m_form->setRowVisible(m_entry, !facts.isEmpty());
}

} // namespace cachescope::ui
