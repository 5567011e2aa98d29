#include "charts/clearchart.h"

#include <QAbstractAxis>
#include <QChart>

namespace cachescope::ui {

void clearChart(QChart* chart)
{
    chart->removeAllSeries();
    for (QAbstractAxis* axis : chart->axes()) {
        chart->removeAxis(axis);
        delete axis;
    }
}

} // namespace cachescope::ui
