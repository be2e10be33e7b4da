#pragma once
// Numbers for people, formatted the same way in every panel.

#include <QString>

namespace convscope::ui {

// A value read off a map (statistics, the pixel inspector, compare): enough digits to tell
// values apart, no trailing noise; scientific notation for the very large and very small; NaN
// and ±∞ by name.
QString formatNumber(double value, int digits = 6);

// The end of a colour scale or a thumbnail's range: short, three significant digits (five from
// 100 on), scientific notation outside 0.001 … 10 000.
QString formatScaleValue(double value);

// A kernel weight as its cell shows it: at most four significant digits.
QString formatWeight(double value);

} // namespace convscope::ui
