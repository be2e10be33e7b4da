#pragma once
// Layers that join the maps of several earlier layers: the residual sum (torch.add) and
// concatenation along channels (torch.cat(dim=1)). Which layers they read is the layer's
// `inputs` (layer.hpp).

#include "convscope/shared_vector.hpp"

namespace convscope {

// The element-wise sum of its inputs (two or more of one shape), plus an optional constant per
// channel (torch.add with a [C, 1, 1] tensor; then one input is enough).
struct Add {
    SharedVector<float> constant; // empty, or one per channel

    friend bool operator==(const Add&, const Add&) = default;
};

// Its inputs' channels one after another (equal heights and widths).
struct Concat {
    friend bool operator==(const Concat&, const Concat&) = default;
};

} // namespace convscope
