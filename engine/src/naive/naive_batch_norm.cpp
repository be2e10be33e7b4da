// Batch normalisation at inference, as PyTorch's eval mode computes it per channel.

#include "convscope/naive_backend.hpp"

#include <cmath>

namespace convscope {

void naive_batch_norm(const BatchNorm2d& bn, const Tensor& input, Tensor& output) {
    for (int c = 0; c < input.channels(); ++c) {
        const double inv_std = 1.0 / std::sqrt(double(bn.running_var[c]) + double(bn.eps));
        for (int y = 0; y < input.height(); ++y) {
            const float* in = input.row(c, y);
            float* out = output.row(c, y);
            for (int x = 0; x < input.width(); ++x)
                out[x] = static_cast<float>((in[x] - double(bn.running_mean[c])) * inv_std *
                                                double(bn.weight[c]) +
                                            double(bn.bias[c]));
        }
    }
}

} // namespace convscope
