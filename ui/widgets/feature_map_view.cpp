#include "feature_map_view.hpp"

#include <QMouseEvent>
#include <QPainter>
#include <QWheelEvent>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
constexpr int kCaptionInset = 10;  // from the view's corner to the caption's box
constexpr int kCaptionPadding = 8; // inside the box, left and right
} // namespace

FeatureMapView::FeatureMapView(QWidget* parent) : QWidget(parent) {
    setMinimumSize(200, 160);
    setMouseTracking(true);
    setFocusPolicy(Qt::StrongFocus);
    setAttribute(Qt::WA_OpaquePaintEvent);
    updateToolTip();
}

void FeatureMapView::updateToolTip() {
    const QString help = tr("Wheel: zoom around the cursor; drag: pan; double-click: fit / 1:1");
    setToolTip(caption_.isEmpty() ? tr("The selected map, large. %1").arg(help)
                                  : tr("%1 (the selected map, large)\n%2").arg(caption_, help));
}

QStringList FeatureMapView::captionLines() const {
    if (caption_.isEmpty())
        return {};
    const QString separator = QStringLiteral(" · ");
    QStringList parts = caption_.split(separator);
    parts.append(QString::number(zoom() * devicePixelRatioF() * 100.0, 'f', 0) +
                 QStringLiteral(" %"));
    const QFontMetrics fm = fontMetrics();
    const int room = std::max(40, width() - 2 * kCaptionInset - 2 * kCaptionPadding);
    QStringList lines;
    for (const QString& part : parts) {
        if (!lines.isEmpty() && fm.horizontalAdvance(lines.back() + separator + part) <= room)
            lines.back() += separator + part;
        else
            lines.append(part);
    }
    for (QString& line : lines)
        line = fm.elidedText(line, Qt::ElideMiddle, room);
    return lines;
}

void FeatureMapView::setImage(const QImage& image, const QString& caption, quint64 generation,
                              QSize mapSize) {
    const QSize previous = mapSize_;
    pixmap_ = QPixmap::fromImage(image);
    pixmap_.setDevicePixelRatio(1.0);
    mapSize_ = mapSize.isEmpty() ? pixmap_.size() : mapSize;
    if (caption != caption_) {
        caption_ = caption;
        updateToolTip();
    }
    message_.clear();
    generation_ = generation;
    if (mapSize_ != previous)
        fit_ = true;
    if (fit_)
        fitToWindow();
    else
        update();
}

void FeatureMapView::clear(const QString& message) {
    pixmap_ = QPixmap();
    mapSize_ = QSize();
    message_ = message;
    update();
}

double FeatureMapView::zoom() const {
    return fit_ ? fitScale() : scale_;
}

double FeatureMapView::fitScale() const {
    if (pixmap_.isNull())
        return 1.0;
    const double sx = double(width() - 16) / mapSize_.width();
    const double sy = double(height() - 16) / mapSize_.height();
    return std::max(1e-3, std::min(sx, sy));
}

void FeatureMapView::fitToWindow() {
    fit_ = true;
    scale_ = fitScale();
    if (!pixmap_.isNull())
        offset_ = QPointF((width() - mapSize_.width() * scale_) / 2.0,
                          (height() - mapSize_.height() * scale_) / 2.0);
    update();
    Q_EMIT zoomChanged(scale_);
    announceWantedSize();
}

QSize FeatureMapView::wantedPictureSize() const {
    if (mapSize_.isEmpty())
        return {};
    // Zoomed in past one map pixel per device pixel, the whole map is needed.
    const double scale = std::min(1.0, (fit_ ? fitScale() : scale_) * devicePixelRatioF());
    return {std::clamp(int(std::ceil(mapSize_.width() * scale)), 1, mapSize_.width()),
            std::clamp(int(std::ceil(mapSize_.height() * scale)), 1, mapSize_.height())};
}

void FeatureMapView::announceWantedSize() {
    const QSize wanted = wantedPictureSize();
    if (wanted.isEmpty() || wanted == announced_)
        return;
    announced_ = wanted;
    Q_EMIT pictureSizeWanted(wanted);
}

void FeatureMapView::actualSize() {
    // One map pixel per device pixel.
    const double target = 1.0 / devicePixelRatioF();
    zoomAround(target / (fit_ ? fitScale() : scale_), QPointF(width() / 2.0, height() / 2.0));
}

void FeatureMapView::zoomIn() {
    zoomAround(1.25, QPointF(width() / 2.0, height() / 2.0));
}
void FeatureMapView::zoomOut() {
    zoomAround(0.8, QPointF(width() / 2.0, height() / 2.0));
}

void FeatureMapView::zoomAround(double factor, QPointF anchor) {
    if (pixmap_.isNull())
        return;
    const double current = fit_ ? fitScale() : scale_;
    const double next = std::clamp(current * factor, 0.02, 64.0);
    const QPointF imagePoint = widgetToImage(anchor);
    fit_ = false;
    scale_ = next;
    offset_ = anchor - imagePoint * scale_;
    clampOffset();
    update();
    Q_EMIT zoomChanged(scale_);
    announceWantedSize();
}

QPointF FeatureMapView::imageToWidget(QPointF p) const {
    return offset_ + p * scale_;
}
QPointF FeatureMapView::widgetToImage(QPointF p) const {
    return (p - offset_) / scale_;
}

void FeatureMapView::clampOffset() {
    // Keep at least a quarter of the view covered by the map.
    const double w = mapSize_.width() * scale_, h = mapSize_.height() * scale_;
    const double marginX = std::min(w, width() / 4.0), marginY = std::min(h, height() / 4.0);
    offset_.setX(std::clamp(offset_.x(), marginX - w, width() - marginX));
    offset_.setY(std::clamp(offset_.y(), marginY - h, height() - marginY));
}

void FeatureMapView::setMarker(QRect mapPixels) {
    if (mapPixels == marker_)
        return;
    marker_ = mapPixels;
    update();
}

void FeatureMapView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QColor background = palette().color(QPalette::Base).lightness() > 128
                                  ? palette().color(QPalette::Window).darker(108)
                                  : palette().color(QPalette::Base).darker(120);
    painter.fillRect(rect(), background);
    if (pixmap_.isNull()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect().adjusted(12, 12, -12, -12), Qt::AlignCenter | Qt::TextWordWrap,
                         message_);
        paintedGeneration_ = generation_;
        return;
    }
    QRectF target(offset_, QSizeF(mapSize_.width() * scale_, mapSize_.height() * scale_));
    const double dpr = devicePixelRatioF();
    const bool reduced = pixmap_.size() != mapSize_;
    if (reduced && std::abs(target.width() * dpr - pixmap_.width()) < 1.0 &&
        std::abs(target.height() * dpr - pixmap_.height()) < 1.0) {
        // The picture was made for this zoom: draw it pixel for pixel (a plain copy).
        target = QRectF(
            QPointF(std::round(offset_.x() * dpr) / dpr, std::round(offset_.y() * dpr) / dpr),
            QSizeF(pixmap_.width() / dpr, pixmap_.height() / dpr));
    } else {
        // Crisp squares only where whole map pixels are magnified; a reduced picture shown at
        // another zoom (until the matching one arrives) is interpolated.
        painter.setRenderHint(QPainter::SmoothPixmapTransform, reduced || scale_ * dpr < 1.0);
    }
    painter.drawPixmap(target, pixmap_, QRectF(pixmap_.rect()));

    if (!marker_.isEmpty()) {
        // Magenta with a halo in the background colour: visible on every colormap.
        QRectF box(imageToWidget(QPointF(marker_.topLeft())),
                   imageToWidget(QPointF(marker_.left() + marker_.width(),
                                         marker_.top() + marker_.height())));
        if (box.width() < 7)
            box.adjust(-(7 - box.width()) / 2, 0, (7 - box.width()) / 2, 0);
        if (box.height() < 7)
            box.adjust(0, -(7 - box.height()) / 2, 0, (7 - box.height()) / 2);
        painter.setBrush(Qt::NoBrush);
        painter.setPen(QPen(palette().color(QPalette::Base), 3));
        painter.drawRect(box);
        painter.setPen(QPen(QColor(255, 64, 160), 1.5));
        painter.drawRect(box);
    }

    if (const QStringList lines = captionLines(); !lines.isEmpty()) {
        // Over the map's corner, on as many lines as the width needs (see captionLines).
        const QFontMetrics fm = painter.fontMetrics();
        int textWidth = 0;
        for (const QString& line : lines)
            textWidth = std::max(textWidth, fm.horizontalAdvance(line));
        const QRect placed(kCaptionInset, kCaptionInset, textWidth + 2 * kCaptionPadding,
                           int(lines.size()) * fm.height() + 8);
        painter.setRenderHint(QPainter::Antialiasing);
        painter.setPen(Qt::NoPen);
        painter.setBrush(QColor(0, 0, 0, 150));
        painter.drawRoundedRect(placed, 5, 5);
        painter.setPen(Qt::white);
        painter.drawText(placed.adjusted(kCaptionPadding, 4, -kCaptionPadding, -4),
                         Qt::AlignLeft | Qt::AlignVCenter, lines.join(QLatin1Char('\n')));
    }
    paintedGeneration_ = generation_;
}

void FeatureMapView::wheelEvent(QWheelEvent* event) {
    const double steps = event->angleDelta().y() / 120.0;
    if (steps != 0)
        zoomAround(std::pow(1.2, steps), event->position());
    event->accept();
}

void FeatureMapView::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && !pixmap_.isNull()) {
        dragging_ = true;
        dragStart_ = event->position().toPoint();
        dragOffset_ = offset_;
        setCursor(Qt::ClosedHandCursor);
    }
}

void FeatureMapView::mouseMoveEvent(QMouseEvent* event) {
    if (dragging_) {
        if (fit_) {
            fit_ = false;
        }
        offset_ = dragOffset_ + (event->position() - QPointF(dragStart_));
        clampOffset();
        update();
    }
    if (!pixmap_.isNull()) {
        const QPointF p = widgetToImage(event->position());
        const QPoint pixel(int(std::floor(p.x())), int(std::floor(p.y())));
        Q_EMIT hovered(QRect(QPoint(0, 0), mapSize_).contains(pixel) ? pixel : QPoint(-1, -1));
    }
}

void FeatureMapView::mouseReleaseEvent(QMouseEvent*) {
    dragging_ = false;
    unsetCursor();
}

void FeatureMapView::mouseDoubleClickEvent(QMouseEvent*) {
    if (fit_)
        actualSize();
    else
        fitToWindow();
}

void FeatureMapView::resizeEvent(QResizeEvent*) {
    if (fit_)
        fitToWindow();
}

void FeatureMapView::leaveEvent(QEvent*) {
    Q_EMIT hovered(QPoint(-1, -1));
}

} // namespace convscope::ui
