// Receptive fields by interval arithmetic on exact position sets, one axis at a time.
//
// Going back through a layer, output position o reads the padded input positions
//   o·stride − pad_before + k·dilation,   k = 0 .. kernel − 1,
// and each padded position p reads source_index(p) of the real map (nothing for zero padding).
// Rows and columns never mix, so tracing each axis separately and taking the product is exact.

#include "convscope/receptive_field.hpp"
#include "convscope/padding.hpp"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <variant>

namespace convscope {

namespace {

// How one layer's window moves along one axis.
struct AxisWindow {
    int kernel = 1;
    int stride = 1;
    int dilation = 1;
    int pad_before = 0;
    // Pooling windows never reach past the padding (the ceil_mode overhang reads nothing).
    int reach_limit_after = std::numeric_limits<int>::max();
    PaddingMode mode = PaddingMode::Zeros;
};

// A disabled layer or an activation: position o reads position o.
const AxisWindow kIdentity{};

AxisWindow conv_rows(const Conv2d& conv) {
    const PadSides pad = conv.pad_sides();
    return {conv.weights.kernel_h,           conv.stride.h,    conv.dilation.h, pad.top,
            std::numeric_limits<int>::max(), conv.padding_mode};
}

AxisWindow conv_cols(const Conv2d& conv) {
    const PadSides pad = conv.pad_sides();
    return {conv.weights.kernel_w,           conv.stride.w,    conv.dilation.w, pad.left,
            std::numeric_limits<int>::max(), conv.padding_mode};
}

// Max pooling's padding never wins and average pooling's padding adds zeros: for influence, both
// behave as zero padding.
AxisWindow pool_axis(int kernel, int stride, int pad, int in_size) {
    return {kernel, stride, 1, pad, in_size + pad - 1, PaddingMode::Zeros};
}

// The positions of the input axis (of size `in_size`) that `out_positions` read through `window`.
FieldAxis trace_axis(const std::vector<int>& out_positions, const AxisWindow& window, int in_size) {
    std::vector<char> reached(static_cast<std::size_t>(in_size), 0);
    int lowest = std::numeric_limits<int>::max();
    int highest = std::numeric_limits<int>::min();
    for (int o : out_positions) {
        const int start = o * window.stride - window.pad_before;
        for (int k = 0; k < window.kernel; ++k) {
            const int p = start + k * window.dilation;
            if (p > window.reach_limit_after)
                break;
            lowest = std::min(lowest, p);
            highest = std::max(highest, p);
            const int source = source_index(p, in_size, window.mode);
            if (source >= 0)
                reached[static_cast<std::size_t>(source)] = 1;
        }
    }
    FieldAxis axis;
    for (int i = 0; i < in_size; ++i)
        if (reached[static_cast<std::size_t>(i)])
            axis.positions.push_back(i);
    if (!axis.positions.empty()) {
        axis.first = axis.positions.front();
        axis.last = axis.positions.back();
    }
    if (lowest <= highest) {
        axis.padding_before = std::max(0, -lowest);
        axis.padding_after = std::max(0, highest - (in_size - 1));
    }
    return axis;
}

// The input channels that `out_channels` read through `layer`.
std::vector<int> trace_channels(const std::vector<int>& out_channels, const Layer& layer,
                                int in_channels) {
    const auto* conv = std::get_if<Conv2d>(&layer.op);
    if (!layer.enabled || !conv)
        return out_channels; // pooling and activations work channel by channel
    // Output channel o belongs to group o / (out / groups), which reads that group's inputs.
    const int out_per_group = conv->weights.out_channels / conv->groups;
    const int in_per_group = conv->weights.in_channels;
    std::vector<char> reached(static_cast<std::size_t>(in_channels), 0);
    for (int o : out_channels) {
        const int first = (o / out_per_group) * in_per_group;
        for (int i = first; i < first + in_per_group && i < in_channels; ++i)
            reached[static_cast<std::size_t>(i)] = 1;
    }
    std::vector<int> channels;
    for (int i = 0; i < in_channels; ++i)
        if (reached[static_cast<std::size_t>(i)])
            channels.push_back(i);
    return channels;
}

// Level `out` traced back through `layer` onto its input map of shape `in_shape`.
FieldLevel trace_level(const FieldLevel& out, const Layer& layer, Shape in_shape) {
    AxisWindow rows = kIdentity;
    AxisWindow cols = kIdentity;
    if (layer.enabled) {
        if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
            rows = conv_rows(*conv);
            cols = conv_cols(*conv);
        } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
            rows = pool_axis(pool->kernel_size.h, pool->stride.h, pool->padding.h, in_shape.height);
            cols = pool_axis(pool->kernel_size.w, pool->stride.w, pool->padding.w, in_shape.width);
        }
    }
    FieldLevel in;
    in.level = out.level - 1;
    in.shape = in_shape;
    in.channels = trace_channels(out.channels, layer, in_shape.channels);
    in.rows = trace_axis(out.rows.positions, rows, in_shape.height);
    in.cols = trace_axis(out.cols.positions, cols, in_shape.width);
    return in;
}

FieldAxis single_position(int p) {
    FieldAxis axis;
    axis.positions = {p};
    axis.first = axis.last = p;
    return axis;
}

} // namespace

int FieldAxis::step() const {
    if (positions.size() < 2)
        return 1;
    const int spacing = positions[1] - positions[0];
    for (std::size_t i = 2; i < positions.size(); ++i)
        if (positions[i] - positions[i - 1] != spacing)
            return 0;
    return spacing;
}

bool FieldAxis::contains(int position) const {
    return std::binary_search(positions.begin(), positions.end(), position);
}

bool FieldLevel::contains(int channel, int y, int x) const {
    return std::binary_search(channels.begin(), channels.end(), channel) && rows.contains(y) &&
           cols.contains(x);
}

ReceptiveField receptive_field(const Pipeline& pipeline, Shape input, int layer, int channel, int y,
                               int x) {
    const std::vector<Shape> shapes = infer_shapes(pipeline, input);
    if (layer < 0 || layer >= static_cast<int>(shapes.size()))
        throw std::out_of_range("receptive field: layer " + std::to_string(layer) +
                                " does not exist (the pipeline has " +
                                std::to_string(shapes.size()) + " layers)");
    const Shape out_shape = shapes[static_cast<std::size_t>(layer)];
    if (channel < 0 || channel >= out_shape.channels || y < 0 || y >= out_shape.height || x < 0 ||
        x >= out_shape.width)
        throw std::out_of_range("receptive field: position (" + std::to_string(channel) + ", " +
                                std::to_string(y) + ", " + std::to_string(x) +
                                ") is outside layer " + std::to_string(layer) + "'s output " +
                                out_shape.str());

    ReceptiveField field;
    field.levels.resize(static_cast<std::size_t>(layer) + 2);
    FieldLevel& traced = field.levels.back();
    traced.level = layer + 1;
    traced.shape = out_shape;
    traced.channels = {channel};
    traced.rows = single_position(y);
    traced.cols = single_position(x);

    for (int k = layer; k >= 0; --k) {
        const Shape in_shape = k == 0 ? input : shapes[static_cast<std::size_t>(k) - 1];
        field.levels[static_cast<std::size_t>(k)] =
            trace_level(field.levels[static_cast<std::size_t>(k) + 1],
                        pipeline.layers[static_cast<std::size_t>(k)], in_shape);
    }
    return field;
}

} // namespace convscope
