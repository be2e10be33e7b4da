#pragma once
// MaxPool2d and AvgPool2d with PyTorch's semantics (torch.nn.MaxPool2d / AvgPool2d).

#include "convscope/shape.hpp"

namespace convscope {

enum class PoolKind { Max, Avg };

struct Pool2d {
    PoolKind kind = PoolKind::Max;
    Pair kernel_size{2, 2};
    Pair stride{2, 2}; // PyTorch's default: the kernel size
    Pair padding{0, 0};
    bool ceil_mode = false;
    bool count_include_pad = true; // avg only: padded zeros count in the divisor

    friend bool operator==(const Pool2d&, const Pool2d&) = default;
};

} // namespace convscope
