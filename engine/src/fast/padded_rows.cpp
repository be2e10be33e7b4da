#include "fast/padded_rows.hpp"

#include <algorithm>
#include <cstring>

namespace convscope::fast {

std::size_t padded_row_stride(int padded_width) {
    const std::size_t a = Tensor::kRowAlignmentFloats;
    return (static_cast<std::size_t>(padded_width) + a + a - 1) / a * a;
}

void copy_padded_rows(const Tensor& in, int channel, const PadSides& pad, PaddingMode mode,
                      int first, int count, float* dst, std::size_t dst_stride) {
    const int width = in.width();
    const int padded_width = pad.left + width + pad.right;
    for (int i = 0; i < count; ++i) {
        float* out = dst + i * dst_stride;
        const int source_row = source_index(first + i - pad.top, in.height(), mode);
        if (source_row < 0) {
            std::fill(out, out + dst_stride, 0.0f);
            continue;
        }
        const float* src = in.row(channel, source_row);
        for (int x = 0; x < pad.left; ++x) {
            const int sx = source_index(x - pad.left, width, mode);
            out[x] = sx < 0 ? 0.0f : src[sx];
        }
        std::memcpy(out + pad.left, src, sizeof(float) * width);
        for (int x = pad.left + width; x < padded_width; ++x) {
            const int sx = source_index(x - pad.left, width, mode);
            out[x] = sx < 0 ? 0.0f : src[sx];
        }
        std::fill(out + padded_width, out + dst_stride, 0.0f);
    }
}

} // namespace convscope::fast
