#include "convscope/naive_backend.hpp"

namespace convscope {

void naive_activation(const Activation& act, const Tensor& input, Tensor& output) {
    for (int c = 0; c < input.channels(); ++c)
        for (int y = 0; y < input.height(); ++y) {
            const float* in = input.row(c, y);
            float* out = output.row(c, y);
            for (int x = 0; x < input.width(); ++x)
                out[x] = act.apply(in[x], c);
        }
}

} // namespace convscope
