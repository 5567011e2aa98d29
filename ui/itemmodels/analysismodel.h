#pragma once

#include "analysis/analysisdiff.h"
#include "analysis/analysisreport.h"

#include <QAbstractTableModel>

#include <optional>

namespace cachescope::ui {

// The groups of one analysis, by one dimension: keys, memory with its error, when the memory is freed, keys that
// should expire and do not, the most varied parameter, the hit rate; with a saved analysis to compare with, its
// memory then, the change and what changed. Updated while the analysis runs without resetting the view: rows are only
// appended (a new group) and refreshed in place; a new analysis or dimension resets.
class AnalysisModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    enum Column
    {
        GroupColumn,
        MemoryColumn,
        KeysColumn,
        FreedColumn, // when the memory is freed: ≤ 1 h, ≤ 4 h, ≤ 24 h, later, never (TtlSharesRole; drawn as a bar)
        NeverFreedColumn,
        MustExpireColumn,
        HitRateColumn,
        VariantsColumn,
        MemoryThenColumn, // the comparison's columns, empty without one
        ChangeColumn,
        HitRateThenColumn,
        NoteColumn,
        ColumnCount
    };
    enum Role
    {
        SortRole = Qt::UserRole + 1, // numbers as numbers
        LabelRole, // the group's raw label bytes
        TtlSharesRole, // FreedColumn: the shares of the group's memory per TTL bucket (QVariantList of 5 doubles)
    };

    explicit AnalysisModel(QObject* parent = nullptr);

    // `sameAnalysis`: the report is a later state of the one shown (rows kept); otherwise the table starts over.
    void setReport(const analysis::AnalysisReport& report, bool sameAnalysis);
    void setDimension(analysis::Dimension dimension);
    // A saved analysis to compare with (nothing: no comparison).
    void setComparison(std::optional<analysis::AnalysisReport> earlier);

    const analysis::AnalysisReport& report() const
    {
        return m_report;
    }
    analysis::Dimension dimension() const
    {
        return m_dimension;
    }
    bool hasComparison() const
    {
        return m_earlier.has_value();
    }
    // Where a column is shown: a comparison puts its change next to the memory.
    int columnOf(Column column) const;
    Column columnAt(int section) const;
    const analysis::GroupFigures* groupAt(int row) const;
    const analysis::GroupChange* changeAt(int row) const;

    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

private:
    void rebuild();
    void refreshComparison();
    QVariant display(int row, int column) const;
    QVariant sortValue(int row, int column) const;

    analysis::AnalysisReport m_report;
    analysis::Dimension m_dimension = analysis::Dimension::Route;
    std::optional<analysis::AnalysisReport> m_earlier;
    QList<QByteArray> m_labels; // row order: as groups appeared (the view sorts)
    QList<Column> m_columns; // shown order
    QHash<QByteArray, analysis::GroupChange> m_changes; // label → its change, with a comparison
};

} // namespace cachescope::ui
