#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"
#include "fast/fast_layers.hpp"
#include "fast/fast_ops.hpp"

#include <tbb/task_arena.h>

#include <algorithm>

namespace convscope {

struct FastBackend::Scratch {
    fast::ScratchPool threads;
    fast::Workspace workspace;
};

FastBackend::FastBackend() : scratch_(std::make_unique<Scratch>()) {}
FastBackend::~FastBackend() = default;

namespace {

// Shapes beyond what the fast kernels gather (windows taller than 64 rows, groups wider than
// kMaxOutputsPerGroup outputs), and layer kinds without a fast kernel, run on the reference loops.
bool needs_reference(const Layer& layer) {
    if (fast::has_layer_kernel(layer.op))
        return false;
    if (!std::holds_alternative<Conv2d>(layer.op) && !std::holds_alternative<Pool2d>(layer.op) &&
        !std::holds_alternative<Activation>(layer.op))
        return true;
    if (const auto* act = std::get_if<Activation>(&layer.op))
        return !fast::fusable_activation(*act);
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return pool->kernel_size.h > 64;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return conv->weights.out_channels / conv->groups > fast::kMaxOutputsPerGroup;
    return false;
}

} // namespace

void FastBackend::run_layer(const Layer& layer, LayerInputs inputs, Tensor& output,
                            std::string& kernel, const CancelToken* cancel) {
    const Tensor& input = *inputs[0];
    fast::ScratchPool& threads = scratch_->threads;
    fast::Workspace& workspace = scratch_->workspace;
    if (needs_reference(layer)) {
        naive_run_layer(layer, inputs, output, cancel);
        kernel.assign("naive");
    } else if (fast::has_layer_kernel(layer.op)) {
        fast::run_layer_kernel(layer, inputs, output, threads, cancel, kernel);
    } else if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        fast::conv2d(*conv, input, output, nullptr, {}, nullptr, workspace, threads, cancel,
                     kernel);
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        fast::pool2d(*pool, input, output, workspace, threads, cancel, kernel);
    } else {
        fast::activation(std::get<Activation>(layer.op), input, output, threads, cancel, kernel);
    }
}

namespace {

// The layer at `index` if it exists, is enabled, holds an `Op` and reads only layer `source`
// (so it can be computed in the same pass as that layer).
template <class Op> const Op* enabled_op(const Pipeline& pipeline, int index, int source, int end) {
    if (index >= end || !pipeline.layers[index].enabled)
        return nullptr;
    const Layer& layer = pipeline.layers[index];
    if (input_count(layer) != 1 || input_index(layer, index, 0) != source)
        return nullptr;
    return std::get_if<Op>(&layer.op);
}

// A conv followed by an activation and/or a 2×2 pooling, computed in one pass.
struct Fusion {
    const Conv2d* conv = nullptr; // null: layer `index` runs alone
    const Activation* act = nullptr;
    const Pool2d* pool = nullptr;
    int pool_index = 0;
    int count() const { return conv ? 1 + (act ? 1 : 0) + (pool ? 1 : 0) : 1; }
};

// Only layers before `end` are fused: a run of the first layers of a pipeline (a plan that stops at
// an error, the memory budget) has no outputs for the layers after them.
Fusion fusion_at(const Pipeline& pipeline, int index, int end) {
    const Layer& layer = pipeline.layers[index];
    const auto* conv = std::get_if<Conv2d>(&layer.op);
    if (!conv || needs_reference(layer))
        return {};
    Fusion f;
    f.act = enabled_op<Activation>(pipeline, index + 1, index, end);
    if (f.act && !fast::fusable_activation(*f.act))
        f.act = nullptr;
    f.pool_index = index + (f.act ? 2 : 1);
    f.pool = enabled_op<Pool2d>(pipeline, f.pool_index, f.pool_index - 1, end);
    if (f.pool && !fast::fusable_pool(*f.pool))
        f.pool = nullptr;
    if (f.act || f.pool)
        f.conv = conv;
    return f;
}

} // namespace

int FastBackend::fused_count(const Pipeline& pipeline, int index) const {
    return fusion_at(pipeline, index, static_cast<int>(pipeline.layers.size())).count();
}

std::uint64_t FastBackend::scratch_bytes(const Layer& layer, std::span<const Shape> inputs,
                                         Shape output) const {
    if (needs_reference(layer))
        return 0; // the reference loops need none
    const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return fast::conv_scratch_bytes(*conv, inputs[0], output, threads);
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return fast::pool_scratch_bytes(*pool, inputs[0], output, threads);
    return 0;
}

int FastBackend::run_layers(const Pipeline& pipeline, int index, LayerInputs inputs,
                            RunResult& result, const CancelToken* cancel) {
    // A conv followed by an activation and/or a 2×2 pooling: the activation comes from the same
    // registers as the conv's output and the pooling from each strip's rows while they are in
    // cache. The app shows every layer, so every output is still stored.
    const Fusion fused = fusion_at(pipeline, index, static_cast<int>(result.layers.size()));
    if (!fused.conv)
        return Backend::run_layers(pipeline, index, inputs, result, cancel);
    const Conv2d* conv = fused.conv;
    const Activation* act = fused.act;
    const Pool2d* pool = fused.pool;
    const int pool_index = fused.pool_index;

    const Tensor& input = *inputs[0];
    LayerResult& conv_result = result.layers[index];
    Tensor* act_output = act ? &writable(result.layers[index + 1]) : nullptr;
    fast::PoolFusion fusion{pool ? &writable(result.layers[pool_index]) : nullptr,
                            pool && pool->kind == PoolKind::Max};
    const bool pooled =
        fast::conv2d(*conv, input, writable(conv_result), act_output,
                     act ? fast::epilogue_for(*act) : fast::Epilogue{}, pool ? &fusion : nullptr,
                     scratch_->workspace, scratch_->threads, cancel, conv_result.kernel);
    if (act)
        result.layers[index + 1].kernel.assign("fused-into-conv");
    if (pool) {
        LayerResult& pool_result = result.layers[pool_index];
        if (pooled)
            pool_result.kernel.assign("fused-into-conv");
        else
            fast::pool2d(*pool, act ? *act_output : *conv_result.output, writable(pool_result),
                         scratch_->workspace, scratch_->threads, cancel, pool_result.kernel);
    }
    return pool_index - index + (pool ? 1 : 0);
}

} // namespace convscope
