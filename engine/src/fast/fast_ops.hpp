#pragma once
// The fast backend's layer implementations. Each writes the name of the kernel that ran to
// `kernel` (reusing its capacity: a repeated run allocates nothing).

#include "convscope/activation.hpp"
#include "convscope/cancel_token.hpp"
#include "convscope/conv2d.hpp"
#include "convscope/pool2d.hpp"
#include "convscope/tensor.hpp"
#include "fast/kernel_analysis.hpp"
#include "fast/kernels.hpp"
#include "fast/parallel.hpp"

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace convscope::fast {

// Per-layer set-up (kernel analysis, packed weights, divisors) kept between runs, so a repeated
// run reuses its memory.
struct Workspace {
    std::vector<int> methods;               // per output channel
    std::vector<SeparableKernel> separable; // per output channel
    std::vector<float> packed_weights;
    std::vector<float> bias;
    std::vector<float> divisors;
    FloatBuffer fft_spectra; // per output channel: re and im planes (aligned for the kernels)
    std::vector<float> fft_cos, fft_sin;
    std::vector<int> fft_bit_reverse;
    FloatBuffer transformed_inputs;              // Winograd: [ξ][in channel][tile]
    FloatBuffer products;                        // Winograd: [ξ][out channel][tile]
    std::vector<std::ptrdiff_t> tap_offsets;     // packed direct: each tap's row in the strip
    std::vector<float> chain_scale, chain_shift; // a fused batch norm, folded
    std::vector<ChannelStores> channel_stores;   // per output channel (stores from registers)
};

// Whether the fast kernels have this activation (as a layer and as a conv's epilogue); the others
// run on the reference loops.
bool fusable_activation(const Activation& activation);
Epilogue epilogue_for(const Activation& activation);

// The buffer's memory, grown to at least `floats` (never shrunk: repeated runs reuse it).
inline float* grow(FloatBuffer& buffer, std::size_t floats) {
    if (buffer.size() < floats)
        buffer.resize(floats);
    return buffer.data();
}

// Weights rearranged for a kernel (transformed, packed into panels), kept per layer between runs
// and rebuilt only when the weights or the kernel's layout change: a repeated run repacks
// nothing, an edited weight is picked up on the next run.
//
// The weights are recognised by their storage: `source` shares it (a SharedVector copy costs a
// pointer), and while it does nobody can write those values in place (a write copies first), so
// shared storage means the same values. Weights in other storage with equal values (a pipeline
// loaded again) are compared once and then shared.
struct PackedWeights {
    int method = 0; // which layout `values` holds (the packer's own code), 0: none yet
    int detail = 0; // and its parameters (tile size, panel height, ...)
    int dims[4] = {0, 0, 0, 0};
    SharedVector<float> source; // the weights `values` were made from
    FloatBuffer values;

    // Whether `values` holds the layout (method, detail) of `weights`.
    bool holds(int method_code, int detail_code, const ConvWeights& weights) {
        const int d[4] = {weights.out_channels, weights.in_channels, weights.kernel_h,
                          weights.kernel_w};
        if (method != method_code || detail != detail_code || !std::equal(d, d + 4, dims))
            return false;
        if (source.shares_storage_with(weights.values))
            return true;
        if (!(source == weights.values))
            return false;
        source = weights.values; // equal: share from now on
        return true;
    }
    // Lets go of the layout and of the weights' storage (the layer no longer takes this path).
    void release() { *this = PackedWeights{}; }
    // Records that `values` now holds that layout of `weights`.
    void remember(int method_code, int detail_code, const ConvWeights& weights) {
        method = method_code;
        detail = detail_code;
        dims[0] = weights.out_channels;
        dims[1] = weights.in_channels;
        dims[2] = weights.kernel_h;
        dims[3] = weights.kernel_w;
        source = weights.values;
    }
};

// What a conv writes besides its own output: the layers fused after it (see ChannelStores),
// each into its own tensor of the output's shape. Null members are not fused.
struct ConvChain {
    const float* scale = nullptr; // per output channel: a batch norm folded as scale · x + shift
    const float* shift = nullptr;
    Tensor* normalized = nullptr;
    const Tensor* residual = nullptr; // added after the batch norm (or the conv)
    Tensor* sum = nullptr;
    Epilogue activation;
    Tensor* activated = nullptr;

    // Output channel o's stores, with the conv's own output `out` and bias.
    ChannelStores channel(Tensor& out, int o, float bias) const;
};

// Wider groups than this run on the reference backend.
inline constexpr int kMaxOutputsPerGroup = 4096;

// A 2×2, stride 2 pooling (no padding, floor mode) that follows a conv (and its activation):
// computed from each strip's fresh output rows while they are still in cache.
struct PoolFusion {
    Tensor* output;
    bool is_max;
};
// Whether `pool` can be fused that way.
bool fusable_pool(const Pool2d& pool);

// The conv into `output`, and the layers fused after it through `chain`; `pool`, if not null,
// pools the last of those outputs. Returns false when the pooling was not done (paths that do
// not fuse it leave it to the pooling layer). `packed` is the layer's own, kept between runs.
bool conv2d(const Conv2d& conv, const Tensor& input, Tensor& output, const ConvChain& chain,
            const PoolFusion* pool, PackedWeights& packed, Workspace& workspace,
            ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

void pool2d(const Pool2d& pool, const Tensor& input, Tensor& output, Workspace& workspace,
            ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

void activation(const Activation& activation, const Tensor& input, Tensor& output,
                ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

// True when the FFT path beats direct correlation for this conv: one input channel per group,
// stride 1, and at least kFftMinTaps taps. The crossover is measured on 1920×1080 with AVX-512
// on two cores: 15×15 direct 2.5 ms vs FFT 2.6 ms, 19×19 4.4 vs 2.9 ms, 31×31 19 vs 3.4 ms.
inline constexpr int kFftMinTaps = 17 * 17;
bool prefer_fft(const Conv2d& conv);
void conv_fft(const Conv2d& conv, const Tensor& input, Tensor& output, Tensor* fused,
              const Epilogue& epilogue, Workspace& workspace, ScratchPool& scratch,
              const CancelToken* cancel, std::string& kernel);

// The weights of every group as panels for multiply_panels: row o of group g's matrix is output
// channel g·out_per_group + o, its columns (in, ky, kx) in the weights' own order.
void pack_weight_panels(const Conv2d& conv, int panel_rows, FloatBuffer& packed);
// Floats per group in that layout.
std::size_t weight_panel_floats(const Conv2d& conv, int panel_rows);

// 1×1 convs (any stride, no padding, one group) as a cache-blocked matrix product:
// out[o][position] = Σ_c w[o][c] · in[c][position].
bool pointwise_applies(const Conv2d& conv);
void conv_pointwise(const Conv2d& conv, const Tensor& input, Tensor& output, const ConvChain& chain,
                    PackedWeights& packed, Workspace& workspace, ScratchPool& scratch,
                    const CancelToken* cancel, std::string& kernel);

// Direct convolution of several input channels per group as a matrix product over the taps,
// with packed weights: every stride, dilation and padding mode; strided layers read their input
// split into phases, so no output is computed only to be dropped.
bool packed_direct_applies(const Conv2d& conv);
void conv_packed_direct(const Conv2d& conv, const Tensor& input, Tensor& output,
                        const ConvChain& chain, PackedWeights& packed, Workspace& workspace,
                        ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

// Splits `items` into about `parts` runs for tasks: run r is [start(r), start(r + 1)).
struct Split {
    int items, parts;
    int start(int r) const { return static_cast<int>(static_cast<long long>(items) * r / parts); }
};

// Winograd F(m×m, 3×3) for 3×3 convs at stride 1 without dilation, one group, enough channels:
// m (4 or 2) when it beats the direct path for this shape, 0 when it does not apply or pay.
int winograd_tile(const Conv2d& conv, const Shape& input);
// Runs it: transformed weights cached in `packed`, output and fused layers through `chain`.
// Accuracy: within 1e-4 of the reference (relative to the largest output), ~1e-6 in practice.
void conv_winograd(const Conv2d& conv, int m, const Tensor& input, Tensor& output,
                   const ConvChain& chain, PackedWeights& packed, Workspace& workspace,
                   ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

// The most working memory conv2d / pool2d take for these shapes (per-thread scratch for every
// thread, and what the workspace keeps for the layer), for the memory estimate that precedes a
// run. Each is worked out beside the code that sizes the buffers, from the same layout.
std::uint64_t conv_scratch_bytes(const Conv2d& conv, Shape input, Shape output, int threads);
std::uint64_t pool_scratch_bytes(const Pool2d& pool, Shape input, Shape output, int threads);
std::uint64_t fft_scratch_bytes(const Conv2d& conv, Shape input, Shape output, int threads);
std::uint64_t winograd_scratch_bytes(const Conv2d& conv, int m, Shape output, int threads);
std::uint64_t pointwise_scratch_bytes(const Conv2d& conv, Shape output, int threads);
std::uint64_t packed_direct_scratch_bytes(const Conv2d& conv, Shape input, Shape output,
                                          int threads);
// The layer's PackedWeights for these shapes (kept from run to run, one per conv layer, so every
// layer's at once): Winograd's transformed weights, or the panels of the matrix products.
std::uint64_t conv_weight_bytes(const Conv2d& conv, Shape input, Shape output);
std::uint64_t winograd_weight_bytes(const Conv2d& conv, int m, Shape output);

// kernel = method + "-" + the SIMD target, without allocating once the string has grown.
void name_kernel(std::string& kernel, const char* method);

} // namespace convscope::fast
