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
};

// Whether the fast kernels have this activation (as a layer and as a conv's epilogue); the others
// run on the reference loops.
bool fusable_activation(const Activation& activation);
Epilogue epilogue_for(const Activation& activation);

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

// `fused`, if not null, receives epilogue(conv output) in the same pass; `pool`, if not null,
// pools the last of those outputs. Returns false when the pooling was not done (the FFT path
// leaves it to the pooling layer).
bool conv2d(const Conv2d& conv, const Tensor& input, Tensor& output, Tensor* fused,
            const Epilogue& epilogue, const PoolFusion* pool, Workspace& workspace,
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

// The most working memory conv2d / pool2d take for these shapes (per-thread scratch for every
// thread, and what the workspace keeps for the layer), for the memory estimate that precedes a
// run. Each is worked out beside the code that sizes the buffers, from the same layout.
std::uint64_t conv_scratch_bytes(const Conv2d& conv, Shape input, Shape output, int threads);
std::uint64_t pool_scratch_bytes(const Pool2d& pool, Shape input, Shape output, int threads);
std::uint64_t fft_scratch_bytes(const Conv2d& conv, Shape input, Shape output, int threads);

// kernel = method + "-" + the SIMD target, without allocating once the string has grown.
void name_kernel(std::string& kernel, const char* method);

} // namespace convscope::fast
