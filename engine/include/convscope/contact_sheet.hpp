#pragma once
// Contact sheets: every map of a layer on one labelled grid, for a glance at the whole layer.
//
//   ┌──────────────────────────────────────────┐
//   │ title (layer name and shape)             │
//   │ ┌────┐ ┌────┐ ┌────┐                     │
//   │ │map │ │map │ │map │   each map coloured as in the exported PNGs,
//   │ └────┘ └────┘ └────┘   scaled to a common tile size,
//   │ map 0  map 1  map 2    "map N" and its min .. max under it
//   │ lo..hi lo..hi lo..hi                     │
//   └──────────────────────────────────────────┘

#include "convscope/colormap.hpp"
#include "convscope/layer.hpp"
#include "convscope/tensor.hpp"

#include <string>
#include <vector>

namespace convscope {

struct PixelRect {
    int x = 0;
    int y = 0;
    int width = 0;
    int height = 0;

    bool contains(int px, int py) const {
        return px >= x && px < x + width && py >= y && py < y + height;
    }
    friend bool operator==(const PixelRect&, const PixelRect&) = default;
};

struct ContactSheetOptions {
    int tile_size = 128; // the longer side of every tile, in pixels (the aspect ratio is kept)
    int columns = 0;     // 0: about square, ceil(sqrt(map count))
    Colormap colormap = Colormap::Auto; // resolved per map, as write_map_png does
};

// Where everything goes on a sheet.
struct ContactSheetLayout {
    int columns = 0;
    int rows = 0;
    int tile_width = 0; // every map is scaled to tile_width × tile_height
    int tile_height = 0;
    int width = 0; // the whole sheet
    int height = 0;
    PixelRect title;
    std::vector<PixelRect> tiles;  // one per map, row by row
    std::vector<PixelRect> labels; // under each tile: "map N" and "min .. max"
};

// The geometry for `maps.channels` maps of maps.height × maps.width. Throws
// std::invalid_argument for an empty shape or a tile size < 1.
ContactSheetLayout contact_sheet_layout(Shape maps, const ContactSheetOptions& options = {});

// The sheet for every channel of `maps`, with `title` above the grid (ASCII; drawn with
// OpenCV's Hershey font).
// "layer 3: conv "edges"  [8, 64, 64]", the title of a layer's contact sheet: layer `index`
// numbered from 1, as the app, the folder names and the messages number it (index 2 is
// "layer 3"); its maps are labelled "map 1", "map 2", ….
std::string contact_sheet_title(const Layer& layer, int index, Shape shape);

RgbImage render_contact_sheet(const Tensor& maps, const std::string& title,
                              const ContactSheetOptions& options = {});

// Renders and writes the sheet as a PNG; throws IoError naming the path.
void write_contact_sheet(const std::string& path, const Tensor& maps, const std::string& title,
                         const ContactSheetOptions& options = {});

} // namespace convscope
