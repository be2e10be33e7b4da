#pragma once
// A conv layer's filters as pictures, without widgets (the filter grid shows them; tests drive
// this directly). One diverging scale for the whole layer: zero is the neutral middle and
// ±max|w| over every weight of the layer the ends, so filters compare with each other.
//
//   colour: a filter reading 3 input channels (an RGB conv1) is one kh × kw RGB picture, each
//           channel 128 + 127·w/max|w| (the AlexNet figure: grey is zero);
//   heat maps: otherwise each input channel's kh × kw kernel on the diverging colormap, the
//           channels side by side in a near-square mosaic with a 1-pixel gap.
//
// update() redoes only the pictures of filters whose weights changed (a weight edit redraws one
// filter), or all of them when the layer's scale or shape changed.

#include "convscope/conv2d.hpp"

#include <QImage>

#include <vector>

namespace convscope::ui {

class FilterPictures {
public:
    enum class Style { Colour, HeatMaps };

    // Whether a conv with these weights can be shown in colour (it reads 3 input channels).
    static bool canShowColour(const ConvWeights& weights) { return weights.in_channels == 3; }

    // Makes the pictures for `conv`; `colour` asks for RGB pictures where canShowColour().
    // Returns the filters whose pictures were redone.
    std::vector<int> update(const Conv2d& conv, bool colour);
    void clear();

    int filterCount() const { return int(pictures_.size()); }
    const QImage& picture(int filter) const { return pictures_.at(std::size_t(filter)); }
    Style style() const { return style_; }
    // The weight at the ends of the scale (max |w| over the layer; 0 for an all-zero layer).
    float scale() const { return scale_; }
    // The mosaic of input channels of a heat-map picture (1 × 1 for a colour picture).
    int mosaicColumns() const { return columns_; }
    int mosaicRows() const { return rows_; }
    int kernelHeight() const { return weights_.kernel_h; }
    int kernelWidth() const { return weights_.kernel_w; }
    int inputChannels() const { return weights_.in_channels; }
    // The input channel whose cell holds picture pixel (x, y) of a heat-map picture (-1: a gap,
    // or the picture is in colour); with the cell's row and column in `ky`, `kx`.
    int channelAt(int x, int y, int* ky = nullptr, int* kx = nullptr) const;

    // One picture, made afresh (update() calls this for the filters that changed).
    static QImage render(const ConvWeights& weights, int filter, float scale, Style style,
                         int columns);
    // The near-square mosaic of `channels` cells: columns = ceil(sqrt(channels)).
    static int mosaicColumnsFor(int channels);

private:
    std::vector<QImage> pictures_;
    ConvWeights weights_; // what the pictures show (shares the pipeline's values)
    Style style_ = Style::HeatMaps;
    float scale_ = 0;
    int columns_ = 1, rows_ = 1;
};

} // namespace convscope::ui
