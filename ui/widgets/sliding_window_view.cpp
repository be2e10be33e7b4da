#include "sliding_window_view.hpp"

#include "bounded_spin_box.hpp"
#include "document.hpp"
#include "map_rendering.hpp"
#include "number_format.hpp"
#include "pipeline_edit.hpp"

#include "convscope/animation_export.hpp"

#include <QApplication>
#include <QCheckBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QMessageBox>
#include <QPainter>
#include <QPushButton>
#include <QSlider>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>

namespace convscope::ui {

namespace {

const QColor kAccent(255, 64, 160);

// One channel coloured as in the overview; the input image's channels in gray over 0 … 1.
QImage channelPicture(const Tensor& t, int channel, bool input) {
    const ValueRange range = input ? ValueRange{0, 1} : map_range(t, channel);
    const Colormap map = input ? Colormap::Gray : resolve_colormap(Colormap::Auto, range);
    return toQImage(colorize(t, channel, map, input ? range : display_range(map, range)));
}

} // namespace

WindowGeometry WindowGeometry::of(const Layer& layer, Shape input, Shape output) {
    WindowGeometry g;
    g.inH = input.height;
    g.inW = input.width;
    g.outH = output.height;
    g.outW = output.width;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        g.kernelH = conv->weights.kernel_h;
        g.kernelW = conv->weights.kernel_w;
        g.stride = conv->stride;
        g.dilation = conv->dilation;
        g.pad = conv->pad_sides();
        g.paddingMode = engineName(to_string(conv->padding_mode));
        g.valid = true;
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        g.pool = true;
        g.kernelH = pool->kernel_size.h;
        g.kernelW = pool->kernel_size.w;
        g.stride = pool->stride;
        g.pad = PadSides{pool->padding.h, pool->padding.h, pool->padding.w, pool->padding.w};
        g.paddingMode =
            pool->kind == PoolKind::Max ? QStringLiteral("never wins") : QStringLiteral("zeros");
        g.valid = true;
    }
    g.valid = g.valid && g.outH > 0 && g.outW > 0 && layer.enabled;
    return g;
}

QPoint WindowGeometry::windowOrigin(int step) const {
    const QPoint o = outputCell(step);
    return {o.x() * stride.w - pad.left, o.y() * stride.h - pad.top};
}

std::vector<int> animationSteps(int outW, int outH, int maxFrames) {
    std::vector<int> steps;
    if (outW <= 0 || outH <= 0)
        return steps;
    const int total = outW * outH;
    maxFrames = std::max(2, maxFrames);
    if (total <= maxFrames) {
        for (int step = 0; step < total; ++step)
            steps.push_back(step);
        return steps;
    }
    // A third of the frames one step at a time: the window sliding along the first row.
    const int lead = std::max(1, maxFrames / 3);
    for (int step = 0; step < lead; ++step)
        steps.push_back(step);
    // The rest on a grid of rows × columns in raster order, shaped like the map, from the top
    // row to the bottom one and from the left edge to the right one (the last step last).
    const int rest = maxFrames - lead;
    const int columns = std::clamp(int(std::lround(std::sqrt(double(rest) * outW / outH))), 1,
                                   std::min(outW, rest));
    const int rows = std::clamp(rest / columns, 1, outH);
    for (int r = 0; r < rows; ++r) {
        const int y = rows == 1 ? outH - 1 : int(std::lround(double(r) * (outH - 1) / (rows - 1)));
        for (int c = 0; c < columns; ++c) {
            const int x =
                columns == 1 ? outW - 1 : int(std::lround(double(c) * (outW - 1) / (columns - 1)));
            const int step = y * outW + x;
            if (step > steps.back())
                steps.push_back(step);
        }
    }
    if (steps.back() != total - 1)
        steps.push_back(total - 1);
    return steps;
}

// ---------------------------------------------------------------------------------------------

SlidingWindowCanvas::SlidingWindowCanvas(QWidget* parent)
    : QWidget(parent),
      placeholder_(tr("Select a convolution or pooling layer to watch its window slide.")) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMinimumSize(240, 140);
    setToolTip(tr("Left: the layer's input with its padding (hatched) and the window (magenta: "
                  "the cells it reads, with gaps when dilated). Right: the output, filled in up "
                  "to the value being computed (outlined)"));
}

void SlidingWindowCanvas::setData(const WindowGeometry& geometry, const QImage& input,
                                  const QImage& output, const QString& inputCaption,
                                  const QString& outputCaption) {
    geometry_ = geometry;
    input_ = input;
    output_ = output;
    inputCaption_ = inputCaption;
    outputCaption_ = outputCaption;
    step_ = std::clamp(step_, 0, std::max(0, geometry.steps() - 1));
    update();
}

void SlidingWindowCanvas::setStep(int step) {
    step_ = std::clamp(step, 0, std::max(0, geometry_.steps() - 1));
    update();
}

void SlidingWindowCanvas::setPlaceholder(const QString& text) {
    placeholder_ = text;
    update();
}

void SlidingWindowCanvas::setZoomed(bool zoomed) {
    zoomed_ = zoomed;
    update();
}

QImage SlidingWindowCanvas::renderFrame(int step, QSize size) const {
    QImage image(size, QImage::Format_RGB32);
    image.fill(palette().color(QPalette::Base));
    QPainter p(&image);
    paintFrame(p, QRectF(QPointF(0, 0), QSizeF(size)), step, palette());
    return image;
}

void SlidingWindowCanvas::paintEvent(QPaintEvent*) {
    QPainter p(this);
    p.fillRect(rect(), palette().color(QPalette::Base));
    if (!geometry_.valid) {
        p.setPen(palette().color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(10, 10, -10, -10), Qt::AlignCenter | Qt::TextWordWrap,
                   placeholder_);
        return;
    }
    paintFrame(p, QRectF(rect()), step_, palette());
}

SlidingWindowCanvas::FrameText SlidingWindowCanvas::frameText(QRectF area, int step,
                                                              const QFont& base) const {
    const WindowGeometry& g = geometry_;
    step = std::clamp(step, 0, std::max(0, g.steps() - 1));
    const QPoint cell = g.valid ? g.outputCell(step) : QPoint();
    const QPoint origin = g.valid ? g.windowOrigin(step) : QPoint();
    const QString geometry =
        tr("kernel %1×%2 · stride %3×%4 · dilation %5×%6 · padding T%7 B%8 L%9 R%10 (%11)")
            .arg(g.kernelH)
            .arg(g.kernelW)
            .arg(g.stride.h)
            .arg(g.stride.w)
            .arg(g.dilation.h)
            .arg(g.dilation.w)
            .arg(g.pad.top)
            .arg(g.pad.bottom)
            .arg(g.pad.left)
            .arg(g.pad.right)
            .arg(g.paddingMode);
    const QString where = tr("step %1 / %2 · output (x %3, y %4) ← window at (x %5, y %6)")
                              .arg(step + 1)
                              .arg(g.steps())
                              .arg(cell.x())
                              .arg(cell.y())
                              .arg(origin.x())
                              .arg(origin.y());
    const double gap = 16;
    const double half = (area.width() - gap) / 2 - 4;
    const double inner = area.width() - 8;
    // A caption on two lines: "layer 2 edges" over "map 1 (192 × 152)".
    const auto twoLines = [](const QString& caption) {
        QString text = caption;
        const qsizetype comma = text.indexOf(QStringLiteral(", "));
        if (comma >= 0)
            text.replace(comma, 2, QStringLiteral("\n"));
        return text;
    };
    const auto widthOf = [](const QFontMetricsF& fm, const QString& text) {
        double widest = 0;
        for (const QString& line : text.split(u'\n'))
            widest = std::max(widest, fm.horizontalAdvance(line));
        return widest;
    };
    // From the widget's type size down to 7 pixels: the largest at which every caption fits,
    // each caption and the footer on one line where they can, else on two.
    const int largest = std::max(7, QFontInfo(base).pixelSize());
    FrameText best;
    for (int px = largest; px >= 7; --px) {
        for (int variant = 0; variant < 4; ++variant) {
            const bool headerOnTwo = variant >= 2;
            const bool footerOnTwo = variant % 2 == 1;
            FrameText t;
            t.font = base;
            t.font.setPixelSize(px);
            const QFontMetricsF fm(t.font);
            const double line = fm.height() + 2;
            const double header = (headerOnTwo ? 2 : 1) * line + 4;
            const double footer = (footerOnTwo ? 2 : 1) * line + 6;
            t.top = area.top() + header;
            t.bottom = area.bottom() - footer;
            const QString in = headerOnTwo ? twoLines(inputCaption_) : inputCaption_;
            const QString out = headerOnTwo ? twoLines(outputCaption_) : outputCaption_;
            t.captions.push_back(
                {QRectF(area.left() + 4, area.top(), half, header), in, Qt::AlignLeft, false});
            t.captions.push_back({QRectF(area.left() + 4 + half + gap, area.top(), half, header),
                                  out, Qt::AlignLeft, false});
            const double y = area.bottom() - footer + 4;
            bool fits = true;
            if (footerOnTwo) {
                t.captions.push_back(
                    {QRectF(area.left() + 4, y, inner, line), where, Qt::AlignLeft, false});
                t.captions.push_back({QRectF(area.left() + 4, y + line, inner, line), geometry,
                                      Qt::AlignLeft, true});
            } else {
                // Side by side: the step on the left, the geometry on the right.
                const double whereWidth = fm.horizontalAdvance(where) + 1;
                fits = whereWidth + fm.horizontalAdvance(geometry) + 24 <= inner;
                t.captions.push_back(
                    {QRectF(area.left() + 4, y, whereWidth, line), where, Qt::AlignLeft, false});
                t.captions.push_back(
                    {QRectF(area.left() + 4 + whereWidth + 24, y, inner - whereWidth - 24, line),
                     geometry, Qt::AlignRight, true});
            }
            best = t;
            fits = fits && std::all_of(t.captions.begin(), t.captions.end(), [&](const Caption& c) {
                       return widthOf(fm, c.text) <= c.box.width();
                   });
            if (fits)
                return t;
        }
    }
    return best; // a frame too small for any type: the smallest
}

void SlidingWindowCanvas::paintFrame(QPainter& p, QRectF area, int step,
                                     const QPalette& pal) const {
    const WindowGeometry& g = geometry_;
    if (!g.valid)
        return;
    step = std::clamp(step, 0, g.steps() - 1);
    const QPoint cell = g.outputCell(step);
    const QPoint origin = g.windowOrigin(step);
    const int spanH = (g.kernelH - 1) * g.dilation.h + 1;
    const int spanW = (g.kernelW - 1) * g.dilation.w + 1;
    const FrameText text = frameText(area, step, p.font());
    const double gap = 16;
    const QRectF left(area.left() + 4, text.top, (area.width() - gap) / 2 - 4,
                      text.bottom - text.top);
    const QRectF right(left.right() + gap, left.top(), left.width(), left.height());

    // What each side shows, in cells: the padded input and the whole output, or (zoomed) a
    // neighbourhood of the window and of the value being computed.
    QRectF inView(-g.pad.left, -g.pad.top, g.inW + g.pad.left + g.pad.right,
                  g.inH + g.pad.top + g.pad.bottom);
    QRectF outView(0, 0, g.outW, g.outH);
    if (zoomed_) {
        const double side = std::max({12.0, 3.0 * spanH, 3.0 * spanW});
        QRectF z(origin.x() + spanW / 2.0 - side / 2, origin.y() + spanH / 2.0 - side / 2, side,
                 side);
        z.moveLeft(
            std::clamp(z.left(), inView.left(), std::max(inView.left(), inView.right() - side)));
        z.moveTop(
            std::clamp(z.top(), inView.top(), std::max(inView.top(), inView.bottom() - side)));
        inView = z.intersected(inView);
        const double oside =
            std::max(8.0, std::ceil(side / std::max(1, std::max(g.stride.h, g.stride.w))));
        QRectF o(cell.x() + 0.5 - oside / 2, cell.y() + 0.5 - oside / 2, oside, oside);
        o.moveLeft(std::clamp(o.left(), 0.0, std::max(0.0, g.outW - oside)));
        o.moveTop(std::clamp(o.top(), 0.0, std::max(0.0, g.outH - oside)));
        outView = o.intersected(QRectF(0, 0, g.outW, g.outH));
    }
    auto mapper = [](QRectF box, QRectF view) {
        const double s = std::min(box.width() / view.width(), box.height() / view.height());
        const QPointF o(box.left() + (box.width() - view.width() * s) / 2, box.top());
        return [s, o, view](QRectF cells) {
            return QRectF(o.x() + (cells.left() - view.left()) * s,
                          o.y() + (cells.top() - view.top()) * s, cells.width() * s,
                          cells.height() * s);
        };
    };
    const auto toIn = mapper(left, inView);
    const auto toOut = mapper(right, outView);
    const QColor textColour = pal.color(QPalette::Text);

    p.save();
    // Input: padding hatched, the map, the window.
    const QRectF inBox = toIn(inView);
    p.setClipRect(inBox);
    p.fillRect(inBox, pal.color(QPalette::Mid));
    p.fillRect(inBox, QBrush(pal.color(QPalette::Base), Qt::BDiagPattern));
    const QRectF mapCells = QRectF(0, 0, g.inW, g.inH).intersected(inView);
    p.drawImage(toIn(mapCells), input_, mapCells);
    const double cellPx = toIn(QRectF(0, 0, 1, 1)).width();
    if (cellPx >= 8) { // a grid, once cells are large enough to tell apart
        p.setPen(QPen(QColor(128, 128, 128, 90), 1));
        for (int x = int(std::ceil(inView.left())); x <= int(inView.right()); ++x)
            p.drawLine(toIn(QRectF(x, inView.top(), 0, inView.height())).topLeft(),
                       toIn(QRectF(x, inView.top(), 0, inView.height())).bottomLeft());
        for (int y = int(std::ceil(inView.top())); y <= int(inView.bottom()); ++y)
            p.drawLine(toIn(QRectF(inView.left(), y, inView.width(), 0)).topLeft(),
                       toIn(QRectF(inView.left(), y, inView.width(), 0)).topRight());
    }
    p.setPen(QPen(textColour, 1));
    p.setBrush(Qt::NoBrush);
    p.drawRect(toIn(QRectF(0, 0, g.inW, g.inH)));
    QColor fill = kAccent;
    fill.setAlpha(90);
    for (int ky = 0; ky < g.kernelH; ++ky)
        for (int kx = 0; kx < g.kernelW; ++kx) {
            const QRectF c =
                toIn(QRectF(origin.x() + kx * g.dilation.w, origin.y() + ky * g.dilation.h, 1, 1));
            p.fillRect(c, fill);
            if (c.width() >= 4) {
                p.setPen(QPen(kAccent, 1));
                p.drawRect(c);
            }
        }
    const QRectF window = toIn(QRectF(origin.x(), origin.y(), spanW, spanH));
    p.setPen(QPen(pal.color(QPalette::Base), 3));
    p.drawRect(window.adjusted(-1, -1, 1, 1));
    p.setPen(QPen(kAccent, 2));
    p.drawRect(window.adjusted(-1, -1, 1, 1));
    p.setClipping(false);

    // Output: what is computed so far, the rest left blank, the current value outlined.
    const QRectF outBox = toOut(outView);
    p.fillRect(outBox, pal.color(QPalette::AlternateBase));
    p.setClipRect(outBox);
    const QRectF done = QRectF(0, 0, g.outW, cell.y()).intersected(outView);
    if (!done.isEmpty())
        p.drawImage(toOut(done), output_, done);
    const QRectF row = QRectF(0, cell.y(), cell.x() + 1, 1).intersected(outView);
    if (!row.isEmpty())
        p.drawImage(toOut(row), output_, row);
    const QRectF current = toOut(QRectF(cell.x(), cell.y(), 1, 1));
    const QRectF marker =
        current.width() < 6 ? QRectF(current.center() - QPointF(3, 3), QSizeF(6, 6)) : current;
    p.setPen(QPen(pal.color(QPalette::Base), 3));
    p.drawRect(marker);
    p.setPen(QPen(kAccent, 2));
    p.drawRect(marker);
    p.setClipping(false);
    p.setPen(QPen(textColour, 1));
    p.drawRect(outBox);

    // Captions, in the font that lets every one of them fit.
    p.setFont(text.font);
    for (const Caption& caption : text.captions) {
        p.setPen(caption.secondary ? pal.color(QPalette::PlaceholderText) : textColour);
        p.drawText(caption.box, int(caption.alignment | Qt::AlignVCenter), caption.text);
    }
    p.restore();
}

// ---------------------------------------------------------------------------------------------

SlidingWindowView::SlidingWindowView(Document* document, MapDataProvider* data, QWidget* parent)
    : QWidget(parent), document_(document), data_(data) {
    setObjectName(QStringLiteral("slidingWindow"));
    canvas_ = new SlidingWindowCanvas;
    status_ = new QLabel;
    status_->setWordWrap(true);
    status_->setToolTip(tr("The layer being animated"));

    playButton_ = new QPushButton(tr("Play"));
    playButton_->setObjectName(QStringLiteral("slidePlay"));
    playButton_->setToolTip(tr("Play or pause the window's slide (Space)"));
    backButton_ = new QToolButton;
    backButton_->setText(QStringLiteral("◀"));
    backButton_->setToolTip(tr("One step back"));
    backButton_->setAutoRepeat(true);
    forwardButton_ = new QToolButton;
    forwardButton_->setText(QStringLiteral("▶"));
    forwardButton_->setToolTip(tr("One step forward"));
    forwardButton_->setAutoRepeat(true);
    scrub_ = new QSlider(Qt::Horizontal);
    scrub_->setObjectName(QStringLiteral("slideScrub"));
    scrub_->setToolTip(tr("Scrub: drag to any step of the slide"));
    speed_ = new QSlider(Qt::Horizontal);
    speed_->setRange(0, 100);
    speed_->setValue(35);
    speed_->setMaximumWidth(140);
    speed_->setToolTip(tr("Speed: from one step a second to thousands"));
    speedLabel_ = new QLabel;
    speedLabel_->setMinimumWidth(70);
    speedLabel_->setToolTip(speed_->toolTip());
    // Channels are numbered from 1, also while there is nothing to show.
    inChannel_ = new BoundedSpinBox;
    inChannel_->setLimits(1, 1);
    inChannel_->setPrefix(tr("in "));
    inChannel_->setQuantity(tr("The input channel"));
    inChannel_->setDescription(tr("The input channel shown under the window (a conv reads every "
                                  "channel of its group at once; one is shown)"));
    outChannel_ = new BoundedSpinBox;
    outChannel_->setLimits(1, 1);
    outChannel_->setPrefix(tr("out "));
    outChannel_->setQuantity(tr("The output map"));
    outChannel_->setDescription(tr("The output map that fills in"));
    for (BoundedSpinBox* box : {inChannel_, outChannel_})
        connect(box, &BoundedSpinBox::limitMessage, this, &SlidingWindowView::message);
    zoom_ = new QCheckBox(tr("Follow"));
    zoom_->setChecked(true);
    zoom_->setToolTip(tr("Zoom in on the window and follow it, so single cells, gaps and padding "
                         "can be seen on large maps"));
    gifButton_ = new QPushButton(tr("GIF…"));
    gifButton_->setToolTip(tr("Export the slide as an animated GIF"));
    pngButton_ = new QPushButton(tr("PNGs…"));
    pngButton_->setToolTip(tr("Export the slide as a numbered PNG sequence in a folder"));

    auto* controls = new QHBoxLayout;
    controls->addWidget(playButton_);
    controls->addWidget(backButton_);
    controls->addWidget(forwardButton_);
    controls->addWidget(scrub_, 1);
    controls->addWidget(speed_);
    controls->addWidget(speedLabel_);
    auto* options = new QHBoxLayout;
    options->addWidget(status_, 1);
    options->addWidget(inChannel_);
    options->addWidget(outChannel_);
    options->addWidget(zoom_);
    options->addWidget(gifButton_);
    options->addWidget(pngButton_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(options);
    layout->addWidget(canvas_, 1);
    layout->addLayout(controls);

    timer_.setInterval(30);
    connect(&timer_, &QTimer::timeout, this, &SlidingWindowView::tick);
    connect(playButton_, &QPushButton::clicked, this, [this] { isPlaying() ? pause() : play(); });
    connect(backButton_, &QToolButton::clicked, this, &SlidingWindowView::stepBack);
    connect(forwardButton_, &QToolButton::clicked, this, &SlidingWindowView::stepForward);
    connect(scrub_, &QSlider::valueChanged, this, &SlidingWindowView::setStep);
    auto updateSpeed = [this] {
        const int perSecond = int(std::lround(std::pow(10.0, speed_->value() / 25.0)));
        speedLabel_->setText(tr("%1 steps/s").arg(perSecond));
    };
    connect(speed_, &QSlider::valueChanged, this, updateSpeed);
    updateSpeed();
    connect(inChannel_, &QSpinBox::valueChanged, this, [this] {
        serial_ = 0;
        reload();
    });
    connect(outChannel_, &QSpinBox::valueChanged, this, [this] {
        serial_ = 0;
        reload();
    });
    connect(zoom_, &QCheckBox::toggled, canvas_, &SlidingWindowCanvas::setZoomed);
    canvas_->setZoomed(zoom_->isChecked());
    connect(gifButton_, &QPushButton::clicked, this, [this] { exportDialog(true); });
    connect(pngButton_, &QPushButton::clicked, this, [this] { exportDialog(false); });
    connect(document_, &Document::selectionChanged, this, &SlidingWindowView::reload);
    connect(data_, &MapDataProvider::snapshotReady, this, &SlidingWindowView::reload);
    reload();
}

void SlidingWindowView::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    data_->setWanted(QStringLiteral("slidingWindow"), true);
    reload();
}

void SlidingWindowView::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    pause();
    data_->setWanted(QStringLiteral("slidingWindow"), false);
}

void SlidingWindowView::setSpeed(int stepsPerSecond) {
    speed_->setValue(
        std::clamp(int(std::lround(25.0 * std::log10(std::max(1, stepsPerSecond)))), 0, 100));
}

void SlidingWindowView::reload() {
    auto snapshot = data_->snapshot();
    const int layer = document_->selectedLayer();
    if (!snapshot)
        return;
    if (layer == layer_ && snapshot->revision == serial_)
        return;
    const bool sameLayer = layer == layer_;
    layer_ = layer;
    serial_ = snapshot->revision;
    const Tensor* in = snapshot->maps(layer - 1);
    const Tensor* out = snapshot->maps(layer);
    WindowGeometry g;
    if (in && out && layer < int(snapshot->pipeline.layers.size()))
        g = WindowGeometry::of(snapshot->pipeline.layers[layer], in->shape(), out->shape());
    for (QWidget* w :
         std::initializer_list<QWidget*>{playButton_, backButton_, forwardButton_, scrub_,
                                         inChannel_, outChannel_, gifButton_, pngButton_})
        w->setEnabled(g.valid);
    if (!g.valid) {
        pause();
        unavailable_ = whyNoWindow(*snapshot, layer);
        canvas_->setData(g, {}, {}, {}, {});
        canvas_->setPlaceholder(unavailable_);
        // The headline here, the reason on the canvas.
        const bool exists = layer >= 0 && layer < int(document_->pipeline().layers.size());
        status_->setText(
            exists ? tr("<b>Layer %1 · %2</b>: no window to show")
                         .arg(layer + 1)
                         .arg(QString::fromStdString(
                                  display_name(document_->pipeline().layers[std::size_t(layer)]))
                                  .toHtmlEscaped())
                   : unavailable_);
        return;
    }
    unavailable_.clear();
    const Layer& spec = snapshot->pipeline.layers[layer];
    {
        QSignalBlocker a(inChannel_), b(outChannel_);
        inChannel_->setLimits(1, in->channels());
        outChannel_->setLimits(1, out->channels());
        if (!sameLayer) {
            outChannel_->setValue(std::clamp(document_->selectedFilter() + 1, 1, out->channels()));
            inChannel_->setValue(1);
        }
        if (g.pool) // pooling works channel by channel
            inChannel_->setValue(outChannel_->value());
        inChannel_->setEnabled(!g.pool);
    }
    const int inC = inChannel_->value() - 1, outC = outChannel_->value() - 1;
    const QImage inPicture = channelPicture(*in, inC, layer == 0);
    const QImage outPicture = channelPicture(*out, outC, false);
    const QString name = QString::fromStdString(display_name(spec));
    canvas_->setData(g, inPicture, outPicture,
                     tr("%1, channel %2 (%3 × %4)")
                         .arg(layer == 0 ? tr("input") : tr("layer %1's output").arg(layer))
                         .arg(inC + 1)
                         .arg(g.inW)
                         .arg(g.inH),
                     tr("layer %1 %2, map %3 (%4 × %5)")
                         .arg(layer + 1)
                         .arg(name)
                         .arg(outC + 1)
                         .arg(g.outW)
                         .arg(g.outH));
    status_->setText(tr("<b>Layer %1 · %2</b>: %3 steps").arg(layer + 1).arg(name).arg(g.steps()));
    {
        QSignalBlocker block(scrub_);
        scrub_->setRange(0, g.steps() - 1);
        scrub_->setValue(canvas_->step());
    }
    position_ = canvas_->step();
    Q_EMIT ready();
}

QString SlidingWindowView::whyNoWindow(const MapSnapshot& snapshot, int layer) const {
    const Pipeline& pipeline = document_->pipeline();
    if (layer < 0 || layer >= int(pipeline.layers.size()))
        return tr("Select a convolution or pooling layer to watch its window slide.");
    const Layer& spec = pipeline.layers[std::size_t(layer)];
    const bool windowed =
        std::holds_alternative<Conv2d>(spec.op) || std::holds_alternative<Pool2d>(spec.op);
    const QString name = QString::fromStdString(display_name(spec));
    if (!snapshot.maps(layer)) {
        // The layer did not run: its own error, or the earlier layer's that stopped the run.
        if (snapshot.error && snapshot.error->layer == layer)
            return tr("Layer %1 · %2 cannot run, so its window cannot be shown: %3")
                .arg(layer + 1)
                .arg(name, snapshot.error->message);
        if (snapshot.error && snapshot.error->layer >= 0 && snapshot.error->layer < layer)
            return tr("Layer %1 · %2 has not run: layer %3 before it cannot run (%4)")
                .arg(layer + 1)
                .arg(name)
                .arg(snapshot.error->layer + 1)
                .arg(snapshot.error->message);
        if (snapshot.error)
            return tr("Nothing ran: %1").arg(snapshot.error->message);
        return tr("Layer %1 · %2 has not been computed yet.").arg(layer + 1).arg(name);
    }
    if (!windowed)
        return tr("Layer %1 · %2 has no window: select a convolution or pooling layer to watch "
                  "its window slide.")
            .arg(layer + 1)
            .arg(name);
    if (!spec.enabled)
        return tr("Layer %1 · %2 is disabled: it passes its input through, no window slides.")
            .arg(layer + 1)
            .arg(name);
    return tr("Layer %1 · %2 makes an empty map: there is no window to show.")
        .arg(layer + 1)
        .arg(name);
}

void SlidingWindowView::play() {
    if (!isReady())
        return;
    if (canvas_->step() >= steps() - 1)
        setStep(0);
    position_ = canvas_->step();
    clock_.start();
    timer_.start();
    playButton_->setText(tr("Pause"));
}

void SlidingWindowView::pause() {
    timer_.stop();
    playButton_->setText(tr("Play"));
}

void SlidingWindowView::tick() {
    const double perSecond = std::pow(10.0, speed_->value() / 25.0);
    position_ += perSecond * clock_.restart() / 1000.0;
    const int step = int(position_);
    if (step >= steps() - 1) {
        setStep(steps() - 1);
        pause();
        return;
    }
    setStep(step);
}

void SlidingWindowView::stepForward() {
    pause();
    setStep(canvas_->step() + 1);
}

void SlidingWindowView::stepBack() {
    pause();
    setStep(canvas_->step() - 1);
}

void SlidingWindowView::setStep(int step) {
    canvas_->setStep(step);
    if (!isPlaying())
        position_ = canvas_->step();
    QSignalBlocker block(scrub_);
    scrub_->setValue(canvas_->step());
}

std::vector<int> SlidingWindowView::exportSteps(int maxFrames) const {
    if (!isReady())
        return {};
    const WindowGeometry& g = canvas_->geometry();
    return animationSteps(g.outW, g.outH, maxFrames > 0 ? maxFrames : kDefaultExportFrames);
}

std::vector<RgbImage> SlidingWindowView::frames(int maxFrames, QSize size) const {
    std::vector<RgbImage> out;
    const std::vector<int> steps = exportSteps(maxFrames);
    out.reserve(steps.size());
    for (int step : steps)
        out.push_back(toRgbImage(canvas_->renderFrame(step, size)));
    return out;
}

bool SlidingWindowView::exportGif(const QString& path, int maxFrames, QSize size, int delayMs,
                                  QString* error) {
    if (!isReady()) {
        if (error)
            *error = tr("Nothing to animate: %1").arg(unavailable_);
        return false;
    }
    try {
        write_gif(path.toStdString(), frames(maxFrames, size), delayMs, true);
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    return true;
}

bool SlidingWindowView::exportPngSequence(const QString& dir, int maxFrames, QSize size,
                                          QString* error) {
    if (!isReady()) {
        if (error)
            *error = tr("Nothing to animate: %1").arg(unavailable_);
        return false;
    }
    try {
        write_png_sequence(dir.toStdString(), "frame", frames(maxFrames, size));
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromUtf8(e.what());
        return false;
    }
    return true;
}

void SlidingWindowView::exportDialog(bool gif) {
    pause();
    QString path;
    if (gif) {
        path = QFileDialog::getSaveFileName(
            this, tr("Export animation"),
            QDir::home().filePath(QStringLiteral("sliding-window.gif")),
            tr("Animated GIF (*.gif)"));
    } else {
        path = QFileDialog::getExistingDirectory(this, tr("Export PNG sequence to folder"),
                                                 QDir::homePath());
    }
    if (path.isEmpty())
        return;
    // The frames are painted here (the canvas belongs to the GUI thread); encoding and writing,
    // the slow part, happen on a worker.
    QApplication::setOverrideCursor(Qt::WaitCursor);
    std::vector<RgbImage> images = frames(kDefaultExportFrames, kExportFrameSize);
    QApplication::restoreOverrideCursor();
    const int count = int(images.size());
    gifButton_->setEnabled(false);
    pngButton_->setEnabled(false);
    Q_EMIT message(tr("Writing %1 frames…").arg(count));
    auto* watcher = new QFutureWatcher<QString>(this);
    connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher, path, count] {
        const QString error = watcher->result();
        watcher->deleteLater();
        gifButton_->setEnabled(isReady());
        pngButton_->setEnabled(isReady());
        if (!error.isEmpty())
            QMessageBox::warning(this, tr("Export animation"), error);
        else
            Q_EMIT message(tr("Wrote %1 frames to %2").arg(count).arg(QFileInfo(path).fileName()));
    });
    watcher->setFuture(QtConcurrent::run([gif, path, images = std::move(images)]() -> QString {
        try {
            if (gif)
                write_gif(path.toStdString(), images, 60, true);
            else
                write_png_sequence(path.toStdString(), "frame", images);
        } catch (const std::exception& e) {
            return QString::fromUtf8(e.what());
        }
        return {};
    }));
}

} // namespace convscope::ui
