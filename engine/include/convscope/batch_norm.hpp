#pragma once
// BatchNorm2d at inference (torch.nn.BatchNorm2d in eval mode): per channel c,
// y = (x − running_mean[c]) / sqrt(running_var[c] + eps) · weight[c] + bias[c].

#include <vector>

namespace convscope {

struct BatchNorm2d {
    std::vector<float> weight; // γ, one per channel
    std::vector<float> bias;   // β, one per channel
    std::vector<float> running_mean;
    std::vector<float> running_var;
    float eps = 1e-5f;

    int channels() const { return static_cast<int>(weight.size()); }

    friend bool operator==(const BatchNorm2d&, const BatchNorm2d&) = default;
};

} // namespace convscope
