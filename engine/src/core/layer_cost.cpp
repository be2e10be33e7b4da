#include "convscope/layer_cost.hpp"
#include "convscope/pipeline.hpp"

namespace convscope {

LayerCost layer_cost(const Layer& layer, Shape input, Shape output) {
    if (!layer.enabled)
        return {};
    const double out_elements = static_cast<double>(output.elements());
    if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        const ConvWeights& w = conv->weights;
        const double taps = static_cast<double>(w.in_channels) * w.kernel_h * w.kernel_w;
        LayerCost cost;
        cost.parameters = static_cast<long long>(w.count() + conv->bias.size());
        cost.flops = 2.0 * out_elements * taps + (conv->bias.empty() ? 0.0 : out_elements);
        return cost;
    }
    if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        // One comparison or addition per window cell.
        return {0, out_elements * pool->kernel_size.h * pool->kernel_size.w};
    }
    if (const auto* linear = std::get_if<Linear>(&layer.op)) {
        LayerCost cost;
        cost.parameters = static_cast<long long>(linear->weight.size() + linear->bias.size());
        cost.flops = 2.0 * static_cast<double>(linear->weight.size()) +
                     static_cast<double>(linear->bias.size());
        return cost;
    }
    if (const auto* bn = std::get_if<BatchNorm2d>(&layer.op)) {
        // weight and bias are learned; the running statistics are buffers (torchinfo's count).
        return {static_cast<long long>(bn->weight.size() + bn->bias.size()), 2.0 * out_elements};
    }
    if (const auto* act = std::get_if<Activation>(&layer.op))
        return {static_cast<long long>(act->slopes.size()), out_elements};
    if (std::holds_alternative<GlobalPool2d>(layer.op))
        return {0, static_cast<double>(input.elements())};
    if (std::holds_alternative<Flatten>(layer.op) || std::holds_alternative<Pad2d>(layer.op) ||
        std::holds_alternative<Concat>(layer.op))
        return {};            // data movement only
    return {0, out_elements}; // add (per extra input), softmax: about one operation per value
}

std::vector<LayerCost> layer_costs(const Pipeline& pipeline, Shape input) {
    const PipelinePlan plan = plan_pipeline(pipeline, input);
    std::vector<LayerCost> costs;
    for (int i = 0; i < plan.runnable(); ++i) {
        const Layer& layer = pipeline.layers[i];
        const int source = input_index(layer, i, 0);
        const Shape read = source == kPipelineInput ? input : plan.shapes[source];
        costs.push_back(layer_cost(layer, read, plan.shapes[i]));
    }
    return costs;
}

double pipeline_flops(const Pipeline& pipeline, Shape input) {
    double flops = 0;
    for (const LayerCost& cost : layer_costs(pipeline, input))
        flops += cost.flops;
    return flops;
}

} // namespace convscope
