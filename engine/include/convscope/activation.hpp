#pragma once
// Element-wise activations with PyTorch's semantics: torch.nn.ReLU, LeakyReLU, Sigmoid, Tanh,
// PReLU, ELU, Hardsigmoid, Hardswish, and clamp (ReLU6 is clip to [0, 6]).

#include "convscope/shared_vector.hpp"
#include <algorithm>
#include <cmath>

namespace convscope {

enum class ActivationKind {
    ReLU,
    LeakyReLU,
    Sigmoid,
    Tanh,
    PReLU,       // a learned negative slope: one for every channel, or one per channel
    ELU,         // x for x > 0, alpha·(exp(x) − 1) below
    HardSigmoid, // max(0, min(1, hard_alpha·x + hard_beta)); PyTorch's is 1/6 and 1/2
    HardSwish,   // x · relu6(x + 3) / 6
    Clip,        // min(max(x, clip_min), clip_max); ReLU6 is [0, 6]
};

struct Activation {
    ActivationKind kind = ActivationKind::ReLU;
    float negative_slope = 0.01f;   // LeakyReLU
    SharedVector<float> slopes{};   // PReLU: one value, or one per channel of the input
    float alpha = 1.0f;             // ELU
    float hard_alpha = 1.0f / 6.0f; // HardSigmoid (ONNX's default is 0.2)
    float hard_beta = 0.5f;         // HardSigmoid
    float clip_min = 0.0f;          // Clip
    float clip_max = 6.0f;          // Clip

    // PReLU's slope for `channel`.
    float slope(int channel) const {
        if (slopes.empty())
            return 0.25f;
        return slopes.size() == 1 ? slopes[0] : slopes[static_cast<std::size_t>(channel)];
    }

    // The activation of one value of channel `channel` (only PReLU depends on the channel).
    float apply(float x, int channel = 0) const {
        switch (kind) {
        case ActivationKind::ReLU:
            return x > 0.0f ? x : 0.0f;
        case ActivationKind::LeakyReLU:
            return x >= 0.0f ? x : x * negative_slope;
        case ActivationKind::Sigmoid:
            return 1.0f / (1.0f + std::exp(-x));
        case ActivationKind::Tanh:
            return std::tanh(x);
        case ActivationKind::PReLU:
            return x >= 0.0f ? x : x * slope(channel);
        case ActivationKind::ELU:
            return x > 0.0f ? x : alpha * std::expm1(x);
        case ActivationKind::HardSigmoid:
            return std::clamp(hard_alpha * x + hard_beta, 0.0f, 1.0f);
        case ActivationKind::HardSwish:
            return x * std::clamp(x + 3.0f, 0.0f, 6.0f) / 6.0f;
        case ActivationKind::Clip:
            return std::min(std::max(x, clip_min), clip_max);
        }
        return x;
    }

    friend bool operator==(const Activation&, const Activation&) = default;
};

} // namespace convscope
