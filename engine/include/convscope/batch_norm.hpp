#pragma once
// BatchNorm2d at inference (torch.nn.BatchNorm2d in eval mode): per channel c,
// y = (x − running_mean[c]) / sqrt(running_var[c] + eps) · weight[c] + bias[c].

#include "convscope/shared_vector.hpp"

namespace convscope {

struct BatchNorm2d {
    SharedVector<float> weight; // γ, one per channel
    SharedVector<float> bias;   // β, one per channel
    SharedVector<float> running_mean;
    SharedVector<float> running_var;
    float eps = 1e-5f;

    int channels() const { return static_cast<int>(weight.size()); }

    friend bool operator==(const BatchNorm2d&, const BatchNorm2d&) = default;
};

} // namespace convscope
