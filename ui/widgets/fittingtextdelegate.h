#pragma once

#include <QStyledItemDelegate>

namespace cachescope::ui {

// Draws the longest of a cell's texts that fits its column: the model gives the display text and shorter forms of it
// (`shorterTextsRole`, a QStringList, longest first), so a narrow column shows "1m–10m" rather than "1m 23s –…",
// which no longer tells rows apart. Only when even the shortest does not fit is it elided.
class FittingTextDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    FittingTextDelegate(int shorterTextsRole, QObject* parent = nullptr);

    // The text drawn in `option.rect` for `index` (the display text when the rect has no width yet).
    QString displayedText(const QStyleOptionViewItem& option, const QModelIndex& index) const;
    // The width a cell's text may take in `option.rect`: the style's text margins left out.
    static int textWidth(const QStyleOptionViewItem& option);

protected:
    void initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const override;

private:
    int m_role;
};

} // namespace cachescope::ui
