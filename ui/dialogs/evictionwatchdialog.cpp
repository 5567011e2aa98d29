#include "dialogs/evictionwatchdialog.h"

#include "itemmodels/evictionmodel.h"
#include "redis/client.h"

#include <QCheckBox>
#include <QCloseEvent>
#include <QComboBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSpinBox>
#include <QTableView>
#include <QVBoxLayout>

namespace cachescope::ui {

using namespace Qt::StringLiterals;
using analysis::Dimension;
using analysis::KeyEventWatch;

EvictionWatchDialog::EvictionWatchDialog(
    redis::Client* connection, const SafetyOptions& safety, model::RouteConfig routes, QWidget* parent)
    : QDialog(parent)
    , m_connection(connection)
    , m_safety(safety)
    , m_routes(std::move(routes))
    , m_model(new EvictionModel(this))
    , m_consent(new QCheckBox(tr("Turn keyevent notifications on while watching (restored afterwards, audited)"), this))
    , m_dimension(new QComboBox(this))
    , m_seconds(new QSpinBox(this))
    , m_start(new QPushButton(tr("&Watch"), this))
    , m_stop(new QPushButton(tr("&Stop"), this))
    , m_status(new QLabel(this))
    , m_totals(new QLabel(this))
    , m_table(new QTableView(this))
{
    setWindowTitle(tr("Expiries and evictions"));
    auto* intro = new QLabel(tr("What leaves the cache, by group: expired keys lived their TTL, evicted ones were "
                                "pushed out for maxmemory before it. From the server's keyevent notifications on "
                                "every master; nothing is read from the keys."),
        this);
    intro->setWordWrap(true);
    if (m_safety.readOnly) {
        m_consent->setChecked(false);
        m_consent->setEnabled(false);
        m_consent->setToolTip(tr("A read-only connection never changes the server's settings"));
    } else {
        m_consent->setToolTip(tr("Adds E, x and e to notify-keyspace-events for the watch only; puts the old value "
                                 "back when it stops (unless someone changed it meanwhile); both changes go to the "
                                 "audit trail"));
    }
    m_dimension->addItem(tr("Route"), int(Dimension::Route));
    m_dimension->addItem(tr("Tenant"), int(Dimension::Tenant));
    m_dimension->addItem(tr("Venue"), int(Dimension::Venue));
    m_dimension->addItem(tr("Namespace"), int(Dimension::Namespace));
    m_seconds->setRange(0, 24 * 3600);
    m_seconds->setValue(60);
    m_seconds->setSuffix(tr(" s"));
    m_seconds->setSpecialValueText(tr("until stopped"));
    m_stop->setEnabled(false);
    m_status->setWordWrap(true);
    m_totals->setWordWrap(true);
    m_status->setText(tr("Not watching."));

    auto* proxy = new QSortFilterProxyModel(this);
    proxy->setSourceModel(m_model);
    proxy->setSortRole(EvictionModel::SortRole);
    m_table->setModel(proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(EvictionModel::EvictedColumn, Qt::DescendingOrder);
    m_table->verticalHeader()->hide();
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(EvictionModel::GroupColumn, QHeaderView::Stretch);

    auto* controls = new QHBoxLayout;
    controls->addWidget(new QLabel(tr("By:"), this));
    controls->addWidget(m_dimension);
    controls->addWidget(new QLabel(tr("Stop after:"), this));
    controls->addWidget(m_seconds);
    controls->addStretch(1);
    controls->addWidget(m_start);
    controls->addWidget(m_stop);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(intro);
    layout->addWidget(m_consent);
    layout->addLayout(controls);
    layout->addWidget(m_status);
    layout->addWidget(m_table, 1);
    layout->addWidget(m_totals);
    resize(640, 480);

    connect(m_start, &QPushButton::clicked, this, &EvictionWatchDialog::start);
    connect(m_stop, &QPushButton::clicked, this, &EvictionWatchDialog::stop);
    connect(m_dimension, &QComboBox::currentIndexChanged, this, &EvictionWatchDialog::update);
    m_tick.setInterval(1000);
    connect(&m_tick, &QTimer::timeout, this, &EvictionWatchDialog::update);
    m_deadline.setSingleShot(true);
    connect(&m_deadline, &QTimer::timeout, this, &EvictionWatchDialog::stop);
}

EvictionWatchDialog::~EvictionWatchDialog() = default;

QString EvictionWatchDialog::totalsText() const
{
    return m_totals->text();
}

QString EvictionWatchDialog::statusText() const
{
    return m_status->text();
}

bool EvictionWatchDialog::isWatching() const
{
    return m_watch && m_watch->isRunning();
}

const KeyEventWatch::Report* EvictionWatchDialog::report() const
{
    return m_watch ? &m_watch->report() : nullptr;
}

void EvictionWatchDialog::start()
{
    if (!m_connection || isWatching())
        return;
    KeyEventWatch::Options options;
    options.mayChangeConfig = m_consent->isChecked() && !m_safety.readOnly;
    options.actor = m_safety.actor;
    options.routes = m_routes;
    m_watch = std::make_unique<KeyEventWatch>(m_connection, options);
    connect(m_watch.get(), &KeyEventWatch::started, this, [this] {
        m_status->setText(
            tr("Watching every master since %1…").arg(QLocale().toString(QTime::currentTime(), u"HH:mm:ss"_s)));
        m_tick.start();
        if (m_seconds->value() > 0)
            m_deadline.start(m_seconds->value() * 1000);
        Q_EMIT started();
    });
    connect(m_watch.get(), &KeyEventWatch::finished, this, [this] {
        m_tick.stop();
        m_deadline.stop();
        update();
        const KeyEventWatch::Report& report = m_watch->report();
        QString text = report.error.isEmpty()
            ? tr("Watched from %1 to %2.")
                  .arg(QLocale().toString(report.startedAt.toLocalTime().time(), u"HH:mm:ss"_s),
                      QLocale().toString(report.endedAt.toLocalTime().time(), u"HH:mm:ss"_s))
            : report.error;
        if (!report.configNote.isEmpty())
            text += u' ' + report.configNote + u'.';
        m_status->setText(text);
        m_start->setEnabled(true);
        m_stop->setEnabled(false);
        m_consent->setEnabled(!m_safety.readOnly);
        Q_EMIT finished();
        if (m_closeWhenFinished)
            close();
    });
    m_start->setEnabled(false);
    m_stop->setEnabled(true);
    m_consent->setEnabled(false);
    m_status->setText(tr("Starting…"));
    m_model->setCounts({});
    m_watch->start();
}

void EvictionWatchDialog::stop()
{
    if (isWatching())
        m_watch->stop();
}

void EvictionWatchDialog::update()
{
    if (!m_watch)
        return;
    const KeyEventWatch::Report& report = m_watch->report();
    m_model->setCounts(report.groups[std::size_t(m_dimension->currentData().toInt())]);
    const QLocale locale;
    QString text = tr("In all: %L1 expired, %L2 evicted (%3 % of what left was evicted)")
                       .arg(report.total.expired)
                       .arg(report.total.evicted)
                       .arg(locale.toString(report.total.evictedShare() * 100.0, 'f', 0));
    if (report.serverDelta)
        text += tr("; the server counted %L1 and %L2 (INFO, read around the watch)")
                    .arg(report.serverDelta->expired)
                    .arg(report.serverDelta->evicted);
    if (report.unattributed > 0)
        text += tr("; %L1 over the rate limit counted but not placed in a group").arg(report.unattributed);
    m_totals->setText(text + u'.');
}

void EvictionWatchDialog::closeEvent(QCloseEvent* event)
{
    // The setting must be put back before the watch goes: stop, and close once it has finished.
    if (isWatching()) {
        m_closeWhenFinished = true;
        m_status->setText(tr("Stopping and restoring the server's setting…"));
        stop();
        event->ignore();
        return;
    }
    QDialog::closeEvent(event);
}

} // namespace cachescope::ui
