// The textbook convolution (PyTorch's cross-correlation): for every output value, the sum over
// its group's input channels and the kernel window of weight × input, plus bias. Accumulates in
// double so that it can serve as the reference for faster, float-only paths.

#include "convscope/naive_backend.hpp"

namespace convscope {

void naive_conv2d(const Conv2d& conv, const Tensor& input, Tensor& output,
                  const CancelToken* cancel) {
    const ConvWeights& w = conv.weights;
    const PadSides pad = conv.pad_sides();
    const int out_per_group = w.out_channels / conv.groups;
    const int in_h = input.height();
    const int in_w = input.width();

    for (int o = 0; o < output.channels(); ++o) {
        const int first_in = (o / out_per_group) * w.in_channels;
        const double bias = conv.bias.empty() ? 0.0 : conv.bias[o];
        for (int oy = 0; oy < output.height(); ++oy) {
            // Checked per row: one channel of a large image takes tens of milliseconds here, too
            // long for a live view waiting to start its next run.
            if (cancel && cancel->is_cancelled())
                return;
            float* out_row = output.row(o, oy);
            for (int ox = 0; ox < output.width(); ++ox) {
                double sum = bias;
                for (int i = 0; i < w.in_channels; ++i) {
                    for (int ky = 0; ky < w.kernel_h; ++ky) {
                        const int iy =
                            source_index(oy * conv.stride.h - pad.top + ky * conv.dilation.h, in_h,
                                         conv.padding_mode);
                        if (iy < 0)
                            continue;
                        const float* in_row = input.row(first_in + i, iy);
                        for (int kx = 0; kx < w.kernel_w; ++kx) {
                            const int ix =
                                source_index(ox * conv.stride.w - pad.left + kx * conv.dilation.w,
                                             in_w, conv.padding_mode);
                            if (ix < 0)
                                continue;
                            sum += static_cast<double>(w.at(o, i, ky, kx)) * in_row[ix];
                        }
                    }
                }
                out_row[ox] = static_cast<float>(sum);
            }
        }
    }
}

} // namespace convscope
