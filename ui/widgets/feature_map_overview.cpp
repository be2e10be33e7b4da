#include "feature_map_overview.hpp"

#include "document.hpp"
#include "number_format.hpp"
#include "pipeline_edit.hpp"

#include "convscope/receptive_field.hpp"

#include <QHelpEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QToolTip>

#include <algorithm>
#include <cmath>

namespace convscope::ui {

namespace {
constexpr int kMargin = 12;
constexpr int kGap = 6;
} // namespace

FeatureMapOverview::FeatureMapOverview(Document* document, QWidget* parent)
    : QWidget(parent), document_(document) {
    setMouseTracking(true);
    // As tall as its bands at the width it is given: a scroll area around it scrolls from the
    // first result on (it asks heightForWidth, and the minimum height follows every relayout).
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
    setBackgroundRole(QPalette::Base);
    setAutoFillBackground(true);
}

void FeatureMapOverview::setTileHeight(int pixels) {
    pixels = std::clamp(pixels, kMinTileHeight, kMaxTileHeight);
    if (pixels == tileHeight_)
        return;
    tileHeight_ = pixels;
    relayout();
    Q_EMIT thumbnailSizeChanged(thumbnailSize());
}

int FeatureMapOverview::thumbnailSize() const {
    constexpr double kWiderThanTall = 1.6;
    constexpr int kMaxThumbnail = 384;
    return std::min(kMaxThumbnail,
                    int(std::lround(tileHeight_ * kWiderThanTall * devicePixelRatioF())));
}

QString FeatureMapOverview::bandTitle(int band) const {
    return band >= 0 && band < int(bands_.size()) ? bands_[band].title : QString();
}

void FeatureMapOverview::setResult(std::shared_ptr<const RenderResult> result) {
    result_ = std::move(result);
    bands_.clear();
    if (!result_)
        return;
    const Pipeline& pipeline = document_->pipeline();
    const QChar times(0x00D7);
    auto shapeText = [times](Shape s) {
        return QStringLiteral("%1 %2, %3 %4 %5")
            .arg(s.channels)
            .arg(s.channels == 1 ? tr("map") : tr("maps"))
            .arg(s.width)
            .arg(times)
            .arg(s.height);
    };

    Band input;
    input.layer = -1;
    input.title = tr("Input");
    input.detail = QStringLiteral("%1 × %2 px, %3")
                       .arg(result_->inputShape.width)
                       .arg(result_->inputShape.height)
                       .arg(result_->inputShape.channels == 1 ? tr("gray") : tr("RGB"));
    Tile inputTile;
    inputTile.id = MapId{-1, 0};
    inputTile.image = result_->inputThumbnail;
    inputTile.pixmap = QPixmap::fromImage(result_->inputThumbnail);
    inputTile.tip = tr("The input image (%1)").arg(input.detail);
    input.tiles.push_back(std::move(inputTile));
    bands_.push_back(std::move(input));

    const int count = int(pipeline.layers.size());
    for (int i = 0; i < count; ++i) {
        Band band;
        band.layer = i;
        const Layer& layer = pipeline.layers[i];
        band.title =
            QStringLiteral("%1 · %2").arg(i + 1).arg(QString::fromStdString(display_name(layer)));
        if (i < int(result_->layers.size())) {
            const LayerRender& render = result_->layers[i];
            QString timing =
                render.kernel == QLatin1String("fused-into-conv")
                    ? tr("fused into the conv")
                    : QStringLiteral("%1 ms").arg(render.ms, 0, 'f', render.ms < 10 ? 2 : 1);
            band.detail = QStringLiteral("%1   ·   %2   ·   %3")
                              .arg(describeLayer(layer), shapeText(render.shape), timing);
            if (!layer.enabled)
                band.detail =
                    tr("disabled: passes its input through   ·   %1").arg(shapeText(render.shape));
            for (int c = 0; c < int(render.maps.size()); ++c) {
                const MapRender& map = render.maps[c];
                Tile tile;
                tile.id = MapId{i, c};
                tile.image = map.thumbnail;
                tile.pixmap = QPixmap::fromImage(map.thumbnail);
                // The range is exact (finite values), so 0 … 0 means every value is zero.
                tile.dead = map.range.min == 0.0f && map.range.max == 0.0f;
                tile.tip = tile.dead
                               ? tr("Map %1 of %2 — dead: every value is zero (after a ReLU: "
                                    "the filter never responds positively to this input)")
                                     .arg(c + 1)
                                     .arg(render.maps.size())
                               : tr("Map %1 of %2 — values %3 … %4 (click to see it large)")
                                     .arg(c + 1)
                                     .arg(render.maps.size())
                                     .arg(formatScaleValue(map.range.min),
                                          formatScaleValue(map.range.max));
                band.tiles.push_back(std::move(tile));
            }
            const auto dead = std::count_if(band.tiles.begin(), band.tiles.end(),
                                            [](const Tile& t) { return t.dead; });
            if (dead > 0)
                band.detail += tr("   ·   %n dead map(s)", nullptr, int(dead));
        } else if (result_->error && i == result_->error->layer) {
            band.detail = describeLayer(layer);
            band.error = result_->error->message;
        } else {
            band.detail = describeLayer(layer);
            band.notRun = true;
        }
        bands_.push_back(std::move(band));
    }
    if (result_->error && result_->error->layer < 0) { // nothing could run
        Band band;
        band.layer = -2;
        band.title = tr("Pipeline");
        band.error = result_->error->message;
        bands_.push_back(std::move(band));
    }
    relayout();
}

void FeatureMapOverview::relayout() {
    const int h = layoutBands(width(), true);
    if (minimumHeight() != h)
        setMinimumHeight(h);
    updateGeometry();
    update();
}

int FeatureMapOverview::layoutBands(int width, bool apply) {
    const QFontMetrics fm(font());
    const int lineHeight = fm.height();
    int y = kMargin;
    const int available = std::max(tileHeight_, width - 2 * kMargin);
    for (Band& band : bands_) {
        const int top = y;
        const QRect titleRect(kMargin, y, available, lineHeight + 4);
        y += lineHeight + 8;
        int x = kMargin;
        int rowBottom = y;
        for (Tile& tile : band.tiles) {
            const QSize image = tile.image.size();
            int h = tileHeight_;
            int w = image.isEmpty()
                        ? h
                        : std::max(8, int(std::lround(double(h) * image.width() / image.height())));
            if (w > available) {
                w = available;
                h = std::max(
                    8, int(std::lround(double(w) * image.height() / std::max(1, image.width()))));
            }
            if (x > kMargin && x + w > kMargin + available) {
                x = kMargin;
                y = rowBottom + kGap;
            }
            if (apply)
                tile.rect = QRect(x, y, w, h);
            x += w + kGap;
            rowBottom = std::max(rowBottom, y + h);
        }
        if (!band.error.isEmpty() || band.notRun) {
            const QRect box = fm.boundingRect(QRect(kMargin, y, available, 1000), Qt::TextWordWrap,
                                              band.error.isEmpty() ? tr("not run") : band.error);
            rowBottom = std::max(rowBottom, y + box.height() + 12);
        }
        y = rowBottom + kMargin + 4;
        if (apply) {
            band.titleRect = titleRect;
            band.rect = QRect(0, top - kMargin / 2, width, y - top);
        }
    }
    return y;
}

int FeatureMapOverview::heightForWidth(int width) const {
    return const_cast<FeatureMapOverview*>(this)->layoutBands(width, false);
}

QSize FeatureMapOverview::sizeHint() const {
    return {800, heightForWidth(800)};
}

void FeatureMapOverview::resizeEvent(QResizeEvent*) {
    const int h = layoutBands(width(), true);
    if (minimumHeight() != h)
        setMinimumHeight(h);
}

QRect FeatureMapOverview::bandRect(int layer) const {
    for (const Band& band : bands_)
        if (band.layer == layer)
            return band.rect;
    return {};
}

QRect FeatureMapOverview::tileRect(MapId map) const {
    for (const Band& band : bands_)
        for (const Tile& tile : band.tiles)
            if (tile.id == map)
                return tile.rect;
    return {};
}

QImage FeatureMapOverview::thumbnail(MapId map) const {
    for (const Band& band : bands_)
        for (const Tile& tile : band.tiles)
            if (tile.id == map)
                return tile.image;
    return {};
}

void FeatureMapOverview::setReceptiveField(const ReceptiveField* field) {
    field_.clear();
    if (field) {
        for (const FieldLevel& level : field->levels) {
            FieldOutline outline;
            outline.channels = level.channels;
            if (level.rows.extent() > 0 && level.cols.extent() > 0 && level.shape.width > 0 &&
                level.shape.height > 0)
                outline.box = QRectF(double(level.cols.first) / level.shape.width,
                                     double(level.rows.first) / level.shape.height,
                                     double(level.cols.extent()) / level.shape.width,
                                     double(level.rows.extent()) / level.shape.height);
            field_.push_back(std::move(outline));
        }
    }
    update();
}

QRectF FeatureMapOverview::fieldRect(MapId map) const {
    const int level = map.layer + 1;
    if (level < 0 || level >= int(field_.size()) || field_[level].box.isEmpty())
        return {};
    const FieldOutline& outline = field_[level];
    // The input's tile shows every channel at once.
    if (map.layer >= 0 &&
        !std::binary_search(outline.channels.begin(), outline.channels.end(), map.channel))
        return {};
    const QRect tile = tileRect(map);
    if (tile.isEmpty())
        return {};
    QRectF box(tile.left() + outline.box.left() * tile.width(),
               tile.top() + outline.box.top() * tile.height(), outline.box.width() * tile.width(),
               outline.box.height() * tile.height());
    // Never smaller than a few pixels, so a 3 × 3 field on a large map can still be found.
    const double minimum = 5;
    if (box.width() < minimum)
        box.adjust(-(minimum - box.width()) / 2, 0, (minimum - box.width()) / 2, 0);
    if (box.height() < minimum)
        box.adjust(0, -(minimum - box.height()) / 2, 0, (minimum - box.height()) / 2);
    return box;
}

bool FeatureMapOverview::isDeadMap(MapId map) const {
    for (const Band& band : bands_)
        for (const Tile& tile : band.tiles)
            if (tile.id == map)
                return tile.dead;
    return false;
}

int FeatureMapOverview::deadMapCount(int layer) const {
    int count = 0;
    for (const Band& band : bands_)
        if (band.layer == layer)
            for (const Tile& tile : band.tiles)
                count += tile.dead ? 1 : 0;
    return count;
}

const FeatureMapOverview::Tile* FeatureMapOverview::tileAt(QPoint pos) const {
    for (const Band& band : bands_)
        for (const Tile& tile : band.tiles)
            if (tile.rect.contains(pos))
                return &tile;
    return nullptr;
}

void FeatureMapOverview::paintEvent(QPaintEvent* event) {
    QPainter painter(this);
    const QPalette& pal = palette();
    const bool dark = pal.color(QPalette::Base).lightness() < 128;
    const QColor stripe =
        dark ? pal.color(QPalette::Base).lighter(125) : pal.color(QPalette::Base).darker(104);
    const QColor accent = pal.color(QPalette::Highlight);
    const QColor errorColour = dark ? QColor(255, 120, 110) : QColor(190, 30, 30);
    const MapId focus = document_->focus();
    const int selected = document_->selectedLayer();
    QFont bold = font();
    bold.setBold(true);
    const QFontMetrics fm(font());
    const QFontMetrics bfm(bold);

    for (std::size_t b = 0; b < bands_.size(); ++b) {
        const Band& band = bands_[b];
        if (!band.rect.intersects(event->rect()))
            continue;
        if (b % 2 == 1)
            painter.fillRect(band.rect, stripe);
        if (band.layer == selected && band.layer >= 0)
            painter.fillRect(QRect(0, band.rect.top(), 4, band.rect.height()), accent);

        painter.setFont(bold);
        painter.setPen(band.error.isEmpty() ? pal.color(QPalette::Text) : errorColour);
        painter.drawText(band.titleRect, Qt::AlignLeft | Qt::AlignVCenter, band.title);
        painter.setFont(font());
        const int detailX = band.titleRect.left() + bfm.horizontalAdvance(band.title) + 14;
        painter.setPen(pal.color(QPalette::PlaceholderText));
        painter.drawText(
            QRect(detailX, band.titleRect.top(), band.titleRect.right() - detailX,
                  band.titleRect.height()),
            Qt::AlignLeft | Qt::AlignVCenter,
            fm.elidedText(band.detail, Qt::ElideRight, band.titleRect.right() - detailX));

        for (const Tile& tile : band.tiles) {
            painter.setRenderHint(QPainter::SmoothPixmapTransform,
                                  tile.rect.width() * devicePixelRatioF() < tile.pixmap.width());
            painter.drawPixmap(tile.rect, tile.pixmap);
            if (tile.dead) {
                // A dead map: crossed out, with a small badge that reads in both palettes.
                painter.save();
                painter.setRenderHint(QPainter::Antialiasing);
                painter.setPen(QPen(errorColour, 1.5));
                painter.drawLine(tile.rect.topLeft() + QPoint(2, 2),
                                 tile.rect.bottomRight() - QPoint(2, 2));
                const QString badge = tr("dead");
                QFont small = font();
                small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
                small.setBold(true);
                painter.setFont(small);
                const QFontMetrics sfm(small);
                const QRect box(tile.rect.left() + 2, tile.rect.top() + 2,
                                sfm.horizontalAdvance(badge) + 8, sfm.height() + 2);
                painter.setPen(Qt::NoPen);
                painter.setBrush(QColor(185, 35, 35));
                painter.drawRoundedRect(box, 3, 3);
                painter.setPen(Qt::white);
                painter.drawText(box, Qt::AlignCenter, badge);
                painter.restore();
            }
            if (!field_.empty()) {
                const QRectF box = fieldRect(tile.id);
                if (!box.isEmpty()) {
                    painter.save();
                    painter.setClipRect(tile.rect);
                    painter.setBrush(Qt::NoBrush);
                    painter.setPen(QPen(pal.color(QPalette::Base), 3));
                    painter.drawRect(box);
                    painter.setPen(QPen(QColor(255, 64, 160), 1.5));
                    painter.drawRect(box);
                    painter.restore();
                }
            }
            const bool isFocus = tile.id == focus;
            const bool isHover = tile.id == hovered_;
            if (isFocus || isHover) {
                painter.setPen(QPen(isFocus ? accent : pal.color(QPalette::Mid), isFocus ? 3 : 2));
                painter.setBrush(Qt::NoBrush);
                painter.drawRect(tile.rect.adjusted(-2, -2, 1, 1));
            }
        }
        if (!band.error.isEmpty() || band.notRun) {
            const QRect area(kMargin, band.titleRect.bottom() + 6, band.titleRect.width(),
                             band.rect.bottom());
            painter.setPen(band.error.isEmpty() ? pal.color(QPalette::PlaceholderText)
                                                : errorColour);
            painter.drawText(area, Qt::AlignLeft | Qt::AlignTop | Qt::TextWordWrap,
                             band.error.isEmpty() ? tr("Not run: an earlier layer cannot run.")
                                                  : QStringLiteral("⚠ ") + band.error);
        }
    }
    if (result_)
        paintedGeneration_ = result_->generation;
}

void FeatureMapOverview::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton)
        return;
    const QPoint pos = event->position().toPoint();
    if (const Tile* tile = tileAt(pos)) {
        Q_EMIT mapClicked(tile->id);
        if (tile->id.layer >= 0)
            Q_EMIT layerClicked(tile->id.layer);
        update();
        return;
    }
    for (const Band& band : bands_)
        if (band.rect.contains(pos) && band.layer >= 0) {
            Q_EMIT layerClicked(band.layer);
            update();
            return;
        }
}

void FeatureMapOverview::mouseMoveEvent(QMouseEvent* event) {
    const Tile* tile = tileAt(event->position().toPoint());
    const MapId hovered = tile ? tile->id : MapId{-2, 0};
    if (!(hovered == hovered_)) {
        hovered_ = hovered;
        setCursor(tile ? Qt::PointingHandCursor : Qt::ArrowCursor);
        update();
    }
}

void FeatureMapOverview::leaveEvent(QEvent*) {
    hovered_ = MapId{-2, 0};
    update();
}

bool FeatureMapOverview::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        if (const Tile* tile = tileAt(help->pos()))
            QToolTip::showText(help->globalPos(), tile->tip, this, tile->rect);
        else {
            QString tip;
            for (const Band& band : bands_)
                if (band.rect.contains(help->pos()))
                    tip =
                        band.error.isEmpty()
                            ? tr("%1 — %2. Click to edit this layer.").arg(band.title, band.detail)
                            : band.error;
            if (tip.isEmpty())
                QToolTip::hideText();
            else
                QToolTip::showText(help->globalPos(), tip, this);
        }
        return true;
    }
    return QWidget::event(event);
}

} // namespace convscope::ui
