#pragma once
// Explicit padding as a layer of its own (torch.nn.functional.pad on the last two dimensions):
// any amount on each side, in one of PyTorch's modes; a negative amount crops.

#include "convscope/padding.hpp"

namespace convscope {

struct Pad2d {
    PadSides sides;                          // rows above and below, columns left and right
    PaddingMode mode = PaddingMode::Zeros;   // Zeros is F.pad's "constant" mode, with `value`
    float value = 0.0f;                      // the constant (Zeros mode only)

    friend bool operator==(const Pad2d&, const Pad2d&) = default;
};

} // namespace convscope
