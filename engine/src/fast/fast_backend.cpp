#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"
#include "fast/conv_fusion.hpp"
#include "fast/fast_layers.hpp"
#include "fast/fast_ops.hpp"

#include <tbb/task_arena.h>

#include <algorithm>

namespace convscope {

struct FastBackend::Scratch {
    fast::ScratchPool threads;
    fast::Workspace workspace;
    std::vector<fast::PackedWeights> packed; // per layer index, kept between runs

    // Lets go of the packed weights of layers [first, end).
    void release_packed(int first, int end);
    fast::PackedWeights& packed_for(int index) {
        if (static_cast<int>(packed.size()) <= index)
            packed.resize(index + 1);
        return packed[index];
    }
};

double agreement_tolerance(std::string_view kernel) {
    const bool transform = kernel.find("winograd") != std::string_view::npos ||
                           kernel.find("fft") != std::string_view::npos;
    return transform ? kTransformTolerance : kDirectTolerance;
}

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
        fast::PackedWeights unkept; // convs normally run through run_layers, with their index
        fast::conv2d(*conv, input, output, {}, nullptr, unkept, workspace, threads, cancel, kernel);
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        fast::pool2d(*pool, input, output, workspace, threads, cancel, kernel);
    } else {
        fast::activation(std::get<Activation>(layer.op), input, output, threads, cancel, kernel);
    }
}

namespace {

// The layers fused after the conv at `index` (conv_fusion.hpp), or none when it is not a conv the
// fast kernels take. Only layers before `end` are fused: a run of the first layers of a pipeline
// (a plan that stops at an error, the memory budget) has no outputs for the layers after them.
fast::ConvFusion fusion_at(const Pipeline& pipeline, int index, int end) {
    const Layer& layer = pipeline.layers[index];
    if (!std::holds_alternative<Conv2d>(layer.op) || needs_reference(layer))
        return {};
    return fast::plan_conv_fusion(pipeline, index, end);
}

} // namespace

int FastBackend::fused_count(const Pipeline& pipeline, int index) const {
    const fast::ConvFusion plan =
        fusion_at(pipeline, index, static_cast<int>(pipeline.layers.size()));
    return plan.last < 0 ? 1 : plan.last - index + 1;
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

std::uint64_t FastBackend::kept_bytes(const Layer& layer, std::span<const Shape> inputs,
                                      Shape output) const {
    const auto* conv = std::get_if<Conv2d>(&layer.op);
    if (!conv || needs_reference(layer))
        return 0;
    return fast::conv_weight_bytes(*conv, inputs[0], output);
}

void FastBackend::Scratch::release_packed(int first, int end) {
    for (int k = first; k < std::min(end, static_cast<int>(packed.size())); ++k)
        packed[k].release();
}

int FastBackend::run_layers(const Pipeline& pipeline, int index, LayerInputs inputs,
                            RunResult& result, const CancelToken* cancel) {
    // A conv, with its packed weights kept per layer index, and the layers fused into its pass
    // (conv_fusion.hpp): each still gets its own output, since the app shows every layer.
    // Packed weights are kept only for the layers this run has, and only by the convs that use
    // them, as the memory estimate (kept_bytes) counts them.
    const int layer_count = static_cast<int>(result.layers.size());
    if (static_cast<int>(scratch_->packed.size()) > layer_count)
        scratch_->packed.resize(layer_count);
    const fast::ConvFusion plan = fusion_at(pipeline, index, layer_count);
    if (plan.last < 0) {
        scratch_->release_packed(index, index + 1);
        return Backend::run_layers(pipeline, index, inputs, result, cancel);
    }
    scratch_->release_packed(index + 1, plan.last + 1);
    const auto* conv = &std::get<Conv2d>(pipeline.layers[index].op);
    fast::Workspace& workspace = scratch_->workspace;
    fast::ConvChain chain;
    if (plan.batch_norm >= 0) {
        fast::fold_batch_norm(std::get<BatchNorm2d>(pipeline.layers[plan.batch_norm].op),
                              workspace.chain_scale, workspace.chain_shift);
        chain.scale = workspace.chain_scale.data();
        chain.shift = workspace.chain_shift.data();
        chain.normalized = &writable(result.layers[plan.batch_norm]);
    }
    if (plan.add >= 0) {
        chain.residual = result.layers[plan.residual].output.get();
        chain.sum = &writable(result.layers[plan.add]);
    }
    if (plan.activation >= 0) {
        chain.activation =
            fast::epilogue_for(std::get<Activation>(pipeline.layers[plan.activation].op));
        chain.activated = &writable(result.layers[plan.activation]);
    }
    const Pool2d* pool =
        plan.pool >= 0 ? &std::get<Pool2d>(pipeline.layers[plan.pool].op) : nullptr;
    fast::PoolFusion fusion{pool ? &writable(result.layers[plan.pool]) : nullptr,
                            pool && pool->kind == PoolKind::Max};

    LayerResult& conv_result = result.layers[index];
    const bool pooled = fast::conv2d(*conv, *inputs[0], writable(conv_result), chain,
                                     pool ? &fusion : nullptr, scratch_->packed_for(index),
                                     workspace, scratch_->threads, cancel, conv_result.kernel);
    for (int fused : {plan.batch_norm, plan.add, plan.activation})
        if (fused >= 0)
            result.layers[fused].kernel.assign("fused-into-conv");
    if (pool) {
        LayerResult& pool_result = result.layers[plan.pool];
        const Tensor& pooled_input = *result.layers[plan.pool - 1].output;
        if (pooled)
            pool_result.kernel.assign("fused-into-conv");
        else
            fast::pool2d(*pool, pooled_input, writable(pool_result), workspace, scratch_->threads,
                         cancel, pool_result.kernel);
    }
    return plan.last - index + 1;
}

} // namespace convscope
