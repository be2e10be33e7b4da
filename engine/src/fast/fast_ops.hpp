#pragma once
// The fast backend's layer implementations. Each returns the name of the kernel that ran.

#include "convscope/activation.hpp"
#include "convscope/cancel_token.hpp"
#include "convscope/conv2d.hpp"
#include "convscope/pool2d.hpp"
#include "convscope/tensor.hpp"
#include "fast/kernels.hpp"
#include "fast/parallel.hpp"

#include <string>

namespace convscope::fast {

Epilogue epilogue_for(const Activation& activation);

// `fused`, if not null, receives epilogue(conv output) in the same pass.
std::string conv2d(const Conv2d& conv, const Tensor& input, Tensor& output, Tensor* fused,
                   const Epilogue& epilogue, ScratchPool& scratch, const CancelToken* cancel);

std::string pool2d(const Pool2d& pool, const Tensor& input, Tensor& output, ScratchPool& scratch,
                   const CancelToken* cancel);

std::string activation(const Activation& activation, const Tensor& input, Tensor& output,
                       ScratchPool& scratch, const CancelToken* cancel);

} // namespace convscope::fast
