#pragma once

#include <QByteArray>
#include <QSortFilterProxyModel>

namespace cachescope::ui {

// Filters the key tree by the text an engineer types: a Redis glob when it has glob characters (matched
// exactly as SCAN MATCH would), otherwise a plain substring of the key. Groups stay while any key below
// them matches (recursive filtering). Sorting by count is numeric.
class KeyFilterProxyModel : public QSortFilterProxyModel
{
    Q_OBJECT
public:
    explicit KeyFilterProxyModel(QObject* parent = nullptr);

    void setKeyFilter(const QString& text);
    QString keyFilter() const
    {
        return m_text;
    }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex& sourceParent) const override;
    bool lessThan(const QModelIndex& left, const QModelIndex& right) const override;

private:
    QString m_text;
    QByteArray m_pattern;
    bool m_isGlob = false;
};

} // namespace cachescope::ui
