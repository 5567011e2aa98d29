// cachescope: the dashboard. `cachescope` (profiles), `cachescope --connect redis://host:6379`, `--profile NAME`,
// or `cachescope --demo`.

#include "demoenvironment.h"
#include "dialogs/connectiondialog.h"
#include "feeds/keyspacefeed.h"
#include "itemmodels/keytreemodel.h"
#include "keychain/secretstore.h"
#include "mainwindow.h"
#include "widgets/keybrowser.h"
#include "widgets/livechartpane.h"
#include "widgets/routeeditorpane.h"

#include "ops/audit/audit.h"
#include "redis/client.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QFile>
#include <QIcon>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMessageBox>
#include <QSettings>
#include <QTextDocumentFragment>
#include <QTimer>

#include <atomic>
#include <csignal>

using namespace cachescope;
using namespace Qt::StringLiterals;

namespace {
// One window per server; the window owns its connection (its last child, so the panes go first).
ui::MainWindow* openWindow(redis::ConnectionOptions options, const ui::SafetyOptions& safety,
    const cache::HitRateAlertRule& alerts = {}, qint64 treeAggregateAbove = ui::KeyspaceFeed::defaultAggregateAbove);

// The profile dialog; accepted, it opens a window for the chosen server. `autoConnect` connects at once when
// the profile exists (--profile NAME) once its password has been read from the keychain.
void chooseConnection(QWidget* parent, const QString& profileName = {})
{
    static QSettings settings;
    static ui::SecretStore secrets;
    auto* dialog = new ui::ConnectionDialog(settings, secrets, parent);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    QObject::connect(dialog, &QDialog::accepted, dialog, [dialog] {
        openWindow(dialog->connectionOptions(), dialog->safetyOptions(), dialog->hitRateAlertRule(),
            dialog->treeAggregateAbove());
    });
    if (!profileName.isEmpty() && dialog->selectProfile(profileName))
        QObject::connect(dialog, &ui::ConnectionDialog::passwordLoaded, dialog, &QDialog::accept);
    dialog->show();
}

ui::MainWindow* openWindow(redis::ConnectionOptions options, const ui::SafetyOptions& safety,
    const cache::HitRateAlertRule& alerts, qint64 treeAggregateAbove)
{
    options.autoReconnect = true;
    options.retryInitialConnect = true; // the dashboard waits for a server that is starting
    // Read-only is enforced by the connection itself, not only by greyed-out buttons.
    options.readOnly = safety.readOnly;
    options.noTouch = true; // looking at keys must not make them look recently used (Redis 7.2+)
    redis::Client* connection = redis::Client::create(options).release(); // owned by the window below
    auto* window = new ui::MainWindow(connection, safety);
    window->setHitRateAlertRule(alerts);
    window->keyspace()->setAggregateAbove(treeAggregateAbove);
    window->setAttribute(Qt::WA_DeleteOnClose);
    connection->setParent(window);
    QObject::connect(window, &ui::MainWindow::connectRequested, window, [window] { chooseConnection(window); });
    window->show();
    connection->open();
    return window;
}
} // namespace

namespace {
std::atomic<bool> stopRequested {false};
void onStopSignal(int)
{
    stopRequested = true; // only an atomic store here: the event loop acts on it
}
} // namespace

namespace {
// Every option, for the dashboard and for --help/--version (answered before any display is needed).
void describeOptions(QCommandLineParser& parser)
{
    parser.setApplicationDescription(u"Browse, chart and safely invalidate a Redis-backed API cache. Without "
                                     "--connect, --profile or --demo (and without REDIS_URL) it opens the saved "
                                     "connection profiles."_s);
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addOptions({
        {u"connect"_s, u"Server URI: redis://[user[:password]@]host[:port][/db], rediss:// for TLS."_s, u"uri"_s},
        {u"profile"_s, u"Connect with this saved profile (password from the system keychain)."_s, u"name"_s},
        {u"demo"_s, u"Start a throwaway local redis-server, seed it and run cachesim traffic against it."_s},
        {u"cluster"_s, u"The --connect server is a Redis Cluster node: browse, chart and invalidate every master."_s},
        {u"read-only"_s, u"Disable every write action."_s},
        {u"production"_s, u"Mark the connection as production: broad deletions need the count typed."_s},
        {u"protect"_s, u"Another protected key pattern, never deleted (repeatable), e.g. 'session:*'."_s, u"pattern"_s},
        {u"tree-aggregate-above"_s,
            u"Above N keys the key tree counts every key and lists a sample per group; a group's keys are listed "
            "when it is opened and a filter runs on the server (default 1000000; 0: always)."_s,
            u"n"_s},
        {u"screenshot"_s, u"Save a screenshot of the window to FILE after --screenshot-delay ms, then quit."_s,
            u"file"_s},
        {u"screenshot-delay"_s, u"Milliseconds before the screenshot (default 8000)."_s, u"ms"_s},
        {u"state"_s,
            u"With --screenshot: also write what the window shows then as JSON to FILE (keys in the tree, "
            "gateway keys, chart samples, charted lookups)."_s,
            u"file"_s},
    });
}

bool asksForHelpOrVersion(int argc, char* argv[])
{
    for (int i = 1; i < argc; ++i) {
        const QByteArrayView argument(argv[i]);
        if (argument == "-h" || argument == "--help" || argument == "--help-all" || argument == "-v"
            || argument == "--version" || argument == "-?")
            return true;
    }
    return false;
}
} // namespace

int main(int argc, char* argv[])
{
    if (asksForHelpOrVersion(argc, argv)) {
        // No display needed to say how to start: a QCoreApplication answers and exits.
        QCoreApplication core(argc, argv);
        QCoreApplication::setApplicationName(u"CacheScope"_s);
        QCoreApplication::setApplicationVersion(QStringLiteral(CACHESCOPE_VERSION));
        QCommandLineParser parser;
        describeOptions(parser);
        parser.process(core);
        return 0;
    }
    QApplication app(argc, argv);
    // Ctrl-C and SIGTERM close the dashboard like its window would: destructors run, so a demo's redis-server and
    // cachesim are stopped with it instead of being left behind.
    std::signal(SIGINT, onStopSignal);
    std::signal(SIGTERM, onStopSignal);
    QTimer stopCheck;
    QObject::connect(&stopCheck, &QTimer::timeout, &app, [] {
        if (stopRequested.exchange(false))
            QApplication::quit();
    });
    stopCheck.start(100);
    QApplication::setApplicationName(u"CacheScope"_s);
    QApplication::setOrganizationName(u"CacheScope"_s);
    QApplication::setApplicationVersion(QStringLiteral(CACHESCOPE_VERSION));
    QApplication::setDesktopFileName(u"cachescope"_s);
    QApplication::setWindowIcon(QIcon(u":/icons/cachescope.svg"_s));

    QCommandLineParser parser;
    describeOptions(parser);
    parser.process(app);

    ui::SafetyOptions safety;
    safety.readOnly = parser.isSet(u"read-only"_s);
    safety.production = parser.isSet(u"production"_s);
    for (const QString& pattern : parser.values(u"protect"_s))
        safety.protectedPatterns.append(pattern.toUtf8());
    safety.actor = ops::defaultActor();

    const bool fromUrl =
        parser.isSet(u"connect"_s) || (!parser.isSet(u"profile"_s) && qEnvironmentVariableIsSet("REDIS_URL"));
    if (!parser.isSet(u"demo"_s) && !fromUrl) {
        chooseConnection(nullptr, parser.value(u"profile"_s));
        return app.exec();
    }

    redis::ConnectionOptions options;
    std::unique_ptr<app::DemoEnvironment> demo;
    if (parser.isSet(u"demo"_s)) {
        demo = std::make_unique<app::DemoEnvironment>();
        QString error;
        if (!demo->start(&error)) {
            QMessageBox::critical(nullptr, u"CacheScope"_s, u"The demo could not start: "_s + error);
            return 1;
        }
        options.port = demo->port();
    } else {
        const QString url = parser.isSet(u"connect"_s) ? parser.value(u"connect"_s) : qEnvironmentVariable("REDIS_URL");
        const redis::UrlParseResult parsed = redis::parseRedisUrl(url, options);
        if (!parsed.options) {
            QMessageBox::critical(nullptr, u"CacheScope"_s, u"Cannot use '%1': %2"_s.arg(url, parsed.error));
            return 2;
        }
        options = *parsed.options;
        options.cluster = parser.isSet(u"cluster"_s);
    }
    bool aggregateOk = true;
    const qint64 aggregateAbove = parser.isSet(u"tree-aggregate-above"_s)
        ? parser.value(u"tree-aggregate-above"_s).toLongLong(&aggregateOk)
        : ui::KeyspaceFeed::defaultAggregateAbove;
    if (!aggregateOk || aggregateAbove < 0) {
        QMessageBox::critical(nullptr, u"CacheScope"_s,
            u"--tree-aggregate-above needs a number of keys, 0 or more; got '%1'"_s.arg(
                parser.value(u"tree-aggregate-above"_s)));
        return 2;
    }
    ui::MainWindow* window = openWindow(options, safety, {}, aggregateAbove);
    if (demo) {
        // The demo's traffic starts from an empty cache, and on a busy machine later than one would think: look
        // again every few seconds until the tree holds gateway keys.
        window->keyBrowser()->setAutoRescanInterval(60); // and keep the demo's growing tree fresh
        auto* keyspace = window->keyspace();
        QObject::connect(keyspace, &ui::KeyspaceFeed::scanFinished, keyspace, [keyspace] {
            if (keyspace->wholeTree()->gatewayKeys() == 0)
                QTimer::singleShot(3000, keyspace, &ui::KeyspaceFeed::rescan);
        });
    }

    if (parser.isSet(u"screenshot"_s)) {
        const int delay =
            parser.value(u"screenshot-delay"_s).toInt() > 0 ? parser.value(u"screenshot-delay"_s).toInt() : 8000;
        QTimer::singleShot(
            delay, window, [window, path = parser.value(u"screenshot"_s), statePath = parser.value(u"state"_s)] {
                window->grab().save(path);
                if (!statePath.isEmpty()) {
                    qint64 charted = 0;
                    for (const ops::InfoSample& sample : window->liveCharts()->samples())
                        charted += sample.delta.hits + sample.delta.misses;
                    // What an engineer reads at that moment, beside the figures behind it.
                    const ui::KeyBrowser* browser = window->keyBrowser();
                    QJsonObject state {{u"treeKeys"_s, browser->feed()->wholeTree()->totalKeys()},
                        {u"gatewayKeys"_s, browser->feed()->wholeTree()->gatewayKeys()},
                        {u"chartSamples"_s, window->liveCharts()->sampleCount()}, {u"chartedLookups"_s, charted},
                        {u"connection"_s, window->connectionText()},
                        {u"headline"_s,
                            QTextDocumentFragment::fromHtml(window->liveCharts()->headline()).toPlainText()},
                        {u"headlineStale"_s, window->liveCharts()->isHeadlineStale()},
                        {u"treeStatus"_s, browser->statusText()},
                        {u"goneRows"_s, browser->feed()->shownTree()->goneKeys()}, {u"filter"_s, browser->filterText()},
                        {u"routeConfig"_s, window->routeEditor()->statusText()}, {u"tabs"_s, window->staleTabsText()}};
                    QFile file(statePath);
                    if (file.open(QIODevice::WriteOnly))
                        file.write(QJsonDocument(state).toJson(QJsonDocument::Compact));
                }
                QApplication::quit();
            });
    }
    return app.exec();
}
