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
    static constexpr int kMaxSide = 96;    // a filter is drawn at most this large,
    static constexpr int kMinSide = 28;    // at least this large to fit without scrolling,
    static constexpr int kScrollSide = 48; // and this large when they do not fit

    // Each picture pixel becomes zoom × zoom screen pixels (nearest neighbour: weights are
    // cells). The largest zoom (tiles up to kMaxSide) at which every filter fits the visible
    // area; when none does, tiles of about kScrollSide and a scroll bar.
    int zoom() const {
        const FilterPictures& p = grid_->pictures_;
        const int n = p.filterCount();
        if (n == 0)
            return 1;
        const QSize picture = p.picture(0).size();
        const int side = std::max(1, std::max(picture.width(), picture.height()));
        QSize area = grid_->scroll_->viewport()->size();
        area.rwidth() -= grid_->scroll_->verticalScrollBar()->sizeHint().width();
        const auto fits = [&](int z) {
            const int cols =
                std::max(1, (area.width() - 2 * kMargin + kGap) / (picture.width() * z + kGap));
            const int rows = (n + cols - 1) / cols;
            return 2 * kMargin + rows * (picture.height() * z + kGap + labelHeight()) <=
                   area.height();
        };
        const int most = std::max(1, kMaxSide / side);
        const int least = std::max(1, int(std::lround(double(kMinSide) / side)));
        for (int z = most; z >= least; --z)
            if (fits(z))
                return z;
        return std::max(1, int(std::lround(double(kScrollSide) / side)));
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
        const int cols = std::max(1, (width - 2 * kMargin + kGap) / std::max(1, t.width() + kGap));
        const int rows = (n + cols - 1) / cols;
        return 2 * kMargin + rows * (t.height() + kGap + labelHeight());
    }
    void relayout() {
        setMinimumHeight(heightFor(width()));
        update();
    }

protected:
    void resizeEvent(QResizeEvent*) override {
        setMinimumHeight(heightFor(width()));
        update(); // the zoom follows the visible area
    }

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
                painter.setPen(
                    QPen(f == selected ? pal.color(QPalette::Highlight) : pal.color(QPalette::Mid),
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
        const QPoint pos = event->position().toPoint();
        const int f = filterAt(pos);
        if (f < 0)
            return;
        const QRect r = rectOf(f);
        const int z = zoom();
        grid_->activate(
            f, grid_->pictures_.channelAt((pos.x() - r.left()) / z, (pos.y() - r.top()) / z));
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
        const int channel = p.channelAt((help->pos().x() - r.left()) / z,
                                        (help->pos().y() - r.top()) / z, &ky, &kx);
        if (channel >= 0)
            where = tr("\nUnder the pointer: input channel %1, weight (%2, %3)")
                        .arg(channel + 1)
                        .arg(ky + 1)
                        .arg(kx + 1);
        QToolTip::showText(help->globalPos(),
                           tr("Filter %1 of %2 — click to edit it (and the channel under the "
                              "pointer) in the kernel editor%3")
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

FilterGrid::FilterGrid(Document* document, QWidget* parent) : QWidget(parent), document_(document) {
    title_ = new QLabel(this);
    title_->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    QFont bold = title_->font();
    bold.setBold(true);
    title_->setFont(bold);
    colour_ = new QCheckBox(tr("In colour"), this);
    colour_->setObjectName(QStringLiteral("filterColour"));
    colour_->setChecked(true);
    colour_->setToolTip(
        tr("A filter that reads red, green and blue drawn as one colour picture: each channel "
           "128 + 127 · w / max|w|, so grey is zero (the classic conv1 figure). Off: one heat "
           "map per input channel."));
    colorbar_ = new Colorbar(this);
    colorbar_->setMinimumWidth(120);
    placeholder_ =
        new QLabel(tr("Select a convolution layer to see all of its filters as pictures."), this);
    placeholder_->setWordWrap(true);
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setForegroundRole(QPalette::PlaceholderText);

    canvas_ = new FilterCanvas(this);
    canvas_->setObjectName(QStringLiteral("filterCanvas"));
    scroll_ = new QScrollArea(this);
    scroll_->setWidget(canvas_);
    scroll_->setWidgetResizable(true);
    scroll_->setFrameShape(QFrame::NoFrame);

    auto* scale = new QHBoxLayout;
    scale->addWidget(colour_);
    scale->addWidget(colorbar_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(8, 6, 8, 6);
    layout->addWidget(title_);
    layout->addLayout(scale);
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

void FilterGrid::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    showTitle();
}

void FilterGrid::showTitle() {
    const QString shown =
        title_->fontMetrics().elidedText(titleText_, Qt::ElideRight, std::max(40, title_->width()));
    if (shown != title_->text())
        title_->setText(shown);
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
        titleText_ = tr("Filters");
        showTitle();
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
    const QString name = QString::fromStdString(display_name(document_->pipeline().layers[layer]));
    title_->setToolTip(tr("The filters of layer %1 · %2").arg(layer + 1).arg(name));
    titleText_ = (tr("Layer %1: %2 filters of %3%4%5%6%7, %8")
                      .arg(layer + 1)
                      .arg(w.out_channels)
                      .arg(w.in_channels)
                      .arg(times)
                      .arg(w.kernel_h)
                      .arg(times)
                      .arg(w.kernel_w)
                      .arg(colour ? tr("in colour") : tr("one heat map per input channel")));
    showTitle();
    if (colour)
        colorbar_->clearScale(tr("grey 0 · full ±%1").arg(formatScaleValue(pictures_.scale())));
    else
        colorbar_->setScale(Colormap::Diverging, ValueRange{-pictures_.scale(), pictures_.scale()});
    if (canvas_->tileSize() != before || pictures_.filterCount() != countBefore) {
        canvas_->relayout();
        return;
    }
    for (int f : lastRedone_) // only the filters the edit changed
        canvas_->update(canvas_->rectOf(f));
}

void FilterGrid::activate(int filter, int channel) {
    if (layer_ < 0)
        return;
    document_->setSelectedFilter(filter);
    canvas_->update();
    Q_EMIT filterActivated(layer_, filter, channel);
}

} // namespace convscope::ui
