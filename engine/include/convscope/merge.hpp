#pragma once
// Layers that join the maps of several earlier layers: the residual sum (torch.add) and
// concatenation along channels (torch.cat(dim=1)). Which layers they read is the layer's
// `inputs` (layer.hpp).

#include "convscope/shared_vector.hpp"

namespace convscope {

// The element-wise sum of its inputs (two or more of one shape), plus an optional constant:
// one value, or one per channel (torch.add with a scalar or a [C, 1, 1] tensor; then one input
// is enough).
struct Add {
    SharedVector<float> constant; // empty, one value for every channel, or one per channel

    // The constant added to channel `channel` (0 without one).
    float constant_for(int channel) const {
        if (constant.empty())
            return 0.0f;
        return constant.size() == 1 ? constant[0] : constant[static_cast<std::size_t>(channel)];
    }

    friend bool operator==(const Add&, const Add&) = default;
};

// Its inputs' channels one after another (equal heights and widths).
struct Concat {
    friend bool operator==(const Concat&, const Concat&) = default;
};

} // namespace convscope
