#pragma once
// Which layers after a conv the fast backend computes in the conv's own pass: the chain real
// networks repeat (conv → batch norm → residual add → activation), or a straight stack's
// conv → activation → 2×2 pooling. Each fused layer still gets its own output.

#include "convscope/pipeline.hpp"
#include "fast/fast_ops.hpp"

namespace convscope::fast {

struct ConvFusion {
    int batch_norm = -1; // layer indices, -1: not fused
    int add = -1;
    int residual = -1; // the add's other input (an earlier layer)
    int activation = -1;
    int pool = -1;
    int last = -1; // the last layer the pass computes
};

// The layers to fuse after the conv at `index`, among the layers before `end` (a run of the
// first layers of a pipeline has no outputs beyond them).
ConvFusion plan_conv_fusion(const Pipeline& pipeline, int index, int end);

// A batch norm as scale · x + shift per channel (computed in double, rounded once).
void fold_batch_norm(const BatchNorm2d& bn, std::vector<float>& scale, std::vector<float>& shift);

// The fused layers applied to a conv output that is already computed (kernels that only fuse an
// activation themselves): normalized, sum and activated maps from `output`, row by row.
void apply_chain(const Tensor& output, const ConvChain& chain, ScratchPool& scratch,
                 const CancelToken* cancel);

} // namespace convscope::fast
