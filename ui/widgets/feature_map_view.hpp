#pragma once
// One map, large: zoom with the wheel (around the cursor), pan by dragging, fit or 1:1.
// Zoomed in, pixels are drawn as crisp squares so single activations can be read.

#include <QPixmap>
#include <QStringList>
#include <QWidget>

namespace convscope::ui {

class FeatureMapView : public QWidget {
    Q_OBJECT

public:
    explicit FeatureMapView(QWidget* parent = nullptr);

    // Shows `image` (converted to a pixmap here, on the GUI thread) as a map of `mapSize` pixels
    // (empty: the image's size); the image may be smaller than the map, a box-filtered view of
    // it made for the current zoom. A new map of the same size keeps the zoom and position.
    void setImage(const QImage& image, const QString& caption, quint64 generation = 0,
                  QSize mapSize = {});
    void clear(const QString& message);

    double zoom() const; // device-independent pixels per map pixel
    bool isFitting() const { return fit_; }
    quint64 paintedGeneration() const { return paintedGeneration_; }
    QSize imageSize() const { return mapSize_; } // the map's size, in map pixels
    QString caption() const { return caption_; } // which map it is, as shown over it
    // The caption as painted over the map with the zoom: on as many lines as the view's width
    // needs, broken between its " · " parts; a part wider than the view is shortened in the
    // middle. The whole caption is in the tooltip.
    QStringList captionLines() const;
    // The picture size the view needs to show the whole map at the current zoom without losing
    // detail, in device pixels (never more than the map's size).
    QSize wantedPictureSize() const;
    // Outlines map pixels (the pixel inspector's pinned pixel); an empty rect clears it.
    void setMarker(QRect mapPixels);
    QRect marker() const { return marker_; }

public Q_SLOTS:
    void fitToWindow();
    void actualSize();
    void zoomIn();
    void zoomOut();

Q_SIGNALS:
    void zoomChanged(double zoom);
    // The map pixel under the cursor (-1, -1 when outside).
    void hovered(QPoint pixel);
    // The zoom or the view's size changed what picture size is needed (see wantedPictureSize).
    void pictureSizeWanted(QSize devicePixels);

protected:
    void paintEvent(QPaintEvent* event) override;
    void wheelEvent(QWheelEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    void leaveEvent(QEvent* event) override;

private:
    void zoomAround(double factor, QPointF anchor);
    double fitScale() const;
    QPointF imageToWidget(QPointF p) const;
    QPointF widgetToImage(QPointF p) const;
    void clampOffset();
    void announceWantedSize();
    void updateToolTip();

    QPixmap pixmap_;
    QSize mapSize_; // the map's size; pixmap_ covers it, maybe at a lower resolution
    QSize announced_;
    QRect marker_;
    QString caption_;
    QString message_;
    bool fit_ = true;
    double scale_ = 1.0; // map pixels → logical pixels
    QPointF offset_;     // widget position of the map's top-left corner
    QPoint dragStart_;
    QPointF dragOffset_;
    bool dragging_ = false;
    quint64 generation_ = 0;
    quint64 paintedGeneration_ = 0;
};

} // namespace convscope::ui
