#include "number_format.hpp"

#include <QStringList>

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

namespace {

// "7.1e-03" → "7.1e-3", "1.2e+05" → "1.2e5": the exponent without padding or plus sign.
QString compactExponent(QString text) {
    const qsizetype e = text.indexOf(u'e');
    if (e < 0)
        return text;
    QString exponent = text.mid(e + 1);
    const bool negative = exponent.startsWith(u'-');
    if (negative || exponent.startsWith(u'+'))
        exponent.remove(0, 1);
    while (exponent.size() > 1 && exponent.startsWith(u'0'))
        exponent.remove(0, 1);
    return text.left(e + 1) + (negative ? QStringLiteral("-") : QString()) + exponent;
}

} // namespace

QString formatWeightToFit(double value, int room,
                          const std::function<int(const QString&)>& widthOf) {
    if (value == 0 || !std::isfinite(value))
        return formatNumber(value);
    QStringList candidates;
    for (int digits = 4; digits >= 1; --digits)
        candidates << compactExponent(QString::number(value, 'g', digits));
    candidates << compactExponent(QString::number(value, 'e', 1))
               << compactExponent(QString::number(value, 'e', 0));
    QString shortest = candidates.front();
    for (const QString& text : candidates) {
        if (widthOf(text) <= room)
            return text;
        if (widthOf(text) < widthOf(shortest))
            shortest = text;
    }
    return shortest;
}

} // namespace convscope::ui
