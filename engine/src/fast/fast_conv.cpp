// Conv2d on the fast path. The work is split into strips of output rows; each task builds its
// strip's padded input rows in thread-local memory and runs SIMD kernels on them:
// - one input channel per group (gray images, depthwise): per output channel, a rank-1 kernel
//   runs as two 1-D passes (separable), any other as a direct 2-D correlation;
// - several input channels per group: blocks of up to 8 output channels accumulate together, so
//   each input vector loaded serves the whole block.
// Strides along x are computed at stride 1 and subsampled; strides along y skip rows directly.

#include "fast/conv_fusion.hpp"
#include "fast/fast_ops.hpp"
#include "fast/kernel_analysis.hpp"
#include "fast/padded_rows.hpp"

#include "convscope/memory_budget.hpp"

#include <algorithm>

namespace convscope::fast {

namespace {

// A rank-1 kernel of at least this many taps runs as two 1-D passes. Measured on 1920×1080, one
// thread, AVX-512: 3×3 direct 0.57 ms vs separable 0.78 ms; 5×5 0.96 vs 0.91; 7×7 1.43 vs 1.10.
constexpr int kSeparableMinTaps = 25;
// Scratch budget per strip: the padded input rows stay in L2.
constexpr std::size_t kStripBytes = 256 * 1024;

struct ConvLayout {
    PadSides pad;
    int padded_width = 0;
    std::size_t padded_stride = 0;
    int dense_width = 0; // outputs per row at x-stride 1
    int out_h = 0;
    int out_w = 0;
    int groups = 1;
    int in_per_group = 1;
    int out_per_group = 1;

    ConvLayout(const Conv2d& conv, Shape input, Shape output) {
        const ConvWeights& w = conv.weights;
        pad = conv.pad_sides();
        padded_width = pad.left + input.width + pad.right;
        padded_stride = padded_row_stride(padded_width);
        dense_width = padded_width - (w.kernel_w - 1) * conv.dilation.w;
        out_h = output.height;
        out_w = output.width;
        groups = conv.groups;
        in_per_group = w.in_channels;
        out_per_group = w.out_channels / conv.groups;
    }
    int input_rows(const Conv2d& conv, int out_rows) const {
        return (out_rows - 1) * conv.stride.h + (conv.weights.kernel_h - 1) * conv.dilation.h + 1;
    }
};

// With a stride along x the kernels compute every column into a dense scratch plane; this keeps
// every stride_w-th one, and activates them into `fused` (if any) with the same row kernel the
// activation layer uses.
void subsample_columns(const float* dense, std::size_t dense_stride, int rows, int stride_w,
                       int out_w, float* out, std::size_t out_stride, float* fused,
                       const Epilogue& epilogue) {
    for (int r = 0; r < rows; ++r) {
        const float* src = dense + r * dense_stride;
        float* dst = out + r * out_stride;
        for (int x = 0; x < out_w; ++x)
            dst[x] = src[x * stride_w];
        if (fused)
            activate_row(dst, fused + r * out_stride, out_w, epilogue);
    }
}

// Pools rows [y0, y0 + rows) of channel c of `source` into `pool` (2×2, stride 2). Strips start on
// even rows, so the row pairs never straddle two tasks.
void pool_strip(const Tensor& source, int c, int y0, int rows, const PoolFusion& pool,
                float* pair_rows) {
    Tensor& out = *pool.output;
    for (int py = y0 / 2; 2 * py + 1 < y0 + rows && py < out.height(); ++py) {
        const float* pair[2] = {source.row(c, 2 * py), source.row(c, 2 * py + 1)};
        reduce_rows(pair, 2, source.width(), pool.is_max, pair_rows);
        float* dst = out.row(c, py);
        reduce_pairs(pair_rows, out.width(), pool.is_max, dst);
        if (!pool.is_max)
            for (int x = 0; x < out.width(); ++x)
                dst[x] *= 0.25f;
    }
}

// With a fused pooling, strips hold whole row pairs (so they also start on even rows).
int even_strip(int strip, bool pooled) {
    return pooled ? std::max(2, strip / 2 * 2) : strip;
}

// Output rows per task: as many as keep the strip's padded input rows within kStripBytes.
int single_input_strip(const Conv2d& conv, const ConvLayout& L, bool pooled) {
    const std::size_t row_bytes = L.padded_stride * sizeof(float);
    const int halo = (conv.weights.kernel_h - 1) * conv.dilation.h + 1;
    // About 64 tasks in all (strips × groups): a depthwise layer of 32 channels is 2 strips per
    // channel, not 8 — 32 × 112 × 112 spent as much in task hand-offs as in its kernels.
    return even_strip(strip_height(L.out_h, conv.stride.h, halo, row_bytes, kStripBytes,
                                   std::max(1, 64 / L.groups)),
                      pooled);
}

int multi_input_strip(const Conv2d& conv, const ConvLayout& L, bool pooled) {
    const std::size_t row_bytes = L.padded_stride * sizeof(float) * L.in_per_group;
    const int halo = (conv.weights.kernel_h - 1) * conv.dilation.h + 1;
    return even_strip(strip_height(L.out_h, conv.stride.h, halo, row_bytes, kStripBytes,
                                   16 * std::max(1, 4 / L.groups)),
                      pooled);
}

// Scratch for one pair of rows reduced along y: the row and whole-vector slack.
std::size_t pair_row_floats(const Tensor& t) {
    return t.row_stride() * 2 + 64;
}

// The epilogue for stores into the output tensor: stream the plain output past the caches when
// its activation is the fused output (so the pipeline never reads the plain one back) and it
// is too large to stay in the last-level cache anyway.
Epilogue output_epilogue(const Epilogue& epilogue, const Tensor& output, const Tensor* fused) {
    constexpr std::size_t kStreamBytes = 16u << 20; // half of this machine's 32 MB L3
    Epilogue e = epilogue;
    e.stream_output = fused && output.shape().elements() * sizeof(float) > kStreamBytes;
    return e;
}

// ---- one input channel per group -------------------------------------------------------------

enum Method { kDirect, kSeparable, kBox };

// A box kernel (every weight equal) at stride and dilation 1 along y: column sums by running
// sums, then the row taps.
bool is_box(const float* kernel, int taps) {
    for (int i = 1; i < taps; ++i)
        if (kernel[i] != kernel[0])
            return false;
    return kernel[0] != 0.0f;
}

bool conv_single_input(const Conv2d& conv, const Tensor& input, Tensor& output, Tensor* fused,
                       const Epilogue& epilogue, const PoolFusion* pool, Workspace& workspace,
                       ScratchPool& scratch, const CancelToken* cancel, std::string& kernel) {
    const ConvWeights& w = conv.weights;
    const ConvLayout L(conv, input.shape(), output.shape());
    const int taps = w.kernel_h * w.kernel_w;

    std::vector<int>& methods = workspace.methods;
    std::vector<SeparableKernel>& parts = workspace.separable;
    methods.assign(w.out_channels, kDirect);
    if (parts.size() < static_cast<std::size_t>(w.out_channels))
        parts.resize(w.out_channels);
    bool any[3] = {false, false, false};
    const bool box_allowed = conv.stride.h == 1 && conv.dilation.h == 1;
    for (int o = 0; o < w.out_channels; ++o) {
        const float* k = w.values.data() + static_cast<std::size_t>(o) * taps;
        if (w.kernel_h > 1 && w.kernel_w > 1 && taps >= kSeparableMinTaps) {
            if (box_allowed && is_box(k, taps)) {
                methods[o] = kBox;
                parts[o].row.assign(w.kernel_w, k[0]);
            } else if (split_rank_one(k, w.kernel_h, w.kernel_w, parts[o])) {
                methods[o] = kSeparable;
            }
        }
        any[methods[o]] = true;
    }
    if (!any[kSeparable] && !any[kBox] && prefer_fft(conv)) {
        conv_fft(conv, input, output, fused, epilogue, workspace, scratch, cancel, kernel);
        return false;
    }
    const int strip = single_input_strip(conv, L, pool != nullptr);
    const int strips = (L.out_h + strip - 1) / strip;
    const double work = static_cast<double>(output.shape().elements()) * taps;
    const Epilogue final_epilogue = output_epilogue(epilogue, output, fused);
    scratch.reserve(0, L.input_rows(conv, strip) * L.padded_stride);
    scratch.reserve(1, strip * L.padded_stride);
    scratch.reserve(2, strip * L.padded_stride);
    if (pool)
        scratch.reserve(3, pair_row_floats(output));

    parallel_tasks(L.groups * strips, work, scratch, cancel, [&](int task, ThreadScratch& s) {
        const int g = task / strips;
        const int y0 = (task % strips) * strip;
        const int rows = std::min(strip, L.out_h - y0);
        const int in_rows = L.input_rows(conv, rows);
        const std::size_t stride = L.padded_stride;
        float* padded = s.get(0, in_rows * stride);
        copy_padded_rows(input, g, L.pad, conv.padding_mode, y0 * conv.stride.h, in_rows, padded,
                         stride);

        for (int oi = 0; oi < L.out_per_group; ++oi) {
            const int o = g * L.out_per_group + oi;
            const float bias = conv.bias.empty() ? 0.0f : conv.bias[o];
            const bool direct_store = conv.stride.w == 1;
            Plane target{direct_store ? output.row(o, y0) : s.get(2, rows * stride),
                         direct_store ? output.row_stride() : stride};
            float* fused_rows = direct_store && fused ? fused->row(o, y0) : nullptr;

            if (methods[o] != kDirect) {
                // Along y first (rows share loads there, or a running sum does it in two
                // operations), then along x over the output rows only, so no halo rows are
                // filtered twice.
                float* vertical = s.get(1, rows * stride);
                if (methods[o] == kBox) {
                    column_window_sums({padded, stride}, rows, L.padded_width, w.kernel_h,
                                       {vertical, stride});
                } else {
                    const ConvGeometry gy{
                        rows, L.padded_width, conv.stride.h, w.kernel_h, 1, conv.dilation.h, 1};
                    correlate_plane({padded, stride}, gy, parts[o].column.data(), 0.0f,
                                    {vertical, stride}, nullptr, epilogue);
                }
                const ConvGeometry gx{rows, L.dense_width, 1, 1, w.kernel_w, 1, conv.dilation.w};
                correlate_plane({vertical, stride}, gx, parts[o].row.data(), bias, target,
                                fused_rows, direct_store ? final_epilogue : epilogue);
            } else {
                const ConvGeometry g2{rows,       L.dense_width,   conv.stride.h,  w.kernel_h,
                                      w.kernel_w, conv.dilation.h, conv.dilation.w};
                correlate_plane({padded, stride}, g2,
                                w.values.data() + static_cast<std::size_t>(o) * taps, bias, target,
                                fused_rows, direct_store ? final_epilogue : epilogue);
            }
            if (!direct_store)
                subsample_columns(target.base, target.stride, rows, conv.stride.w, L.out_w,
                                  output.row(o, y0), output.row_stride(),
                                  fused ? fused->row(o, y0) : nullptr, epilogue);
            if (pool)
                pool_strip(fused ? *fused : output, o, y0, rows, *pool,
                           s.get(3, pair_row_floats(output)));
        }
    });

    // Every method that ran, e.g. "separable+direct-AVX3"; "depthwise-direct-AVX2" for a
    // depthwise layer (one input channel per group, several groups: the same row kernels, each
    // group's filter in registers, strips × groups over the threads).
    static const char* const kMethodNames[] = {"direct", "separable", "boxsum"};
    kernel.assign(L.groups > 1 ? "depthwise-" : "");
    for (int m : {kBox, kSeparable, kDirect})
        if (any[m]) {
            if (!kernel.empty() && kernel.back() != '-')
                kernel += '+';
            kernel += kMethodNames[m];
        }
    kernel += '-';
    kernel += dispatched_target_name();
    return pool != nullptr;
}

// ---- several input channels per group ---------------------------------------------------------

// Output channels of a group in blocks the kernel handles (8, then 4, 2, 1).
struct ChannelBlock {
    int first; // output channel within the group
    int count;
    std::size_t weights_offset; // into the packed weights of the group
};

// At most out/8 + 3 blocks, in a fixed array (no allocation per run).
struct ChannelBlocks {
    static constexpr int kMax = kMaxOutputsPerGroup / 8 + 3;
    ChannelBlock items[kMax];
    int count = 0;
    const ChannelBlock* begin() const { return items; }
    const ChannelBlock* end() const { return items + count; }
};

ChannelBlocks channel_blocks(int out_per_group, int taps_per_output) {
    ChannelBlocks blocks;
    std::size_t offset = 0;
    for (int first = 0; first < out_per_group;) {
        int count = 8;
        while (count > out_per_group - first)
            count /= 2;
        blocks.items[blocks.count++] = {first, count, offset};
        offset += static_cast<std::size_t>(count) * taps_per_output;
        first += count;
    }
    return blocks;
}

// Weights of each block as [in][kh][kw][count]: the block's weights for one tap are adjacent.
// Groups follow each other in `packed`.
void pack_weights(const Conv2d& conv, int group, const ChannelBlocks& blocks,
                  std::vector<float>& packed) {
    const ConvWeights& w = conv.weights;
    const int out_per_group = w.out_channels / conv.groups;
    for (const ChannelBlock& b : blocks)
        for (int c = 0; c < w.in_channels; ++c)
            for (int ky = 0; ky < w.kernel_h; ++ky)
                for (int kx = 0; kx < w.kernel_w; ++kx)
                    for (int k = 0; k < b.count; ++k)
                        packed.push_back(w.at(group * out_per_group + b.first + k, c, ky, kx));
}

bool conv_multi_input(const Conv2d& conv, const Tensor& input, Tensor& output, Tensor* fused,
                      const Epilogue& epilogue, const PoolFusion* pool, Workspace& workspace,
                      ScratchPool& scratch, const CancelToken* cancel, std::string& kernel) {
    const ConvWeights& w = conv.weights;
    const ConvLayout L(conv, input.shape(), output.shape());
    const int taps = w.in_channels * w.kernel_h * w.kernel_w;
    const ChannelBlocks blocks = channel_blocks(L.out_per_group, taps);
    std::vector<float>& packed = workspace.packed_weights;
    packed.clear();
    for (int g = 0; g < L.groups; ++g)
        pack_weights(conv, g, blocks, packed);
    const std::size_t group_weights = static_cast<std::size_t>(L.out_per_group) * taps;
    std::vector<float>& bias = workspace.bias;
    if (conv.bias.empty())
        bias.assign(w.out_channels, 0.0f);
    else
        bias.assign(conv.bias.begin(), conv.bias.end());

    const int strip = multi_input_strip(conv, L, pool != nullptr);
    const int strips = (L.out_h + strip - 1) / strip;
    const double work = static_cast<double>(output.shape().elements()) * taps;
    const Epilogue final_epilogue = output_epilogue(epilogue, output, fused);
    scratch.reserve(0, L.input_rows(conv, strip) * L.padded_stride * L.in_per_group);
    if (conv.stride.w != 1)
        scratch.reserve(2, 8 * strip * L.padded_stride);
    if (pool)
        scratch.reserve(3, pair_row_floats(output));

    parallel_tasks(L.groups * strips, work, scratch, cancel, [&](int task, ThreadScratch& s) {
        const int g = task / strips;
        const int y0 = (task % strips) * strip;
        const int rows = std::min(strip, L.out_h - y0);
        const int in_rows = L.input_rows(conv, rows);
        const std::size_t stride = L.padded_stride;
        const std::size_t channel_stride = in_rows * stride;
        float* padded = s.get(0, channel_stride * L.in_per_group);
        for (int c = 0; c < L.in_per_group; ++c)
            copy_padded_rows(input, g * L.in_per_group + c, L.pad, conv.padding_mode,
                             y0 * conv.stride.h, in_rows, padded + c * channel_stride, stride);

        const bool direct_store = conv.stride.w == 1;
        const ConvGeometry geometry{rows,       L.dense_width,   conv.stride.h,  w.kernel_h,
                                    w.kernel_w, conv.dilation.h, conv.dilation.w};
        for (const ChannelBlock& b : blocks) {
            const int o0 = g * L.out_per_group + b.first;
            float* out_rows[8];
            float* fused_rows[8];
            const std::size_t out_stride = direct_store ? output.row_stride() : stride;
            float* dense = direct_store ? nullptr : s.get(2, 8 * rows * stride);
            for (int k = 0; k < b.count; ++k) {
                out_rows[k] = direct_store ? output.row(o0 + k, y0) : dense + k * rows * stride;
                fused_rows[k] = fused ? fused->row(o0 + k, y0) : nullptr;
            }
            correlate_channels({padded, stride}, channel_stride, L.in_per_group, geometry,
                               packed.data() + g * group_weights + b.weights_offset,
                               bias.data() + o0, b.count, out_rows, out_stride,
                               direct_store && fused ? fused_rows : nullptr,
                               direct_store ? final_epilogue : epilogue);
            if (!direct_store)
                for (int k = 0; k < b.count; ++k)
                    subsample_columns(out_rows[k], stride, rows, conv.stride.w, L.out_w,
                                      output.row(o0 + k, y0), output.row_stride(), fused_rows[k],
                                      epilogue);
            if (pool)
                for (int k = 0; k < b.count; ++k)
                    pool_strip(fused ? *fused : output, o0 + k, y0, rows, *pool,
                               s.get(3, pair_row_floats(output)));
        }
    });

    static const char* const kBlockNames[] = {"", "direct-oc1", "direct-oc2", "", "direct-oc4", "",
                                              "", "",           "direct-oc8"};
    name_kernel(kernel, kBlockNames[blocks.items[0].count]);
    return pool != nullptr;
}

} // namespace

bool fusable_pool(const Pool2d& pool) {
    return pool.kernel_size == Pair{2, 2} && pool.stride == Pair{2, 2} &&
           pool.padding == Pair{0, 0} && !pool.ceil_mode;
}

namespace {

// The paths of conv_single_input and conv_multi_input (and the FFT).
std::uint64_t direct_scratch_bytes(const Conv2d& conv, Shape input, Shape output, int threads) {
    const ConvWeights& w = conv.weights;
    const ConvLayout L(conv, input, output);
    const std::uint64_t stride = L.padded_stride;
    // A fused pooling adds a row pair per thread; assume it (the estimate is an upper bound).
    const std::uint64_t pair_row = stride * 2 + 64;
    std::uint64_t per_thread = 0; // floats
    std::uint64_t kept = 0;       // floats the workspace keeps for the layer
    if (w.in_channels == 1) {
        const int strip = single_input_strip(conv, L, false);
        per_thread = static_cast<std::uint64_t>(L.input_rows(conv, strip)) * stride +
                     2 * static_cast<std::uint64_t>(strip) * stride + pair_row;
        kept = 2 * static_cast<std::uint64_t>(w.out_channels) * (w.kernel_h + w.kernel_w);
    } else {
        const int strip = multi_input_strip(conv, L, false);
        per_thread = saturating_mul(static_cast<std::uint64_t>(L.input_rows(conv, strip)) * stride,
                                    static_cast<std::uint64_t>(L.in_per_group)) +
                     (conv.stride.w != 1 ? 8 * static_cast<std::uint64_t>(strip) * stride : 0) +
                     pair_row;
        kept = w.values.size() + static_cast<std::uint64_t>(w.out_channels);
    }
    const std::uint64_t direct = saturating_mul(
        saturating_add(saturating_mul(per_thread, static_cast<std::uint64_t>(threads)), kept),
        sizeof(float));
    // A single-input conv with a large kernel may go through the FFT instead.
    if (w.in_channels == 1 && prefer_fft(conv))
        return std::max(direct, fft_scratch_bytes(conv, input, output, threads));
    return direct;
}

} // namespace

// The paths of conv2d, in the order it tries them; the first three keep packed weights.
std::uint64_t conv_scratch_bytes(const Conv2d& conv, Shape input, Shape output, int threads) {
    // A fused batch norm's scale and shift, folded into the workspace.
    const std::uint64_t chain =
        2 * static_cast<std::uint64_t>(conv.weights.out_channels) * sizeof(float);
    if (const int m = winograd_tile(conv, input))
        return saturating_add(winograd_scratch_bytes(conv, m, output, threads), chain);
    if (pointwise_applies(conv))
        return saturating_add(pointwise_scratch_bytes(conv, output, threads), chain);
    const std::uint64_t direct = direct_scratch_bytes(conv, input, output, threads);
    // The packed direct path, unless a pooling is fused: then the channel-blocked one runs.
    if (conv.weights.in_channels > 1 && packed_direct_applies(conv))
        return saturating_add(
            std::max(direct, packed_direct_scratch_bytes(conv, input, output, threads)), chain);
    return saturating_add(direct, chain);
}

std::uint64_t conv_weight_bytes(const Conv2d& conv, Shape input, Shape output) {
    if (const int m = winograd_tile(conv, input))
        return winograd_weight_bytes(conv, m, output);
    if (pointwise_applies(conv) || (conv.weights.in_channels > 1 && packed_direct_applies(conv)))
        return saturating_mul(saturating_mul(weight_panel_floats(conv, gemm_panel_rows()),
                                             static_cast<std::uint64_t>(conv.groups)),
                              sizeof(float));
    return 0;
}

bool conv2d(const Conv2d& conv, const Tensor& input, Tensor& output, const ConvChain& chain,
            const PoolFusion* pool, PackedWeights& packed, Workspace& workspace,
            ScratchPool& scratch, const CancelToken* cancel, std::string& kernel) {
    // Deep layers: Winograd, 1×1 products, packed direct; each fuses the whole chain.
    if (const int m = winograd_tile(conv, input.shape())) {
        conv_winograd(conv, m, input, output, chain, packed, workspace, scratch, cancel, kernel);
        return false; // a following pooling runs as its own layer
    }
    if (pointwise_applies(conv)) {
        conv_pointwise(conv, input, output, chain, packed, workspace, scratch, cancel, kernel);
        return false;
    }
    if (!pool && conv.weights.in_channels > 1 && packed_direct_applies(conv)) {
        conv_packed_direct(conv, input, output, chain, packed, workspace, scratch, cancel, kernel);
        return false;
    }
    packed.release(); // none of the paths below packs weights
    // The paths that fuse an activation (and a pooling) themselves; a batch norm or residual
    // sum after them is applied to the finished output.
    const bool only_activation = !chain.normalized && !chain.sum;
    Tensor* fused = only_activation ? chain.activated : nullptr;
    const Epilogue epilogue = fused ? chain.activation : Epilogue{};
    const bool pooled = conv.weights.in_channels == 1
                            ? conv_single_input(conv, input, output, fused, epilogue, pool,
                                                workspace, scratch, cancel, kernel)
                            : conv_multi_input(conv, input, output, fused, epilogue, pool,
                                               workspace, scratch, cancel, kernel);
    if (!only_activation)
        apply_chain(output, chain, scratch, cancel);
    return pooled;
}

} // namespace convscope::fast
