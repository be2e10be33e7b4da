#include "filter_pictures.hpp"

#include "map_rendering.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace convscope::ui {

namespace {

float maxAbs(const ConvWeights& weights) {
    float m = 0;
    for (float v : weights.values)
        if (std::isfinite(v))
            m = std::max(m, std::abs(v));
    return m;
}

// Where a weight falls on the scale, 0 … 1 (0.5: zero); NaN and infinities go to the middle and
// the ends, so a broken weight shows instead of breaking the picture.
float position(float v, float scale) {
    if (std::isnan(v) || scale <= 0)
        return 0.5f;
    return std::clamp(0.5f + 0.5f * v / scale, 0.0f, 1.0f);
}

bool sameFilter(const ConvWeights& a, const ConvWeights& b, int filter) {
    const std::size_t n = std::size_t(a.in_channels) * a.kernel_h * a.kernel_w;
    return std::memcmp(a.values.data() + a.index(filter, 0, 0, 0),
                       b.values.data() + b.index(filter, 0, 0, 0), n * sizeof(float)) == 0;
}

} // namespace

int FilterPictures::mosaicColumnsFor(int channels) {
    return std::max(1, int(std::ceil(std::sqrt(double(std::max(1, channels))))));
}

QImage FilterPictures::render(const ConvWeights& w, int filter, float scale, Style style,
                              int columns) {
    if (style == Style::Colour && w.in_channels == 3) {
        QImage image(w.kernel_w, w.kernel_h, QImage::Format_RGB32);
        for (int y = 0; y < w.kernel_h; ++y) {
            auto* row = reinterpret_cast<QRgb*>(image.scanLine(y));
            for (int x = 0; x < w.kernel_w; ++x) {
                auto level = [&](int c) {
                    return int(std::lround(position(w.at(filter, c, y, x), scale) * 255.0f));
                };
                row[x] = qRgb(level(0), level(1), level(2));
            }
        }
        return image;
    }
    const int channels = w.in_channels;
    const int rows = (channels + columns - 1) / columns;
    const int width = columns * w.kernel_w + (columns - 1);
    const int height = rows * w.kernel_h + (rows - 1);
    QImage image(width, height, QImage::Format_ARGB32_Premultiplied);
    image.fill(Qt::transparent); // the gaps show the background
    const ColorLut& lut = colorLut(Colormap::Diverging);
    for (int c = 0; c < channels; ++c) {
        const int left = (c % columns) * (w.kernel_w + 1);
        const int top = (c / columns) * (w.kernel_h + 1);
        for (int y = 0; y < w.kernel_h; ++y) {
            auto* row = reinterpret_cast<QRgb*>(image.scanLine(top + y)) + left;
            for (int x = 0; x < w.kernel_w; ++x)
                row[x] =
                    lut[std::size_t(std::lround(position(w.at(filter, c, y, x), scale) * 255.0f))];
        }
    }
    return image;
}

std::vector<int> FilterPictures::update(const Conv2d& conv, bool colour) {
    const ConvWeights& w = conv.weights;
    const Style style = colour && canShowColour(w) ? Style::Colour : Style::HeatMaps;
    const float scale = maxAbs(w);
    const bool sameLayout =
        style == style_ && scale == scale_ && w.out_channels == weights_.out_channels &&
        w.in_channels == weights_.in_channels && w.kernel_h == weights_.kernel_h &&
        w.kernel_w == weights_.kernel_w && int(pictures_.size()) == w.out_channels;
    std::vector<int> changed;
    if (sameLayout && w.values.shares_storage_with(weights_.values))
        return changed; // the very same weights
    style_ = style;
    scale_ = scale;
    columns_ = style == Style::Colour ? 1 : mosaicColumnsFor(w.in_channels);
    rows_ = style == Style::Colour ? 1 : (w.in_channels + columns_ - 1) / columns_;
    pictures_.resize(std::size_t(w.out_channels));
    for (int f = 0; f < w.out_channels; ++f) {
        if (sameLayout && sameFilter(w, weights_, f))
            continue;
        pictures_[std::size_t(f)] = render(w, f, scale, style, columns_);
        changed.push_back(f);
    }
    weights_ = w;
    return changed;
}

void FilterPictures::clear() {
    pictures_.clear();
    weights_ = ConvWeights{};
    scale_ = 0;
}

int FilterPictures::channelAt(int x, int y, int* ky, int* kx) const {
    if (style_ == Style::Colour || x < 0 || y < 0)
        return -1;
    const int cellW = weights_.kernel_w + 1, cellH = weights_.kernel_h + 1;
    const int col = x / cellW, row = y / cellH;
    if (x % cellW == weights_.kernel_w || y % cellH == weights_.kernel_h || col >= columns_)
        return -1; // a gap
    const int channel = row * columns_ + col;
    if (channel >= weights_.in_channels)
        return -1;
    if (ky)
        *ky = y % cellH;
    if (kx)
        *kx = x % cellW;
    return channel;
}

} // namespace convscope::ui
