#pragma once
// Every layer's maps at a glance: the input, then one band per layer (name, shape, time) with a
// thumbnail of each map. Click a thumbnail to see it large; click a band's title to select the
// layer. A layer that cannot run shows why, and the layers after it are marked as not run.

#include "render_types.hpp"

#include <QPixmap>
#include <QWidget>

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

    QSize sizeHint() const override;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;

Q_SIGNALS:
    void mapClicked(convscope::ui::MapId map);
    void layerClicked(int layer);
    // The tile height changed, and with it thumbnailSize().
    void thumbnailSizeChanged(int devicePixels);

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
        QPixmap pixmap;
        QImage image;
        QRect rect;
        QString tip;
        bool dead = false;
    };
    struct Band {
        int layer = -1; // -1: input
        QString title;
        QString detail;
        QString error;
        bool notRun = false;
        QRect titleRect;
        QRect rect;
        std::vector<Tile> tiles;
    };
    int layoutBands(int width, bool apply);
    // Lays the bands out at the current width and keeps the minimum height equal to theirs.
    void relayout();
    const Tile* tileAt(QPoint pos) const;

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
    MapId hovered_{-2, 0};
    quint64 paintedGeneration_ = 0;
};

} // namespace convscope::ui
