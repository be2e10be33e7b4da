#pragma once
// Element-wise activations (torch.nn.ReLU, LeakyReLU, Sigmoid, Tanh).

#include <cmath>
#include <string_view>

namespace convscope {

enum class ActivationKind { ReLU, LeakyReLU, Sigmoid, Tanh };

struct Activation {
    ActivationKind kind = ActivationKind::ReLU;
    float negative_slope = 0.01f; // LeakyReLU only

    float apply(float x) const {
        switch (kind) {
        case ActivationKind::ReLU:
            return x > 0.0f ? x : 0.0f;
        case ActivationKind::LeakyReLU:
            return x >= 0.0f ? x : x * negative_slope;
        case ActivationKind::Sigmoid:
            return 1.0f / (1.0f + std::exp(-x));
        case ActivationKind::Tanh:
            return std::tanh(x);
        }
        return x;
    }

    friend bool operator==(const Activation&, const Activation&) = default;
};

} // namespace convscope
