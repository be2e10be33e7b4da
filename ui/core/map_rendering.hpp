#pragma once
// Turning float maps into pictures, off the GUI thread: box-filtered thumbnails and colormap
// lookup tables (the engine's colormaps, sampled once into 256 entries). Ranges are the engine's
// (map_range).

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

// A map's finite range and a box-averaged thumbnail of `width` × `height` values (`values`
// empty: only its size is known, the values were not made).
struct MapSummary {
    ValueRange range;
    bool allFinite = true; // no NaN or infinity in the map (so ranges derived from it are exact)
    int width = 0;
    int height = 0;
    std::vector<float> values;
};
// The range (the engine's map_range) and the thumbnail: one full pass over the map (for the
// range) plus a few samples per thumbnail pixel.
MapSummary summariseMap(const Tensor& tensor, int channel, int thumbnailSize);
// Only the thumbnail (range left empty): reads a few samples per thumbnail pixel, not the map.
MapSummary sampleThumbnail(const Tensor& tensor, int channel, int thumbnailSize);
// Only the range, and the thumbnail's size (no values): one full pass over the map.
MapSummary mapRangeOnly(const Tensor& tensor, int channel, int thumbnailSize);

// The size a width × height map is shown at within `bounds` (aspect kept, never enlarged; an
// empty `bounds` means full size).
QSize fittedSize(int width, int height, QSize bounds);
// One map box-filtered to `size` (≤ the map's size; every map pixel counts once, non-finite values
// skipped) and coloured: the large view's picture. Runs in parallel over bands of rows.
QImage focusPicture(const Tensor& tensor, int channel, QSize size, Colormap map, ValueRange range);

// Colours `values` (row-major, width × height) spanning `range` with `map`.
QImage colorizeValues(const float* values, int width, int height, std::size_t stride, Colormap map,
                      ValueRange range);
// The engine's 8-bit RGB picture (colorize, contact sheets, animation frames) as a QImage: the
// one conversion between the two.
QImage toQImage(const RgbImage& rgb);
// And back: a picture (an animation frame drawn with QPainter) for the engine's writers.
RgbImage toRgbImage(const QImage& image);

// The input tensor (1 or 3 channels in [0, 1]) as a picture; downscaled by box filtering to at most
// `maxSide` on its longest side (0: full size).
QImage inputPicture(const Tensor& input, int maxSide = 0);
// The input tensor box-filtered to `size` (≤ its size), in parallel: the large view's picture.
QImage inputPicture(const Tensor& input, QSize size);

// The size a thumbnail of a width × height map gets.
QSize thumbnailSizeFor(int width, int height, int thumbnailSize);

} // namespace convscope::ui
