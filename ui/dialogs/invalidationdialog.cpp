#include "dialogs/invalidationdialog.h"

#include "model/displaybytes.h"
#include "model/ttltext.h"
#include "redis/connection.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QStyle>
#include <QTableView>
#include <QVBoxLayout>

namespace cachescope::ui {

using namespace Qt::StringLiterals;

namespace {
enum ResultColumn
{
    PatternColumn,
    MatchedColumn,
    DeletedColumn,
    NoteColumn
};
} // namespace

InvalidationDialog::InvalidationDialog(redis::Client* connection, SafetyOptions safety, Action action, QWidget* parent)
    : QDialog(parent)
    , m_connection(connection)
    , m_safety(std::move(safety))
    , m_action(action)
    , m_patterns(new QPlainTextEdit(this))
    , m_selectionLabel(new QLabel(this))
    , m_kind(new QComboBox(this))
    , m_useSelection(new QPushButton(this))
    , m_typePatterns(new QPushButton(tr("Type patterns instead"), this))
    , m_results(new QStandardItemModel(0, 4, this))
    , m_table(new QTableView(this))
    , m_summary(new QLabel(this))
    , m_confirmLabel(new QLabel(this))
    , m_confirm(new QLineEdit(this))
    , m_progress(new QProgressBar(this))
    , m_previewButton(new QPushButton(tr("&Preview (dry run)"), this))
    , m_deleteButton(new QPushButton(action == Action::Delete ? tr("&Delete") : tr("&Set TTL"), this))
    , m_cancelButton(new QPushButton(action == Action::Delete ? tr("&Cancel deletion") : tr("&Cancel"), this))
    , m_closeButton(new QPushButton(tr("Close"), this))
{
    setWindowTitle((action == Action::Delete ? tr("Invalidate cache keys — %1") : tr("Set the TTL of cache keys — %1"))
                       .arg(connection->options().displayName()));
    m_patterns->setPlaceholderText(tr("One Redis glob per line, e.g.\ngateway:response:GET:/api/events*\nevents:*"));
    m_patterns->setMaximumHeight(90);
    m_selectionLabel->setWordWrap(true);
    m_selectionLabel->hide();
    m_useSelection->hide();
    m_typePatterns->hide();
    // A box that cannot be typed in must look like it (a node's selection is decided by its parts, not the glob).
    m_patterns->setStyleSheet(
        u"QPlainTextEdit[readOnly=\"true\"] { background: palette(window); color: palette(mid); }"_s);
    connect(m_useSelection, &QPushButton::clicked, this, [this] {
        if (m_offered)
            setSelection(*m_offered);
    });
    connect(m_typePatterns, &QPushButton::clicked, this, [this] { setPatterns({}); });
    m_results->setHorizontalHeaderLabels({tr("Pattern"), tr("Matching keys"),
        action == Action::Delete ? tr("Deleted") : tr("TTL set"), tr("Sample / note")});
    m_table->setModel(m_results);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(PatternColumn, QHeaderView::Interactive);
    m_table->setColumnWidth(PatternColumn, 340);
    m_table->setTextElideMode(Qt::ElideRight);
    m_table->setWordWrap(false);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_summary->setWordWrap(true);
    // Room for three lines from the start (a failure's summary takes that many): the table above does not jump.
    m_summary->setMinimumHeight(m_summary->fontMetrics().lineSpacing() * 3 + 4);
    m_summary->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_confirm->setPlaceholderText(tr("type the number of keys"));
    m_confirm->setMaximumWidth(220);
    m_deleteButton->setStyleSheet(u"QPushButton:enabled { color: #b71c1c; font-weight: bold; }"_s);
    if (m_safety.readOnly)
        m_deleteButton->setToolTip(tr("This connection is read-only"));

    auto* confirmRow = new QHBoxLayout;
    confirmRow->addWidget(m_confirmLabel);
    confirmRow->addWidget(m_confirm);
    confirmRow->addStretch(1);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_previewButton);
    buttons->addWidget(m_deleteButton);
    buttons->addWidget(m_cancelButton);
    buttons->addStretch(1);
    buttons->addWidget(m_closeButton);
    auto* layout = new QVBoxLayout(this);
    m_kind->setObjectName(u"targetKind"_s);
    m_kind->addItem(tr("Keys matching patterns (SCAN MATCH), one per line:"));
    m_kind->addItem(tr("Keys of cache-manager tags (their indexes), one tag per line:"));
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this](int kind) {
        m_patterns->setPlaceholderText(kind == 1
                ? tr("One tag per line, as the services tag entries, e.g.\nvenue:v7\ntenant:acme")
                : tr("One Redis glob per line, e.g.\ngateway:response:GET:/api/events*\nevents:*"));
        m_results->setHeaderData(PatternColumn, Qt::Horizontal, kind == 1 ? tr("Tag") : tr("Pattern"));
        m_patterns->clear(); // a pattern is no tag: what was typed for one means nothing as the other
    });
    auto* kindRow = new QHBoxLayout;
    kindRow->addWidget(m_kind);
    kindRow->addStretch(1);
    layout->addLayout(kindRow);
    layout->addWidget(m_patterns);
    layout->addWidget(m_selectionLabel);
    auto* selectionRow = new QHBoxLayout;
    selectionRow->addWidget(m_useSelection);
    selectionRow->addWidget(m_typePatterns);
    selectionRow->addStretch(1);
    layout->addLayout(selectionRow);
    if (action == Action::SetTtl) {
        m_ttl = new QSpinBox(this);
        m_ttl->setRange(1, 30 * 24 * 3600);
        m_ttl->setValue(300);
        m_ttl->setSuffix(tr(" s"));
        m_onlyShorten = new QCheckBox(tr("Only shorten (keys that expire sooner keep their TTL)"), this);
        m_onlyShorten->setObjectName(u"onlyShorten"_s);
        m_onlyShorten->setChecked(true);
        auto* ttlRow = new QHBoxLayout;
        ttlRow->addWidget(new QLabel(tr("New TTL:"), this));
        ttlRow->addWidget(m_ttl);
        ttlRow->addWidget(m_onlyShorten);
        ttlRow->addStretch(1);
        layout->addLayout(ttlRow);
        m_ttlNote = new QLabel(this);
        m_ttlNote->setObjectName(u"ttlNote"_s);
        m_ttlNote->setWordWrap(true);
        layout->addWidget(m_ttlNote);
        // A preview counts for one TTL and one choice: changing either needs a new one.
        const auto changed = [this] {
            m_ttlNote->setText(ttlNote());
            if (m_phase == Phase::Previewed || m_phase == Phase::Done) {
                setPhase(Phase::Editing);
                m_previewTotal = 0;
            }
            updateButtons();
        };
        connect(m_ttl, &QSpinBox::valueChanged, this, changed);
        connect(m_onlyShorten, &QCheckBox::toggled, this, changed);
        m_ttlNote->setText(ttlNote());
    }
    if (m_connection && m_connection->isCluster()) {
        // Every master at once is fastest where each has its own machine; where they share one, it is gentler on the
        // other clients to take them in turn.
        m_oneMasterAtATime = new QCheckBox(tr("One master at a time (gentler where masters share a host)"), this);
        m_oneMasterAtATime->setObjectName(u"oneMasterAtATime"_s);
        layout->addWidget(m_oneMasterAtATime);
    }
    layout->addWidget(m_table, 1);
    layout->addWidget(m_summary);
    layout->addLayout(confirmRow);
    layout->addWidget(m_progress);
    layout->addLayout(buttons);

    connect(m_previewButton, &QPushButton::clicked, this, &InvalidationDialog::preview);
    connect(m_deleteButton, &QPushButton::clicked, this, &InvalidationDialog::execute);
    connect(m_cancelButton, &QPushButton::clicked, this, &InvalidationDialog::cancel);
    connect(m_closeButton, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_confirm, &QLineEdit::textChanged, this, &InvalidationDialog::updateButtons);
    connect(m_patterns, &QPlainTextEdit::textChanged, this, [this] {
        if (m_phase == Phase::Previewed || m_phase == Phase::Done) {
            setPhase(Phase::Editing); // a changed pattern needs a new preview before anything is deleted
            m_results->removeRows(0, m_results->rowCount()); // no row left for a pattern that is gone
            m_previewTotal = 0;
        }
        updateButtons();
    });
    resize(900, 520);
    setPhase(Phase::Editing);
}

InvalidationDialog::~InvalidationDialog() = default;

void InvalidationDialog::setTags(const QStringList& tags)
{
    setPatterns({});
    m_kind->setCurrentIndex(1);
    m_patterns->setPlainText(tags.join(u'\n'));
}

bool InvalidationDialog::usesTags() const
{
    return !m_selection && m_kind->currentIndex() == 1;
}

void InvalidationDialog::setPatterns(const QStringList& patterns)
{
    m_kind->setCurrentIndex(0);
    m_kind->setEnabled(true);
    m_selection.reset();
    m_selectionLabel->hide();
    m_typePatterns->hide();
    m_useSelection->setVisible(m_offered.has_value());
    m_patterns->setReadOnly(false);
    m_patterns->setPlainText(patterns.join(u'\n'));
    m_patterns->style()->polish(m_patterns);
}

void InvalidationDialog::offerSelection(const std::optional<ops::KeySelection>& selection)
{
    m_offered = selection;
    if (selection)
        m_useSelection->setText(tr("Use the selected node: %1").arg(selection->description));
    m_useSelection->setVisible(selection.has_value() && !m_selection);
}

QString InvalidationDialog::summaryText() const
{
    return m_summary->text();
}

int InvalidationDialog::resultRows() const
{
    return m_results->rowCount();
}

void InvalidationDialog::setTtl(qint64 seconds, bool onlyShorten, std::optional<qint64> previousSeconds)
{
    if (!m_ttl)
        return;
    m_previousTtl = previousSeconds;
    m_ttl->setValue(int(std::clamp<qint64>(seconds, m_ttl->minimum(), m_ttl->maximum())));
    m_onlyShorten->setChecked(onlyShorten);
    m_ttlNote->setText(ttlNote());
}

QString InvalidationDialog::ttlNote() const
{
    if (!m_ttl)
        return {};
    const QString ttl = model::describeTtlShort(qint64(m_ttl->value()) * 1000);
    QString note = tr("Cache-manager entries become fresh for %1 from now (as a write now would make them) and keep "
                      "their grace on top; other keys expire in %1.")
                       .arg(ttl);
    if (m_onlyShorten->isChecked() && m_previousTtl && m_ttl->value() > *m_previousTtl)
        note += u"<br><span style='color:#b71c1c'>"_s
            + tr("The TTL goes up from %1 to %2, but \"Only shorten\" keeps every key that expires sooner: no key "
                 "written under %1 will be lengthened. Untick it to give them the longer TTL.")
                  .arg(model::describeTtlShort(*m_previousTtl * 1000), ttl)
                  .toHtmlEscaped()
            + u"</span>"_s;
    return note;
}

QString InvalidationDialog::actionVerb() const
{
    return m_action == Action::Delete ? tr("deleted") : tr("given the new TTL");
}

void InvalidationDialog::setSelection(const ops::KeySelection& selection)
{
    m_selection = selection;
    m_kind->setCurrentIndex(0);
    m_kind->setEnabled(false); // a node is a pattern and its parts
    m_patterns->setPlainText(QString::fromUtf8(selection.scanPattern)); // after the kind, which clears the box
    m_patterns->setReadOnly(true);
    m_patterns->style()->polish(m_patterns);
    m_useSelection->hide();
    m_typePatterns->show();
    m_selectionLabel->setText(tr("Keys of <b>%1</b>: SCAN narrows with this glob, then each key's parsed parts "
                                 "decide, so nothing outside the selection is touched.")
                                  .arg(selection.description.toHtmlEscaped()));
    m_selectionLabel->show();
}

QList<ops::InvalidationTarget> InvalidationDialog::targets() const
{
    QList<ops::InvalidationTarget> list;
    if (m_selection) {
        list.append({m_selection->scanPattern, m_selection->accepts, m_selection->description, {}});
        return list;
    }
    const QStringList lines = m_patterns->toPlainText().split(u'\n', Qt::SkipEmptyParts);
    for (const QString& line : lines) {
        const QString trimmed = line.trimmed();
        if (trimmed.isEmpty())
            continue;
        if (usesTags())
            list.append({{}, {}, {}, trimmed.toUtf8()});
        else
            list.append({trimmed.toUtf8(), {}, {}, {}});
    }
    return list;
}

bool InvalidationDialog::typedCountMatches() const
{
    // As shown ("11,613") or bare ("11613"): the group separators and spaces are not what is confirmed.
    QString typed = m_confirm->text();
    typed.remove(QLocale().groupSeparator()).remove(u' ').remove(QChar(0x202f)).remove(QChar(0xa0));
    return typed == QString::number(m_previewTotal);
}

bool InvalidationDialog::needsTypedConfirmation() const
{
    return m_safety.production && m_previewTotal > m_safety.confirmAbove;
}

void InvalidationDialog::preview()
{
    const QList<ops::InvalidationTarget> list = targets();
    if (list.isEmpty() || !m_connection)
        return;
    m_results->removeRows(0, m_results->rowCount());
    for (const ops::InvalidationTarget& target : list) {
        QList<QStandardItem*> row {
            new QStandardItem(target.tag ? model::displayBytes(*target.tag) : model::displayBytes(target.pattern)),
            new QStandardItem(), new QStandardItem(), new QStandardItem()};
        for (QStandardItem* item : row.sliced(1, 2))
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_results->appendRow(row);
    }
    m_previewTotal = 0;
    m_previewMatched = 0;
    m_confirm->clear();
    run(true);
}

void InvalidationDialog::execute()
{
    if (m_phase != Phase::Previewed || m_safety.readOnly || !m_connection || m_previewTotal == 0)
        return;
    if (needsTypedConfirmation() && !typedCountMatches())
        return;
    m_previewedBeforeRun = m_previewTotal;
    // By keys handled, which a TTL run also counts for keys it rightly leaves unchanged.
    m_progress->setRange(0, int(std::min<qint64>(m_previewMatched, std::numeric_limits<int>::max())));
    m_progress->setValue(0);
    run(false);
}

void InvalidationDialog::run(bool dryRun)
{
    ops::InvalidationRequest request;
    request.targets = targets();
    request.dryRun = dryRun;
    request.sampleSize = 3;
    request.allowNoMatch = true; // the dialog shows each pattern's warning beside its count instead
    request.maxParallelNodes = m_oneMasterAtATime && m_oneMasterAtATime->isChecked() ? 1 : 0;
    if (m_ttl) {
        request.expireSeconds = m_ttl->value();
        request.onlyShorten = m_onlyShorten->isChecked();
    }
    m_dryRun = dryRun;
    m_deletedTotal = 0;
    m_handledTotal = 0;
    m_unconfirmedTotal = 0;
    m_cancelled = false;
    m_problem.clear();
    m_run = std::make_unique<ops::InvalidationRun>(m_connection, m_safety, std::move(request));
    connect(m_run.get(), &ops::InvalidationRun::progressed, this, [this](int row, const ops::InvalidationProgress& p) {
        if (m_dryRun) {
            m_results->item(row, MatchedColumn)->setText(QLocale().toString(p.matched));
        } else {
            m_results->item(row, DeletedColumn)->setText(QLocale().toString(p.deleted));
            // Keys handled so far: with EXPIRE … LT some are matched but rightly left unchanged.
            m_progress->setValue(int(std::min<qint64>(m_progress->maximum(), m_handledTotal + p.matched)));
        }
    });
    connect(m_run.get(), &ops::InvalidationRun::targetFinished, this, &InvalidationDialog::onTargetFinished);
    connect(m_run.get(), &ops::InvalidationRun::finished, this, &InvalidationDialog::onRunFinished);
    setPhase(dryRun ? Phase::Previewing : Phase::Deleting);
    m_run->start();
}

void InvalidationDialog::cancel()
{
    m_cancelled = true;
    if (m_run)
        m_run->cancel();
}

QString InvalidationDialog::perNodeSummary() const
{
    const ops::KeyspaceInvalidation* job = m_run ? m_run->currentJob() : nullptr;
    const auto nodes = job ? job->perNode() : QList<std::pair<QString, ops::InvalidationProgress>>();
    if (nodes.size() < 2)
        return {};
    // "host:port (slots …)"; on one host (a test or a small cluster) the port alone tells them apart.
    const auto address = [](const QString& description) { return description.section(u' ', 0, 0); };
    const QString host = address(nodes.first().first).section(u':', 0, -2);
    const bool oneHost = std::all_of(nodes.cbegin(), nodes.cend(),
        [&](const auto& node) { return address(node.first).section(u':', 0, -2) == host; });
    QStringList parts;
    for (const auto& [description, progress] : nodes) {
        parts.append(
            u"%1: %2"_s.arg(oneHost ? u"port "_s + address(description).section(u':', -1) : address(description),
                QLocale().toString(m_dryRun ? progress.matched : progress.deleted)));
    }
    return parts.join(u" · "_s) + u"  —  "_s;
}

void InvalidationDialog::onTargetFinished(int row, const ops::InvalidationProgress& progress)
{
    QStandardItem* note = m_results->item(row, NoteColumn);
    if (m_dryRun) {
        m_previewTotal += m_ttl ? progress.wouldChange : progress.matched;
        m_previewMatched += progress.matched;
        m_results->item(row, MatchedColumn)
            ->setText(m_ttl ? tr("%L1 (%L2 change)").arg(progress.matched).arg(progress.wouldChange)
                            : QLocale().toString(progress.matched));
        QStringList sample;
        for (const QByteArray& key : progress.sample)
            sample.append(model::displayBytes(key, 90));
        note->setText(progress.error ? tr("error: %1").arg(progress.error->errorMessage())
                                     : perNodeSummary() + sample.join(u"   "_s));
    } else {
        m_deletedTotal += progress.deleted;
        m_handledTotal += progress.matched;
        m_results->item(row, DeletedColumn)->setText(QLocale().toString(progress.deleted));
        if (progress.error)
            note->setText(
                tr("error: %1%2")
                    .arg(progress.error->errorMessage(),
                        progress.unconfirmed > 0 ? tr(" (up to %L1 more may be gone)").arg(progress.unconfirmed)
                                                 : QString()));
        else if (progress.cancelled)
            note->setText(tr("cancelled"));
        else
            note->setText(perNodeSummary() + tr("done"));
    }
    note->setToolTip(note->text());
}

void InvalidationDialog::onRunFinished(const ops::InvalidationReport& report)
{
    m_run.release()->deleteLater(); // we are inside its signal
    m_refusedRun = report.refusal.has_value();
    if (report.refusal) {
        m_problem = tr("Refused as a whole, nothing ran: %1").arg(report.refusal->message);
        if (report.refusal->targetIndex >= 0 && report.refusal->targetIndex < m_results->rowCount()) {
            QStandardItem* note = m_results->item(report.refusal->targetIndex, NoteColumn);
            note->setText(tr("refused: %1").arg(report.refusal->message));
            note->setToolTip(note->text());
            note->setForeground(QColor(0xb7, 0x1c, 0x1c));
        }
        m_previewTotal = 0;
        setPhase(m_dryRun ? Phase::Previewed : Phase::Done);
        Q_EMIT refused(report.refusal->message);
        return;
    }
    // Beside the count: the pattern that would match (with its count) first, so it shows in a narrow column; why,
    // after it and in the tooltip. The summary repeats the suggestion where it cannot be missed.
    QStringList suggestions;
    for (qsizetype row = 0; row < report.targets.size() && row < m_results->rowCount(); ++row) {
        QStringList lines;
        for (const ops::TargetWarning& w : report.warnings.value(row)) {
            QString line;
            if (!w.warning.suggestion.isEmpty()) {
                line = tr("try %1%2: ")
                           .arg(model::displayBytes(w.warning.suggestion),
                               w.suggestionMatched >= 0 ? tr(" (%L1 keys)").arg(w.suggestionMatched) : QString());
                suggestions.append(tr("%1 matches no gateway key — %2")
                                       .arg(model::displayBytes(report.targets.at(row).pattern), line.chopped(2)));
            }
            lines.append(line + w.warning.message);
        }
        if (lines.isEmpty())
            continue;
        QStandardItem* note = m_results->item(int(row), NoteColumn);
        note->setText(lines.join(u"  "_s));
        note->setToolTip(lines.join(u"\n"_s));
        note->setForeground(QColor(0xb7, 0x1c, 0x1c));
    }
    // Rows follow the request's targets; those after the last that ran are the report's notRun.
    for (int row = int(report.targets.size()); !report.notRun.isEmpty() && row < m_results->rowCount(); ++row) {
        if (m_results->item(row, NoteColumn)->text().isEmpty())
            m_results->item(row, NoteColumn)->setText(tr("not run"));
    }
    m_unconfirmedTotal = report.unconfirmed();
    m_skippedProtected = report.sum(&ops::InvalidationProgress::skippedProtected);
    if (!m_dryRun && !report.cancelled && report.error.isEmpty()) {
        m_progress->setMaximum(int(std::min<qint64>(std::max<qint64>(m_deletedTotal, 1), INT_MAX)));
        m_progress->setValue(m_progress->maximum()); // done is 100 %, whatever the preview counted
    }
    QStringList problems;
    if (!report.error.isEmpty())
        problems.append(tr("Stopped at a failure: %1").arg(report.error));
    for (const QString& auditError : report.auditErrors)
        problems.append(tr("The audit record could not be written: %1").arg(auditError));
    problems += suggestions;
    m_problem = problems.join(u"<br>"_s);
    if (m_dryRun) {
        setPhase(Phase::Previewed);
        Q_EMIT previewed(m_previewTotal);
    } else {
        setPhase(Phase::Done);
        Q_EMIT executed(m_deletedTotal);
    }
}

void InvalidationDialog::setPhase(Phase phase)
{
    m_phase = phase;
    switch (phase) {
    case Phase::Editing:
        m_summary->setText(tr("Preview first: nothing is changed before you have seen how many keys match."));
        break;
    case Phase::Previewing:
        m_summary->setText(tr("Counting matching keys (SCAN, nothing is changed)…"));
        break;
    case Phase::Previewed:
        m_summary->setText(m_refusedRun ? m_problem.toHtmlEscaped()
                : m_cancelled
                ? tr("Preview cancelled.")
                : (m_ttl ? tr("<b>%L1 of %L2 matching keys</b> would be %3. %4")
                               .arg(m_previewTotal)
                               .arg(m_previewMatched)
                         : tr("<b>%L1 keys</b> would be %2. %3").arg(m_previewTotal))
                        .arg(actionVerb(),
                            (m_skippedProtected > 0
                                    ? tr("%L1 protected keys (CacheScope's own: stats, tag indexes, config, audit, or "
                                         "yours) match too and are left alone. ")
                                          .arg(m_skippedProtected)
                                    : QString())
                                + (usesTags() && m_action == Action::Delete
                                        ? tr("Each tag's index is deleted too, last, once every entry it lists is; "
                                             "after a failure it is kept, so the tag can be run again. ")
                                        : QString())
                                + (m_safety.readOnly ? tr("This connection is read-only: writing is disabled.")
                                                     : QString()))
                    + (m_problem.isEmpty()
                            ? QString()
                            : u"<br>"_s + m_problem.toHtmlEscaped().replace(u"&lt;br&gt;"_s, u"<br>"_s)));
        break;
    case Phase::Deleting:
        m_summary->setText(m_action == Action::Delete
                ? tr("Deleting with SCAN + UNLINK… Cancel stops after the keys already sent.")
                : tr("Setting TTLs (SCAN, then one short script per key)… Cancel stops after the keys already sent."));
        break;
    case Phase::Done:
        m_summary->setText((m_cancelled ? tr("<b>Cancelled.</b> ") : QString())
            + tr("<b>%L1 keys %2</b> (counted from the server's replies).").arg(m_deletedTotal).arg(actionVerb())
            + (m_cancelled || !m_problem.isEmpty() || m_deletedTotal == m_previewedBeforeRun ? QString()
                    : m_deletedTotal > m_previewedBeforeRun
                    ? tr(" That is %L1 more than the %L2 previewed: keys written since the preview matched too.")
                          .arg(m_deletedTotal - m_previewedBeforeRun)
                          .arg(m_previewedBeforeRun)
                    : tr(" That is %L1 fewer than the %L2 previewed: keys expired or were deleted since.")
                          .arg(m_previewedBeforeRun - m_deletedTotal)
                          .arg(m_previewedBeforeRun))
            + (m_unconfirmedTotal > 0
                    ? tr(" Up to <b>%L1 more</b> may be %2: their writes were sent, the replies lost.")
                          .arg(m_unconfirmedTotal)
                          .arg(actionVerb())
                    : QString())
            + u' '
            + (m_problem.isEmpty() ? tr("The audit trail has the record.")
                                   : m_problem.toHtmlEscaped().replace(u"&lt;br&gt;"_s, u"<br>"_s)));
        break;
    }
    const bool confirm = phase == Phase::Previewed && needsTypedConfirmation() && !m_safety.readOnly;
    m_confirmLabel->setVisible(confirm);
    m_confirm->setVisible(confirm);
    m_confirmLabel->setText(tr("Production connection: type <b>%L1</b> to confirm:").arg(m_previewTotal));
    m_confirmLabel->setMinimumWidth(m_confirmLabel->sizeHint().width());
    m_progress->setVisible(phase == Phase::Deleting || phase == Phase::Done);
    updateButtons();
}

void InvalidationDialog::updateButtons()
{
    const bool busy = m_phase == Phase::Previewing || m_phase == Phase::Deleting;
    m_previewButton->setEnabled(!busy && !targets().isEmpty());
    const bool confirmed = !needsTypedConfirmation() || typedCountMatches();
    m_deleteButton->setEnabled(m_phase == Phase::Previewed && !m_safety.readOnly && m_previewTotal > 0 && confirmed);
    m_cancelButton->setVisible(busy);
    if (m_ttl) { // a count in flight is for the TTL it started with
        m_ttl->setEnabled(!busy);
        m_onlyShorten->setEnabled(!busy);
    }
    m_closeButton->setEnabled(!busy);
}

} // namespace cachescope::ui
