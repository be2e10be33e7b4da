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
    (void)input;
    return {0, out_elements};
}

} // namespace convscope
