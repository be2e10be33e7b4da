// The arithmetic behind one value, recomputed term by term from the layer's input with the same
// window geometry as the reference loops (naive_conv2d, naive_pool2d), so the terms add up to
// the map's value.

#include "convscope/value_explanation.hpp"
#include "convscope/padding.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace convscope {

namespace {

// The cell at padded position (y, x) of `channel`, read through `mode`.
WindowCell read_cell(const Tensor& input, int channel, int y, int x, PaddingMode mode) {
    WindowCell cell;
    cell.y = y;
    cell.x = x;
    cell.source_y = source_index(y, input.height(), mode);
    cell.source_x = source_index(x, input.width(), mode);
    if (cell.reads_zero_padding()) {
        cell.source_y = cell.source_x = -1;
        cell.value = 0.0f;
    } else {
        cell.value = input.at(channel, cell.source_y, cell.source_x);
    }
    return cell;
}

ConvExplanation explain_conv(const Conv2d& conv, const Tensor& input, int o, int oy, int ox) {
    const ConvWeights& w = conv.weights;
    const PadSides pad = conv.pad_sides();
    const int out_per_group = w.out_channels / conv.groups;
    const int first_in = (o / out_per_group) * w.in_channels;
    const int top = oy * conv.stride.h - pad.top;
    const int left = ox * conv.stride.w - pad.left;

    ConvExplanation e;
    for (int i = 0; i < w.in_channels; ++i) {
        ConvChannelTerms terms;
        terms.input_channel = first_in + i;
        terms.kernel_h = w.kernel_h;
        terms.kernel_w = w.kernel_w;
        for (int ky = 0; ky < w.kernel_h; ++ky)
            for (int kx = 0; kx < w.kernel_w; ++kx) {
                const WindowCell cell = read_cell(input, first_in + i, top + ky * conv.dilation.h,
                                                  left + kx * conv.dilation.w, conv.padding_mode);
                const float weight = w.at(o, i, ky, kx);
                const double product = static_cast<double>(weight) * cell.value;
                terms.patch.push_back(cell);
                terms.weights.push_back(weight);
                terms.products.push_back(product);
                terms.sum += product;
            }
        e.sum += terms.sum;
        e.channels.push_back(std::move(terms));
    }
    e.has_bias = !conv.bias.empty();
    e.bias = e.has_bias ? conv.bias[static_cast<std::size_t>(o)] : 0.0;
    e.value = e.sum + e.bias;
    return e;
}

// PyTorch's window: it starts at o·stride − padding and is cut where the padded input ends
// (the ceil_mode overhang).
PoolExplanation explain_pool(const Pool2d& pool, const Tensor& input, int c, int oy, int ox) {
    const int y0 = oy * pool.stride.h - pool.padding.h;
    const int x0 = ox * pool.stride.w - pool.padding.w;
    const int y1 = std::min(y0 + pool.kernel_size.h, input.height() + pool.padding.h);
    const int x1 = std::min(x0 + pool.kernel_size.w, input.width() + pool.padding.w);

    PoolExplanation e;
    e.kind = pool.kind;
    e.count_include_pad = pool.count_include_pad;
    e.window_h = std::max(0, y1 - y0);
    e.window_w = std::max(0, x1 - x0);
    int inside = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            // Pool padding reads nothing: -inf for max, 0 for the average.
            const WindowCell cell = read_cell(input, c, y, x, PaddingMode::Zeros);
            e.cells.push_back(cell);
            if (cell.padded())
                continue;
            ++inside;
            e.sum += cell.value;
            const int index = static_cast<int>(e.cells.size()) - 1;
            // The first largest wins; NaN propagates as in PyTorch.
            if (e.winner < 0 || cell.value > e.cells[static_cast<std::size_t>(e.winner)].value ||
                cell.value != cell.value)
                e.winner = index;
        }
    if (pool.kind == PoolKind::Max) {
        e.value = e.winner >= 0 ? e.cells[static_cast<std::size_t>(e.winner)].value : 0.0;
    } else {
        e.divisor = pool.count_include_pad ? static_cast<int>(e.cells.size()) : inside;
        e.value = e.divisor > 0 ? e.sum / e.divisor : 0.0;
    }
    return e;
}

ActivationExplanation explain_activation(const Activation& act, float before) {
    ActivationExplanation e;
    e.kind = act.kind;
    e.negative_slope = act.negative_slope;
    e.formula = activation_formula(act);
    e.before = before;
    e.value = act.apply(before);
    return e;
}

// `index` only names the layer in error messages.
ValueExplanation explain_at(const Layer& layer, int index, const Tensor& layer_input, int channel,
                            int y, int x) {
    const Shape out = infer_shape(layer, layer_input.shape(), index);
    if (channel < 0 || channel >= out.channels || y < 0 || y >= out.height || x < 0 ||
        x >= out.width)
        throw std::out_of_range("explain value: position (" + std::to_string(channel) + ", " +
                                std::to_string(y) + ", " + std::to_string(x) +
                                ") is outside layer " + std::to_string(index) + "'s output " +
                                out.str());
    ValueExplanation e;
    e.layer = index;
    e.channel = channel;
    e.y = y;
    e.x = x;
    if (!layer.enabled) {
        const float before = layer_input.at(channel, y, x);
        e.terms = PassThroughExplanation{before, before};
    } else if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        e.terms = explain_conv(*conv, layer_input, channel, y, x);
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        e.terms = explain_pool(*pool, layer_input, channel, y, x);
    } else {
        e.terms = explain_activation(std::get<Activation>(layer.op), layer_input.at(channel, y, x));
    }
    return e;
}

} // namespace

double ValueExplanation::value() const {
    return std::visit([](const auto& terms) { return terms.value; }, terms);
}

std::string activation_formula(const Activation& activation) {
    switch (activation.kind) {
    case ActivationKind::ReLU:
        return "max(0, x)";
    case ActivationKind::LeakyReLU: {
        std::string slope = std::to_string(activation.negative_slope);
        while (slope.size() > 1 && slope.back() == '0')
            slope.pop_back();
        return "x if x >= 0, else " + slope + " * x";
    }
    case ActivationKind::Sigmoid:
        return "1 / (1 + exp(-x))";
    case ActivationKind::Tanh:
        return "tanh(x)";
    }
    return "x";
}

ValueExplanation explain_layer_value(const Layer& layer, const Tensor& layer_input, int channel,
                                     int y, int x) {
    return explain_at(layer, 0, layer_input, channel, y, x);
}

ValueExplanation explain_value(const Pipeline& pipeline, const Tensor& input,
                               const RunResult& result, int layer, int channel, int y, int x) {
    if (layer < 0 || layer >= static_cast<int>(pipeline.layers.size()) ||
        layer >= static_cast<int>(result.layers.size()))
        throw std::out_of_range("explain value: layer " + std::to_string(layer) +
                                " is not in the run (" + std::to_string(result.layers.size()) +
                                " layers)");
    const Layer& explained = pipeline.layers[static_cast<std::size_t>(layer)];
    const int source = input_index(explained, layer, 0);
    const Tensor& layer_input =
        source == kPipelineInput ? input : *result.layers[static_cast<std::size_t>(source)].output;
    return explain_at(pipeline.layers[static_cast<std::size_t>(layer)], layer, layer_input, channel,
                      y, x);
}

} // namespace convscope
