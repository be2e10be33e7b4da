#pragma once
// The sliding window, animated: for the selected conv or pooling layer, the window moves over
// the layer's real input (padding drawn around it, dilation leaving gaps between the cells it
// reads) while the output map fills in, one value per step. Play, pause, step, scrub and speed;
// export as an animated GIF or a PNG sequence.

#include "map_data.hpp"

#include "convscope/colormap.hpp"
#include "convscope/padding.hpp"
#include "convscope/pipeline.hpp"

#include <QElapsedTimer>
#include <QFont>
#include <QImage>
#include <QTimer>
#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QSpinBox;
class QToolButton;

namespace convscope::ui {

class BoundedSpinBox;
class Document;

// The geometry of one layer's window (no widgets): where the window is at every step.
struct WindowGeometry {
    bool valid = false;
    bool pool = false;
    int inH = 0, inW = 0;   // the input map
    int outH = 0, outW = 0; // the output map
    int kernelH = 0, kernelW = 0;
    Pair stride{1, 1};
    Pair dilation{1, 1};
    PadSides pad;
    QString paddingMode; // "zeros", "reflect", ...

    static WindowGeometry of(const Layer& layer, Shape input, Shape output);
    int steps() const { return outH * outW; }
    // The output cell computed at `step`, and the top-left of its window in input coordinates
    // (may be negative: in the padding).
    QPoint outputCell(int step) const { return {step % outW, step / outW}; }
    QPoint windowOrigin(int step) const;
};

// The steps an export shows for an output of outW × outH, at most `maxFrames` of them: every
// step when there are no more; else the first third of the frames one step at a time (the
// window sliding along the first row), then positions evenly spaced along the rows and down
// the map in raster order, ending on the last step (the output complete).
std::vector<int> animationSteps(int outW, int outH, int maxFrames);

// Paints one moment of the animation: the padded input with the window, the output so far.
class SlidingWindowCanvas : public QWidget {
    Q_OBJECT

public:
    explicit SlidingWindowCanvas(QWidget* parent = nullptr);
    void setData(const WindowGeometry& geometry, const QImage& input, const QImage& output,
                 const QString& inputCaption, const QString& outputCaption);
    void setStep(int step);
    void setZoomed(bool zoomed);
    // What the canvas says while there is no window to show (why not).
    void setPlaceholder(const QString& text);
    QString placeholder() const { return placeholder_; }
    int step() const { return step_; }
    const WindowGeometry& geometry() const { return geometry_; }
    // The same picture as on screen, for a frame of an export.
    QImage renderFrame(int step, QSize size) const;

    // A line of text on a frame and the box it must fit in, never cut off.
    struct Caption {
        QRectF box;
        QString text;
        Qt::Alignment alignment;
        bool secondary = false; // in the placeholder colour
    };
    // The captions of a frame of `area` at `step` (what is shown above each side, the step and
    // the layer's geometry below), in the largest font from `base` down at which all of them
    // fit, the footer on two lines where one is too narrow; `top` and `bottom` bound the
    // pictures between them.
    struct FrameText {
        QFont font;
        std::vector<Caption> captions;
        double top = 0;
        double bottom = 0;
    };
    FrameText frameText(QRectF area, int step, const QFont& base) const;
    QSize sizeHint() const override { return {640, 320}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    void paintFrame(QPainter& p, QRectF area, int step, const QPalette& palette) const;

    WindowGeometry geometry_;
    QImage input_;
    QImage output_;
    QString inputCaption_;
    QString outputCaption_;
    QString placeholder_;
    int step_ = 0;
    bool zoomed_ = false;
};

class SlidingWindowView : public QWidget {
    Q_OBJECT

public:
    SlidingWindowView(Document* document, MapDataProvider* data, QWidget* parent = nullptr);

    SlidingWindowCanvas* canvas() const { return canvas_; }
    int steps() const { return canvas_->geometry().valid ? canvas_->geometry().steps() : 0; }
    int step() const { return canvas_->step(); }
    bool isPlaying() const { return timer_.isActive(); }
    bool isReady() const { return canvas_->geometry().valid; }
    int layer() const { return layer_; }
    // Why the selected layer shows no window (empty when it shows one): not a conv or pooling
    // layer, disabled, or the layer's own error when it cannot run.
    QString unavailableReason() const { return unavailable_; }
    // Steps per second while playing.
    void setSpeed(int stepsPerSecond);

    // What the export dialog writes: about 150 frames of 720 × 400.
    static constexpr int kDefaultExportFrames = 150;
    static constexpr QSize kExportFrameSize{720, 400};
    // The steps an export of at most `maxFrames` frames shows (0: the default), in order.
    std::vector<int> exportSteps(int maxFrames) const;
    // Writes the animation: the frames of exportSteps(maxFrames), `size` pixels each. True on
    // success, else `error` says why.
    bool exportGif(const QString& path, int maxFrames, QSize size, int delayMs,
                   QString* error = nullptr);
    bool exportPngSequence(const QString& dir, int maxFrames, QSize size, QString* error = nullptr);

public Q_SLOTS:
    void play();
    void pause();
    void stepForward();
    void stepBack();
    void setStep(int step);

Q_SIGNALS:
    void ready();
    void message(const QString& text);

protected:
    void showEvent(QShowEvent* event) override;
    void hideEvent(QHideEvent* event) override;

private:
    void reload();
    QString whyNoWindow(const MapSnapshot& snapshot, int layer) const;
    void tick();
    void exportDialog(bool gif);
    std::vector<RgbImage> frames(int maxFrames, QSize size) const;

    Document* document_;
    MapDataProvider* data_;
    SlidingWindowCanvas* canvas_;
    QLabel* status_;
    QPushButton* playButton_;
    QToolButton* backButton_;
    QToolButton* forwardButton_;
    QSlider* scrub_;
    QSlider* speed_;
    QLabel* speedLabel_;
    BoundedSpinBox* inChannel_;
    BoundedSpinBox* outChannel_;
    QCheckBox* zoom_;
    QPushButton* gifButton_;
    QPushButton* pngButton_;
    QTimer timer_;
    QElapsedTimer clock_;
    double position_ = 0;
    int layer_ = -1;
    quint64 serial_ = 0;
    QString unavailable_;
};

} // namespace convscope::ui
