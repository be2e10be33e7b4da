// Max and average pooling as PyTorch defines them. Padded cells never win a max; for the average,
// count_include_pad decides whether padded zeros count in the divisor, and a window that the
// ceil_mode extension pushes beyond the padded input never counts the cells out there.

#include "convscope/naive_backend.hpp"

#include <algorithm>
#include <limits>

namespace convscope {

namespace {

float max_window(const float* channel, std::size_t stride, int y0, int y1, int x0, int x1) {
    float best = -std::numeric_limits<float>::infinity();
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            const float v = channel[y * stride + x];
            // PyTorch propagates NaN through max pooling.
            if (v > best || v != v)
                best = v;
        }
    return best;
}

double sum_window(const float* channel, std::size_t stride, int y0, int y1, int x0, int x1) {
    double sum = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x)
            sum += channel[y * stride + x];
    return sum;
}

} // namespace

void naive_pool2d(const Pool2d& pool, const Tensor& input, Tensor& output,
                  const CancelToken* cancel) {
    const int in_h = input.height();
    const int in_w = input.width();
    for (int c = 0; c < output.channels(); ++c) {
        const float* channel = input.channel_data(c);
        for (int oy = 0; oy < output.height(); ++oy) {
            // Checked per row, so a live view waiting behind a reference run starts promptly.
            if (cancel && cancel->is_cancelled())
                return;
            // The window in padded coordinates, clipped to the padded input for the divisor.
            const int wy0 = oy * pool.stride.h - pool.padding.h;
            const int wy1 = std::min(wy0 + pool.kernel_size.h, in_h + pool.padding.h);
            const int y0 = std::max(wy0, 0);
            const int y1 = std::min(wy1, in_h);
            float* out_row = output.row(c, oy);
            for (int ox = 0; ox < output.width(); ++ox) {
                const int wx0 = ox * pool.stride.w - pool.padding.w;
                const int wx1 = std::min(wx0 + pool.kernel_size.w, in_w + pool.padding.w);
                const int x0 = std::max(wx0, 0);
                const int x1 = std::min(wx1, in_w);
                if (pool.kind == PoolKind::Max) {
                    out_row[ox] = max_window(channel, input.row_stride(), y0, y1, x0, x1);
                } else {
                    const int divisor =
                        pool.count_include_pad ? (wy1 - wy0) * (wx1 - wx0) : (y1 - y0) * (x1 - x0);
                    const double sum = sum_window(channel, input.row_stride(), y0, y1, x0, x1);
                    out_row[ox] = divisor > 0 ? static_cast<float>(sum / divisor) : 0.0f;
                }
            }
        }
    }
}

} // namespace convscope
