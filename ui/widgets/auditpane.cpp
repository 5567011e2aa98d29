#include "widgets/auditpane.h"

#include "itemmodels/auditmodel.h"

#include "redis/client.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

AuditPane::AuditPane(redis::Client* connection, QWidget* parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_model(new AuditModel(this))
    , m_view(new QTableView(this))
    , m_status(new QLabel(this))
{
    m_view->setModel(m_model);
    m_view->verticalHeader()->hide();
    m_view->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_view->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_view->setWordWrap(false);
    m_view->horizontalHeader()->setSectionResizeMode(AuditModel::TimeColumn, QHeaderView::ResizeToContents);
    m_view->horizontalHeader()->setSectionResizeMode(AuditModel::ActorColumn, QHeaderView::Interactive);
    m_view->horizontalHeader()->setSectionResizeMode(AuditModel::TargetColumn, QHeaderView::Stretch);
    m_view->horizontalHeader()->setSectionResizeMode(AuditModel::CountColumn, QHeaderView::ResizeToContents);
    m_view->setColumnWidth(AuditModel::ActorColumn, 150);
    m_view->setColumnWidth(AuditModel::ActionColumn, 160); // "invalidate (dry run)" fits; the tooltip has the rest
    m_view->setTextElideMode(Qt::ElideMiddle); // a long pattern keeps its distinctive end
    auto* refreshButton = new QPushButton(tr("Refresh"), this);
    auto* top = new QHBoxLayout;
    top->addWidget(m_status, 1);
    top->addWidget(refreshButton);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_view, 1);
    connect(refreshButton, &QPushButton::clicked, this, &AuditPane::refresh);
    m_status->setObjectName(QStringLiteral("auditStatus"));
    m_status->setWordWrap(true); // the empty trail and a lost one are explained in a sentence or two
    m_status->setText(tr("The audit trail (stream %1, newest first).").arg(QString::fromLatin1(ops::auditStreamKey)));
}

void AuditPane::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    // The target (a pattern, a rule) keeps at least half of what the time and count leave: in a narrow pane the
    // actor and action columns give way, down to a readable minimum (their full text is in the tooltip).
    QHeaderView* header = m_view->horizontalHeader();
    const int available = m_view->viewport()->width() - header->sectionSize(AuditModel::TimeColumn)
        - header->sectionSize(AuditModel::CountColumn);
    const int forWhoAndWhat = std::max(0, available / 2);
    header->resizeSection(AuditModel::ActorColumn, std::clamp(forWhoAndWhat * 45 / 100, 70, 150));
    header->resizeSection(AuditModel::ActionColumn, std::clamp(forWhoAndWhat * 55 / 100, 90, 160));
}

void AuditPane::refresh()
{
    if (!m_connection)
        return;
    ops::readAudit(*m_connection, shownRecords, this,
        [this](std::optional<QList<ops::AuditRecord>> records, const QString& error) {
            if (!records) {
                m_status->setText(tr("Could not read the audit trail: %1").arg(error));
                return;
            }
            // Stream ids only grow: the newest record seen before, missing from a read that is not even full, was
            // lost with the stream (a restart without persistence, a deleted key) — said, never passed over.
            const bool lost = !m_newestSeen.isEmpty() && records->size() < shownRecords
                && std::none_of(records->cbegin(), records->cend(),
                    [this](const ops::AuditRecord& record) { return record.id == m_newestSeen; });
            const QString lostText = lost
                ? tr("The audit trail was lost from the server: the %L1 records read before, the newest of %2, are "
                     "gone (a restart without persistence, or the stream deleted). ")
                      .arg(m_recordsSeen)
                      .arg(m_newestSeenAt.toLocalTime().toString(u"yyyy-MM-dd HH:mm:ss"_s))
                : QString();
            m_newestSeen = records->isEmpty() ? QByteArray() : records->first().id;
            m_newestSeenAt = records->isEmpty() ? QDateTime() : records->first().at;
            m_recordsSeen = records->size();
            m_model->setRecords(std::move(*records));
            m_status->setText(lostText
                + (m_model->rowCount() == 0
                        ? tr("No records yet: every invalidation, TTL run and route save (dry runs and refusals too) "
                             "is recorded here, in the stream %1.")
                              .arg(QString::fromLatin1(ops::auditStreamKey))
                        : tr("%L1 records, newest first (stream %2, bounded to the newest %L3).")
                              .arg(m_model->rowCount())
                              .arg(QString::fromLatin1(ops::auditStreamKey))
                              .arg(ops::auditStreamMaxLength)));
            Q_EMIT refreshed();
        });
}

QString AuditPane::statusText() const
{
    return m_status->text();
}

} // namespace cachescope::ui
