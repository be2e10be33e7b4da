// Receptive fields by interval arithmetic on exact position sets, one axis at a time.
//
// Going back through a layer, output position o reads the padded input positions
//   o·stride − pad_before + k·dilation,   k = 0 .. kernel − 1,
// and each padded position p reads source_index(p) of the real map (nothing for zero padding).
// Rows and columns never mix, so tracing each axis separately and taking the product is exact.

#include "convscope/receptive_field.hpp"
#include "convscope/pad2d.hpp"
#include "convscope/padding.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <span>
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

// The sorted indices in [0, size) that `reached` marks.
std::vector<int> marked(const std::vector<char>& reached) {
    std::vector<int> indices;
    for (std::size_t i = 0; i < reached.size(); ++i)
        if (reached[i])
            indices.push_back(static_cast<int>(i));
    return indices;
}

FieldAxis axis_of(std::vector<int> positions) {
    FieldAxis axis;
    axis.positions = std::move(positions);
    if (!axis.positions.empty()) {
        axis.first = axis.positions.front();
        axis.last = axis.positions.back();
    }
    return axis;
}

FieldAxis whole_axis(int size) {
    std::vector<int> all(static_cast<std::size_t>(size));
    for (int i = 0; i < size; ++i)
        all[static_cast<std::size_t>(i)] = i;
    return axis_of(std::move(all));
}

// The input channels that `out_channels` of a conv read.
std::vector<int> conv_channels(const std::vector<int>& out_channels, const Conv2d& conv,
                               int in_channels) {
    // Output channel o belongs to group o / (out / groups), which reads that group's inputs.
    const int out_per_group = conv.weights.out_channels / conv.groups;
    const int in_per_group = conv.weights.in_channels;
    std::vector<char> reached(static_cast<std::size_t>(in_channels), 0);
    for (int o : out_channels) {
        const int first = (o / out_per_group) * in_per_group;
        for (int i = first; i < first + in_per_group && i < in_channels; ++i)
            reached[static_cast<std::size_t>(i)] = 1;
    }
    return marked(reached);
}

// One axis through a pad: output position o reads pad_source_index(o) (nothing for the constant).
FieldAxis trace_pad_axis(const std::vector<int>& out_positions, int before, int after, int in_size,
                         PaddingMode mode) {
    std::vector<char> reached(static_cast<std::size_t>(in_size), 0);
    int lowest = std::numeric_limits<int>::max();
    int highest = std::numeric_limits<int>::min();
    for (int o : out_positions) {
        const int p = o - before;
        lowest = std::min(lowest, p);
        highest = std::max(highest, p);
        const int source = pad_source_index(o, before, after, in_size, mode);
        if (source >= 0)
            reached[static_cast<std::size_t>(source)] = 1;
    }
    FieldAxis axis = axis_of(marked(reached));
    if (lowest <= highest) {
        axis.padding_before = std::max(0, -lowest);
        axis.padding_after = std::max(0, highest - (in_size - 1));
    }
    return axis;
}

// Flatten: output feature f (a channel of 1 × 1) is input cell (f / (h·w), (f / w) % h, f % w).
FieldLevel trace_flatten(const FieldLevel& out, Shape in_shape) {
    const int plane = in_shape.height * in_shape.width;
    std::vector<char> channels(static_cast<std::size_t>(in_shape.channels), 0);
    std::vector<char> rows(static_cast<std::size_t>(in_shape.height), 0);
    std::vector<char> cols(static_cast<std::size_t>(in_shape.width), 0);
    for (int f : out.channels) {
        channels[static_cast<std::size_t>(f / plane)] = 1;
        rows[static_cast<std::size_t>(f % plane / in_shape.width)] = 1;
        cols[static_cast<std::size_t>(f % in_shape.width)] = 1;
    }
    FieldLevel in;
    in.channels = marked(channels);
    in.rows = axis_of(marked(rows));
    in.cols = axis_of(marked(cols));
    return in;
}

// What level `out` (a layer's output) reaches in the layer's input number `k` (of shape
// `in_shape`); `influences` false when that input does not feed the traced channels at all.
FieldLevel trace_input(const FieldLevel& out, const Layer& layer, int k, Shape in_shape,
                       std::span<const Shape> input_shapes) {
    FieldLevel in;
    in.shape = in_shape;
    in.influences = true;
    AxisWindow rows = kIdentity;
    AxisWindow cols = kIdentity;
    in.channels = out.channels;
    if (!layer.enabled) {
        in.influences = k == 0; // a disabled layer passes its first input through
    } else if (const auto* conv = std::get_if<Conv2d>(&layer.op)) {
        rows = conv_rows(*conv);
        cols = conv_cols(*conv);
        in.channels = conv_channels(out.channels, *conv, in_shape.channels);
    } else if (const auto* pool = std::get_if<Pool2d>(&layer.op)) {
        rows = pool_axis(pool->kernel_size.h, pool->stride.h, pool->padding.h, in_shape.height);
        cols = pool_axis(pool->kernel_size.w, pool->stride.w, pool->padding.w, in_shape.width);
    } else if (std::holds_alternative<Concat>(layer.op)) {
        // Output channels [offset, offset + C_k) come from input k.
        int offset = 0;
        for (int j = 0; j < k; ++j)
            offset += input_shapes[static_cast<std::size_t>(j)].channels;
        in.channels.clear();
        for (int c : out.channels)
            if (c >= offset && c < offset + in_shape.channels)
                in.channels.push_back(c - offset);
        in.influences = !in.channels.empty();
    } else if (std::holds_alternative<GlobalPool2d>(layer.op)) {
        in.rows = whole_axis(in_shape.height);
        in.cols = whole_axis(in_shape.width);
        return in;
    } else if (const auto* pad = std::get_if<Pad2d>(&layer.op)) {
        const PadSides& s = pad->sides;
        in.rows = trace_pad_axis(out.rows.positions, s.top, s.bottom, in_shape.height, pad->mode);
        in.cols = trace_pad_axis(out.cols.positions, s.left, s.right, in_shape.width, pad->mode);
        return in;
    } else if (std::holds_alternative<Flatten>(layer.op)) {
        FieldLevel flat = trace_flatten(out, in_shape);
        flat.shape = in_shape;
        flat.influences = true;
        return flat;
    } else if (std::holds_alternative<Linear>(layer.op) ||
               std::holds_alternative<Softmax>(layer.op)) {
        // Every channel at the same cell (a linear layer's input is 1 × 1).
        in.channels.clear();
        for (int c = 0; c < in_shape.channels; ++c)
            in.channels.push_back(c);
    }
    // Activations, batch norm and add: the same cells of the same channels.
    if (!in.influences)
        return FieldLevel{0, in_shape, false, {}, {}, {}};
    in.rows = trace_axis(out.rows.positions, rows, in_shape.height);
    in.cols = trace_axis(out.cols.positions, cols, in_shape.width);
    return in;
}

std::vector<int> merged(const std::vector<int>& a, const std::vector<int>& b) {
    std::vector<int> out;
    std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

void merge_axis(FieldAxis& into, const FieldAxis& more) {
    into = [&] {
        FieldAxis axis = axis_of(merged(into.positions, more.positions));
        axis.padding_before = std::max(into.padding_before, more.padding_before);
        axis.padding_after = std::max(into.padding_after, more.padding_after);
        return axis;
    }();
}

// Adds what one more path reaches to a level.
void merge_level(FieldLevel& into, const FieldLevel& more) {
    if (!more.influences)
        return;
    if (!into.influences) {
        const int level = into.level;
        into = more;
        into.level = level;
        return;
    }
    into.channels = merged(into.channels, more.channels);
    merge_axis(into.rows, more.rows);
    merge_axis(into.cols, more.cols);
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
        throw std::out_of_range("receptive field: layer " + std::to_string(layer + 1) +
                                " does not exist (the pipeline has " +
                                std::to_string(shapes.size()) + " layers)");
    const Shape out_shape = shapes[static_cast<std::size_t>(layer)];
    if (channel < 0 || channel >= out_shape.channels || y < 0 || y >= out_shape.height || x < 0 ||
        x >= out_shape.width)
        throw std::out_of_range("receptive field: map " + std::to_string(channel + 1) + " at (y " +
                                std::to_string(y) + ", x " + std::to_string(x) +
                                ") is outside layer " + std::to_string(layer + 1) + "'s output " +
                                out_shape.str());

    ReceptiveField field;
    field.levels.resize(static_cast<std::size_t>(layer) + 2);
    for (std::size_t l = 0; l < field.levels.size(); ++l) {
        field.levels[l].level = static_cast<int>(l);
        field.levels[l].shape = l == 0 ? input : shapes[l - 1];
    }
    FieldLevel& traced = field.levels.back();
    traced.influences = true;
    traced.channels = {channel};
    traced.rows = single_position(y);
    traced.cols = single_position(x);

    // Back through the layers in reverse order: a layer's inputs are earlier layers, so every
    // path into a level has been traced before that level is traced further.
    std::vector<Shape> input_shapes;
    for (int k = layer; k >= 0; --k) {
        const FieldLevel out = field.levels[static_cast<std::size_t>(k) + 1];
        if (!out.influences)
            continue;
        const Layer& l = pipeline.layers[static_cast<std::size_t>(k)];
        input_shapes.clear();
        for (int j = 0; j < input_count(l); ++j) {
            const int source = input_index(l, k, j);
            input_shapes.push_back(
                source == kPipelineInput ? input : shapes[static_cast<std::size_t>(source)]);
        }
        for (int j = 0; j < input_count(l); ++j) {
            const std::size_t level = static_cast<std::size_t>(input_index(l, k, j) + 1);
            merge_level(
                field.levels[level],
                trace_input(out, l, j, input_shapes[static_cast<std::size_t>(j)], input_shapes));
        }
    }
    return field;
}

} // namespace convscope
