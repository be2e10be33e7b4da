#pragma once
// The layers of a classifier head, on maps of any height and width (torch.flatten(x, 1),
// torch.nn.Linear, torch.softmax(dim=1)). A flattened stack is C·H·W channels of 1 × 1, so the
// head's values are one map per feature or class.

#include "convscope/shared_vector.hpp"
#include <cstddef>

namespace convscope {

// C × H × W → (C·H·W) × 1 × 1, in C order (channel, then row, then column).
struct Flatten {
    friend bool operator==(const Flatten&, const Flatten&) = default;
};

// y = W·x + b over an input of in_features channels of 1 × 1 (after a flatten or a global
// pooling); weight is out_features × in_features, C order.
struct Linear {
    int in_features = 0;
    int out_features = 0;
    SharedVector<float> weight;
    SharedVector<float> bias; // empty, or one per output feature

    float at(int out, int in) const {
        return weight[static_cast<std::size_t>(out) * static_cast<std::size_t>(in_features) +
                      static_cast<std::size_t>(in)];
    }

    friend bool operator==(const Linear&, const Linear&) = default;
};

// exp(x_c) / Σ_k exp(x_k) over the channels, at every position (computed stably).
struct Softmax {
    friend bool operator==(const Softmax&, const Softmax&) = default;
};

} // namespace convscope
