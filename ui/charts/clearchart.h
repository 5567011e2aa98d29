#pragma once

class QChart;

namespace cachescope::ui {

// Empties a chart for a redraw: its series and its axes deleted (removeAxis hands an axis back without deleting it,
// so each redraw leaked its axes until LeakSanitizer said so).
void clearChart(QChart* chart);

} // namespace cachescope::ui
