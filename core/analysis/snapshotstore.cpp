#include "analysis/snapshotstore.h"

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

namespace cachescope::analysis {

using namespace Qt::StringLiterals;

namespace {
constexpr qint64 maxSnapshotBytes = 256 * 1024 * 1024; // far above any real one; a damaged file is not read whole

QString defaultDirectory()
{
    const QByteArray overridden = qgetenv("CACHESCOPE_ANALYSES_DIR");
    if (!overridden.isEmpty())
        return QString::fromLocal8Bit(overridden);
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + u"/analyses"_s;
}
} // namespace

SnapshotStore::SnapshotStore()
    : m_directory(defaultDirectory())
{
}

SnapshotStore::SnapshotStore(QString directory)
    : m_directory(std::move(directory))
{
}

bool SnapshotStore::isValidName(const QString& name)
{
    // Anchored whole: '$' alone would also match before a final newline, letting "a\n" name a file.
    static const QRegularExpression valid(QRegularExpression::anchoredPattern(u"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}"_s));
    return valid.match(name).hasMatch();
}

QString SnapshotStore::pathOf(const QString& name) const
{
    return m_directory + u'/' + name + u".json"_s;
}

bool SnapshotStore::save(const QString& name, const AnalysisReport& report, QString* error) const
{
    if (!isValidName(name)) {
        *error =
            u"\"%1\" is not a snapshot name: use letters, digits, '.', '_' and '-' (at most 64)"_s.arg(name.left(80));
        return false;
    }
    if (!QDir().mkpath(m_directory)) {
        *error = u"cannot create %1"_s.arg(m_directory);
        return false;
    }
    QSaveFile file(pathOf(name));
    if (!file.open(QIODevice::WriteOnly)) {
        *error = u"cannot write %1: %2"_s.arg(file.fileName(), file.errorString());
        return false;
    }
    file.write(QJsonDocument(report.toJson()).toJson(QJsonDocument::Compact));
    if (!file.commit()) {
        *error = u"cannot write %1: %2"_s.arg(file.fileName(), file.errorString());
        return false;
    }
    return true;
}

std::optional<AnalysisReport> SnapshotStore::load(const QString& name, QString* error) const
{
    if (!isValidName(name)) {
        *error = u"\"%1\" is not a snapshot name"_s.arg(name.left(80));
        return std::nullopt;
    }
    QFile file(pathOf(name));
    if (!file.open(QIODevice::ReadOnly)) {
        *error = file.exists() ? u"cannot read %1: %2"_s.arg(file.fileName(), file.errorString())
                               : u"no snapshot named \"%1\" in %2"_s.arg(name, m_directory);
        return std::nullopt;
    }
    if (file.size() > maxSnapshotBytes) {
        *error = u"%1 is too large to be a snapshot"_s.arg(file.fileName());
        return std::nullopt;
    }
    QJsonParseError parseError;
    const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &parseError);
    if (!document.isObject()) {
        *error = u"%1 is not a snapshot: %2"_s.arg(file.fileName(), parseError.errorString());
        return std::nullopt;
    }
    QString why;
    auto report = AnalysisReport::fromJson(document.object(), &why);
    if (!report)
        *error = u"%1 is not a snapshot: %2"_s.arg(file.fileName(), why);
    return report;
}

QStringList SnapshotStore::names() const
{
    QStringList names;
    const QStringList files = QDir(m_directory).entryList({u"*.json"_s}, QDir::Files, QDir::Name);
    for (const QString& file : files) {
        const QString name = file.chopped(5);
        if (isValidName(name))
            names.append(name);
    }
    return names;
}

} // namespace cachescope::analysis
