#include "dialogs/connectiondialog.h"

#include "keychain/secretstore.h"

#include "ops/audit/audit.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPointer>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QSpinBox>
#include <QStringListModel>
#include <QVBoxLayout>

namespace cachescope::ui {

namespace {
// A scroll area that asks for its content's whole size (QScrollArea asks for at most 24 lines), and can still be
// made as small as a few lines.
class FittingScrollArea : public QScrollArea
{
public:
    using QScrollArea::QScrollArea;
    QSize sizeHint() const override
    {
        return widget() ? widget()->sizeHint() + QSize(verticalScrollBar()->sizeHint().width(), 0)
                        : QScrollArea::sizeHint();
    }
    QSize minimumSizeHint() const override
    {
        return {widget() ? widget()->minimumSizeHint().width() : 0, 160};
    }
};
} // namespace

using namespace Qt::StringLiterals;

namespace {
QWidget* withBrowseButton(QLineEdit* edit, const QString& title, QWidget* parent)
{
    auto* row = new QWidget(parent);
    auto* layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* browse = new QPushButton(QObject::tr("…"), row);
    browse->setMaximumWidth(32);
    layout->addWidget(edit, 1);
    layout->addWidget(browse);
    QObject::connect(browse, &QPushButton::clicked, edit, [edit, title] {
        const QString path = QFileDialog::getOpenFileName(
            edit, title, edit->text(), QObject::tr("PEM files (*.pem *.crt *.key);;All files (*)"));
        if (!path.isEmpty())
            edit->setText(path);
    });
    return row;
}
} // namespace

ConnectionDialog::ConnectionDialog(QSettings& settings, SecretStore& secrets, QWidget* parent)
    : QDialog(parent)
    , m_settings(settings)
    , m_secrets(secrets)
    , m_names(new QStringListModel(this))
    , m_list(new QListView(this))
    , m_name(new QLineEdit(this))
    , m_host(new QLineEdit(this))
    , m_port(new QSpinBox(this))
    , m_database(new QSpinBox(this))
    , m_user(new QLineEdit(this))
    , m_password(new QLineEdit(this))
    , m_rememberPassword(new QCheckBox(tr("Remember in the system keychain"), this))
    , m_tls(new QCheckBox(tr("Use TLS"), this))
    , m_caFile(new QLineEdit(this))
    , m_certFile(new QLineEdit(this))
    , m_keyFile(new QLineEdit(this))
    , m_serverName(new QLineEdit(this))
    , m_cluster(new QCheckBox(tr("Redis Cluster: this is one node, find the others"), this))
    , m_readOnly(new QCheckBox(tr("Read-only: every write is refused, in the client itself"), this))
    , m_production(new QCheckBox(tr("Production: broad deletions need the count typed"), this))
    , m_protected(new QLineEdit(this))
    , m_alertDrop(new QSpinBox(this))
    , m_alertFloor(new QSpinBox(this))
    , m_alertMinLookups(new QSpinBox(this))
    , m_treeAggregateAbove(new QSpinBox(this))
    , m_status(new QLabel(this))
    , m_test(new QPushButton(tr("&Test connection"), this))
    , m_connect(new QPushButton(tr("&Connect"), this))
{
    setWindowTitle(tr("Connect to Redis — CacheScope"));
    m_list->setModel(m_names);
    m_list->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_list->setMaximumWidth(200);
    m_port->setRange(1, 65535);
    m_port->setValue(6379);
    m_database->setRange(0, 15);
    connect(m_cluster, &QCheckBox::toggled, this, [this](bool cluster) {
        if (cluster) // a cluster has only database 0
            m_database->setValue(0);
        m_database->setEnabled(!cluster);
    });
    m_password->setEchoMode(QLineEdit::Password);
    m_rememberPassword->setObjectName(u"rememberPassword"_s);
    m_rememberPassword->setChecked(true);
    m_secrets.checkAvailable(this, [this](bool available, const QString& why) {
        if (!available)
            keychainMissing(why);
        else
            m_keychainAvailable = true;
    });
    m_user->setPlaceholderText(tr("default"));
    m_caFile->setPlaceholderText(tr("system trust store"));
    m_serverName->setPlaceholderText(tr("the host name"));
    m_protected->setPlaceholderText(tr("e.g. session:*, payments:*"));
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->setMinimumHeight(40);

    auto* server = new QGroupBox(tr("Server"), this);
    auto* serverForm = new QFormLayout(server);
    serverForm->addRow(tr("Profile name:"), m_name);
    serverForm->addRow(tr("Host:"), m_host);
    serverForm->addRow(tr("Port:"), m_port);
    serverForm->addRow(QString(), m_cluster);
    serverForm->addRow(tr("Database:"), m_database);
    serverForm->addRow(tr("ACL user:"), m_user);
    serverForm->addRow(tr("Password:"), m_password);
    serverForm->addRow(QString(), m_rememberPassword);
    auto* tls = new QGroupBox(tr("TLS"), this);
    auto* tlsForm = new QFormLayout(tls);
    tlsForm->addRow(QString(), m_tls);
    tlsForm->addRow(tr("CA certificate:"), withBrowseButton(m_caFile, tr("CA certificate"), this));
    tlsForm->addRow(tr("Client certificate:"), withBrowseButton(m_certFile, tr("Client certificate"), this));
    tlsForm->addRow(tr("Client key:"), withBrowseButton(m_keyFile, tr("Client key"), this));
    tlsForm->addRow(tr("Server name:"), m_serverName);
    auto* safety = new QGroupBox(tr("Safety"), this);
    auto* safetyForm = new QFormLayout(safety);
    safetyForm->addRow(m_readOnly);
    safetyForm->addRow(m_production);
    safetyForm->addRow(tr("Protected patterns:"), m_protected);
    // Hit-rate alerts: relative to each route's and tenant's own last hour, and an optional floor.
    m_alertDrop->setRange(0, 100);
    m_alertDrop->setSuffix(tr(" % of its last hour"));
    m_alertDrop->setSpecialValueText(tr("off"));
    m_alertDrop->setToolTip(tr("Flag a route or tenant whose hit rate over 5 minutes falls below this share of its "
                               "own rate over the hour before (with at least the lookups set beside it in the 5 "
                               "minutes)."));
    m_alertFloor->setRange(0, 100);
    m_alertFloor->setSuffix(tr(" %"));
    m_alertFloor->setPrefix(tr("or below "));
    m_alertFloor->setSpecialValueText(tr("no floor"));
    m_alertFloor->setToolTip(tr("Also flag any route or tenant whose hit rate over 5 minutes is below this."));
    auto* alertRow = new QHBoxLayout;
    alertRow->addWidget(m_alertDrop, 1);
    alertRow->addWidget(m_alertFloor, 1);
    m_alertMinLookups->setRange(1, 1'000'000);
    m_alertMinLookups->setPrefix(tr("with ≥ "));
    m_alertMinLookups->setSuffix(tr(" lookups"));
    m_alertMinLookups->setGroupSeparatorShown(true);
    m_alertMinLookups->setToolTip(tr("A route or tenant is judged once it has this many lookups in the 5 minutes: "
                                     "fewer say too little to flag it."));
    alertRow->addWidget(m_alertMinLookups, 1);
    safetyForm->addRow(tr("Hit-rate alerts:"), alertRow);
    m_treeAggregateAbove->setRange(0, 2'000'000'000);
    m_treeAggregateAbove->setSingleStep(100'000);
    m_treeAggregateAbove->setGroupSeparatorShown(true);
    m_treeAggregateAbove->setPrefix(tr("above "));
    m_treeAggregateAbove->setSuffix(tr(" keys"));
    m_treeAggregateAbove->setSpecialValueText(tr("always"));
    m_treeAggregateAbove->setToolTip(tr("Above this many keys the key tree counts every key but lists a sample of "
                                        "each group (its keys are listed when it is opened), and a filter runs on the "
                                        "server: memory stays bounded and the window never freezes."));
    safetyForm->addRow(tr("Key tree samples groups:"), m_treeAggregateAbove);

    auto* newButton = new QPushButton(tr("&New"), this);
    auto* deleteButton = new QPushButton(tr("De&lete"), this);
    auto* saveButton = new QPushButton(tr("&Save profile"), this);
    auto* cancelButton = new QPushButton(tr("Cancel"), this);
    m_connect->setDefault(true);

    auto* left = new QVBoxLayout;
    left->addWidget(new QLabel(tr("Profiles:"), this));
    left->addWidget(m_list, 1);
    auto* listButtons = new QHBoxLayout;
    listButtons->addWidget(newButton);
    listButtons->addWidget(deleteButton);
    left->addLayout(listButtons);
    // The settings scroll when the screen is short (1024×640 leaves less than the form's height); on a larger one
    // the dialog opens as tall as the form.
    auto* form = new QWidget(this);
    auto* formLayout = new QVBoxLayout(form);
    formLayout->setContentsMargins(0, 0, 0, 0);
    formLayout->addWidget(server);
    formLayout->addWidget(tls);
    formLayout->addWidget(safety);
    formLayout->addStretch(1);
    auto* scroll = new FittingScrollArea(this);
    scroll->setWidget(form);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    auto* right = new QVBoxLayout;
    right->addWidget(scroll, 1);
    right->addWidget(m_status);
    auto* columns = new QHBoxLayout;
    columns->addLayout(left);
    columns->addLayout(right, 1);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_test);
    buttons->addWidget(saveButton);
    buttons->addStretch(1);
    buttons->addWidget(cancelButton);
    buttons->addWidget(m_connect);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(columns, 1);
    layout->addLayout(buttons);

    connect(newButton, &QPushButton::clicked, this, &ConnectionDialog::newProfile);
    connect(deleteButton, &QPushButton::clicked, this, &ConnectionDialog::deleteProfile);
    connect(saveButton, &QPushButton::clicked, this, &ConnectionDialog::saveProfile);
    connect(m_test, &QPushButton::clicked, this, &ConnectionDialog::testConnection);
    connect(cancelButton, &QPushButton::clicked, this, &QDialog::reject);
    connect(m_connect, &QPushButton::clicked, this, [this] {
        const QStringList problems = profile().validate();
        if (!problems.isEmpty()) {
            showStatus(problems.join(u'\n'), true);
            return;
        }
        accept();
    });
    connect(m_tls, &QCheckBox::toggled, this, &ConnectionDialog::updateTlsFields);
    connect(m_list->selectionModel(), &QItemSelectionModel::currentChanged, this, &ConnectionDialog::loadSelected);

    m_profiles = profiles::loadProfiles(m_settings);
    QStringList names;
    for (const auto& saved : std::as_const(m_profiles))
        names.append(saved.name);
    m_names->setStringList(names);
    if (m_profiles.isEmpty())
        newProfile();
    else
        m_list->setCurrentIndex(m_names->index(0));
    updateTlsFields();
    resize(820, 640);
}

QStringList ConnectionDialog::profileNames() const
{
    return m_names->stringList();
}

bool ConnectionDialog::selectProfile(const QString& name)
{
    const int row = int(m_names->stringList().indexOf(name));
    if (row < 0)
        return false;
    m_list->setCurrentIndex(m_names->index(row));
    return true;
}

void ConnectionDialog::setProfile(const profiles::ConnectionProfile& profile, const QString& password)
{
    m_name->setText(profile.name);
    m_host->setText(profile.host);
    m_port->setValue(profile.port);
    m_database->setValue(profile.database);
    m_user->setText(profile.username);
    m_password->setText(password);
    m_tls->setChecked(profile.tls);
    m_caFile->setText(profile.caFile);
    m_certFile->setText(profile.certFile);
    m_keyFile->setText(profile.keyFile);
    m_serverName->setText(profile.serverName);
    m_cluster->setChecked(profile.cluster);
    m_readOnly->setChecked(profile.readOnly);
    m_production->setChecked(profile.production);
    m_alertDrop->setValue(profile.alertDropPercent);
    m_alertFloor->setValue(profile.alertFloorPercent);
    m_alertMinLookups->setValue(profile.alertMinLookups);
    m_treeAggregateAbove->setValue(int(std::min<qint64>(profile.treeAggregateAbove, 2'000'000'000)));
    QStringList patterns;
    for (const QByteArray& pattern : profile.protectedPatterns)
        patterns.append(QString::fromUtf8(pattern));
    m_protected->setText(patterns.join(u", "_s));
    updateTlsFields();
}

profiles::ConnectionProfile ConnectionDialog::profile() const
{
    profiles::ConnectionProfile profile;
    profile.name = m_name->text().trimmed();
    profile.host = m_host->text().trimmed();
    profile.port = quint16(m_port->value());
    profile.database = m_database->value();
    profile.username = m_user->text().trimmed();
    profile.tls = m_tls->isChecked();
    profile.caFile = m_caFile->text().trimmed();
    profile.certFile = m_certFile->text().trimmed();
    profile.keyFile = m_keyFile->text().trimmed();
    profile.serverName = m_serverName->text().trimmed();
    profile.cluster = m_cluster->isChecked();
    profile.readOnly = m_readOnly->isChecked();
    profile.production = m_production->isChecked();
    profile.alertDropPercent = m_alertDrop->value();
    profile.alertFloorPercent = m_alertFloor->value();
    profile.alertMinLookups = m_alertMinLookups->value();
    profile.treeAggregateAbove = m_treeAggregateAbove->value();
    const QStringList patterns = m_protected->text().split(u',', Qt::SkipEmptyParts);
    for (const QString& pattern : patterns) {
        if (!pattern.trimmed().isEmpty())
            profile.protectedPatterns.append(pattern.trimmed().toUtf8());
    }
    return profile;
}

redis::ConnectionOptions ConnectionDialog::connectionOptions() const
{
    return profile().toOptions(m_password->text());
}

SafetyOptions ConnectionDialog::safetyOptions() const
{
    const profiles::ConnectionProfile current = profile();
    SafetyOptions safety;
    safety.readOnly = current.readOnly;
    safety.production = current.production;
    safety.protectedPatterns = current.protectedPatterns;
    safety.actor = ops::defaultActor();
    return safety;
}

qint64 ConnectionDialog::treeAggregateAbove() const
{
    return profile().treeAggregateAbove;
}

cache::HitRateAlertRule ConnectionDialog::hitRateAlertRule() const
{
    const profiles::ConnectionProfile current = profile();
    cache::HitRateAlertRule rule;
    rule.dropBelow = current.alertDropPercent / 100.0;
    rule.floor = current.alertFloorPercent / 100.0;
    rule.minLookups = current.alertMinLookups;
    return rule;
}

QString ConnectionDialog::statusText() const
{
    return m_status->text();
}

void ConnectionDialog::showStatus(const QString& text, bool error)
{
    m_status->setStyleSheet(error ? u"color: #b71c1c;"_s : u"color: #1b5e20;"_s);
    m_status->setText(text);
}

void ConnectionDialog::keychainMissing(const QString& why)
{
    m_keychainAvailable = false;
    m_rememberPassword->setChecked(false);
    m_rememberPassword->setEnabled(false);
    m_rememberPassword->setText(tr("No system keychain here: the password is used for this session only"));
    m_rememberPassword->setToolTip(why);
}

void ConnectionDialog::updateTlsFields()
{
    for (QLineEdit* edit : {m_caFile, m_certFile, m_keyFile})
        edit->parentWidget()->setEnabled(m_tls->isChecked()); // the row, with its browse button
    m_serverName->setEnabled(m_tls->isChecked());
}

void ConnectionDialog::loadSelected()
{
    const int row = m_list->currentIndex().row();
    if (row < 0 || row >= m_profiles.size())
        return;
    const profiles::ConnectionProfile& selected = m_profiles.at(row);
    setProfile(selected, QString());
    m_status->clear();
    if (m_keychainAvailable == false) {
        m_password->setPlaceholderText(tr("no keychain here: type it"));
        Q_EMIT passwordLoaded();
        return;
    }
    m_password->setPlaceholderText(tr("reading the keychain…"));
    m_secrets.readPassword(selected.name, this,
        [this, name = selected.name](std::optional<QString> password, const QString& error, bool noKeychain) {
            if (m_name->text() != name)
                return; // another profile was selected meanwhile
            if (password)
                m_password->setText(*password);
            if (noKeychain) {
                keychainMissing(error); // said once, beside the checkbox: nothing went wrong with this profile
                m_password->setPlaceholderText(tr("no keychain here: type it"));
            } else {
                m_password->setPlaceholderText(error.isEmpty() ? tr("none stored") : tr("not available: type it"));
                if (!error.isEmpty())
                    showStatus(tr("Password not read: %1.").arg(error), true);
            }
            Q_EMIT passwordLoaded();
        });
}

void ConnectionDialog::newProfile()
{
    m_list->clearSelection();
    m_list->setCurrentIndex({});
    profiles::ConnectionProfile fresh;
    fresh.name = tr("New connection");
    setProfile(fresh, QString());
    m_password->setPlaceholderText(QString());
    m_name->setFocus();
    m_name->selectAll();
}

void ConnectionDialog::deleteProfile()
{
    const int row = m_list->currentIndex().row();
    if (row < 0 || row >= m_profiles.size())
        return;
    m_secrets.removePassword(m_profiles.at(row).name);
    m_profiles.removeAt(row);
    m_names->removeRow(row);
    profiles::saveProfiles(m_settings, m_profiles);
    if (m_profiles.isEmpty())
        newProfile();
}

bool ConnectionDialog::saveProfile()
{
    const profiles::ConnectionProfile current = profile();
    const QStringList problems = current.validate();
    if (!problems.isEmpty()) {
        showStatus(tr("Not saved:\n%1").arg(problems.join(u'\n')), true);
        return false;
    }
    const auto existing = std::find_if(m_profiles.begin(), m_profiles.end(),
        [&current](const profiles::ConnectionProfile& p) { return p.name == current.name; });
    int row = 0;
    if (existing != m_profiles.end()) {
        *existing = current;
        row = int(existing - m_profiles.begin());
    } else {
        m_profiles.append(current);
        row = int(m_profiles.size() - 1);
        m_names->insertRow(row);
        m_names->setData(m_names->index(row), current.name);
    }
    profiles::saveProfiles(m_settings, m_profiles);
    {
        const QSignalBlocker blocker(m_list->selectionModel()); // the form already shows it; keep the typed password
        m_list->setCurrentIndex(m_names->index(row));
    }
    showStatus(tr("Profile \"%1\" saved.").arg(current.name), false);
    if (m_keychainAvailable == false && !m_password->text().isEmpty()) {
        showStatus(tr("Profile \"%1\" saved. Its password is not: there is no system keychain here, and it is never "
                      "written to the settings file; type it when you connect.")
                       .arg(current.name),
            false);
        Q_EMIT passwordStored(false, tr("no system keychain"));
        return true;
    }
    if (!m_rememberPassword->isChecked() || m_password->text().isEmpty()) {
        if (m_keychainAvailable != false)
            m_secrets.removePassword(current.name);
        return true;
    }
    m_secrets.writePassword(current.name, m_password->text(), this, [this, name = current.name](const QString& error) {
        if (error.isEmpty())
            showStatus(tr("Profile \"%1\" saved; its password is in the system keychain.").arg(name), false);
        else
            showStatus(tr("Profile \"%1\" saved, but not its password: %2. It is never written to the settings "
                          "file; type it when you connect.")
                           .arg(name, error),
                true);
        Q_EMIT passwordStored(error.isEmpty(), error);
    });
    return true;
}

void ConnectionDialog::testConnection()
{
    const QStringList problems = profile().validate();
    if (!problems.isEmpty()) {
        showStatus(problems.join(u'\n'), true);
        return;
    }
    const quint64 ticket = m_probes.next();
    const redis::ConnectionOptions options = connectionOptions();
    showStatus(tr("Connecting to %1…").arg(options.displayName()), false);
    m_test->setEnabled(false);
    ops::probeServer(options, this, [this, ticket, database = options.database](const ops::ServerProbe& probe) {
        if (!m_probes.isCurrent(ticket))
            return;
        m_test->setEnabled(true);
        showStatus(
            probe.ok ? tr("Connected: %1").arg(probe.summary(database)) : tr("Failed: %1").arg(probe.error), !probe.ok);
        Q_EMIT tested(probe);
    });
}

} // namespace cachescope::ui
