#include "pixel_inspector.hpp"

#include "document.hpp"
#include "number_format.hpp"

#include <QHeaderView>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QScrollArea>
#include <QSplitter>
#include <QStaticText>
#include <QTableWidget>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace convscope::ui {

namespace {

constexpr int kRowHeight = 96;
constexpr int kMaxZoomCells = 40;

QString num(double v) {
    return formatNumber(v, 6);
}

// Nearest samples of `region` (map coordinates, may reach outside the map) of one channel, or of
// all three channels of a colour input (channel -1), as a picture of out.width × out.height.
// Cells outside the map come out as `outside`.
QImage sampleMap(const Tensor& t, int channel, QRect region, QSize out, ValueRange range,
                 Colormap map, QRgb outside) {
    QImage image(out, QImage::Format_RGB32);
    if (out.isEmpty())
        return image;
    Tensor samples(1, out.height(), out.width());
    std::vector<std::uint8_t> inside(std::size_t(out.width()) * out.height());
    std::vector<QRgb> rgb(channel < 0 ? inside.size() : 0);
    for (int y = 0; y < out.height(); ++y) {
        const int my = region.top() + int(std::floor((y + 0.5) * region.height() / out.height()));
        for (int x = 0; x < out.width(); ++x) {
            const int mx =
                region.left() + int(std::floor((x + 0.5) * region.width() / out.width()));
            const bool in = my >= 0 && my < t.height() && mx >= 0 && mx < t.width();
            inside[std::size_t(y) * out.width() + x] = in;
            if (!in)
                continue;
            if (channel < 0) {
                auto c = [&](int ch) {
                    return std::clamp(int(std::lround(t.row(ch, my)[mx] * 255.0f)), 0, 255);
                };
                rgb[std::size_t(y) * out.width() + x] = qRgb(c(0), c(1), c(2));
            } else {
                samples.row(0, y)[x] = t.row(channel, my)[mx];
            }
        }
    }
    RgbImage coloured;
    if (channel >= 0)
        coloured = colorize(samples, 0, map, range);
    for (int y = 0; y < out.height(); ++y) {
        auto* line = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < out.width(); ++x) {
            const std::size_t i = std::size_t(y) * out.width() + x;
            if (!inside[i])
                line[x] = outside;
            else if (channel < 0)
                line[x] = rgb[i];
            else
                line[x] = qRgb(coloured.pixels[i * 3], coloured.pixels[i * 3 + 1],
                               coloured.pixels[i * 3 + 2]);
        }
    }
    return image;
}

} // namespace

// ---------------------------------------------------------------------------------------------

ReceptiveFieldView::ReceptiveFieldView(QWidget* parent) : QWidget(parent) {
    setToolTip(tr("The receptive field: every position of every earlier map that can influence "
                  "the value, from the input (top) to the value itself (bottom). Left: the whole "
                  "map with the field outlined; middle: a close-up (dots mark the cells read "
                  "when a dilation leaves gaps; hatched cells are padding outside the map)"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void ReceptiveFieldView::clear() {
    snapshot_.reset();
    field_ = {};
    rows_.clear();
    setMinimumHeight(0);
    updateGeometry();
    update();
}

QSize ReceptiveFieldView::sizeHint() const {
    return {420, std::max(80, contentHeight_)};
}

void ReceptiveFieldView::resizeEvent(QResizeEvent*) {
    if (!snapshot_)
        return;
    layoutRows();
    if (minimumHeight() != contentHeight_)
        setMinimumHeight(contentHeight_);
}

QRectF ReceptiveFieldView::fieldRect(int level) const {
    return level >= 0 && level < int(rows_.size()) ? rows_[level].fieldBox : QRectF();
}

void ReceptiveFieldView::setField(std::shared_ptr<const MapSnapshot> snapshot,
                                  const ReceptiveField& field, int tracedChannel,
                                  const QStringList& levelNames) {
    snapshot_ = std::move(snapshot);
    field_ = field;
    tracedChannel_ = tracedChannel;
    names_ = levelNames;
    layoutRows();
    setMinimumHeight(sizeHint().height());
    updateGeometry();
    update();
}

void ReceptiveFieldView::layoutRows() {
    rows_.clear();
    if (!snapshot_)
        return;
    const QRgb outside = palette().color(QPalette::Mid).rgb();
    const int n = int(field_.levels.size());
    int y = 4;
    contentHeight_ = 80;
    for (int k = 0; k < n; ++k) {
        const FieldLevel& level = field_.levels[k];
        const Tensor* maps = snapshot_->maps(k - 1);
        Row row;
        if (!maps) {
            rows_.push_back(row);
            continue;
        }
        const bool last = k == n - 1;
        const bool colour = k == 0 && maps->channels() == 3;
        row.shownChannel = colour ? -1
                                  : (last || level.channels.empty()
                                         ? tracedChannel_
                                         : (std::find(level.channels.begin(), level.channels.end(),
                                                      tracedChannel_) != level.channels.end()
                                                ? tracedChannel_
                                                : level.channels.front()));
        row.shownChannel = std::min(row.shownChannel, maps->channels() - 1);
        const ValueRange range =
            row.shownChannel < 0 ? ValueRange{0, 1} : map_range(*maps, row.shownChannel);
        const Colormap cmap = k == 0 ? Colormap::Gray : resolve_colormap(Colormap::Auto, range);
        const ValueRange shown = k == 0 ? ValueRange{0, 1} : display_range(cmap, range);

        // The whole map, fitted into a kRowHeight square.
        const double scale =
            std::min(double(kRowHeight) / maps->height(), double(kRowHeight) / maps->width());
        const QSize wholeSize(std::max(1, int(std::lround(maps->width() * scale))),
                              std::max(1, int(std::lround(maps->height() * scale))));
        row.whole = sampleMap(*maps, row.shownChannel, QRect(0, 0, maps->width(), maps->height()),
                              wholeSize, shown, cmap, outside);
        row.wholeBox = QRectF(4, y + (kRowHeight - wholeSize.height()) / 2.0, wholeSize.width(),
                              wholeSize.height());
        const double sx = double(wholeSize.width()) / maps->width();
        const double sy = double(wholeSize.height()) / maps->height();
        if (level.rows.extent() > 0 && level.cols.extent() > 0)
            row.fieldBox = QRectF(row.wholeBox.left() + level.cols.first * sx,
                                  row.wholeBox.top() + level.rows.first * sy,
                                  level.cols.extent() * sx, level.rows.extent() * sy);

        // The close-up: the field, the padding its windows touch, and one cell of context.
        const int x0 = level.cols.first - level.cols.padding_before - 1;
        const int x1 = level.cols.last + level.cols.padding_after + 1;
        const int y0 = level.rows.first - level.rows.padding_before - 1;
        const int y1 = level.rows.last + level.rows.padding_after + 1;
        const QRect region(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
        if (region.width() <= kMaxZoomCells && region.height() <= kMaxZoomCells) {
            row.zoom =
                sampleMap(*maps, row.shownChannel, region, region.size(), shown, cmap, outside);
            row.zoomX0 = x0;
            row.zoomY0 = y0;
            const double cell =
                std::min(double(kRowHeight) / region.height(), double(kRowHeight) / region.width());
            row.zoomBox = QRectF(kRowHeight + 16, y + (kRowHeight - cell * region.height()) / 2,
                                 cell * region.width(), cell * region.height());
        }

        const QChar times(0x00D7);
        QString channels;
        if (!level.channels.empty()) {
            const int count = int(level.channels.size());
            channels = count == maps->channels() ? tr("all %1 channels").arg(count)
                       : count == 1              ? tr("channel %1").arg(level.channels.front() + 1)
                                                 : tr("%1 channels").arg(count);
        }
        QString text = QStringLiteral("<b>%1</b><br>").arg(names_.value(k).toHtmlEscaped());
        if (last) {
            text += tr("the value at x %1, y %2").arg(level.cols.first).arg(level.rows.first);
        } else if (!level.influences) {
            text += tr("does not feed this value");
        } else if (level.rows.extent() > 0) {
            text += tr("rows %1–%2, cols %3–%4<br>%5 %6 %7 · %8")
                        .arg(level.rows.first)
                        .arg(level.rows.last)
                        .arg(level.cols.first)
                        .arg(level.cols.last)
                        .arg(level.cols.extent())
                        .arg(times)
                        .arg(level.rows.extent())
                        .arg(channels);
            if (!level.rows.dense() || !level.cols.dense())
                text += tr("<br>gaps: every %1th cell (dilation)")
                            .arg(std::max(level.rows.step(), level.cols.step()));
            const int pad = level.rows.padding_before + level.rows.padding_after +
                            level.cols.padding_before + level.cols.padding_after;
            if (pad > 0)
                text += tr("<br>reaches into the padding (T %1, B %2, L %3, R %4)")
                            .arg(level.rows.padding_before)
                            .arg(level.rows.padding_after)
                            .arg(level.cols.padding_before)
                            .arg(level.cols.padding_after);
        } else {
            text += tr("only padding: the value is the bias");
        }
        row.text = text;
        // Beside the pictures when there is room, else under them.
        const double besideX = 2 * kRowHeight + 26;
        if (width() - besideX >= 170) {
            row.textPos = QPointF(besideX, y + 2);
            row.textWidth = width() - besideX - 4;
            y += kRowHeight + 8;
        } else {
            QStaticText measure(text);
            measure.setTextWidth(std::max(80, width() - 8));
            row.textPos = QPointF(4, y + kRowHeight + 4);
            row.textWidth = std::max(80, width() - 8);
            y += kRowHeight + 4 + int(std::ceil(measure.size().height())) + 12;
        }
        rows_.push_back(std::move(row));
    }
    contentHeight_ = y + 4;
}

void ReceptiveFieldView::paintEvent(QPaintEvent*) {
    QPainter p(this);
    const QPalette& pal = palette();
    p.fillRect(rect(), pal.color(QPalette::Base));
    if (rows_.empty()) {
        p.setPen(pal.color(QPalette::PlaceholderText));
        p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                   tr("Hover a pixel of the large map (click to pin it) to trace its receptive "
                      "field back to the input."));
        return;
    }
    const QColor accent(255, 64, 160); // magenta: stands out on viridis, gray and diverging
    const QColor halo = pal.color(QPalette::Base);
    for (std::size_t k = 0; k < rows_.size(); ++k) {
        const Row& row = rows_[k];
        if (row.whole.isNull())
            continue;
        const FieldLevel& level = field_.levels[k];
        p.drawImage(row.wholeBox, row.whole);
        if (!row.fieldBox.isNull()) {
            QRectF box = row.fieldBox;
            if (box.width() < 5) // too small to see: keep it visible, centred
                box.adjust(-(5 - box.width()) / 2, 0, (5 - box.width()) / 2, 0);
            if (box.height() < 5)
                box.adjust(0, -(5 - box.height()) / 2, 0, (5 - box.height()) / 2);
            p.setPen(QPen(halo, 3));
            p.drawRect(box);
            p.setPen(QPen(accent, 1.5));
            p.drawRect(box);
        }
        if (!row.zoom.isNull()) {
            p.drawImage(row.zoomBox, row.zoom);
            const double cw = row.zoomBox.width() / row.zoom.width();
            const double ch = row.zoomBox.height() / row.zoom.height();
            auto cellRect = [&](int my, int mx) {
                return QRectF(row.zoomBox.left() + (mx - row.zoomX0) * cw,
                              row.zoomBox.top() + (my - row.zoomY0) * ch, cw, ch);
            };
            const Tensor* maps = snapshot_->maps(int(k) - 1);
            // Padding the windows reach (outside the map): hatched.
            const int py0 = level.rows.first - level.rows.padding_before;
            const int py1 = level.rows.last + level.rows.padding_after;
            const int px0 = level.cols.first - level.cols.padding_before;
            const int px1 = level.cols.last + level.cols.padding_after;
            p.setPen(Qt::NoPen);
            p.setBrush(QBrush(pal.color(QPalette::Text), Qt::BDiagPattern));
            for (int my = py0; my <= py1; ++my)
                for (int mx = px0; mx <= px1; ++mx)
                    if (my < 0 || mx < 0 || my >= maps->height() || mx >= maps->width())
                        p.drawRect(cellRect(my, mx));
            p.setBrush(Qt::NoBrush);
            // The field: its bounding box, and dots on the cells read when there are gaps.
            if (level.rows.extent() > 0 && level.cols.extent() > 0) {
                const QRectF bounds = cellRect(level.rows.first, level.cols.first)
                                          .united(cellRect(level.rows.last, level.cols.last));
                const QRectF padded = cellRect(py0, px0).united(cellRect(py1, px1));
                if (padded != bounds) {
                    p.setPen(QPen(accent, 1, Qt::DashLine));
                    p.drawRect(padded);
                }
                p.setPen(QPen(halo, 3));
                p.drawRect(bounds);
                p.setPen(QPen(accent, 1.5));
                p.drawRect(bounds);
                if (!level.rows.dense() || !level.cols.dense()) {
                    p.setPen(Qt::NoPen);
                    p.setBrush(accent);
                    const double r = std::max(1.5, std::min(cw, ch) / 5);
                    for (int my : level.rows.positions)
                        for (int mx : level.cols.positions)
                            p.drawEllipse(cellRect(my, mx).center(), r, r);
                    p.setBrush(Qt::NoBrush);
                }
            }
        }
        p.setPen(pal.color(QPalette::Text));
        QStaticText text(row.text);
        text.setTextWidth(row.textWidth);
        p.drawStaticText(row.textPos, text);
    }
}

// ---------------------------------------------------------------------------------------------

PixelInspector::PixelInspector(Document* document, MapDataProvider* data, QWidget* parent)
    : QWidget(parent), document_(document), data_(data) {
    setObjectName(QStringLiteral("pixelInspector"));
    headline_ = new QLabel;
    headline_->setObjectName(QStringLiteral("inspectorHeadline"));
    headline_->setWordWrap(true);
    headline_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    headline_->setToolTip(tr("The pixel being explained: its map, position and value"));
    formula_ = new QLabel;
    formula_->setObjectName(QStringLiteral("inspectorFormula"));
    formula_->setWordWrap(true);
    formula_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    formula_->setToolTip(tr("How the value is made, in one line; the table below lists every "
                            "term"));
    pinButton_ = new QToolButton;
    pinButton_->setText(tr("Unpin"));
    pinButton_->setToolTip(tr("Pinned: the inspector keeps this pixel while you move the mouse. "
                              "Click here (or click the map again) to follow the mouse again"));
    pinButton_->setEnabled(false);
    connect(pinButton_, &QToolButton::clicked, this, &PixelInspector::unpin);

    fieldView_ = new ReceptiveFieldView;
    fieldView_->setObjectName(QStringLiteral("receptiveField"));
    auto* fieldScroll = new QScrollArea;
    fieldScroll->setWidget(fieldView_);
    fieldScroll->setWidgetResizable(true);
    fieldScroll->setFrameShape(QFrame::NoFrame);
    fieldScroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    table_ = new QTableWidget;
    table_->setObjectName(QStringLiteral("arithmeticTable"));
    table_->setToolTip(tr("Every term of the value: for a conv each input cell × its weight "
                          "(padded cells in italics), per-channel sums, the bias and the result; "
                          "for pooling the window and its winner or mean; for an activation the "
                          "value before and after"));
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setStretchLastSection(true);
    QFont tableFont = table_->font();
    tableFont.setPointSizeF(tableFont.pointSizeF() * 0.92);
    table_->setFont(tableFont);
    table_->verticalHeader()->setDefaultSectionSize(table_->fontMetrics().height() + 6);
    table_->setAlternatingRowColors(true);

    auto* top = new QHBoxLayout;
    top->addWidget(headline_, 1);
    top->addWidget(pinButton_);
    auto* split = new QSplitter(Qt::Vertical);
    split->addWidget(fieldScroll);
    auto* lower = new QWidget;
    auto* lowerLayout = new QVBoxLayout(lower);
    lowerLayout->setContentsMargins(0, 0, 0, 0);
    lowerLayout->addWidget(formula_);
    lowerLayout->addWidget(table_, 1);
    split->addWidget(lower);
    split->setStretchFactor(0, 1);
    split->setStretchFactor(1, 1);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 6, 6, 6);
    layout->addLayout(top);
    layout->addWidget(split, 1);

    throttle_.setSingleShot(true);
    throttle_.setInterval(30);
    connect(&throttle_, &QTimer::timeout, this, &PixelInspector::refresh);
    connect(data_, &MapDataProvider::snapshotReady, this, &PixelInspector::refresh);
    connect(document_, &Document::focusChanged, this, [this] {
        if (pinned_ && !(document_->focus() == map_))
            unpin();
        throttle_.start();
    });
    refresh();
}

void PixelInspector::attachView(QWidget* view) {
    view->installEventFilter(this);
}

bool PixelInspector::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::MouseButtonPress) {
        auto* e = static_cast<QMouseEvent*>(event);
        if (e->button() == Qt::LeftButton) {
            pressed_ = true;
            pressPos_ = e->position().toPoint();
        }
    } else if (event->type() == QEvent::MouseButtonRelease && pressed_) {
        auto* e = static_cast<QMouseEvent*>(event);
        pressed_ = false;
        if (e->button() == Qt::LeftButton &&
            (e->position().toPoint() - pressPos_).manhattanLength() < 4) {
            if (pinned_ && cursor_ == hover_)
                unpin();
            else if (cursor_.x() >= 0)
                pinAt(cursor_);
        }
    }
    return QWidget::eventFilter(watched, event);
}

void PixelInspector::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    data_->setWanted(QStringLiteral("inspector"), true);
}

void PixelInspector::hideEvent(QHideEvent* event) {
    QWidget::hideEvent(event);
    Q_EMIT fieldChanged(nullptr);
    data_->setWanted(QStringLiteral("inspector"), false);
}

void PixelInspector::hoverAt(QPoint pixel) {
    cursor_ = pixel;
    if (pinned_ || pixel.x() < 0)
        return;
    hover_ = pixel;
    throttle_.start();
}

void PixelInspector::pinAt(QPoint pixel) {
    pinned_ = true;
    hover_ = pixel;
    position_ = QPoint(-1, -1);
    pinButton_->setEnabled(true);
    Q_EMIT pinnedChanged(true);
    refresh();
}

void PixelInspector::unpin() {
    if (!pinned_)
        return;
    pinned_ = false;
    pinButton_->setEnabled(false);
    position_ = QPoint(-1, -1);
    if (cursor_.x() >= 0)
        hover_ = cursor_;
    Q_EMIT pinnedChanged(false);
    refresh();
}

QString PixelInspector::headline() const {
    return headline_->text();
}

QString PixelInspector::formula() const {
    return formula_->text();
}

void PixelInspector::addRow(RowKind kind, const QStringList& cells, bool emphasise, bool padded) {
    const int r = table_->rowCount();
    table_->insertRow(r);
    for (int c = 0; c < cells.size() && c < table_->columnCount(); ++c) {
        auto* item = new QTableWidgetItem(cells[c]);
        if (c == 0)
            item->setData(Qt::UserRole, int(kind));
        if (c > 0 && c >= cells.size() - 3)
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        QFont f = item->font();
        if (emphasise)
            f.setBold(true);
        if (padded) {
            f.setItalic(true);
            item->setForeground(palette().color(QPalette::PlaceholderText));
        }
        item->setFont(f);
        table_->setItem(r, c, item);
    }
}

void PixelInspector::refresh() {
    const MapId focus = document_->focus();
    const QPoint pixel = hover_; // when pinned, hover_ holds the pinned pixel
    auto snapshot = data_->snapshot();
    if (!snapshot || pixel.x() < 0 || !snapshot->contains(focus)) {
        if (!snapshot || !snapshot->contains(focus))
            headline_->setText(data_->isCurrent() || !snapshot
                                   ? tr("Hover a pixel of the large map; click to pin it.")
                                   : tr("Computing…"));
        else
            headline_->setText(tr("Hover a pixel of the large map; click to pin it."));
        return;
    }
    const Tensor* maps = snapshot->maps(focus.layer);
    if (pixel.y() >= maps->height() || pixel.x() >= maps->width())
        return;
    if (position_ == pixel && map_ == focus && shownSerial_ == snapshot->revision)
        return;
    position_ = pixel;
    map_ = focus;
    shownSerial_ = snapshot->revision;
    const int x = pixel.x(), y = pixel.y();
    mapValue_ = maps->at(focus.channel, y, x);
    const Pipeline& p = snapshot->pipeline;
    const QString pin = pinned_ ? tr(" · pinned") : QString();
    auto layerName = [&p](int layer) {
        return layer < 0 ? tr("Input")
                         : tr("Layer %1 · %2")
                               .arg(layer + 1)
                               .arg(QString::fromStdString(display_name(p.layers[layer])));
    };
    headline_->setText(tr("<b>%1 · map %2</b> at x %3, y %4 = <b>%5</b>%6")
                           .arg(layerName(focus.layer))
                           .arg(focus.channel + 1)
                           .arg(x)
                           .arg(y)
                           .arg(num(*mapValue_))
                           .arg(pin));

    table_->clear();
    table_->setRowCount(0);
    explanation_.reset();
    field_.reset();
    if (focus.layer < 0) {
        table_->setColumnCount(2);
        table_->setHorizontalHeaderLabels({tr("Channel"), tr("Value")});
        for (int c = 0; c < maps->channels(); ++c)
            addRow(Value, {QString::number(c + 1), num(maps->at(c, y, x))}, c == focus.channel);
        formula_->setText(tr("The input image: values 0 … 1."));
        fieldView_->clear();
        Q_EMIT fieldChanged(nullptr);
        Q_EMIT explained();
        return;
    }
    try {
        explanation_ =
            explain_value(p, *snapshot->input, snapshot->run, focus.layer, focus.channel, y, x);
        field_ = receptive_field(p, snapshot->input->shape(), focus.layer, focus.channel, y, x);
    } catch (const std::exception& e) {
        formula_->setText(QString::fromUtf8(e.what()));
        fieldView_->clear();
        return;
    }
    footerColumn_ = -1;
    std::visit(
        [this](const auto& terms) {
            using T = std::decay_t<decltype(terms)>;
            if constexpr (std::is_same_v<T, ConvExplanation>)
                fillConv(terms);
            else if constexpr (std::is_same_v<T, PoolExplanation>)
                fillPool(terms);
            else if constexpr (std::is_same_v<T, ActivationExplanation>)
                fillActivation(terms);
            else if constexpr (std::is_same_v<T, PassThroughExplanation>)
                fillPassThrough(terms);
            else
                fillTable(explanation_table(*explanation_));
        },
        explanation_->terms);
    addFooter();
    // Every column as wide as its numbers, the last one taking what is left, so nothing hides
    // beyond the right edge of a narrow dock.
    QHeaderView* header = table_->horizontalHeader();
    for (int c = 0; c < table_->columnCount(); ++c)
        header->setSectionResizeMode(c, c + 1 == table_->columnCount()
                                            ? QHeaderView::Stretch
                                            : QHeaderView::ResizeToContents);

    QStringList names{tr("Input")};
    for (int l = 0; l <= focus.layer; ++l)
        names << layerName(l);
    fieldView_->setField(snapshot, *field_, focus.channel, names);
    Q_EMIT fieldChanged(&*field_);
    Q_EMIT explained();
}

void PixelInspector::fillConv(const ConvExplanation& e) {
    table_->setColumnCount(4);
    table_->setHorizontalHeaderLabels({tr("ch (y, x)"), tr("input"), tr("weight"), tr("product")});
    int padded = 0;
    for (const ConvChannelTerms& ch : e.channels) {
        for (std::size_t i = 0; i < ch.patch.size(); ++i) {
            const WindowCell& cell = ch.patch[i];
            QString where = QStringLiteral("(%1,%2)").arg(cell.y).arg(cell.x);
            QString input = num(cell.value);
            if (cell.reads_zero_padding()) {
                input = tr("0 · padding");
                ++padded;
            } else if (cell.padded()) {
                where += tr(" → (%1, %2)").arg(cell.source_y).arg(cell.source_x);
                input += tr(" · padding");
                ++padded;
            }
            addRow(Term,
                   {QStringLiteral("%1 %2").arg(ch.input_channel + 1).arg(where), input,
                    num(ch.weights[i]), num(ch.products[i])},
                   false, cell.padded());
        }
        addRow(Subtotal,
               {tr("Σ channel %1").arg(ch.input_channel + 1), QString(), QString(), num(ch.sum)},
               true);
    }
    addRow(Sum, {tr("Σ all channels"), QString(), QString(), num(e.sum)}, true);
    if (e.has_bias)
        addRow(Bias, {tr("+ bias"), QString(), QString(), num(e.bias)}, true);
    addRow(Value, {tr("= value"), QString(), QString(), num(e.value)}, true);
    const int kh = e.channels.empty() ? 0 : e.channels.front().kernel_h;
    const int kw = e.channels.empty() ? 0 : e.channels.front().kernel_w;
    formula_->setText(
        tr("Σ over %1 input channel(s) × %2×%3 kernel of input × weight = %4%5 = <b>%6</b>%7")
            .arg(e.channels.size())
            .arg(kh)
            .arg(kw)
            .arg(num(e.sum))
            .arg(e.has_bias ? tr(", + bias %1").arg(num(e.bias)) : QString())
            .arg(num(e.value))
            .arg(padded > 0 ? tr(" &nbsp;(%1 padded cell(s), in italics)").arg(padded)
                            : QString()));
}

void PixelInspector::fillPool(const PoolExplanation& e) {
    const bool max = e.kind == PoolKind::Max;
    table_->setColumnCount(3);
    table_->setHorizontalHeaderLabels(
        {tr("cell (y, x)"), tr("input"), max ? tr("note") : tr("counted")});
    int padded = 0;
    for (std::size_t i = 0; i < e.cells.size(); ++i) {
        const WindowCell& cell = e.cells[i];
        const bool winner = max && int(i) == e.winner;
        QString note;
        if (cell.padded()) {
            note = max ? tr("padding (never wins)")
                       : (e.count_include_pad ? tr("padding (counts as 0)")
                                              : tr("padding (left out)"));
            ++padded;
        } else if (winner) {
            note = tr("◀ max");
        } else if (!max) {
            note = tr("yes");
        }
        addRow(winner ? Winner : Term,
               {QStringLiteral("(%1, %2)").arg(cell.y).arg(cell.x),
                cell.padded() ? tr("padding") : num(cell.value), note},
               winner, cell.padded());
    }
    if (max) {
        addRow(Value, {tr("= max"), num(e.value), QString()}, true);
        const WindowCell* w = e.winner >= 0 ? &e.cells[e.winner] : nullptr;
        formula_->setText(
            tr("The largest of the %1×%2 window's cells%3: <b>%4</b>")
                .arg(e.window_h)
                .arg(e.window_w)
                .arg(w ? tr(" — the cell at (%1, %2) won").arg(w->y).arg(w->x) : QString())
                .arg(num(e.value)));
    } else {
        addRow(Sum, {tr("Σ"), num(e.sum), QString()}, true);
        addRow(Divisor, {tr("÷ divisor"), QString::number(e.divisor), QString()}, true);
        addRow(Value, {tr("= mean"), num(e.value), QString()}, true);
        formula_->setText(
            tr("The mean over the window: %1 ÷ %2 = <b>%3</b>%4")
                .arg(num(e.sum))
                .arg(e.divisor)
                .arg(num(e.value))
                .arg(padded > 0 ? (e.count_include_pad ? tr(" (padded cells count in the divisor)")
                                                       : tr(" (padded cells left out)"))
                                : QString()));
    }
}

void PixelInspector::fillActivation(const ActivationExplanation& e) {
    table_->setColumnCount(2);
    table_->setHorizontalHeaderLabels({tr("Step"), tr("Value")});
    addRow(Before, {tr("before (x)"), num(e.before)});
    addRow(Term, {tr("f(x)"), QString::fromStdString(e.formula)});
    addRow(Value, {tr("after"), num(e.value)}, true);
    formula_->setText(tr("f(x) = %1, with x = %2 from the layer before: <b>%3</b>")
                          .arg(QString::fromStdString(e.formula).toHtmlEscaped())
                          .arg(num(e.before))
                          .arg(num(e.value)));
}

void PixelInspector::fillPassThrough(const PassThroughExplanation& e) {
    table_->setColumnCount(2);
    table_->setHorizontalHeaderLabels({tr("Step"), tr("Value")});
    addRow(Before, {tr("input"), num(e.before)});
    addRow(Value, {tr("= value (layer disabled)"), num(e.value)}, true);
    formula_->setText(tr("The layer is disabled: it passes its input through."));
}

void PixelInspector::fillTable(const ExplanationTable& t) {
    QStringList headers{tr("Term")};
    for (const std::string& column : t.columns)
        headers << QString::fromStdString(column);
    const bool notes = std::any_of(t.rows.begin(), t.rows.end(),
                                   [](const ExplanationRow& r) { return !r.note.empty(); });
    if (notes)
        headers << tr("note");
    table_->setColumnCount(int(headers.size()));
    table_->setHorizontalHeaderLabels(headers);
    for (const ExplanationRow& row : t.rows) {
        QStringList cells{QString::fromStdString(row.label)};
        for (double v : row.numbers)
            cells << (std::isnan(v) ? QString() : num(v));
        if (notes)
            cells << QString::fromStdString(row.note);
        const RowKind kind = row.kind == ExplanationRow::Kind::Result     ? Value
                             : row.kind == ExplanationRow::Kind::Subtotal ? Subtotal
                             : row.kind == ExplanationRow::Kind::Input    ? Before
                             : row.highlighted                            ? Winner
                                                                          : Term;
        addRow(kind, cells, row.highlighted || row.kind == ExplanationRow::Kind::Result);
    }
    footerColumn_ = 1 + std::max(0, int(t.columns.size()) - 1); // the last column of numbers
    formula_->setText(QStringLiteral("%1: <b>%2</b>")
                          .arg(QString::fromStdString(t.title).toHtmlEscaped(),
                               QString::fromStdString(t.formula).toHtmlEscaped()));
}

void PixelInspector::addFooter() {
    if (!mapValue_)
        return;
    const int columns = table_->columnCount();
    QStringList cells;
    for (int c = 0; c < columns; ++c)
        cells << QString();
    cells[0] = tr("value in the map");
    const int column =
        footerColumn_ >= 0
            ? footerColumn_
            : columns - (columns == 3 && explanation_ &&
                                 std::holds_alternative<PoolExplanation>(explanation_->terms)
                             ? 2
                             : 1);
    cells[std::min(column, columns - 1)] = num(*mapValue_);
    addRow(MapValue, cells, false);
}

} // namespace convscope::ui
