// Padding as a layer: every output cell reads the input cell PyTorch's mode maps it to, or the
// constant.

#include "convscope/naive_backend.hpp"

namespace convscope {

void naive_pad(const Pad2d& pad, const Tensor& input, Tensor& output) {
    for (int c = 0; c < output.channels(); ++c)
        for (int y = 0; y < output.height(); ++y) {
            const int sy =
                pad_source_index(y, pad.sides.top, pad.sides.bottom, input.height(), pad.mode);
            float* out = output.row(c, y);
            for (int x = 0; x < output.width(); ++x) {
                const int sx =
                    pad_source_index(x, pad.sides.left, pad.sides.right, input.width(), pad.mode);
                out[x] = sy < 0 || sx < 0 ? pad.value : input.row(c, sy)[sx];
            }
        }
}

} // namespace convscope
