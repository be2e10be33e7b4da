// Global pooling: the mean (in double) or the maximum (NaN propagates, as in PyTorch) of each
// whole map.

#include "convscope/naive_backend.hpp"

#include <limits>

namespace convscope {

void naive_global_pool(const GlobalPool2d& pool, const Tensor& input, Tensor& output) {
    for (int c = 0; c < input.channels(); ++c) {
        double sum = 0;
        float best = -std::numeric_limits<float>::infinity();
        for (int y = 0; y < input.height(); ++y) {
            const float* in = input.row(c, y);
            for (int x = 0; x < input.width(); ++x) {
                sum += in[x];
                if (in[x] > best || in[x] != in[x])
                    best = in[x];
            }
        }
        const double count = double(input.height()) * input.width();
        output.row(c, 0)[0] = pool.kind == PoolKind::Max ? best : static_cast<float>(sum / count);
    }
}

} // namespace convscope
