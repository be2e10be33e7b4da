// Colormaps come from OpenCV (applyColorMap); the diverging map is a blue–white–red lookup table
// (ColorBrewer's RdBu) handed to the same function, so zero is always white.

#include "convscope/colormap.hpp"

#include "fast/range_kernels.hpp"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <array>
#include <cmath>
#include <limits>

namespace convscope {

namespace {

struct NamedColormap {
    Colormap map;
    std::string_view name;
};

constexpr std::array<NamedColormap, 7> kColormaps{{
    {Colormap::Auto, "auto"},
    {Colormap::Gray, "gray"},
    {Colormap::Viridis, "viridis"},
    {Colormap::Magma, "magma"},
    {Colormap::Inferno, "inferno"},
    {Colormap::Turbo, "turbo"},
    {Colormap::Diverging, "diverging"},
}};

// RdBu from negative (blue) through white to positive (red), as RGB control points.
cv::Mat diverging_lut() {
    static const cv::Mat lut = [] {
        constexpr std::array<std::array<double, 3>, 7> stops{{
            {5, 48, 97},
            {67, 147, 195},
            {146, 197, 222},
            {247, 247, 247},
            {244, 165, 130},
            {214, 96, 77},
            {103, 0, 31},
        }};
        cv::Mat table(256, 1, CV_8UC3);
        for (int i = 0; i < 256; ++i) {
            const double t = i / 255.0 * (stops.size() - 1);
            const int k = std::min(static_cast<int>(t), static_cast<int>(stops.size()) - 2);
            const double f = t - k;
            cv::Vec3b& bgr = table.at<cv::Vec3b>(i);
            for (int c = 0; c < 3; ++c)
                bgr[2 - c] = cv::saturate_cast<uchar>(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
        }
        return table;
    }();
    return lut;
}

int opencv_colormap(Colormap map) {
    switch (map) {
    case Colormap::Magma:
        return cv::COLORMAP_MAGMA;
    case Colormap::Inferno:
        return cv::COLORMAP_INFERNO;
    case Colormap::Turbo:
        return cv::COLORMAP_TURBO;
    default:
        return cv::COLORMAP_VIRIDIS;
    }
}

} // namespace

std::string_view to_string(Colormap map) {
    for (const NamedColormap& entry : kColormaps)
        if (entry.map == map)
            return entry.name;
    return "auto";
}

bool parse_colormap(std::string_view name, Colormap& map) {
    for (const NamedColormap& entry : kColormaps)
        if (entry.name == name) {
            map = entry.map;
            return true;
        }
    return false;
}

std::string colormap_names() {
    std::string names;
    for (const NamedColormap& entry : kColormaps)
        names += (names.empty() ? "" : ", ") + std::string(entry.name);
    return names;
}

ValueRange map_range(const Tensor& tensor, int channel, bool* all_finite) {
    if (tensor.empty()) {
        if (all_finite)
            *all_finite = false;
        return {0, 0};
    }
    const fast::FiniteRange range = fast::finite_range(tensor.row(channel, 0), tensor.row_stride(),
                                                       tensor.height(), tensor.width());
    if (all_finite)
        *all_finite = range.all_finite;
    return {range.min, range.max};
}

Colormap resolve_colormap(Colormap requested, ValueRange range) {
    if (requested != Colormap::Auto)
        return requested;
    return range.is_signed() ? Colormap::Diverging : Colormap::Viridis;
}

ValueRange display_range(Colormap resolved, ValueRange range) {
    if (resolved == Colormap::Diverging) {
        const float m = std::max(std::abs(range.min), std::abs(range.max));
        return {-m, m};
    }
    return range;
}

RgbImage colorize(const Tensor& tensor, int channel, Colormap map, ValueRange range) {
    const int h = tensor.height();
    const int w = tensor.width();
    // A constant map has no range to stretch: show it at the middle of the scale.
    const float span = range.max - range.min;
    const float scale = span > 0 ? 255.0f / span : 0.0f;
    const float offset = span > 0 ? -range.min * scale : 127.5f;

    cv::Mat levels(h, w, CV_8U);
    for (int y = 0; y < h; ++y) {
        const float* row = tensor.row(channel, y);
        uchar* out = levels.ptr<uchar>(y);
        for (int x = 0; x < w; ++x) {
            const float v = std::isfinite(row[x]) ? row[x] * scale + offset : 0.0f;
            out[x] = cv::saturate_cast<uchar>(v);
        }
    }

    cv::Mat bgr;
    if (map == Colormap::Gray)
        cv::cvtColor(levels, bgr, cv::COLOR_GRAY2BGR);
    else if (map == Colormap::Diverging)
        cv::applyColorMap(levels, bgr, diverging_lut());
    else
        cv::applyColorMap(levels, bgr, opencv_colormap(map));

    RgbImage image{w, h, std::vector<std::uint8_t>(static_cast<std::size_t>(w) * h * 3)};
    cv::Mat rgb(h, w, CV_8UC3, image.pixels.data());
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    return image;
}

} // namespace convscope
