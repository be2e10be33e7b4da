#include "map_rendering.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace convscope::ui {

namespace {

std::array<ColorLut, 7> buildLuts() {
    std::array<ColorLut, 7> luts{};
    Tensor ramp(1, 1, 256);
    for (int i = 0; i < 256; ++i)
        ramp.at(0, 0, i) = static_cast<float>(i);
    for (int m = 0; m < 7; ++m) {
        const auto map = static_cast<Colormap>(m);
        if (map == Colormap::Auto)
            continue;
        const RgbImage rgb = colorize(ramp, 0, map, ValueRange{0.0f, 255.0f});
        for (int i = 0; i < 256; ++i)
            luts[m][i] = qRgb(rgb.pixels[3 * i], rgb.pixels[3 * i + 1], rgb.pixels[3 * i + 2]);
    }
    luts[static_cast<int>(Colormap::Auto)] = luts[static_cast<int>(Colormap::Viridis)];
    return luts;
}

} // namespace

const ColorLut& colorLut(Colormap map) {
    static const std::array<ColorLut, 7> luts = buildLuts();
    return luts[static_cast<int>(map)];
}

QSize thumbnailSizeFor(int width, int height, int thumbnailSize) {
    const int longest = std::max(width, height);
    if (longest <= thumbnailSize)
        return {width, height};
    const double scale = double(thumbnailSize) / longest;
    return {std::max(1, int(std::lround(width * scale))),
            std::max(1, int(std::lround(height * scale)))};
}

ValueRange exactRange(const Tensor& tensor, int channel) {
    const int w = tensor.width();
    const int h = tensor.height();
    float lo = std::numeric_limits<float>::infinity();
    float hi = -std::numeric_limits<float>::infinity();
    for (int y = 0; y < h; ++y) {
        const float* row = tensor.row(channel, y);
        // Written so the compiler vectorises it (minps/maxps); NaN compares false and is skipped.
        for (int x = 0; x < w; ++x) {
            const float v = row[x];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
    }
    if (!std::isfinite(lo) || !std::isfinite(hi)) { // rare: infinities, or nothing finite
        lo = std::numeric_limits<float>::infinity();
        hi = -std::numeric_limits<float>::infinity();
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                const float v = tensor.row(channel, y)[x];
                if (std::isfinite(v)) {
                    lo = std::min(lo, v);
                    hi = std::max(hi, v);
                }
            }
        if (lo > hi)
            lo = hi = 0.0f;
    }
    return ValueRange{lo, hi};
}

MapSummary summariseMap(const Tensor& tensor, int channel, int thumbnailSize) {
    MapSummary summary;
    const int w = tensor.width();
    const int h = tensor.height();
    const QSize size = thumbnailSizeFor(w, h, thumbnailSize);
    summary.width = size.width();
    summary.height = size.height();
    summary.range = exactRange(tensor, channel);
    summary.values.assign(std::size_t(summary.width) * summary.height, 0.0f);
    // Each thumbnail pixel averages up to 2×2 samples spread over its footprint (a box filter
    // for small reductions, stratified sampling for large ones).
    const int sy = std::clamp((h + summary.height - 1) / summary.height, 1, 2);
    const int sx = std::clamp((w + summary.width - 1) / summary.width, 1, 2);
    std::vector<int> columns(std::size_t(summary.width) * sx);
    for (int tx = 0; tx < summary.width; ++tx)
        for (int j = 0; j < sx; ++j)
            columns[std::size_t(tx) * sx + j] = std::min(
                w - 1, int((std::int64_t(tx) * sx + j) * w / (std::int64_t(summary.width) * sx)));
    for (int ty = 0; ty < summary.height; ++ty) {
        float* out = summary.values.data() + std::size_t(ty) * summary.width;
        std::vector<int> counts(summary.width, 0);
        for (int k = 0; k < sy; ++k) {
            const int y = std::min(
                h - 1, int((std::int64_t(ty) * sy + k) * h / (std::int64_t(summary.height) * sy)));
            const float* row = tensor.row(channel, y);
            for (int tx = 0; tx < summary.width; ++tx)
                for (int j = 0; j < sx; ++j) {
                    const float v = row[columns[std::size_t(tx) * sx + j]];
                    if (std::isfinite(v)) {
                        out[tx] += v;
                        ++counts[tx];
                    }
                }
        }
        for (int tx = 0; tx < summary.width; ++tx)
            out[tx] = counts[tx] > 0 ? out[tx] / counts[tx] : 0.0f;
    }
    return summary;
}

QImage colorizeValues(const float* values, int width, int height, std::size_t stride, Colormap map,
                      ValueRange range) {
    QImage image(width, height, QImage::Format_RGB32);
    const ColorLut& lut = colorLut(map);
    const float span = range.max - range.min;
    const float scale = span > 0 ? 255.0f / span : 0.0f;
    const float offset = span > 0 ? range.min : range.min - 0.5f; // a flat map: the middle colour
    for (int y = 0; y < height; ++y) {
        const float* in = values + std::size_t(y) * stride;
        auto* out = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < width; ++x) {
            float t = span > 0 ? (in[x] - offset) * scale : 127.5f;
            if (!(t >= 0.0f)) // also NaN
                t = 0.0f;
            if (t > 255.0f)
                t = 255.0f;
            out[x] = lut[int(t + 0.5f)];
        }
    }
    return image;
}

QImage colorizeMap(const Tensor& tensor, int channel, Colormap map, ValueRange range) {
    if (tensor.empty())
        return {};
    return colorizeValues(tensor.row(channel, 0), tensor.width(), tensor.height(),
                          tensor.row_stride(), map, range);
}

QImage inputPicture(const Tensor& input, int maxSide) {
    if (input.empty())
        return {};
    const int w = input.width();
    const int h = input.height();
    const QSize size = maxSide > 0 ? thumbnailSizeFor(w, h, maxSide) : QSize(w, h);
    const bool colour = input.channels() >= 3;
    QImage image(size, QImage::Format_RGB32);
    auto byte = [](float v) { return int(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); };
    if (size == QSize(w, h)) {
        for (int y = 0; y < h; ++y) {
            auto* out = reinterpret_cast<QRgb*>(image.scanLine(y));
            const float* r = input.row(0, y);
            const float* g = input.row(colour ? 1 : 0, y);
            const float* b = input.row(colour ? 2 : 0, y);
            for (int x = 0; x < w; ++x)
                out[x] = qRgb(byte(r[x]), byte(g[x]), byte(b[x]));
        }
        return image;
    }
    std::vector<MapSummary> planes;
    for (int c = 0; c < (colour ? 3 : 1); ++c)
        planes.push_back(summariseMap(input, c, maxSide));
    for (int y = 0; y < image.height(); ++y) {
        auto* out = reinterpret_cast<QRgb*>(image.scanLine(y));
        for (int x = 0; x < image.width(); ++x) {
            const std::size_t i = std::size_t(y) * image.width() + x;
            const int r = byte(planes[0].values[i]);
            out[x] = colour ? qRgb(r, byte(planes[1].values[i]), byte(planes[2].values[i]))
                            : qRgb(r, r, r);
        }
    }
    return image;
}

} // namespace convscope::ui
