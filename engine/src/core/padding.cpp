#include "convscope/padding.hpp"
#include "convscope/conv2d.hpp"
#include "convscope/map_limits.hpp"

#include <algorithm>
#include <cstdint>

namespace convscope {

std::string_view to_string(PaddingMode mode) {
    switch (mode) {
    case PaddingMode::Zeros:
        return "zeros";
    case PaddingMode::Reflect:
        return "reflect";
    case PaddingMode::Replicate:
        return "replicate";
    case PaddingMode::Circular:
        return "circular";
    }
    return "zeros";
}

bool parse_padding_mode(std::string_view name, PaddingMode& mode) {
    for (PaddingMode m : {PaddingMode::Zeros, PaddingMode::Reflect, PaddingMode::Replicate,
                          PaddingMode::Circular}) {
        if (to_string(m) == name) {
            mode = m;
            return true;
        }
    }
    return false;
}

PadSides Conv2d::pad_sides() const {
    switch (padding.kind) {
    case ConvPadding::Kind::Valid:
        return {};
    case ConvPadding::Kind::Same: {
        // PyTorch: total = dilation·(k−1); the smaller half goes first (top/left). In 64 bits:
        // a hostile dilation × kernel overflows an int. Shape inference refuses any reach beyond
        // the largest map, so the clamp only keeps an unchecked layer's arithmetic defined.
        const auto total = [](int dilation, int kernel) {
            const std::int64_t t = std::int64_t{dilation} * (std::int64_t{kernel} - 1);
            return static_cast<int>(std::clamp<std::int64_t>(t, 0, kMaxMapSide * 2));
        };
        const int total_h = total(dilation.h, weights.kernel_h);
        const int total_w = total(dilation.w, weights.kernel_w);
        return {total_h / 2, total_h - total_h / 2, total_w / 2, total_w - total_w / 2};
    }
    case ConvPadding::Kind::Explicit:
        return {padding.size.h, padding.size.h, padding.size.w, padding.size.w};
    }
    return {};
}

} // namespace convscope
