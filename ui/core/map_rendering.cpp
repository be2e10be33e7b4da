#include "map_rendering.hpp"

#include <QtConcurrent/QtConcurrentMap>

#include <algorithm>
#include <cmath>
#include <cstring>

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

MapSummary summariseMap(const Tensor& tensor, int channel, int thumbnailSize) {
    MapSummary summary = sampleThumbnail(tensor, channel, thumbnailSize);
    summary.range = map_range(tensor, channel, &summary.allFinite);
    return summary;
}

MapSummary mapRangeOnly(const Tensor& tensor, int channel, int thumbnailSize) {
    MapSummary summary;
    const QSize size = thumbnailSizeFor(tensor.width(), tensor.height(), thumbnailSize);
    summary.width = size.width();
    summary.height = size.height();
    summary.range = map_range(tensor, channel, &summary.allFinite);
    return summary;
}

MapSummary sampleThumbnail(const Tensor& tensor, int channel, int thumbnailSize) {
    MapSummary summary;
    const int w = tensor.width();
    const int h = tensor.height();
    const QSize size = thumbnailSizeFor(w, h, thumbnailSize);
    summary.width = size.width();
    summary.height = size.height();
    summary.values.resize(std::size_t(summary.width) * summary.height);
    // Each thumbnail pixel averages up to 2×2 samples spread over its footprint (a box filter
    // for small reductions, stratified sampling for large ones).
    const int sy = std::clamp((h + summary.height - 1) / summary.height, 1, 2);
    const int sx = std::clamp((w + summary.width - 1) / summary.width, 1, 2);
    std::vector<int> columns(std::size_t(summary.width) * sx);
    for (int tx = 0; tx < summary.width; ++tx)
        for (int j = 0; j < sx; ++j)
            columns[std::size_t(tx) * sx + j] = std::min(
                w - 1, int((std::int64_t(tx) * sx + j) * w / (std::int64_t(summary.width) * sx)));
    // The common case first: all four (or two) samples finite, one sum and no branch per sample.
    // A pixel whose sum is not finite is redone counting only its finite samples.
    const float weight = 1.0f / float(sx * sy);
    for (int ty = 0; ty < summary.height; ++ty) {
        float* out = summary.values.data() + std::size_t(ty) * summary.width;
        const float* rows[2];
        for (int k = 0; k < sy; ++k)
            rows[k] =
                tensor.row(channel, std::min(h - 1, int((std::int64_t(ty) * sy + k) * h /
                                                        (std::int64_t(summary.height) * sy))));
        for (int tx = 0; tx < summary.width; ++tx) {
            const int* cols = &columns[std::size_t(tx) * sx];
            float sum = 0.0f;
            for (int k = 0; k < sy; ++k)
                for (int j = 0; j < sx; ++j)
                    sum += rows[k][cols[j]];
            if (std::isfinite(sum)) {
                out[tx] = sum * weight;
                continue;
            }
            sum = 0.0f;
            int count = 0;
            for (int k = 0; k < sy; ++k)
                for (int j = 0; j < sx; ++j) {
                    const float v = rows[k][cols[j]];
                    if (std::isfinite(v)) {
                        sum += v;
                        ++count;
                    }
                }
            out[tx] = count > 0 ? sum / count : 0.0f;
        }
    }
    return summary;
}

QSize fittedSize(int width, int height, QSize bounds) {
    if (bounds.isEmpty() || (width <= bounds.width() && height <= bounds.height()))
        return {width, height};
    const double scale = std::min(double(bounds.width()) / width, double(bounds.height()) / height);
    return {std::clamp(int(std::lround(width * scale)), 1, width),
            std::clamp(int(std::lround(height * scale)), 1, height)};
}

namespace {

// Rows [begin, end) of one channel box-filtered to `size`, into `out` (size.width() per row).
// Each output row sums its source rows into `acc` (a vectorised pass over whole rows), then each
// output pixel sums its span of `acc`: every map value is read once.
void boxFilterRows(const Tensor& tensor, int channel, QSize size, int begin, int end, float* out,
                   std::vector<float>& acc, const std::vector<int>& x0) {
    const int w = tensor.width();
    const int h = tensor.height();
    const int ow = size.width();
    const int oh = size.height();
    acc.resize(std::size_t(w));
    for (int ty = begin; ty < end; ++ty) {
        const int y0 = int(std::int64_t(ty) * h / oh);
        const int y1 = std::max(y0 + 1, int(std::int64_t(ty + 1) * h / oh));
        const float* first = tensor.row(channel, y0);
        std::copy(first, first + w, acc.begin());
        for (int y = y0 + 1; y < y1; ++y) {
            const float* row = tensor.row(channel, y);
            for (int x = 0; x < w; ++x)
                acc[x] += row[x];
        }
        float* o = out + std::size_t(ty - begin) * ow;
        for (int tx = 0; tx < ow; ++tx) {
            const int a = x0[tx], b = x0[tx + 1];
            float sum = 0.0f;
            for (int x = a; x < b; ++x)
                sum += acc[x];
            if (std::isfinite(sum)) {
                o[tx] = sum / float((y1 - y0) * (b - a));
                continue;
            }
            // Rare: a non-finite value in the footprint; average the finite ones.
            sum = 0.0f;
            int count = 0;
            for (int y = y0; y < y1; ++y)
                for (int x = a; x < b; ++x) {
                    const float v = tensor.row(channel, y)[x];
                    if (std::isfinite(v)) {
                        sum += v;
                        ++count;
                    }
                }
            o[tx] = count > 0 ? sum / count : 0.0f;
        }
    }
}

std::vector<int> boxColumns(int width, int outWidth) {
    std::vector<int> x0(std::size_t(outWidth) + 1);
    for (int tx = 0; tx <= outWidth; ++tx)
        x0[tx] = int(std::int64_t(tx) * width / outWidth);
    for (int tx = 1; tx <= outWidth; ++tx) // at least one column each
        x0[tx] = std::max(x0[tx], std::min(width, x0[tx - 1] + 1));
    return x0;
}

// Calls `work(begin, end)` for bands of `rows` rows on the global thread pool (the caller
// joins in). Bands of 16 rows keep the load balanced between cores without much overhead.
template <typename Work> void forRowBands(int rows, Work work) {
    constexpr int kBand = 16;
    std::vector<int> bands((rows + kBand - 1) / kBand);
    for (std::size_t i = 0; i < bands.size(); ++i)
        bands[i] = int(i) * kBand;
    if (bands.size() <= 1) {
        work(0, rows);
        return;
    }
    QtConcurrent::blockingMap(bands,
                              [&](int begin) { work(begin, std::min(rows, begin + kBand)); });
}

void colorizeRow(const float* in, int width, const ColorLut& lut, ValueRange range, QRgb* out) {
    const float span = range.max - range.min;
    const float scale = span > 0 ? 255.0f / span : 0.0f;
    const float offset = span > 0 ? range.min : range.min - 0.5f; // a flat map: the middle colour
    for (int x = 0; x < width; ++x) {
        float t = span > 0 ? (in[x] - offset) * scale : 127.5f;
        if (!(t >= 0.0f)) // also NaN
            t = 0.0f;
        if (t > 255.0f)
            t = 255.0f;
        out[x] = lut[int(t + 0.5f)];
    }
}

} // namespace

QImage focusPicture(const Tensor& tensor, int channel, QSize size, Colormap map, ValueRange range) {
    if (tensor.empty())
        return {};
    size = fittedSize(tensor.width(), tensor.height(), size);
    QImage image(size, QImage::Format_RGB32);
    // Rows are written from several threads: take the pointer once (scanLine() may detach).
    uchar* bits = image.bits();
    const qsizetype bpl = image.bytesPerLine();
    const ColorLut& lut = colorLut(map);
    if (size == QSize(tensor.width(), tensor.height())) {
        forRowBands(size.height(), [&](int begin, int end) {
            for (int y = begin; y < end; ++y)
                colorizeRow(tensor.row(channel, y), size.width(), lut, range,
                            reinterpret_cast<QRgb*>(bits + y * bpl));
        });
        return image;
    }
    const std::vector<int> x0 = boxColumns(tensor.width(), size.width());
    forRowBands(size.height(), [&](int begin, int end) {
        std::vector<float> acc;
        std::vector<float> values(std::size_t(end - begin) * size.width());
        boxFilterRows(tensor, channel, size, begin, end, values.data(), acc, x0);
        for (int y = begin; y < end; ++y)
            colorizeRow(values.data() + std::size_t(y - begin) * size.width(), size.width(), lut,
                        range, reinterpret_cast<QRgb*>(bits + y * bpl));
    });
    return image;
}

QImage colorizeValues(const float* values, int width, int height, std::size_t stride, Colormap map,
                      ValueRange range) {
    QImage image(width, height, QImage::Format_RGB32);
    const ColorLut& lut = colorLut(map);
    for (int y = 0; y < height; ++y)
        colorizeRow(values + std::size_t(y) * stride, width, lut, range,
                    reinterpret_cast<QRgb*>(image.scanLine(y)));
    return image;
}

QImage toQImage(const RgbImage& rgb) {
    QImage image(rgb.width, rgb.height, QImage::Format_RGB888);
    for (int y = 0; y < rgb.height; ++y)
        std::memcpy(image.scanLine(y), rgb.pixels.data() + std::size_t(y) * rgb.width * 3,
                    std::size_t(rgb.width) * 3);
    return image;
}

RgbImage toRgbImage(const QImage& image) {
    const QImage rgb888 = image.convertToFormat(QImage::Format_RGB888);
    RgbImage rgb;
    rgb.width = rgb888.width();
    rgb.height = rgb888.height();
    rgb.pixels.resize(std::size_t(rgb.width) * rgb.height * 3);
    for (int y = 0; y < rgb.height; ++y)
        std::memcpy(rgb.pixels.data() + std::size_t(y) * rgb.width * 3, rgb888.constScanLine(y),
                    std::size_t(rgb.width) * 3);
    return rgb;
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
        planes.push_back(sampleThumbnail(input, c, maxSide));
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

QImage inputPicture(const Tensor& input, QSize size) {
    if (input.empty())
        return {};
    size = fittedSize(input.width(), input.height(), size);
    if (size == QSize(input.width(), input.height()))
        return inputPicture(input, 0);
    const bool colour = input.channels() >= 3;
    QImage image(size, QImage::Format_RGB32);
    uchar* bits = image.bits();
    const qsizetype bpl = image.bytesPerLine();
    const std::vector<int> x0 = boxColumns(input.width(), size.width());
    auto byte = [](float v) { return int(std::clamp(v, 0.0f, 1.0f) * 255.0f + 0.5f); };
    forRowBands(size.height(), [&](int begin, int end) {
        std::vector<float> acc;
        std::array<std::vector<float>, 3> planes;
        for (int c = 0; c < (colour ? 3 : 1); ++c) {
            planes[c].resize(std::size_t(end - begin) * size.width());
            boxFilterRows(input, c, size, begin, end, planes[c].data(), acc, x0);
        }
        const auto& r = planes[0];
        const auto& g = planes[colour ? 1 : 0];
        const auto& b = planes[colour ? 2 : 0];
        for (int y = begin; y < end; ++y) {
            auto* out = reinterpret_cast<QRgb*>(bits + y * bpl);
            const std::size_t row = std::size_t(y - begin) * size.width();
            for (int x = 0; x < size.width(); ++x)
                out[x] = qRgb(byte(r[row + x]), byte(g[row + x]), byte(b[row + x]));
        }
    });
    return image;
}

} // namespace convscope::ui
