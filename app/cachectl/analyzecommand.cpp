#include "analyzecommand.h"

#include "cliresult.h"

#include "analysis/analysisdiff.h"
#include "analysis/analysishitrates.h"
#include "analysis/snapshotstore.h"
#include "model/displaybytes.h"
#include "model/ttltext.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QLocale>

#include <algorithm>
#include <cmath>

namespace cachescope::cli {

using namespace Qt::StringLiterals;
using analysis::AnalysisReport;
using analysis::Dimension;
using analysis::GroupFigures;
using analysis::TtlBucket;

namespace {
QString percent(double share)
{
    return QString::number(std::lround(100 * share)) + u'%';
}

QString cell(const QString& text, int width, bool right = true)
{
    return right ? text.rightJustified(width) : text.leftJustified(width, u' ', true);
}

QString signedBytes(double bytes)
{
    return (bytes >= 0 ? u"+"_s : u"-"_s) + analysis::describeBytes(std::abs(bytes));
}

QString rateText(const std::optional<double>& rate)
{
    return rate ? QString::number(100 * *rate, 'f', 1) + u'%' : u"–"_s;
}
} // namespace

AnalyzeCommand::AnalyzeCommand(redis::Client* client, Options options, QTextStream& out, QTextStream& err)
    : m_client(client)
    , m_options(std::move(options))
    , m_out(out)
    , m_err(err)
    , m_analysis(client, m_options.analysis)
{
    connect(&m_analysis, &analysis::KeyspaceAnalysis::progressed, this, [this] {
        if (!m_analysis.isRunning())
            return;
        const AnalysisReport& report = m_analysis.report();
        m_err << "\ranalysed " << QLocale().toString(report.total.keys) << " keys, measured "
              << QLocale().toString(report.total.measured);
        if (report.scannedFraction() > 0)
            m_err << " (" << percent(report.scannedFraction()) << " of " << QLocale().toString(report.keyspaceSize)
                  << ")";
        m_err << "   " << Qt::flush;
    });
    connect(&m_analysis, &analysis::KeyspaceAnalysis::finished, this, &AnalyzeCommand::onAnalysisFinished);
}

void AnalyzeCommand::start()
{
    m_analysis.start();
}

void AnalyzeCommand::cancel()
{
    m_analysis.cancel();
}

void AnalyzeCommand::onAnalysisFinished()
{
    m_err << '\r' << QString(60, u' ') << '\r' << Qt::flush;
    const AnalysisReport& finished = m_analysis.report();
    if (!finished.complete) {
        m_err << "cachectl analyze: stopped after " << finished.total.keys << " keys: " << finished.error << '\n';
        Q_EMIT this->finished(finished.error == u"cancelled"_s ? ExitInterrupted : ExitFailure);
        return;
    }
    // Hit rates from the stats, for the table and for comparing snapshots later; without stats, none.
    auto report = std::make_shared<AnalysisReport>(finished);
    analysis::attachHitRates(*m_client, *report, this, [this, report](const QString&) {
        if (!m_options.saveAs.isEmpty()) {
            QString error;
            if (!analysis::SnapshotStore().save(m_options.saveAs, *report, &error)) {
                m_err << "cachectl analyze: " << error << '\n';
                Q_EMIT this->finished(ExitFailure);
                return;
            }
            m_err << "saved as \"" << m_options.saveAs << "\"\n";
        }
        print(*report);
        Q_EMIT this->finished(ExitOk);
    });
}

void AnalyzeCommand::print(const AnalysisReport& report)
{
    if (m_options.json)
        m_out << QJsonDocument(report.toJson()).toJson(QJsonDocument::Indented);
    else if (m_options.csv)
        m_out << report.toCsv(m_options.by);
    else
        printAnalysis(report, m_options.by, m_options.rows, m_out);
    m_out.flush();
}

void printAnalysis(const AnalysisReport& report, Dimension by, int rows, QTextStream& out)
{
    const QLocale locale;
    const double seconds = double(report.startedAt.msecsTo(report.finishedAt)) / 1000;
    out << "Analysis of " << report.server << ", "
        << (report.match.isEmpty() ? u"every key"_s : u"keys matching "_s + model::displayBytes(report.match)) << ": "
        << locale.toString(report.total.keys) << " keys, " << locale.toString(report.total.measured) << " measured";
    if (report.sampleEvery > 1)
        out << " (1 in " << report.sampleEvery << "; memory ≈ with its 95 % interval)";
    out << ", " << QString::number(seconds, 'f', 1) << " s\n";
    if (!report.ttlMeasured)
        out << "Memory: " << analysis::describeBytesEstimate(report.bytesEstimate(report.total))
            << "; TTLs not read (--no-ttl): no figures for when it is freed or for missing TTLs\n";
    else
        out << "Memory: " << analysis::describeBytesEstimate(report.bytesEstimate(report.total))
            << "; freed within 1 h "
            << analysis::describeBytes(report.ttlBytesEstimate(report.total, TtlBucket::WithinHour)) << ", 4 h "
            << analysis::describeBytes(report.ttlBytesEstimate(report.total, TtlBucket::WithinFourHours)) << ", 24 h "
            << analysis::describeBytes(report.ttlBytesEstimate(report.total, TtlBucket::WithinDay)) << ", later "
            << analysis::describeBytes(report.ttlBytesEstimate(report.total, TtlBucket::Later)) << ", never "
            << analysis::describeBytes(report.ttlBytesEstimate(report.total, TtlBucket::Never)) << '\n';
    if (report.unmeasured > 0)
        out << locale.toString(report.unmeasured) << " keys were gone before they could be measured\n";
    out << '\n';

    QList<std::pair<QByteArray, const GroupFigures*>> groups;
    for (auto it = report.by(by).cbegin(); it != report.by(by).cend(); ++it)
        groups.append({it.key(), &*it});
    // Groups come from a hash: equal estimates (groups a sample missed) are ordered by label, the same every run.
    std::sort(groups.begin(), groups.end(), [&report](const auto& a, const auto& b) {
        const double aBytes = report.bytesEstimate(*a.second).value;
        const double bBytes = report.bytesEstimate(*b.second).value;
        return aBytes != bBytes ? aBytes > bBytes : a.first < b.first;
    });
    const qsizetype shown = rows > 0 ? std::min<qsizetype>(rows, groups.size()) : groups.size();
    const auto& rates = report.hitRates[std::size_t(by)];
    out << cell(u"by "_s + analysis::dimensionName(by), 36, false) << cell(u"keys"_s, 12) << cell(u"memory"_s, 22)
        << cell(u"≤1h"_s, 6) << cell(u"≤4h"_s, 6) << cell(u"≤24h"_s, 6) << cell(u"later"_s, 6) << cell(u"never"_s, 6)
        << cell(u"must-expire"_s, 12) << cell(u"hit rate"_s, 9) << '\n';
    for (qsizetype i = 0; i < shown; ++i) {
        const GroupFigures& group = *groups.at(i).second;
        const double bytes = report.bytesEstimate(group).value;
        out << cell(model::displayBytes(groups.at(i).first), 36, false)
            << cell(analysis::describeCountEstimate(report.keysEstimate(group)), 12)
            << cell(analysis::describeGroupBytes(report, group), 22);
        for (int b = 0; b < analysis::ttlBucketCount; ++b)
            out << cell(bytes > 0 && report.ttlMeasured ? percent(report.ttlBytesEstimate(group, TtlBucket(b)) / bytes)
                                                        : u"–"_s,
                6);
        const auto rate = rates.constFind(groups.at(i).first);
        out << cell(locale.toString(group.persistentAgainstRules), 12)
            << cell(rateText(rate == rates.cend() ? std::nullopt : std::optional<double>(*rate)), 9) << '\n';
    }
    if (shown < groups.size())
        out << "… " << groups.size() - shown << " more (--rows 0 shows every one)\n";
    out << "(must-expire: measured keys without a TTL where the rules give one; hit rate: last hour, from the stats)\n";

    out << "\nBiggest keys of the largest groups by " << analysis::dimensionName(by) << '\n';
    for (qsizetype i = 0; i < std::min<qsizetype>(5, shown); ++i) {
        if (groups.at(i).second->biggest.isEmpty())
            continue;
        out << "  " << model::displayBytes(groups.at(i).first) << '\n';
        for (const analysis::BigKey& big : groups.at(i).second->biggest.mid(0, 3))
            out << "    " << cell(analysis::describeBytes(double(big.bytes)), 11) << "  "
                << cell((big.pttlMs < -2 ? u"–"_s : model::describeTtlShort(big.pttlMs)), 9) << "  "
                << model::displayBytes(big.key, 120) << '\n';
    }

    struct Offender
    {
        QByteArray label;
        QByteArray parameter;
        const analysis::DistinctValues* values;
    };
    QList<Offender> offenders;
    for (Dimension dimension : {Dimension::Route, Dimension::Tenant}) {
        if (dimension == Dimension::Tenant && by != Dimension::Tenant)
            continue;
        for (auto it = report.by(dimension).cbegin(); it != report.by(dimension).cend(); ++it) {
            for (auto v = it->variants.cbegin(); v != it->variants.cend(); ++v)
                offenders.append({it.key(), v.key(), &*v});
        }
    }
    std::sort(offenders.begin(), offenders.end(), [](const Offender& a, const Offender& b) {
        if (a.values->count != b.values->count)
            return a.values->count > b.values->count;
        return a.label != b.label ? a.label < b.label : a.parameter < b.parameter;
    });
    if (!offenders.isEmpty()) {
        out << "\nVariant explosion: distinct values per vary-by parameter (user: private entries)\n";
        for (qsizetype i = 0; i < std::min<qsizetype>(8, offenders.size()); ++i)
            out << "  "
                << cell(locale.toString(offenders.at(i).values->count)
                           + (offenders.at(i).values->capped ? u"+"_s : u""_s),
                       10)
                << "  " << model::displayBytes(offenders.at(i).label) << " · "
                << model::displayBytes(offenders.at(i).parameter) << '\n';
    }
    if (report.total.persistentAgainstRules > 0) {
        out << "\n"
            << locale.toString(report.total.persistentAgainstRules)
            << " measured keys have no expiry although the rules give them one, e.g.:\n";
        for (const QByteArray& key : report.persistentSamples)
            out << "  " << model::displayBytes(key, 120) << '\n';
    }
}

void printAnalysisDiff(const analysis::AnalysisDiff& diff, int rows, QTextStream& out)
{
    const QLocale locale;
    if (!diff.caveat.isEmpty())
        out << "Note: " << diff.caveat << "\n";
    out << "Total: " << analysis::describeBytes(diff.total.bytesBefore) << " → "
        << analysis::describeBytes(diff.total.bytesAfter) << " (" << signedBytes(diff.total.bytesGrowth()) << "), keys "
        << locale.toString(qint64(std::llround(diff.total.keysBefore))) << " → "
        << locale.toString(qint64(std::llround(diff.total.keysAfter))) << "\n\n";
    out << cell(u"by "_s + analysis::dimensionName(diff.dimension), 36, false) << cell(u"memory then"_s, 12)
        << cell(u"now"_s, 12) << cell(u"change"_s, 12) << cell(u"keys then"_s, 12) << cell(u"now"_s, 12)
        << cell(u"hit rate then"_s, 14) << cell(u"now"_s, 8) << "  note\n";
    const qsizetype shown = rows > 0 ? std::min<qsizetype>(rows, diff.groups.size()) : diff.groups.size();
    for (qsizetype i = 0; i < shown; ++i) {
        const analysis::GroupChange& change = diff.groups.at(i);
        QStringList notes;
        if (change.presence == analysis::GroupChange::Presence::New)
            notes << u"new"_s;
        if (change.presence == analysis::GroupChange::Presence::Vanished)
            notes << u"vanished"_s;
        if (change.ttlRegression)
            notes << u"TTL regression (never-expiring %1 → %2, must-expire keys %3 → %4)"_s
                         .arg(percent(change.neverShareBefore), percent(change.neverShareAfter))
                         .arg(change.persistentBefore)
                         .arg(change.persistentAfter);
        out << cell(model::displayBytes(change.label), 36, false)
            << cell(analysis::describeBytes(change.bytesBefore), 12)
            << cell(analysis::describeBytes(change.bytesAfter), 12) << cell(signedBytes(change.bytesGrowth()), 12)
            << cell(locale.toString(qint64(std::llround(change.keysBefore))), 12)
            << cell(locale.toString(qint64(std::llround(change.keysAfter))), 12)
            << cell(rateText(change.hitRateBefore), 14) << cell(rateText(change.hitRateAfter), 8) << "  "
            << notes.join(u"; "_s) << '\n';
    }
    if (shown < diff.groups.size())
        out << "… " << diff.groups.size() - shown << " more (--rows 0 shows every one)\n";
}

PreparedCommand prepareAnalyze(CommandInput& input)
{
    const QCommandLineParser& parser = input.parser;
    const std::optional<analysis::Dimension> by = dimensionOption(input);
    if (!by)
        return {};
    const int rows = input.rows();
    if (parser.isSet(u"json"_s) && parser.isSet(u"csv"_s)) {
        input.usage(u"--json and --csv: choose one"_s);
        return {};
    }
    const analysis::SnapshotStore store;
    PreparedCommand prepared;
    if (parser.isSet(u"saved"_s)) {
        if (input.json())
            input.out << QJsonDocument(QJsonArray::fromStringList(store.names())).toJson();
        else {
            for (const QString& name : store.names())
                input.out << name << '\n';
        }
        prepared.exitNow = ExitOk;
        return prepared;
    }
    if (parser.isSet(u"diff"_s)) {
        if (input.arguments.size() != 1) {
            input.usage(u"--diff takes two saved analyses: analyze --diff EARLIER LATER"_s);
            return {};
        }
        QString error;
        const auto before = store.load(parser.value(u"diff"_s), &error);
        const auto after = before ? store.load(input.arguments.first(), &error) : std::nullopt;
        if (!before || !after) {
            input.err << "cachectl analyze: " << error << '\n';
            prepared.exitNow = ExitFailure;
            return prepared;
        }
        const analysis::AnalysisDiff diff = analysis::diffAnalyses(*before, *after, *by);
        if (input.json())
            input.out << QJsonDocument(diff.toJson()).toJson(QJsonDocument::Indented);
        else
            printAnalysisDiff(diff, rows, input.out);
        prepared.exitNow = ExitOk;
        return prepared;
    }
    if (!input.arguments.isEmpty()) {
        input.usage(u"analyze takes no arguments (--match PATTERN selects keys)"_s);
        return {};
    }
    AnalyzeCommand::Options options;
    options.by = *by;
    options.rows = rows;
    options.json = input.json();
    options.csv = parser.isSet(u"csv"_s);
    options.analysis.match = input.bytes(parser.value(u"match"_s));
    options.analysis.sampleEvery = input.positive(u"sample"_s, 1);
    options.analysis.measureTtl = !parser.isSet(u"no-ttl"_s);
    options.analysis.topKeys = input.positive(u"top"_s, 10);
    options.analysis.scanCount = input.positive(u"count"_s, 1000);
    options.analysis.mastersAtOnce = input.positive(u"masters-at-once"_s, 0);
    if (parser.isSet(u"save"_s)) {
        options.saveAs = parser.value(u"save"_s);
        if (!analysis::SnapshotStore::isValidName(options.saveAs)) {
            input.usage(u"--save takes a name of letters, digits, '.', '_' and '-' (at most 64)"_s);
            return {};
        }
    }
    return prepareObject(new AnalyzeCommand(input.connection, options, input.out, input.err), true);
}

} // namespace cachescope::cli
