#include "feature_map_overview.hpp"

#include "document.hpp"
#include "number_format.hpp"
#include "pipeline_edit.hpp"

#include "convscope/receptive_field.hpp"

#include <QCursor>
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
    pixmaps_.setMaxCost(int(kPixmapCacheBytes >> 10));
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
    thumbnailsAsked_ = false;
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
    inputTile.size = result_->inputThumbnail.size();
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
            band.tiles.reserve(render.maps.size());
            for (int c = 0; c < int(render.maps.size()); ++c) {
                const MapRender& map = render.maps[c];
                Tile tile;
                tile.id = MapId{i, c};
                tile.map = &map; // coloured and made a pixmap only once drawn
                tile.size = map.thumbnailSize();
                tile.range = map.range;
                // The range is exact (finite values), so 0 … 0 means every value is zero.
                tile.dead = map.range.min == 0.0f && map.range.max == 0.0f;
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
    const int right = kMargin + available;
    for (Band& band : bands_) {
        const int top = y;
        const QRect titleRect(kMargin, y, available, lineHeight + 4);
        y += lineHeight + 8;
        const bool collapsible = band.layer >= 0 && int(band.tiles.size()) > kOpenMapLimit;
        const bool expanded = !collapsible || isLayerExpanded(band.layer);
        // An expanded layer of many maps is a compact grid: smaller tiles, smaller gaps.
        const bool compact = expanded && int(band.tiles.size()) > kCompactMapCount;
        // The more maps, the smaller their tiles (never below kMinTileHeight): 512 maps of a
        // deep layer fit in about a screen.
        const int tileHeight =
            !compact ? tileHeight_
                     : std::clamp(tileHeight_ *
                                      (int(band.tiles.size()) > 4 * kCompactMapCount ? 3 : 5) / 8,
                                  kMinTileHeight, tileHeight_);
        const int gap = compact ? 3 : kGap;
        const int count = int(band.tiles.size());
        const int moreWidth =
            collapsible && !expanded
                ? std::max(tileHeight, fm.horizontalAdvance(tr("+ %1 more").arg(count)) + 16)
                : 0;
        int x = kMargin;
        int rowBottom = y;
        int shown = 0;
        for (int t = 0; t < count; ++t) {
            Tile& tile = band.tiles[t];
            const QSize image = tile.size;
            int h = tileHeight;
            int w = image.isEmpty()
                        ? h
                        : std::max(8, int(std::lround(double(h) * image.width() / image.height())));
            if (w > available) {
                w = available;
                h = std::max(
                    8, int(std::lround(double(w) * image.height() / std::max(1, image.width()))));
            }
            if (!expanded) {
                // One row: stop where the rest would not fit beside the "+ N more" tile.
                const bool last = t == count - 1;
                if (x > kMargin && x + w + (last ? 0 : gap + moreWidth) > right)
                    break;
            } else if (x > kMargin && x + w > right) {
                x = kMargin;
                y = rowBottom + gap;
            }
            if (apply)
                tile.rect = QRect(x, y, w, h);
            ++shown;
            x += w + gap;
            rowBottom = std::max(rowBottom, y + h);
        }
        if (apply) {
            for (int t = shown; t < count; ++t)
                band.tiles[t].rect = QRect();
            band.hidden = count - shown;
            band.moreRect =
                band.hidden > 0 ? QRect(x, y, std::min(moreWidth, right - x), tileHeight) : QRect();
            const QString toggle = !collapsible ? QString()
                                   : expanded   ? tr("▴ one row")
                                                : tr("▾ all %1 maps").arg(count);
            const int toggleWidth = toggle.isEmpty() ? 0 : fm.horizontalAdvance(toggle) + 16;
            band.toggleRect = toggle.isEmpty()
                                  ? QRect()
                                  : QRect(titleRect.right() - toggleWidth, titleRect.top(),
                                          toggleWidth, titleRect.height());
        }
        if (count - shown > 0)
            rowBottom = std::max(rowBottom, y + tileHeight);
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

const FeatureMapOverview::Band* FeatureMapOverview::bandOf(int layer) const {
    // The input's band comes first, then the layers' in order.
    const std::size_t guess = std::size_t(layer + 1);
    if (guess < bands_.size() && bands_[guess].layer == layer)
        return &bands_[guess];
    for (const Band& band : bands_)
        if (band.layer == layer)
            return &band;
    return nullptr;
}

bool FeatureMapOverview::isCollapsible(int layer) const {
    const Band* band = bandOf(layer);
    return band && layer >= 0 && int(band->tiles.size()) > kOpenMapLimit;
}

bool FeatureMapOverview::isLayerExpanded(int layer) const {
    const auto choice = expandedChoice_.find(layer);
    if (choice != expandedChoice_.end())
        return choice->second;
    return !isCollapsible(layer);
}

void FeatureMapOverview::setLayerExpanded(int layer, bool expanded) {
    if (isLayerExpanded(layer) == expanded)
        return;
    expandedChoice_[layer] = expanded;
    relayout();
}

int FeatureMapOverview::hiddenMapCount(int layer) const {
    const Band* band = bandOf(layer);
    return band ? band->hidden : 0;
}

QRect FeatureMapOverview::expandToggleRect(int layer) const {
    const Band* band = bandOf(layer);
    return band ? band->toggleRect : QRect();
}

const QPixmap* FeatureMapOverview::pixmapOf(const Tile& tile) {
    if (!result_)
        return nullptr;
    const QImage& image = tile.image(*result_);
    if (image.isNull())
        return nullptr;
    const qint64 key = image.cacheKey();
    if (const QPixmap* cached = pixmaps_.object(key))
        return cached;
    auto* pixmap = new QPixmap(QPixmap::fromImage(image));
    ++pixmapsMade_;
    const int cost = std::max<qint64>(1, image.sizeInBytes() >> 10);
    pixmaps_.insert(key, pixmap, cost);
    return pixmaps_.object(key);
}

std::vector<ChannelSpan> FeatureMapOverview::wantedThumbnails() const {
    std::vector<ChannelSpan> spans;
    QRect visible = visibleRegion().boundingRect();
    if (visible.isEmpty())
        return spans;
    const QWidget* viewport = parentWidget();
    const int reach = viewport ? viewport->height() : visible.height();
    visible.adjust(0, -reach, 0, reach);
    for (const Band& band : bands_) {
        if (band.layer < 0 || !band.rect.intersects(visible))
            continue;
        ChannelSpan span{int(band.tiles.size()), 0};
        for (const Tile& tile : band.tiles)
            if (!tile.rect.isEmpty() && tile.rect.intersects(visible)) {
                span.first = std::min(span.first, tile.id.channel);
                span.end = std::max(span.end, tile.id.channel + 1);
            }
        if (span.end <= span.first)
            continue;
        if (int(spans.size()) <= band.layer)
            spans.resize(std::size_t(band.layer) + 1);
        spans[std::size_t(band.layer)] = span;
    }
    return spans;
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
    const Band* band = bandOf(layer);
    return band ? band->rect : QRect();
}

const FeatureMapOverview::Tile* FeatureMapOverview::tileOf(MapId map) const {
    const Band* band = bandOf(map.layer);
    if (!band || map.channel < 0 || map.channel >= int(band->tiles.size()))
        return nullptr;
    return &band->tiles[map.channel]; // a band's tiles are its maps in order
}

QRect FeatureMapOverview::tileRect(MapId map) const {
    const Tile* tile = tileOf(map);
    return tile ? tile->rect : QRect();
}

QImage FeatureMapOverview::thumbnail(MapId map) const {
    const Tile* tile = tileOf(map);
    return tile && result_ ? tile->image(*result_) : QImage();
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
    const Tile* tile = tileOf(map);
    return tile && tile->dead;
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
    for (const Band& band : bands_) {
        if (!band.rect.contains(pos))
            continue;
        for (const Tile& tile : band.tiles)
            if (tile.rect.contains(pos))
                return &tile;
    }
    return nullptr;
}

QString FeatureMapOverview::tipOf(const Tile& tile) const {
    if (tile.id.layer < 0 || !result_)
        return tr("The input image (%1 × %2 px)")
            .arg(result_ ? result_->inputShape.width : 0)
            .arg(result_ ? result_->inputShape.height : 0);
    const Band* band = bandOf(tile.id.layer);
    const int count = band ? int(band->tiles.size()) : 0;
    return tile.dead ? tr("Map %1 of %2 — dead: every value is zero (after a ReLU: "
                          "the filter never responds positively to this input)")
                           .arg(tile.id.channel + 1)
                           .arg(count)
                     : tr("Map %1 of %2 — values %3 … %4 (click to see it large)")
                           .arg(tile.id.channel + 1)
                           .arg(count)
                           .arg(formatScaleValue(tile.range.min), formatScaleValue(tile.range.max));
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
        // The detail ends where the expand switch begins.
        const int detailRight =
            band.toggleRect.isEmpty() ? band.titleRect.right() : band.toggleRect.left() - 8;
        painter.setPen(pal.color(QPalette::PlaceholderText));
        if (detailRight > detailX)
            painter.drawText(QRect(detailX, band.titleRect.top(), detailRight - detailX,
                                   band.titleRect.height()),
                             Qt::AlignLeft | Qt::AlignVCenter,
                             fm.elidedText(band.detail, Qt::ElideRight, detailRight - detailX));

        if (!band.toggleRect.isEmpty()) {
            const bool hot = band.toggleRect.contains(mapFromGlobal(QCursor::pos()));
            painter.setPen(hot ? accent : pal.color(QPalette::Link));
            painter.drawText(band.toggleRect, Qt::AlignRight | Qt::AlignVCenter,
                             isLayerExpanded(band.layer)
                                 ? tr("▴ one row")
                                 : tr("▾ all %1 maps").arg(band.tiles.size()));
        }
        if (!band.moreRect.isEmpty()) {
            painter.setPen(QPen(pal.color(QPalette::Mid), 1, Qt::DashLine));
            painter.setBrush(Qt::NoBrush);
            painter.drawRect(band.moreRect.adjusted(0, 0, -1, -1));
            painter.setPen(pal.color(QPalette::Link));
            painter.drawText(band.moreRect, Qt::AlignCenter | Qt::TextWordWrap,
                             tr("+ %1 more").arg(band.hidden));
        }
        for (const Tile& tile : band.tiles) {
            if (!tile.rect.intersects(event->rect()))
                continue; // off screen or not shown: no pixmap is made for it
            const QPixmap* pixmap = pixmapOf(tile);
            if (!pixmap) {
                if (tile.map && !tile.map->hasThumbnail()) {
                    // Not made yet: a blank tile until the render thread has made it.
                    painter.fillRect(tile.rect, pal.color(QPalette::Midlight));
                    if (!thumbnailsAsked_) {
                        thumbnailsAsked_ = true;
                        Q_EMIT thumbnailsWanted();
                    }
                }
                continue;
            }
            painter.setRenderHint(QPainter::SmoothPixmapTransform,
                                  tile.rect.width() * devicePixelRatioF() < pixmap->width());
            painter.drawPixmap(tile.rect, *pixmap);
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
    for (const Band& band : bands_)
        if (band.toggleRect.contains(pos) || band.moreRect.contains(pos)) {
            setLayerExpanded(band.layer, !isLayerExpanded(band.layer));
            return;
        }
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
    const QPoint pos = event->position().toPoint();
    const Tile* tile = tileAt(pos);
    const MapId hovered = tile ? tile->id : MapId{-2, 0};
    bool onSwitch = false;
    for (const Band& band : bands_)
        onSwitch = onSwitch || band.toggleRect.contains(pos) || band.moreRect.contains(pos);
    setCursor(tile || onSwitch ? Qt::PointingHandCursor : Qt::ArrowCursor);
    if (!(hovered == hovered_)) {
        // Only the two tiles whose outline changes are repainted.
        const QRect before = tileRect(hovered_);
        hovered_ = hovered;
        update(before.adjusted(-3, -3, 3, 3));
        if (tile)
            update(tile->rect.adjusted(-3, -3, 3, 3));
    }
}

void FeatureMapOverview::leaveEvent(QEvent*) {
    const QRect before = tileRect(hovered_);
    hovered_ = MapId{-2, 0};
    update(before.adjusted(-3, -3, 3, 3));
}

bool FeatureMapOverview::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        if (const Tile* tile = tileAt(help->pos()))
            QToolTip::showText(help->globalPos(), tipOf(*tile), this, tile->rect);
        else {
            QString tip;
            for (const Band& band : bands_)
                if (band.toggleRect.contains(help->pos()) || band.moreRect.contains(help->pos()))
                    tip = isLayerExpanded(band.layer)
                              ? tr("Show this layer's maps in one row")
                              : tr("Show all %1 maps of this layer in a compact grid")
                                    .arg(band.tiles.size());
                else if (band.rect.contains(help->pos()))
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
