// Max and average pooling on the fast path: for each output row, reduce the window's input rows
// element-wise (vertical), then reduce along the row (horizontal: shifted loads at stride 1,
// even/odd lanes for the common 2×2 stride 2). Averages divide by PyTorch's window size, which
// factors into a row count times a column count, both precomputed.

#include "fast/fast_ops.hpp"

#include <algorithm>
#include <limits>

namespace convscope::fast {

namespace {

struct PoolLayout {
    int in_h, in_w, out_h, out_w;
    int tmp_width; // the padded row, long enough for every window ceil_mode creates

    PoolLayout(const Pool2d& p, Shape in, Shape out)
        : in_h(in.height), in_w(in.width), out_h(out.height), out_w(out.width) {
        const int reach = (out_w - 1) * p.stride.w + p.kernel_size.w;
        tmp_width = std::max(in_w + 2 * p.padding.w, reach);
    }
    // Input rows [y0, y1) of output row oy, clipped to the input.
    void rows_of(const Pool2d& p, int oy, int& y0, int& y1) const {
        const int start = oy * p.stride.h - p.padding.h;
        y0 = std::max(start, 0);
        y1 = std::min(start + p.kernel_size.h, in_h);
    }
};

// PyTorch's divisor along one axis: the window clipped to the padded input
// (count_include_pad) or to the input itself.
int window_count(int index, int stride, int pad, int kernel, int size, bool include_pad) {
    const int start = index * stride - pad;
    const int end = std::min(start + kernel, size + pad);
    if (include_pad)
        return end - start;
    return std::min(end, size) - std::max(start, 0);
}

std::size_t round_up(std::size_t n, std::size_t a) {
    return (n + a - 1) / a * a;
}

std::size_t tmp_row_floats(const PoolLayout& L) {
    return round_up(2 * static_cast<std::size_t>(L.tmp_width) + 64, 16);
}

} // namespace

std::uint64_t pool_scratch_bytes(const Pool2d& pool, Shape input, Shape output, int threads) {
    const PoolLayout L(pool, input, output);
    const std::uint64_t per_thread = 2 * tmp_row_floats(L) * sizeof(float);
    const std::uint64_t divisors = (round_up(L.out_w, 16) + 16) * sizeof(float);
    return per_thread * static_cast<std::uint64_t>(threads) + divisors;
}

void pool2d(const Pool2d& pool, const Tensor& input, Tensor& output, Workspace& workspace,
            ScratchPool& scratch, const CancelToken* cancel, std::string& kernel) {
    const PoolLayout L(pool, input.shape(), output.shape());
    const bool is_max = pool.kind == PoolKind::Max;
    const float pad_value = is_max ? -std::numeric_limits<float>::infinity() : 0.0f;
    const std::size_t tmp_stride = tmp_row_floats(L);
    const bool pairs = pool.kernel_size.w == 2 && pool.stride.w == 2;

    // Reciprocal column divisors (averages only), padded for whole-vector loads.
    std::vector<float>& inv_cols = workspace.divisors;
    inv_cols.assign(round_up(L.out_w, 16) + 16, 0.0f);
    if (!is_max)
        for (int x = 0; x < L.out_w; ++x)
            inv_cols[x] = 1.0f / window_count(x, pool.stride.w, pool.padding.w, pool.kernel_size.w,
                                              L.in_w, pool.count_include_pad);

    scratch.reserve(0, tmp_stride);
    scratch.reserve(1, tmp_stride);
    constexpr int kRowsPerTask = 8;
    const int row_tasks = (L.out_h + kRowsPerTask - 1) / kRowsPerTask;
    const double work =
        static_cast<double>(output.shape().elements()) * pool.kernel_size.h * pool.kernel_size.w;

    parallel_tasks(output.channels() * row_tasks, work, scratch, cancel,
                   [&](int task, ThreadScratch& s) {
                       const int c = task / row_tasks;
                       const int oy_end = std::min(L.out_h, (task % row_tasks + 1) * kRowsPerTask);
                       float* tmp = s.get(0, tmp_stride);
                       float* dense = s.get(1, tmp_stride);
                       std::fill(tmp, tmp + tmp_stride, pad_value);
                       for (int oy = (task % row_tasks) * kRowsPerTask; oy < oy_end; ++oy) {
                           int y0, y1;
                           L.rows_of(pool, oy, y0, y1);
                           const float* rows[64];
                           const int count = std::min(y1 - y0, 64);
                           for (int i = 0; i < count; ++i)
                               rows[i] = input.row(c, y0 + i);
                           float* body = tmp + pool.padding.w;
                           if (count > 0)
                               reduce_rows(rows, count, L.in_w, is_max, body);
                           else
                               std::fill(body, body + L.in_w, pad_value);
                           // reduce_rows writes whole vectors: restore the right-hand padding it
                           // overwrote.
                           std::fill(body + L.in_w, tmp + tmp_stride, pad_value);

                           float* out = output.row(c, oy);
                           if (pool.stride.w == 1) {
                               reduce_window(tmp, L.out_w, pool.kernel_size.w, is_max, out);
                           } else if (pairs) {
                               reduce_pairs(tmp, L.out_w, is_max, out);
                           } else {
                               const int dense_w = (L.out_w - 1) * pool.stride.w + 1;
                               reduce_window(tmp, dense_w, pool.kernel_size.w, is_max, dense);
                               for (int x = 0; x < L.out_w; ++x)
                                   out[x] = dense[x * pool.stride.w];
                           }
                           if (!is_max) {
                               const int rows_counted =
                                   window_count(oy, pool.stride.h, pool.padding.h,
                                                pool.kernel_size.h, L.in_h, pool.count_include_pad);
                               scale_row(out, inv_cols.data(), 1.0f / rows_counted, L.out_w);
                           }
                       }
                   });
    // Windows taller than 64 rows are beyond any pipeline the app builds; the reference handles
    // them (see FastBackend::run_layer).
    name_kernel(kernel, is_max ? "maxpool" : "avgpool");
}

} // namespace convscope::fast
