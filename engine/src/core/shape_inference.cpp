// Output shapes with PyTorch's arithmetic, and the reasons a layer cannot run.

#include "convscope/pipeline.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace convscope {

namespace {

std::string pair_str(Pair p) {
    if (p.h == p.w)
        return std::to_string(p.h);
    std::string text = "[";
    text += std::to_string(p.h);
    text += ", ";
    text += std::to_string(p.w);
    text += "]";
    return text;
}

// "layer 2 (conv "edges")", the prefix of every message about a layer.
std::string layer_label(const Layer& layer, int index) {
    std::string label = "layer " + std::to_string(index) + " (" + std::string(type_name(layer));
    if (!layer.name.empty())
        label += " \"" + layer.name + "\"";
    return label + ")";
}

[[noreturn]] void fail(const Layer& layer, int index, const std::string& field,
                       const std::string& what) {
    throw PipelineError(index, field, layer_label(layer, index) + ": " + what);
}

void require_positive(const Layer& layer, int index, const char* field, Pair p) {
    if (p.h < 1 || p.w < 1)
        fail(layer, index, field, std::string(field) + " must be at least 1, got " + pair_str(p));
}

// floor((in + pad_total − dilation·(k−1) − 1) / stride) + 1, or ≤ 0 when the window never fits.
int conv_output_size(int in, int pad_total, int kernel, int dilation, int stride) {
    const int span = in + pad_total - dilation * (kernel - 1) - 1;
    if (span < 0)
        return 0;
    return span / stride + 1;
}

// PyTorch's pooling_output_shape, including the ceil_mode rule that the last window must start
// inside the input or the left padding.
int pool_output_size(int in, int kernel, int pad, int stride, bool ceil_mode) {
    const int span = in + 2 * pad - (kernel - 1) - 1 + (ceil_mode ? stride - 1 : 0);
    if (span < 0)
        return 0;
    int out = span / stride + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad)
        --out;
    return out;
}

Shape conv_shape(const Layer& layer, const Conv2d& conv, Shape in, int index) {
    const ConvWeights& w = conv.weights;
    if (w.out_channels < 1 || w.in_channels < 1 || w.kernel_h < 1 || w.kernel_w < 1)
        fail(layer, index, "weights", "weights must not be empty");
    if (conv.groups < 1)
        fail(layer, index, "groups",
             "groups must be at least 1, got " + std::to_string(conv.groups));
    require_positive(layer, index, "stride", conv.stride);
    require_positive(layer, index, "dilation", conv.dilation);
    if (conv.padding.kind == ConvPadding::Kind::Explicit &&
        (conv.padding.size.h < 0 || conv.padding.size.w < 0))
        fail(layer, index, "padding",
             "padding must not be negative, got " + pair_str(conv.padding.size));
    if (w.out_channels % conv.groups != 0)
        fail(layer, index, "groups",
             std::to_string(w.out_channels) + " output channels cannot be split into " +
                 std::to_string(conv.groups) + " groups");
    if (!conv.bias.empty() && static_cast<int>(conv.bias.size()) != w.out_channels)
        fail(layer, index, "bias",
             "bias has " + std::to_string(conv.bias.size()) + " values for " +
                 std::to_string(w.out_channels) + " output channels");
    for (float v : w.values)
        if (!std::isfinite(v))
            fail(layer, index, "weights",
                 "weights must be finite numbers, found " + std::to_string(v));
    for (float v : conv.bias)
        if (!std::isfinite(v))
            fail(layer, index, "bias", "bias must be finite numbers, found " + std::to_string(v));
    if (static_cast<std::size_t>(w.out_channels) * w.in_channels * w.kernel_h * w.kernel_w !=
        w.values.size())
        fail(layer, index, "weights",
             "weights hold " + std::to_string(w.values.size()) + " values, not out × in × kh × kw");
    const int expected_in = w.in_channels * conv.groups;
    if (expected_in != in.channels)
        fail(layer, index, "weights",
             "expects " + std::to_string(expected_in) + " input channels (weights [" +
                 std::to_string(w.out_channels) + ", " + std::to_string(w.in_channels) + ", " +
                 std::to_string(w.kernel_h) + ", " + std::to_string(w.kernel_w) + "], groups " +
                 std::to_string(conv.groups) + ") but its input has shape " + in.str());
    if (conv.padding.kind == ConvPadding::Kind::Same && (conv.stride.h != 1 || conv.stride.w != 1))
        fail(layer, index, "padding",
             "padding \"same\" needs stride 1 (as in PyTorch), got stride " +
                 pair_str(conv.stride));

    const PadSides pad = conv.pad_sides();
    const int max_pad_h = std::max(pad.top, pad.bottom);
    const int max_pad_w = std::max(pad.left, pad.right);
    if (conv.padding_mode == PaddingMode::Reflect &&
        (max_pad_h >= in.height || max_pad_w >= in.width))
        fail(layer, index, "padding",
             "reflect padding of " + std::to_string(std::max(max_pad_h, max_pad_w)) +
                 " must be smaller than the input's height and width (input " + in.str() + ")");
    if (conv.padding_mode == PaddingMode::Circular &&
        (max_pad_h > in.height || max_pad_w > in.width))
        fail(layer, index, "padding",
             "circular padding of " + std::to_string(std::max(max_pad_h, max_pad_w)) +
                 " must not exceed the input's height and width (input " + in.str() + ")");

    const Shape out{w.out_channels,
                    conv_output_size(in.height, pad.top + pad.bottom, w.kernel_h, conv.dilation.h,
                                     conv.stride.h),
                    conv_output_size(in.width, pad.left + pad.right, w.kernel_w, conv.dilation.w,
                                     conv.stride.w)};
    if (out.height < 1 || out.width < 1)
        fail(layer, index, "weights",
             "a " + std::to_string(w.kernel_h) + "×" + std::to_string(w.kernel_w) +
                 " kernel (dilation " + pair_str(conv.dilation) + ") does not fit the input " +
                 in.str() + " with padding " +
                 pair_str({pad.top + pad.bottom, pad.left + pad.right}) +
                 " in total: the output would be empty");
    return out;
}

Shape pool_shape(const Layer& layer, const Pool2d& pool, Shape in, int index) {
    require_positive(layer, index, "kernel_size", pool.kernel_size);
    require_positive(layer, index, "stride", pool.stride);
    if (pool.padding.h < 0 || pool.padding.w < 0)
        fail(layer, index, "padding",
             "padding must not be negative, got " + pair_str(pool.padding));
    if (pool.padding.h > pool.kernel_size.h / 2 || pool.padding.w > pool.kernel_size.w / 2)
        fail(layer, index, "padding",
             "padding " + pair_str(pool.padding) + " must be at most half the kernel size " +
                 pair_str(pool.kernel_size) + " (as in PyTorch)");
    const Shape out{in.channels,
                    pool_output_size(in.height, pool.kernel_size.h, pool.padding.h, pool.stride.h,
                                     pool.ceil_mode),
                    pool_output_size(in.width, pool.kernel_size.w, pool.padding.w, pool.stride.w,
                                     pool.ceil_mode)};
    if (out.height < 1 || out.width < 1)
        fail(layer, index, "kernel_size",
             "a " + pair_str(pool.kernel_size) + " window does not fit the input " + in.str() +
                 ": the output would be empty");
    return out;
}

} // namespace

Shape infer_shape(const Layer& layer, Shape input, int layer_index) {
    if (input.empty())
        throw PipelineError(layer_index, "",
                            layer_label(layer, layer_index) + ": its input " + input.str() +
                                " is empty");
    if (!layer.enabled)
        return input;
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return conv_shape(layer, *conv, input, layer_index);
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return pool_shape(layer, *pool, input, layer_index);
    return input; // activations keep the shape
}

void infer_shapes(const Pipeline& pipeline, Shape input, std::vector<Shape>& shapes) {
    shapes.clear();
    Shape current = input;
    for (std::size_t i = 0; i < pipeline.layers.size(); ++i) {
        current = infer_shape(pipeline.layers[i], current, static_cast<int>(i));
        shapes.push_back(current);
    }
}

std::vector<Shape> infer_shapes(const Pipeline& pipeline, Shape input) {
    std::vector<Shape> shapes;
    infer_shapes(pipeline, input, shapes);
    return shapes;
}

} // namespace convscope
