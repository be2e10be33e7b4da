#include "convscope/fast_backend.hpp"
#include "convscope/naive_backend.hpp"
#include "fast/fast_ops.hpp"

namespace convscope {

struct FastBackend::Scratch {
    fast::ScratchPool pool;
};

FastBackend::FastBackend() : scratch_(std::make_unique<Scratch>()) {}
FastBackend::~FastBackend() = default;

std::string FastBackend::run_layer(const Layer& layer, const Tensor& input, Tensor& output,
                                   const CancelToken* cancel) {
    fast::ScratchPool& scratch = scratch_->pool;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return fast::conv2d(*conv, input, output, nullptr, {}, scratch, cancel);
    if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        if (pool->kernel_size.h > 64) { // taller windows than the row kernel gathers
            naive_pool2d(*pool, input, output, cancel);
            return "naive";
        }
        return fast::pool2d(*pool, input, output, scratch, cancel);
    }
    return fast::activation(std::get<Activation>(layer.op), input, output, scratch, cancel);
}

int FastBackend::run_layers(const Pipeline& pipeline, int index, const Tensor& input,
                            RunResult& result, const CancelToken* cancel) {
    // A conv followed by an activation: both outputs come from one pass over the conv's
    // accumulators (the app shows both layers, so both are stored).
    const Layer& layer = pipeline.layers[index];
    const bool has_next = index + 1 < static_cast<int>(pipeline.layers.size());
    if (has_next && std::holds_alternative<Conv2d>(layer.op) &&
        pipeline.layers[index + 1].enabled &&
        std::holds_alternative<Activation>(pipeline.layers[index + 1].op)) {
        const auto& conv = std::get<Conv2d>(layer.op);
        const auto& act = std::get<Activation>(pipeline.layers[index + 1].op);
        LayerResult& conv_result = result.layers[index];
        LayerResult& act_result = result.layers[index + 1];
        conv_result.kernel = fast::conv2d(conv, input, conv_result.output, &act_result.output,
                                          fast::epilogue_for(act), scratch_->pool, cancel);
        act_result.kernel = "fused-into-conv";
        return 2;
    }
    return Backend::run_layers(pipeline, index, input, result, cancel);
}

} // namespace convscope
