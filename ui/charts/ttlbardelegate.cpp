#include "charts/ttlbardelegate.h"

#include <QApplication>
#include <QPainter>

namespace cachescope::ui {

const std::array<QColor, 5>& ttlBucketColors()
{
    static const std::array<QColor, 5> colors {QColor(0x2e, 0x7d, 0x32), QColor(0x7c, 0xb3, 0x42),
        QColor(0xf9, 0xa8, 0x25), QColor(0xef, 0x6c, 0x00), QColor(0xb7, 0x1c, 0x1c)};
    return colors;
}

TtlBarDelegate::TtlBarDelegate(int sharesRole, QObject* parent)
    : QStyledItemDelegate(parent)
    , m_sharesRole(sharesRole)
{
}

void TtlBarDelegate::paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QVariantList shares = index.data(m_sharesRole).toList();
    if (shares.size() != int(ttlBucketColors().size())) {
        QStyledItemDelegate::paint(painter, option, index);
        return;
    }
    QStyleOptionViewItem background = option;
    initStyleOption(&background, index);
    background.text.clear();
    const QWidget* widget = option.widget;
    (widget ? widget->style() : QApplication::style())
        ->drawControl(QStyle::CE_ItemViewItem, &background, painter, widget);
    const QRectF bar = QRectF(option.rect).adjusted(4, option.rect.height() * 0.3, -4, -option.rect.height() * 0.3);
    painter->save();
    double x = bar.left();
    for (int b = 0; b < shares.size(); ++b) {
        const double width = bar.width() * std::clamp(shares.at(b).toDouble(), 0.0, 1.0);
        if (width > 0)
            painter->fillRect(QRectF(x, bar.top(), width, bar.height()), ttlBucketColors()[std::size_t(b)]);
        x += width;
    }
    painter->setPen(option.palette.color(QPalette::Mid));
    painter->drawRect(bar);
    painter->restore();
}

QSize TtlBarDelegate::sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const
{
    const QSize text = QStyledItemDelegate::sizeHint(option, index);
    return index.data(m_sharesRole).isValid() ? QSize(110, text.height()) : text;
}

} // namespace cachescope::ui
