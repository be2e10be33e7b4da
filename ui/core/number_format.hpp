#pragma once
// Numbers for people, formatted the same way in every panel.

#include <QString>

#include <functional>

namespace convscope::ui {

// A value read off a map (statistics, the pixel inspector, compare): enough digits to tell
// values apart, no trailing noise; scientific notation for the very large and very small; NaN
// and ±∞ by name.
QString formatNumber(double value, int digits = 6);

// The end of a colour scale or a thumbnail's range: short, three significant digits (five from
// 100 on), scientific notation outside 0.001 … 10 000.
QString formatScaleValue(double value);

// A kernel weight in the room a cell has: the first of four, three, two and one significant
// digits, then the short scientific forms ("7.1e-3", "7e-3"), whose width (`widthOf`, in the
// cell's font) is at most `room`; the shortest of them when none fits. Never a cut-off value.
QString formatWeightToFit(double value, int room,
                          const std::function<int(const QString&)>& widthOf);

} // namespace convscope::ui
