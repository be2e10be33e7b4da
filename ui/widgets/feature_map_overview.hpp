#pragma once
// Every layer's maps at a glance: the input, then one band per layer (name, shape, time) with a
// thumbnail of each map. Click a thumbnail to see it large; click a band's title to select the
// layer. A layer that cannot run shows why, and the layers after it are marked as not run.
//
// Layers of many maps (a ResNet's 64 to 512) stay readable and cheap: a layer of more than
// kOpenMapLimit maps starts collapsed to one row ending in "+ N more"; expanded, it is a compact
// grid of smaller tiles. Thumbnails are made only for the tiles on screen or within a screen of
// it (wantedThumbnails, which the render coordinator asks before each request); a tile that
// comes into view without one is drawn blank and asks for it (thumbnailsWanted). Only the tiles
// inside the viewport become pixmaps, kept in a cache of bounded size (kPixmapCacheBytes).

#include "render_types.hpp"

#include <QCache>
#include <QPixmap>
#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace convscope {
struct ReceptiveField;
}

namespace convscope::ui {

class Document;

class FeatureMapOverview : public QWidget {
    Q_OBJECT

public:
    explicit FeatureMapOverview(Document* document, QWidget* parent = nullptr);

    void setResult(std::shared_ptr<const RenderResult> result);
    // Thumbnails' height in logical pixels (kMinTileHeight to kMaxTileHeight).
    void setTileHeight(int pixels);
    int tileHeight() const { return tileHeight_; }
    static constexpr int kMinTileHeight = 32;
    static constexpr int kMaxTileHeight = 256;
    // The size, in device pixels, of the pictures the tiles want on their longest side: a little
    // more than a tile (maps are often wider than tall), capped so a layer of many maps stays
    // cheap to colour. The render coordinator makes thumbnails this large.
    int thumbnailSize() const;

    quint64 paintedGeneration() const { return paintedGeneration_; }
    // The maps whose thumbnails the tiles want, per layer: those on screen, or within one
    // screen above or below it (so scrolling finds them made). Nothing while hidden.
    std::vector<ChannelSpan> wantedThumbnails() const;
    // The thumbnail on screen for a map (null if none): tests compare these.
    QImage thumbnail(MapId map) const;
    // Where a map's thumbnail is drawn (empty if not shown).
    QRect tileRect(MapId map) const;
    int bandCount() const { return int(bands_.size()); }
    // Where a layer's band is drawn (-1: the input's; empty when there is none).
    QRect bandRect(int layer) const;
    QString bandTitle(int band) const;
    // Outlines a receptive field (the pixel inspector's) on every thumbnail it reaches; nullptr
    // clears it.
    void setReceptiveField(const ReceptiveField* field);
    bool hasReceptiveField() const { return !field_.empty(); }
    // Where the field is outlined on a map's thumbnail (empty when not drawn there).
    QRectF fieldRect(MapId map) const;
    // A dead map: every value is exactly zero (flagged on its thumbnail).
    bool isDeadMap(MapId map) const;
    int deadMapCount(int layer) const;

    // Collapsing and expanding a layer of many maps (the user's choice is kept across edits).
    static constexpr int kOpenMapLimit = 32;    // layers with more maps start collapsed
    static constexpr int kCompactMapCount = 64; // expanded layers with more get compact tiles
    static constexpr qint64 kPixmapCacheBytes = 48ll << 20;
    bool isCollapsible(int layer) const;
    bool isLayerExpanded(int layer) const;
    void setLayerExpanded(int layer, bool expanded);
    // How many of a collapsed layer's maps are not shown (0 when expanded).
    int hiddenMapCount(int layer) const;
    // Where a band's "all N maps" / "one row" switch is drawn (empty when it has none).
    QRect expandToggleRect(int layer) const;
    // Pixmaps made so far and held now (tests check only visible tiles become pixmaps).
    int pixmapsMade() const { return pixmapsMade_; }
    int pixmapsHeld() const { return pixmaps_.size(); }

    QSize sizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

Q_SIGNALS:
    void mapClicked(convscope::ui::MapId map);
    void layerClicked(int layer);
    // The tile height changed, and with it thumbnailSize().
    void thumbnailSizeChanged(int devicePixels);
    // A tile on screen has no thumbnail yet (scrolled into view, or its layer expanded): a
    // render of the current state makes the wanted ones (the engine's maps are cached).
    void thumbnailsWanted();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void leaveEvent(QEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;
    bool event(QEvent* event) override;

private:
    struct Tile {
        MapId id;
        const MapRender* map = nullptr; // in result_ (null: the input's tile)
        QSize size;                     // the thumbnail's
        QRect rect;                     // empty: not shown (in a collapsed band)
        ValueRange range;
        bool dead = false;
        // The picture (coloured on first use: only tiles that are drawn are).
        const QImage& image(const RenderResult& result) const {
            return map ? map->thumbnail() : result.inputThumbnail;
        }
    };
    struct Band {
        int layer = -1; // -1: input
        QString title;
        QString detail;
        QString error;
        bool notRun = false;
        int hidden = 0;   // maps left out of a collapsed band
        QRect toggleRect; // the "all N maps" / "one row" switch
        QRect moreRect;   // the "+ N more" tile of a collapsed band
        QRect titleRect;
        QRect rect;
        std::vector<Tile> tiles;
    };
    int layoutBands(int width, bool apply);
    // Lays the bands out at the current width and keeps the minimum height equal to theirs.
    void relayout();
    const Tile* tileAt(QPoint pos) const;
    QString tipOf(const Tile& tile) const;
    const Band* bandOf(int layer) const;
    const Tile* tileOf(MapId map) const;
    // The tile's picture as a pixmap, made when first drawn and kept in the bounded cache.
    const QPixmap* pixmapOf(const Tile& tile);

    // The receptive field per level (level k: layer k − 1's maps; level 0 the input): the
    // channels it reaches and its bounding box as fractions of the map.
    struct FieldOutline {
        std::vector<int> channels;
        QRectF box;
    };
    std::vector<FieldOutline> field_;

    Document* document_;
    std::shared_ptr<const RenderResult> result_;
    std::vector<Band> bands_;
    int tileHeight_ = 84;
    std::map<int, bool> expandedChoice_; // the user's choice per layer
    QCache<qint64, QPixmap> pixmaps_;    // keyed by QImage::cacheKey(), cost in KiB
    int pixmapsMade_ = 0;
    MapId hovered_{-2, 0};
    quint64 paintedGeneration_ = 0;
    bool thumbnailsAsked_ = false; // for the result shown
};

} // namespace convscope::ui
