// Joining earlier maps: the element-wise sum (a residual connection) and concatenation along
// channels.

#include "convscope/naive_backend.hpp"

#include <algorithm>

namespace convscope {

void naive_add(const Add& add, std::span<const Tensor* const> inputs, Tensor& output) {
    const Tensor& first = *inputs[0];
    for (int c = 0; c < first.channels(); ++c)
        for (int y = 0; y < first.height(); ++y) {
            float* out = output.row(c, y);
            for (int x = 0; x < first.width(); ++x) {
                double sum = add.constant_for(c);
                for (const Tensor* in : inputs)
                    sum += in->row(c, y)[x];
                out[x] = static_cast<float>(sum);
            }
        }
}

void naive_concat(std::span<const Tensor* const> inputs, Tensor& output) {
    int channel = 0;
    for (const Tensor* in : inputs)
        for (int c = 0; c < in->channels(); ++c, ++channel)
            for (int y = 0; y < in->height(); ++y)
                std::copy_n(in->row(c, y), in->width(), output.row(channel, y));
}

} // namespace convscope
