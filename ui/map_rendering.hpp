#pragma once
// Turning float maps into pictures, off the GUI thread: value ranges, box-filtered thumbnails and
// colormap lookup tables (the engine's colormaps, sampled once into 256 entries).

#include "convscope/colormap.hpp"
#include "convscope/tensor.hpp"

#include <QColor>
#include <QImage>

#include <array>
#include <vector>

namespace convscope::ui {

using ColorLut = std::array<QRgb, 256>;

// The engine's colormap `map` (not Auto) sampled at 256 evenly spaced values.
const ColorLut& colorLut(Colormap map);

// One pass over a map: its finite range and a box-averaged thumbnail of `thumbWidth` ×
// `thumbHeight` values.
struct MapSummary {
    ValueRange range;
    int width = 0;
    int height = 0;
    std::vector<float> values;
};
// Finite min and max of one map (vectorised; non-finite values skipped).
ValueRange exactRange(const Tensor& tensor, int channel);
MapSummary summariseMap(const Tensor& tensor, int channel, int thumbnailSize);

// Colours `values` (row-major, width × height) spanning `range` with `map`.
QImage colorizeValues(const float* values, int width, int height, std::size_t stride, Colormap map,
                      ValueRange range);
QImage colorizeMap(const Tensor& tensor, int channel, Colormap map, ValueRange range);

// The input tensor (1 or 3 channels in [0, 1]) as a picture; downscaled by box filtering to at most
// `maxSide` on its longest side (0: full size).
QImage inputPicture(const Tensor& input, int maxSide = 0);

// The size a thumbnail of a width × height map gets.
QSize thumbnailSizeFor(int width, int height, int thumbnailSize);

} // namespace convscope::ui
