// Pipelines: output shapes with PyTorch's arithmetic, the reasons a layer cannot run, and which
// prefix of a pipeline can run on an input.

#include "convscope/pipeline.hpp"
#include "convscope/map_limits.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <span>
#include <string>

namespace convscope {

std::string_view to_string(InputMode mode) {
    return mode == InputMode::Gray ? "gray" : "rgb";
}

std::string_view to_string(InputFit fit) {
    switch (fit) {
    case InputFit::Resize:
        return "resize";
    case InputFit::CenterCrop:
        return "center_crop";
    case InputFit::Whole:
        break;
    }
    return "whole";
}

bool parse_input_fit(std::string_view name, InputFit& fit) {
    for (InputFit f : {InputFit::Whole, InputFit::Resize, InputFit::CenterCrop})
        if (name == to_string(f)) {
            fit = f;
            return true;
        }
    return false;
}

PipelineError::PipelineError(int layer_index, std::string field, const std::string& message)
    : std::runtime_error(message), layer_index_(layer_index), field_(std::move(field)) {}

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

// Whether every value is finite: its exponent bits are not all ones. The largest exponent is a
// plain integer maximum the compiler vectorises, and this runs on every run over every weight
// (millions in a deep layer).
bool all_finite(std::span<const float> values) {
    constexpr std::uint32_t kExponent = 0x7f800000u;
    std::uint32_t largest = 0;
    for (float v : values) {
        std::uint32_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        largest = std::max(largest, bits & kExponent);
    }
    return largest != kExponent;
}

// Weight vectors already found finite. The pipeline is checked by every plan, memory estimate
// and run (three times per edit in the app, over all 11 M weights of a ResNet-18), while an edit
// changes one layer's weights. Each vector checked is kept here as a copy that shares its
// values: shared values are never written in place (SharedVector copies them first), so while a
// copy is kept, a vector that shares storage with it holds exactly the values that were checked.
// A written vector has storage of its own and is read again. Small vectors are cheaper to read
// than to look up; the copies kept are bounded by their total size (the oldest go first).
class CheckedWeights {
public:
    static constexpr std::size_t kMinValues = 4096;
    static constexpr std::size_t kMaxValues = std::size_t{32} << 20; // 128 MiB of floats kept

    bool contains(const SharedVector<float>& values) {
        const std::lock_guard lock(mutex_);
        return std::any_of(kept_.begin(), kept_.end(), [&](const SharedVector<float>& kept) {
            return kept.shares_storage_with(values);
        });
    }
    void insert(const SharedVector<float>& values) {
        const std::lock_guard lock(mutex_);
        kept_.push_back(values);
        total_ += values.size();
        while (total_ > kMaxValues && kept_.size() > 1) {
            total_ -= kept_.front().size();
            kept_.erase(kept_.begin());
        }
    }

private:
    std::mutex mutex_;
    std::vector<SharedVector<float>> kept_; // oldest first
    std::size_t total_ = 0;
};

CheckedWeights& checked_weights() {
    static CheckedWeights checked;
    return checked;
}

// all_finite, remembered for large weight vectors.
bool all_finite(const SharedVector<float>& values) {
    if (values.size() < CheckedWeights::kMinValues)
        return all_finite(values.span());
    if (checked_weights().contains(values))
        return true;
    if (!all_finite(values.span()))
        return false;
    checked_weights().insert(values);
    return true;
}

// The first value that is not finite (all_finite is false).
float first_non_finite(std::span<const float> values) {
    for (float v : values)
        if (!std::isfinite(v))
            return v;
    return 0.0f;
}

// "layer 2 (conv "edges")", the prefix of every message about a layer: layers are numbered
// from 1 in messages, as the app shows them (index 1 is "layer 2").
std::string layer_label(const Layer& layer, int index) {
    std::string label = "layer " + std::to_string(index + 1) + " (" + std::string(type_name(layer));
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

// Sizes are worked out in 64 bits: the parameters come from files, and a dilation of 10^6 times
// a kernel of 303 overflows an int. Every result is checked against the map limits before it
// becomes a Shape.
using Size = std::int64_t;

// How far a window reaches: dilation·(k−1) + 1 cells.
Size window_reach(int kernel, int dilation) {
    return Size{dilation} * (Size{kernel} - 1) + 1;
}

// floor((in + pad_total − dilation·(k−1) − 1) / stride) + 1, or ≤ 0 when the window never fits.
Size conv_output_size(Size in, Size pad_total, int kernel, int dilation, int stride) {
    const Size span = in + pad_total - window_reach(kernel, dilation);
    if (span < 0)
        return 0;
    return span / stride + 1;
}

// PyTorch's pooling_output_shape, including the ceil_mode rule that the last window must start
// inside the input or the left padding.
Size pool_output_size(Size in, int kernel, int pad, int stride, bool ceil_mode) {
    const Size span = in + 2 * Size{pad} - kernel + (ceil_mode ? Size{stride} - 1 : 0);
    if (span < 0)
        return 0;
    Size out = span / stride + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad)
        --out;
    return out;
}

// A window or a padding larger than the largest map can only come from a hostile or mistyped
// file; refusing it keeps every later size well inside 32 bits.
void require_within_map_side(const Layer& layer, int index, const char* field, Size value,
                             const char* what) {
    if (value > kMaxMapSide)
        fail(layer, index, field,
             std::string(what) + " of " + std::to_string(value) +
                 " is larger than the largest map (" + std::to_string(kMaxMapSide) +
                 " rows or columns)");
}

// The output shape, once checked against the map limits.
Shape checked_shape(const Layer& layer, int index, const char* field, Size channels, Size height,
                    Size width) {
    const std::string problem = map_limit_problem(channels, height, width);
    if (!problem.empty())
        fail(layer, index, field,
             "its output [" + std::to_string(channels) + ", " + std::to_string(height) + ", " +
                 std::to_string(width) + "] " + problem);
    return {static_cast<int>(channels), static_cast<int>(height), static_cast<int>(width)};
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
    if (!all_finite(w.values))
        fail(layer, index, "weights",
             "weights must be finite numbers, found " + std::to_string(first_non_finite(w.values)));
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
    require_within_map_side(layer, index, "dilation", window_reach(w.kernel_h, conv.dilation.h),
                            "the kernel's reach (dilation × (height − 1) + 1)");
    require_within_map_side(layer, index, "dilation", window_reach(w.kernel_w, conv.dilation.w),
                            "the kernel's reach (dilation × (width − 1) + 1)");
    if (conv.padding.kind == ConvPadding::Kind::Explicit)
        require_within_map_side(layer, index, "padding",
                                std::max(conv.padding.size.h, conv.padding.size.w), "a padding");

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

    const Size out_h = conv_output_size(in.height, Size{pad.top} + pad.bottom, w.kernel_h,
                                        conv.dilation.h, conv.stride.h);
    const Size out_w = conv_output_size(in.width, Size{pad.left} + pad.right, w.kernel_w,
                                        conv.dilation.w, conv.stride.w);
    if (out_h < 1 || out_w < 1)
        fail(layer, index, "weights",
             "a " + std::to_string(w.kernel_h) + "×" + std::to_string(w.kernel_w) +
                 " kernel (dilation " + pair_str(conv.dilation) + ") does not fit the input " +
                 in.str() + " with padding " +
                 pair_str({pad.top + pad.bottom, pad.left + pad.right}) +
                 " in total: the output would be empty");
    return checked_shape(layer, index, "padding", w.out_channels, out_h, out_w);
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
    require_within_map_side(layer, index, "kernel_size",
                            std::max(pool.kernel_size.h, pool.kernel_size.w), "a window");
    const Size out_h = pool_output_size(in.height, pool.kernel_size.h, pool.padding.h,
                                        pool.stride.h, pool.ceil_mode);
    const Size out_w = pool_output_size(in.width, pool.kernel_size.w, pool.padding.w, pool.stride.w,
                                        pool.ceil_mode);
    if (out_h < 1 || out_w < 1)
        fail(layer, index, "kernel_size",
             "a " + pair_str(pool.kernel_size) + " window does not fit the input " + in.str() +
                 ": the output would be empty");
    return checked_shape(layer, index, "kernel_size", in.channels, out_h, out_w);
}

Shape activation_shape(const Layer& layer, const Activation& act, Shape in, int index) {
    const auto finite = [&](float v, const char* field) {
        if (!std::isfinite(v))
            fail(layer, index, field, std::string(field) + " must be a finite number");
    };
    switch (act.kind) {
    case ActivationKind::LeakyReLU:
        finite(act.negative_slope, "negative_slope");
        break;
    case ActivationKind::PReLU:
        if (act.slopes.size() != 1 && static_cast<int>(act.slopes.size()) != in.channels)
            fail(layer, index, "weight",
                 "PReLU has " + std::to_string(act.slopes.size()) +
                     " slopes: expected 1 or one per input channel (" +
                     std::to_string(in.channels) + ")");
        for (float v : act.slopes)
            finite(v, "weight");
        break;
    case ActivationKind::ELU:
        finite(act.alpha, "alpha");
        break;
    case ActivationKind::HardSigmoid:
        finite(act.hard_alpha, "alpha");
        finite(act.hard_beta, "beta");
        break;
    case ActivationKind::Clip:
        if (std::isnan(act.clip_min) || std::isnan(act.clip_max))
            fail(layer, index, "min", "clip bounds must be numbers");
        if (act.clip_min > act.clip_max)
            fail(layer, index, "min", "clip's min must not exceed its max");
        break;
    default:
        break;
    }
    return in;
}

void require_per_channel(const Layer& layer, int index, const char* field,
                         std::span<const float> values, Shape in) {
    if (static_cast<int>(values.size()) != in.channels)
        fail(layer, index, field,
             std::string(field) + " has " + std::to_string(values.size()) + " values for " +
                 std::to_string(in.channels) + " input channels (input " + in.str() + ")");
    for (float v : values)
        if (!std::isfinite(v))
            fail(layer, index, field, std::string(field) + " must be finite numbers");
}

Shape batch_norm_shape(const Layer& layer, const BatchNorm2d& bn, Shape in, int index) {
    require_per_channel(layer, index, "weight", bn.weight, in);
    require_per_channel(layer, index, "bias", bn.bias, in);
    require_per_channel(layer, index, "running_mean", bn.running_mean, in);
    require_per_channel(layer, index, "running_var", bn.running_var, in);
    // PyTorch allows eps 0 (a plain per-channel scale, as converters write one); it then
    // divides by sqrt(running_var), which must not be 0.
    if (!(bn.eps >= 0.0f) || !std::isfinite(bn.eps))
        fail(layer, index, "eps", "eps must be a number of at least 0");
    for (float v : bn.running_var) {
        if (v < 0.0f)
            fail(layer, index, "running_var", "running_var must not be negative");
        if (bn.eps == 0.0f && !(v > 0.0f))
            fail(layer, index, "running_var",
                 "with eps 0, every running_var must be positive (the norm divides by it)");
    }
    return in;
}

Shape add_shape(const Layer& layer, const Add& add, std::span<const Shape> in, int index) {
    if (in.size() < 2 && add.constant.empty())
        fail(layer, index, "inputs", "add needs two or more inputs, or a constant per channel");
    for (std::size_t k = 1; k < in.size(); ++k)
        if (!(in[k] == in[0]))
            fail(layer, index, "inputs",
                 "add's inputs must have one shape: input 1 is " + in[0].str() + ", input " +
                     std::to_string(k + 1) + " is " + in[k].str());
    if (add.constant.size() > 1)
        require_per_channel(layer, index, "constant", add.constant, in[0]);
    for (float v : add.constant)
        if (!std::isfinite(v))
            fail(layer, index, "constant", "constant must be finite numbers");
    return in[0];
}

Shape concat_shape(const Layer& layer, std::span<const Shape> in, int index) {
    if (in.size() < 2)
        fail(layer, index, "inputs", "concat needs two or more inputs");
    long long channels = 0;
    for (std::size_t k = 0; k < in.size(); ++k) {
        if (in[k].height != in[0].height || in[k].width != in[0].width)
            fail(layer, index, "inputs",
                 "concat's inputs must have one height and width: input 1 is " + in[0].str() +
                     ", input " + std::to_string(k + 1) + " is " + in[k].str());
        channels += in[k].channels;
    }
    return checked_shape(layer, index, "inputs", channels, in[0].height, in[0].width);
}

Shape pad_shape(const Layer& layer, const Pad2d& pad, Shape in, int index) {
    // A negative amount crops that side (any mode, as in PyTorch).
    const PadSides& p = pad.sides;
    if (!std::isfinite(pad.value))
        fail(layer, index, "value", "the padding value must be a finite number");
    const long long h = static_cast<long long>(in.height) + p.top + p.bottom;
    const long long w = static_cast<long long>(in.width) + p.left + p.right;
    if (h < 1 || w < 1)
        fail(layer, index, "padding",
             "cropping " + in.str() + " this much leaves nothing: the output would be empty");
    const int max_h = std::max(p.top, p.bottom);
    const int max_w = std::max(p.left, p.right);
    if (pad.mode == PaddingMode::Reflect && (max_h >= in.height || max_w >= in.width))
        fail(layer, index, "padding",
             "reflect padding of " + std::to_string(std::max(max_h, max_w)) +
                 " must be smaller than the input's height and width (input " + in.str() + ")");
    if (pad.mode == PaddingMode::Circular) {
        // Circular padding wraps around what the crops leave.
        const long long kept_h = in.height - std::max(0, -p.top) - std::max(0, -p.bottom);
        const long long kept_w = in.width - std::max(0, -p.left) - std::max(0, -p.right);
        if (kept_h < 1 || kept_w < 1 || max_h > kept_h || max_w > kept_w)
            fail(layer, index, "padding",
                 "circular padding of " + std::to_string(std::max(max_h, max_w)) +
                     " must not exceed the height and width left after cropping (input " +
                     in.str() + ")");
    }
    return checked_shape(layer, index, "padding", in.channels, h, w);
}

Shape flatten_shape(const Layer& layer, Shape in, int index) {
    const Size features = Size{in.channels} * in.height * in.width;
    return checked_shape(layer, index, "", features, 1, 1);
}

Shape linear_shape(const Layer& layer, const Linear& linear, Shape in, int index) {
    if (linear.in_features < 1 || linear.out_features < 1)
        fail(layer, index, "weight", "weight must not be empty");
    if (static_cast<std::size_t>(linear.in_features) * linear.out_features != linear.weight.size())
        fail(layer, index, "weight",
             "weight holds " + std::to_string(linear.weight.size()) +
                 " values, not out_features × in_features");
    if (!linear.bias.empty() && static_cast<int>(linear.bias.size()) != linear.out_features)
        fail(layer, index, "bias",
             "bias has " + std::to_string(linear.bias.size()) + " values for " +
                 std::to_string(linear.out_features) + " output features");
    if (!all_finite(linear.weight))
        fail(layer, index, "weight", "weight must be finite numbers");
    for (float v : linear.bias)
        if (!std::isfinite(v))
            fail(layer, index, "bias", "bias must be finite numbers");
    if (in.height != 1 || in.width != 1 || in.channels != linear.in_features)
        fail(layer, index, "weight",
             "expects " + std::to_string(linear.in_features) + " features as [" +
                 std::to_string(linear.in_features) +
                 ", 1, 1] (flatten or global pooling first) but its input has shape " + in.str());
    return {linear.out_features, 1, 1};
}

// Whether layer `index` may read the maps it names, and how many it may read.
void check_inputs(const Layer& layer, int index) {
    for (std::size_t k = 0; k < layer.inputs.size(); ++k) {
        const int source = layer.inputs[k];
        if (source < kPipelineInput || source >= index)
            fail(layer, index, "inputs",
                 "input " + std::to_string(k + 1) +
                     " must be an earlier layer or the pipeline's input");
    }
    const bool joins =
        std::holds_alternative<Add>(layer.op) || std::holds_alternative<Concat>(layer.op);
    if (!joins && layer.inputs.size() > 1)
        fail(layer, index, "inputs",
             std::string(type_name(layer)) + " reads one input, not " +
                 std::to_string(layer.inputs.size()));
}

Shape enabled_layer_shape(const Layer& layer, std::span<const Shape> inputs, int index) {
    const Shape in = inputs[0];
    if (const auto* conv = std::get_if<Conv2d>(&layer.op))
        return conv_shape(layer, *conv, in, index);
    if (const auto* pool = std::get_if<Pool2d>(&layer.op))
        return pool_shape(layer, *pool, in, index);
    if (const auto* act = std::get_if<Activation>(&layer.op))
        return activation_shape(layer, *act, in, index);
    if (const auto* bn = std::get_if<BatchNorm2d>(&layer.op))
        return batch_norm_shape(layer, *bn, in, index);
    if (const auto* add = std::get_if<Add>(&layer.op))
        return add_shape(layer, *add, inputs, index);
    if (std::holds_alternative<Concat>(layer.op))
        return concat_shape(layer, inputs, index);
    if (std::holds_alternative<GlobalPool2d>(layer.op))
        return {in.channels, 1, 1};
    if (const auto* pad = std::get_if<Pad2d>(&layer.op))
        return pad_shape(layer, *pad, in, index);
    if (std::holds_alternative<Flatten>(layer.op))
        return flatten_shape(layer, in, index);
    if (const auto* linear = std::get_if<Linear>(&layer.op))
        return linear_shape(layer, *linear, in, index);
    return in; // softmax keeps the shape
}

} // namespace

Shape infer_shape(const Layer& layer, std::span<const Shape> inputs, int layer_index) {
    if (inputs.empty())
        throw PipelineError(layer_index, "inputs", layer_label(layer, layer_index) + ": no input");
    for (const Shape& input : inputs)
        if (input.empty())
            throw PipelineError(layer_index, "",
                                layer_label(layer, layer_index) + ": its input " + input.str() +
                                    " is empty");
    if (!layer.enabled)
        return inputs[0];
    return enabled_layer_shape(layer, inputs, layer_index);
}

namespace {

// The output shape of layer `index`, whose inputs are earlier layers of `shapes` (or `input`).
Shape layer_shape(const Pipeline& pipeline, int index, Shape input,
                  const std::vector<Shape>& shapes) {
    const Layer& layer = pipeline.layers[static_cast<std::size_t>(index)];
    check_inputs(layer, index);
    const int count = input_count(layer);
    // Most layers read one map, joins rarely more than a few: no allocation for up to eight
    // (a repeated run allocates nothing).
    std::array<Shape, 8> few;
    std::vector<Shape> many;
    Shape* in = few.data();
    if (count > static_cast<int>(few.size())) {
        many.resize(static_cast<std::size_t>(count));
        in = many.data();
    }
    for (int k = 0; k < count; ++k) {
        const int source = input_index(layer, index, k);
        in[k] = source == kPipelineInput ? input : shapes[static_cast<std::size_t>(source)];
    }
    return infer_shape(layer, std::span<const Shape>(in, static_cast<std::size_t>(count)), index);
}

} // namespace

void infer_shapes(const Pipeline& pipeline, Shape input, std::vector<Shape>& shapes,
                  int layer_count) {
    const int count = layer_count < 0 ? static_cast<int>(pipeline.layers.size())
                                      : std::min(layer_count, int(pipeline.layers.size()));
    shapes.clear();
    check_normalization(pipeline.normalization, input);
    for (int i = 0; i < count; ++i)
        shapes.push_back(layer_shape(pipeline, i, input, shapes));
}

std::vector<Shape> infer_shapes(const Pipeline& pipeline, Shape input) {
    std::vector<Shape> shapes;
    infer_shapes(pipeline, input, shapes);
    return shapes;
}

PipelinePlan plan_pipeline(const Pipeline& pipeline, Shape input) {
    PipelinePlan plan;
    if (input.empty() && !pipeline.layers.empty()) {
        plan.error.emplace(-1, "", "the input " + input.str() + " is empty");
        return plan;
    }
    try {
        check_normalization(pipeline.normalization, input);
        for (std::size_t i = 0; i < pipeline.layers.size(); ++i)
            plan.shapes.push_back(layer_shape(pipeline, static_cast<int>(i), input, plan.shapes));
    } catch (const PipelineError& error) {
        plan.error = error;
    }
    return plan;
}

} // namespace convscope
