#pragma once

#include "analysis/analysisreport.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace cachescope::analysis {

// Saved analyses, kept on this machine (never in the monitored Redis): one JSON file per name in a directory —
// $CACHESCOPE_ANALYSES_DIR, else the application data directory's "analyses".
class SnapshotStore
{
public:
    SnapshotStore(); // the default directory
    explicit SnapshotStore(QString directory);

    const QString& directory() const
    {
        return m_directory;
    }
    // Names are 1 to 64 letters, digits, '.', '_' or '-', not starting with '.': a file name on every system,
    // never a path.
    static bool isValidName(const QString& name);

    // Writes atomically (a crash leaves the old file or the new, never half of one); false and a reason otherwise.
    bool save(const QString& name, const AnalysisReport& report, QString* error) const;
    std::optional<AnalysisReport> load(const QString& name, QString* error) const;
    QStringList names() const; // sorted

private:
    QString pathOf(const QString& name) const;
    QString m_directory;
};

} // namespace cachescope::analysis
