#pragma once
// Conv2d with PyTorch's semantics (torch.nn.Conv2d): cross-correlation, weights
// [out_channels][in_channels / groups][kernel_h][kernel_w], optional bias[out_channels].

#include "convscope/padding.hpp"
#include "convscope/shape.hpp"
#include "convscope/shared_vector.hpp"

#include <string>
#include <vector>

namespace convscope {

struct ConvWeights {
    int out_channels = 0;
    int in_channels = 0; // per group
    int kernel_h = 0;
    int kernel_w = 0;
    SharedVector<float> values; // out × in × kh × kw, C order; shared until written

    std::size_t index(int o, int i, int y, int x) const {
        return ((static_cast<std::size_t>(o) * in_channels + i) * kernel_h + y) * kernel_w + x;
    }
    float at(int o, int i, int y, int x) const { return values[index(o, i, y, x)]; }
    // Writes one weight (copying the values first if they are shared, see SharedVector).
    void set(int o, int i, int y, int x, float v) { values.write()[index(o, i, y, x)] = v; }
    std::size_t count() const { return values.size(); }

    friend bool operator==(const ConvWeights&, const ConvWeights&) = default;
};

// PyTorch's padding argument: "valid" (none), "same" (output size = input size; stride 1 only;
// an odd total goes one more to the bottom/right, as PyTorch splits it) or explicit sizes.
struct ConvPadding {
    enum class Kind { Explicit, Valid, Same };
    Kind kind = Kind::Explicit;
    Pair size; // for Kind::Explicit

    static ConvPadding valid() { return {Kind::Valid, {}}; }
    static ConvPadding same() { return {Kind::Same, {}}; }
    static ConvPadding explicit_size(Pair p) { return {Kind::Explicit, p}; }

    friend bool operator==(const ConvPadding&, const ConvPadding&) = default;
};

struct Conv2d {
    ConvWeights weights;
    SharedVector<float> bias; // empty, or one per output channel
    Pair stride{1, 1};
    ConvPadding padding = ConvPadding::explicit_size({0, 0});
    PaddingMode padding_mode = PaddingMode::Zeros;
    Pair dilation{1, 1};
    int groups = 1;

    // Padding on each side once "same" and "valid" are resolved.
    PadSides pad_sides() const;

    friend bool operator==(const Conv2d&, const Conv2d&) = default;
};

} // namespace convscope
