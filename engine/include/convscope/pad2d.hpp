#pragma once
// Explicit padding as a layer of its own (torch.nn.functional.pad on the last two dimensions):
// any amount on each side, in one of PyTorch's modes; a negative amount crops.

#include "convscope/padding.hpp"

namespace convscope {

struct Pad2d {
    PadSides sides;                        // rows above and below, columns left and right
    PaddingMode mode = PaddingMode::Zeros; // Zeros is F.pad's "constant" mode, with `value`
    float value = 0.0f;                    // the constant (Zeros mode only)

    friend bool operator==(const Pad2d&, const Pad2d&) = default;
};

// The input position (in [0, n)) that output position `o` of an axis padded by `before` and
// `after` (either may be negative: a crop) reads, or -1 for the constant. PyTorch's rules:
// constant, reflect and replicate place the output at o − before of the input and mirror or
// repeat the input's own edge beyond it; circular crops first and then wraps around what is
// left. Shape inference keeps every call in range.
inline int pad_source_index(int o, int before, int after, int n, PaddingMode mode) {
    if (mode != PaddingMode::Circular)
        return source_index(o - before, n, mode);
    const int start = before < 0 ? -before : 0;
    const int kept = n - start - (after < 0 ? -after : 0);
    const int p = o - (before > 0 ? before : 0);
    return start + ((p % kept) + kept) % kept;
}

} // namespace convscope
