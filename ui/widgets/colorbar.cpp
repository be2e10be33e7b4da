#include "colorbar.hpp"

#include "map_rendering.hpp"
#include "number_format.hpp"
#include "pipeline_edit.hpp"

#include <QPainter>

#include <cmath>

namespace convscope::ui {

Colorbar::Colorbar(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    setToolTip(tr("The colour scale of the large map: which value each colour stands for"));
}

void Colorbar::setScale(Colormap map, ValueRange range) {
    map_ = map;
    range_ = range;
    hasScale_ = true;
    setToolTip(tr("Colour scale: %1 from %2 to %3")
                   .arg(engineName(to_string(map)), formatScaleValue(range.min),
                        formatScaleValue(range.max)));
    update();
}

void Colorbar::clearScale(const QString& note) {
    hasScale_ = false;
    note_ = note;
    setToolTip(note);
    update();
}

QString Colorbar::minimumLabel() const {
    return formatScaleValue(range_.min);
}
QString Colorbar::maximumLabel() const {
    return formatScaleValue(range_.max);
}

QSize Colorbar::sizeHint() const {
    return {320, fontMetrics().height() * 2 + 18};
}
QSize Colorbar::minimumSizeHint() const {
    return {120, sizeHint().height()};
}

void Colorbar::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const int text = fontMetrics().height();
    const QRect bar(8, 4, width() - 16, height() - text - 10);
    if (!hasScale_) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, note_);
        return;
    }
    const ColorLut& lut = colorLut(map_);
    QImage strip(256, 1, QImage::Format_RGB32);
    for (int i = 0; i < 256; ++i)
        strip.setPixel(i, 0, lut[i]);
    painter.drawImage(bar, strip);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(bar.adjusted(0, 0, -1, -1));

    painter.setPen(palette().color(QPalette::WindowText));
    const QRect labels(bar.left(), bar.bottom() + 3, bar.width(), text + 2);
    painter.drawText(labels, Qt::AlignLeft | Qt::AlignTop, formatScaleValue(range_.min));
    painter.drawText(labels, Qt::AlignRight | Qt::AlignTop, formatScaleValue(range_.max));
    if (range_.min < 0 && range_.max > 0) {
        const double t = -range_.min / double(range_.max - range_.min);
        const int x = bar.left() + int(std::lround(t * bar.width()));
        painter.drawLine(x, bar.bottom() - 4, x, bar.bottom() + 2);
        const int w = fontMetrics().horizontalAdvance(QStringLiteral("0"));
        painter.drawText(QRect(x - w, labels.top(), 2 * w, labels.height()),
                         Qt::AlignHCenter | Qt::AlignTop, QStringLiteral("0"));
    }
}

} // namespace convscope::ui
