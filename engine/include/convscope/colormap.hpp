#pragma once
// Turning a feature map into colours: normalisation and colormaps (OpenCV's, plus a diverging
// map centred on zero for signed maps).

#include "convscope/tensor.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace convscope {

enum class Colormap { Auto, Gray, Viridis, Magma, Inferno, Turbo, Diverging };

std::string_view to_string(Colormap map);
bool parse_colormap(std::string_view name, Colormap& map);
// "auto, gray, viridis, magma, inferno, turbo, diverging"
std::string colormap_names();

struct ValueRange {
    float min = 0;
    float max = 0;
    bool is_signed() const { return min < 0.0f && max > 0.0f; }
};

// Finite min and max of one map (non-finite values are skipped; {0, 0} when there is none), in
// one SIMD pass at memory speed. `all_finite`, if given, tells whether every value was finite
// (so ranges derived from this one, such as a following ReLU's, are exact).
ValueRange map_range(const Tensor& tensor, int channel, bool* all_finite = nullptr);

// The colormap a map is drawn with: Auto picks Diverging for maps with both signs, Viridis
// otherwise.
Colormap resolve_colormap(Colormap requested, ValueRange range);

// The range the colours span: Diverging is symmetric around zero ([-m, m], m = max |value|).
ValueRange display_range(Colormap resolved, ValueRange range);

struct RgbImage {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> pixels; // R, G, B interleaved, rows packed
};

// One channel of `tensor`, scaled from `range` to [0, 255] and coloured with `map` (not Auto).
RgbImage colorize(const Tensor& tensor, int channel, Colormap map, ValueRange range);

} // namespace convscope
