#include "filter_grid.hpp"

#include "colorbar.hpp"
#include "document.hpp"
#include "number_format.hpp"
#include "pipeline_edit.hpp"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QScrollBar>
#include <QToolTip>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

// The tiles, laid out to the width of the scroll area; paints only what is exposed.
class FilterCanvas : public QWidget {
public:
    explicit FilterCanvas(FilterGrid* grid) : QWidget(nullptr), grid_(grid) {
        setMouseTracking(true);
        setBackgroundRole(QPalette::Base);
        setAutoFillBackground(true);
    }

    static constexpr int kMargin = 8;
    static constexpr int kGap = 6;
    static constexpr int kTargetSide = 56; // a filter is drawn about this large

    // Each picture pixel becomes zoom × zoom screen pixels (nearest neighbour: weights are cells).
    int zoom() const {
        const FilterPictures& p = grid_->pictures_;
        if (p.filterCount() == 0)
            return 1;
        const QSize s = p.picture(0).size();
        return std::max(1, int(std::lround(double(kTargetSide) / std::max(s.width(), s.height()))));
    }
    QSize tileSize() const {
        const FilterPictures& p = grid_->pictures_;
        if (p.filterCount() == 0)
            return {};
        return p.picture(0).size() * zoom();
    }
    int labelHeight() const { return fontMetrics().height(); }
    int columns() const {
        const QSize t = tileSize();
        return std::max(1, (width() - 2 * kMargin + kGap) / std::max(1, t.width() + kGap));
    }
    QRect rectOf(int filter) const {
        if (filter < 0 || filter >= grid_->pictures_.filterCount())
            return {};
        const QSize t = tileSize();
        const int cols = columns();
        return QRect(kMargin + (filter % cols) * (t.width() + kGap),
                     kMargin + (filter / cols) * (t.height() + kGap + labelHeight()), t.width(),
                     t.height());
    }
    int filterAt(QPoint pos) const {
        const QSize t = tileSize();
        if (t.isEmpty())
            return -1;
        const int cols = columns();
        const int col = (pos.x() - kMargin) / (t.width() + kGap);
        const int row = (pos.y() - kMargin) / (t.height() + kGap + labelHeight());
        if (pos.x() < kMargin || pos.y() < kMargin || col >= cols)
            return -1;
        const int f = row * cols + col;
        return rectOf(f).contains(pos) ? f : -1;
    }
    int heightFor(int width) const {
        const QSize t = tileSize();
        const int n = grid_->pictures_.filterCount();
        if (n == 0)
            return 0;
        const int cols =
            std::max(1, (width - 2 * kMargin + kGap) / std::max(1, t.width() + kGap));
        const int rows = (n + cols - 1) / cols;
        return 2 * kMargin + rows * (t.height() + kGap + labelHeight());
    }
    void relayout() {
        setMinimumHeight(heightFor(width()));
        update();
    }

protected:
    void resizeEvent(QResizeEvent*) override { setMinimumHeight(heightFor(width())); }

    void paintEvent(QPaintEvent* event) override {
        QPainter painter(this);
        const FilterPictures& p = grid_->pictures_;
        const int selected = grid_->document_->selectedFilter();
        const QPalette& pal = palette();
        QFont small = font();
        small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.85));
        painter.setFont(small);
        for (int f = 0; f < p.filterCount(); ++f) {
            const QRect r = rectOf(f);
            const QRect withLabel = r.adjusted(-3, -3, 3, labelHeight() + 3);
            if (!withLabel.intersects(event->rect()))
                continue;
            painter.drawImage(r, p.picture(f)); // scaled without smoothing: every cell shows
            if (f == selected || f == hovered_) {
                painter.setPen(QPen(f == selected ? pal.color(QPalette::Highlight)
                                                  : pal.color(QPalette::Mid),
                                    f == selected ? 3 : 2));
                painter.setBrush(Qt::NoBrush);
                painter.drawRect(r.adjusted(-2, -2, 1, 1));
            }
            painter.setPen(pal.color(QPalette::PlaceholderText));
            painter.drawText(QRect(r.left(), r.bottom() + 1, r.width(), labelHeight()),
                             Qt::AlignHCenter | Qt::AlignTop, QString::number(f + 1));
        }
    }
    void mousePressEvent(QMouseEvent* event) override {
        if (event->button() != Qt::LeftButton)
            return;
        const int f = filterAt(event->position().toPoint());
        if (f >= 0)
            grid_->activate(f);
    }
    void mouseMoveEvent(QMouseEvent* event) override {
        const int f = filterAt(event->position().toPoint());
        setCursor(f >= 0 ? Qt::PointingHandCursor : Qt::ArrowCursor);
        if (f != hovered_) {
            update(rectOf(hovered_).adjusted(-3, -3, 3, 3));
            hovered_ = f;
            update(rectOf(f).adjusted(-3, -3, 3, 3));
        }
    }
    void leaveEvent(QEvent*) override {
        update(rectOf(hovered_).adjusted(-3, -3, 3, 3));
        hovered_ = -1;
    }
    bool event(QEvent* event) override {
        if (event->type() != QEvent::ToolTip)
            return QWidget::event(event);
        auto* help = static_cast<QHelpEvent*>(event);
        const int f = filterAt(help->pos());
        if (f < 0) {
            QToolTip::hideText();
            return true;
        }
        const FilterPictures& p = grid_->pictures_;
        QString where;
        const QRect r = rectOf(f);
        const int z = zoom();
        int ky = 0, kx = 0;
        const int channel =
            p.channelAt((help->pos().x() - r.left()) / z, (help->pos().y() - r.top()) / z, &ky, &kx);
        if (channel >= 0)
            where = tr("\nUnder the pointer: input channel %1, weight (%2, %3)")
                        .arg(channel + 1)
                        .arg(ky + 1)
                        .arg(kx + 1);
        QToolTip::showText(help->globalPos(),
                           tr("Filter %1 of %2 — click to edit it in the kernel editor%3")
                               .arg(f + 1)
                               .arg(p.filterCount())
                               .arg(where),
                           this, r);
        return true;
    }

private:
    FilterGrid* grid_;
    int hovered_ = -1;
};

FilterGrid::FilterGrid(Document* document, QWidget* parent)
    : QWidget(parent), document_(document) {
    title_ = new QLabel(this);
    title_->setWordWrap(true);
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    colour_ = new QCheckBox(tr("As colour pictures"), this);
    colour_->setObjectName(QStringLiteral("filterColour"));
    colour_->setChecked(true);
    colour_->setToolTip(
        tr("A filter that reads red, green and blue drawn as one colour picture: each channel "
           "128 + 127 · w / max|w|, so grey is zero (the classic conv1 figure). Off: one heat "
           "map per input channel."));
    colorbar_ = new Colorbar(this);
    colorbar_->setMinimumWidth(160);
    placeholder_ = new QLabel(
        tr("Select a convolution layer to see all of its filters as pictures."), this);
    placeholder_->setWordWrap(true);
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setForegroundRole(QPalette::PlaceholderText);

    canvas_ = new FilterCanvas(this);
    canvas_->setObjectName(QStringLiteral("filterCanvas"));
    scroll_ = new QScrollArea(this);
    scroll_->setWidget(canvas_);
    scroll_->setWidgetResizable(true);
    scroll_->setFrameShape(QFrame::NoFrame);

    auto* header = new QHBoxLayout;
    header->addWidget(title_, 1);
    header->addWidget(colour_);
    header->addWidget(colorbar_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addLayout(header);
    layout->addWidget(scroll_, 1);
    layout->addWidget(placeholder_, 1);

    auto markStale = [this] {
        stale_ = true;
        if (isVisible())
            refresh();
    };
    connect(document_, &Document::pipelineChanged, this, markStale);
    connect(document_, &Document::selectionChanged, this, [this, markStale] {
        markStale();
        canvas_->update(); // the selected filter's outline
    });
    connect(colour_, &QCheckBox::toggled, this, markStale);
    refresh();
}

QRect FilterGrid::filterRect(int filter) const {
    return canvas_->rectOf(filter);
}

QWidget* FilterGrid::canvas() const {
    return canvas_;
}

void FilterGrid::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (stale_)
        refresh();
}

void FilterGrid::refresh() {
    stale_ = false;
    const Conv2d* conv = document_->selectedConv();
    const int layer = conv ? document_->selectedLayer() : -1;
    scroll_->setVisible(conv != nullptr);
    colorbar_->setVisible(conv != nullptr);
    placeholder_->setVisible(conv == nullptr);
    if (!conv) {
        layer_ = -1;
        pictures_.clear();
        lastRedone_.clear();
        colour_->setVisible(false);
        title_->setText(tr("Filters"));
        return;
    }
    const QSize before = canvas_->tileSize();
    const int countBefore = pictures_.filterCount();
    if (layer != layer_)
        pictures_.clear(); // another layer: every picture anew
    layer_ = layer;
    const ConvWeights& w = conv->weights;
    colour_->setVisible(FilterPictures::canShowColour(w));
    lastRedone_ = pictures_.update(*conv, colour_->isChecked());
    const QChar times(0x00D7);
    const bool colour = pictures_.style() == FilterPictures::Style::Colour;
    title_->setText(
        tr("Filters of layer %1 · %2: %3 filters of %4%5%6%7%8, %9")
            .arg(layer + 1)
            .arg(QString::fromStdString(display_name(document_->pipeline().layers[layer])))
            .arg(w.out_channels)
            .arg(w.in_channels)
            .arg(times)
            .arg(w.kernel_h)
            .arg(times)
            .arg(w.kernel_w)
            .arg(colour ? tr("in colour") : tr("one heat map per input channel")));
    if (colour)
        colorbar_->clearScale(tr("grey = 0, full colour = ±%1").arg(formatScaleValue(pictures_.scale())));
    else
        colorbar_->setScale(Colormap::Diverging,
                            ValueRange{-pictures_.scale(), pictures_.scale()});
    if (canvas_->tileSize() != before || pictures_.filterCount() != countBefore) {
        canvas_->relayout();
        return;
    }
    for (int f : lastRedone_) // only the filters the edit changed
        canvas_->update(canvas_->rectOf(f));
}

void FilterGrid::activate(int filter) {
    if (layer_ < 0)
        return;
    document_->setSelectedFilter(filter);
    canvas_->update();
    Q_EMIT filterActivated(layer_, filter);
}

} // namespace convscope::ui
