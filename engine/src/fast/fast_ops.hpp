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
};

Epilogue epilogue_for(const Activation& activation);

// `fused`, if not null, receives epilogue(conv output) in the same pass.
// Wider groups than this run on the reference backend.
inline constexpr int kMaxOutputsPerGroup = 4096;

void conv2d(const Conv2d& conv, const Tensor& input, Tensor& output, Tensor* fused,
            const Epilogue& epilogue, Workspace& workspace, ScratchPool& scratch,
            const CancelToken* cancel, std::string& kernel);

void pool2d(const Pool2d& pool, const Tensor& input, Tensor& output, Workspace& workspace,
            ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

void activation(const Activation& activation, const Tensor& input, Tensor& output,
                ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

// kernel = method + "-" + the SIMD target, without allocating once the string has grown.
void name_kernel(std::string& kernel, const char* method);

} // namespace convscope::fast
