#pragma once

#include <QColor>
#include <QStyledItemDelegate>

#include <array>

namespace cachescope::ui {

// The colours of "freed within 1 h, 4 h, 24 h, later, never", green to red: one set for the analysis chart and table.
const std::array<QColor, 5>& ttlBucketColors();

// Draws a cell's TTL shares (a QVariantList of fractions under `sharesRole`) as one bar of coloured segments, in
// the width a number would take; the cell's text stays its tooltip and accessible value.
class TtlBarDelegate : public QStyledItemDelegate
{
    Q_OBJECT
public:
    TtlBarDelegate(int sharesRole, QObject* parent = nullptr);

    void paint(QPainter* painter, const QStyleOptionViewItem& option, const QModelIndex& index) const override;
    QSize sizeHint(const QStyleOptionViewItem& option, const QModelIndex& index) const override;

private:
    int m_sharesRole;
};

} // namespace cachescope::ui
