#include "number_format.hpp"

#include <cmath>

namespace convscope::ui {

QString formatNumber(double value, int digits) {
    if (value == 0)
        return QStringLiteral("0");
    if (!std::isfinite(value))
        return std::isnan(value) ? QStringLiteral("NaN")
                                 : (value > 0 ? QStringLiteral("∞") : QStringLiteral("−∞"));
    const double magnitude = std::abs(value);
    return (magnitude >= 1e6 || magnitude < 1e-4) ? QString::number(value, 'e', digits - 1)
                                                  : QString::number(value, 'g', digits);
}

QString formatScaleValue(double value) {
    if (value == 0)
        return QStringLiteral("0");
    const double magnitude = std::abs(value);
    if (magnitude >= 1e4 || magnitude < 1e-3)
        return QString::number(value, 'e', 2);
    return QString::number(value, 'g', magnitude >= 100 ? 5 : 3);
}

QString formatWeight(double value) {
    if (value == 0)
        return QStringLiteral("0");
    return QString::number(value, 'g', 4);
}

} // namespace convscope::ui
