#include "widgets/fittingtextdelegate.h"

#include <QApplication>
#include <QStyle>

namespace cachescope::ui {

FittingTextDelegate::FittingTextDelegate(int shorterTextsRole, QObject* parent)
    : QStyledItemDelegate(parent)
    , m_role(shorterTextsRole)
{
}

int FittingTextDelegate::textWidth(const QStyleOptionViewItem& option)
{
    const QStyle* style = option.widget ? option.widget->style() : QApplication::style();
    const int margin = style->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, option.widget) + 1;
    return option.rect.width() - 2 * margin;
}

QString FittingTextDelegate::displayedText(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QString display = index.data(Qt::DisplayRole).toString();
    const QStringList forms = index.data(m_role).toStringList();
    if (forms.isEmpty() || option.rect.width() <= 0) // no forms, or sizing rather than drawing
        return display;
    const int width = textWidth(option);
    for (const QString& form : forms) {
        if (option.fontMetrics.horizontalAdvance(form) <= width)
            return form;
    }
    return forms.last(); // elided by the style
}

void FittingTextDelegate::initStyleOption(QStyleOptionViewItem* option, const QModelIndex& index) const
{
    QStyledItemDelegate::initStyleOption(option, index);
    option->text = displayedText(*option, index);
}

} // namespace cachescope::ui
