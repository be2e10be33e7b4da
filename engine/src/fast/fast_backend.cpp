#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"
#include "fast/fast_ops.hpp"

namespace convscope {

struct FastBackend::Scratch {
    fast::ScratchPool threads;
    fast::Workspace workspace;
};

FastBackend::FastBackend() : scratch_(std::make_unique<Scratch>()) {}
FastBackend::~FastBackend() = default;

namespace {

// Shapes beyond what the fast kernels gather (windows taller than 64 rows, groups wider than
// kMaxOutputsPerGroup outputs) run on the reference loops.
bool needs_reference(const Layer& layer) {
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return pool->kernel_size.h > 64;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return conv->weights.out_channels / conv->groups > fast::kMaxOutputsPerGroup;
    return false;
}

} // namespace

void FastBackend::run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                            std::string& kernel, const CancelToken* cancel) {
    fast::ScratchPool& threads = scratch_->threads;
    fast::Workspace& workspace = scratch_->workspace;
    if (needs_reference(layer)) {
        naive_run_layer(layer, input, output, cancel);
        kernel.assign("naive");
    } else if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        fast::conv2d(*conv, input, output, nullptr, {}, workspace, threads, cancel, kernel);
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        fast::pool2d(*pool, input, output, workspace, threads, cancel, kernel);
    } else {
        fast::activation(std::get<Activation>(layer.op), input, output, threads, cancel, kernel);
    }
}

int FastBackend::run_layers(const Pipeline& pipeline, int index, const Tensor& input,
                            RunResult& result, const CancelToken* cancel) {
    // A conv followed by an activation: both outputs come from one pass over the conv's
    // accumulators (the app shows both layers, so both are stored).
    const Layer& layer = pipeline.layers[index];
    const bool has_next = index + 1 < static_cast<int>(pipeline.layers.size());
    if (has_next && std::holds_alternative<Conv2d>(layer.op) && !needs_reference(layer) &&
        pipeline.layers[index + 1].enabled &&
        std::holds_alternative<Activation>(pipeline.layers[index + 1].op)) {
        const auto& conv = std::get<Conv2d>(layer.op);
        const auto& act = std::get<Activation>(pipeline.layers[index + 1].op);
        LayerResult& conv_result = result.layers[index];
        LayerResult& act_result = result.layers[index + 1];
        fast::conv2d(conv, input, conv_result.output, &act_result.output, fast::epilogue_for(act),
                     scratch_->workspace, scratch_->threads, cancel, conv_result.kernel);
        act_result.kernel.assign("fused-into-conv");
        return 2;
    }
    return Backend::run_layers(pipeline, index, input, result, cancel);
}

} // namespace convscope
