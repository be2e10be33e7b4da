#pragma once
// The fast kernels of the layers that are neither convolutions nor pooling windows: batch
// norm, add, concat, global pooling, pad, flatten, linear, softmax, and the activations that are
// not conv epilogues (PReLU, ELU, hardsigmoid, hardswish, clip).

#include "convscope/cancel_token.hpp"
#include "convscope/layer.hpp"
#include "convscope/tensor.hpp"
#include "fast/parallel.hpp"

#include <span>
#include <string>

namespace convscope::fast {

// Whether run_layer_kernel computes this kind of layer.
bool has_layer_kernel(const LayerOp& op);

// Computes `layer` from `inputs` into `output` (already shaped) and names the kernel. Uses the
// calling thread's scratch buffer 3 (ScratchPool::serial) for a linear layer's input.
void run_layer_kernel(const Layer& layer, std::span<const Tensor* const> inputs, Tensor& output,
                      ScratchPool& scratch, const CancelToken* cancel, std::string& kernel);

} // namespace convscope::fast
