#pragma once
// Global pooling: one value per channel, the mean or the maximum of the whole map
// (torch.nn.AdaptiveAvgPool2d(1) / AdaptiveMaxPool2d(1)). The output is C × 1 × 1.

#include "convscope/pool2d.hpp"

namespace convscope {

struct GlobalPool2d {
    PoolKind kind = PoolKind::Avg;

    friend bool operator==(const GlobalPool2d&, const GlobalPool2d&) = default;
};

} // namespace convscope
