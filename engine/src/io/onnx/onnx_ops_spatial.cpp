// Conv, MaxPool, AveragePool, global pooling, Pad and BatchNormalization: the ops with windows
// and padding. ONNX pads each side on its own; ConvScope's conv and pooling layers pad both
// sides alike (PyTorch's), so other pads become an explicit pad layer before them.

#include "onnx_errors.hpp"
#include "onnx_ops.hpp"

#include <algorithm>

namespace convscope::onnx_import {

namespace {

std::string pads_text(const PadSides& p) {
    return "[top " + std::to_string(p.top) + ", left " + std::to_string(p.left) + ", bottom " +
           std::to_string(p.bottom) + ", right " + std::to_string(p.right) + "]";
}

void require_maps(const Node& node, MapRef x) {
    if (x.rank != 4)
        throw Unsupported("its input is a flat vector [1, K]; " + node.op() +
                          " needs maps [1, C, H, W]");
}

// The window a conv or pool node describes along both axes.
struct Window {
    Pair kernel;
    Pair stride;
    Pair dilation;
    PadSides pads;
    std::string auto_pad;        // "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER"
    bool size_dependent = false; // SAME padding resolved for the model's input size
};

// ONNX's SAME padding along one axis: the output is ceil(in / stride), and the padding that
// takes is split evenly, the odd pixel going to the end (UPPER) or the start (LOWER).
void same_padding(int in, int kernel, int stride, int dilation, bool upper, int& before,
                  int& after) {
    const long long extent = static_cast<long long>(kernel - 1) * dilation + 1;
    const long long out = (in + stride - 1) / stride;
    const long long total = std::max(0LL, (out - 1) * stride + extent - in);
    const int small = static_cast<int>(total / 2);
    const int large = static_cast<int>(total - total / 2);
    before = upper ? small : large;
    after = upper ? large : small;
}

Window read_window(Context& ctx, const Node& node, MapRef x, Pair kernel) {
    Window w;
    w.kernel = kernel;
    w.stride = pair_attribute(node, "strides", {1, 1});
    w.dilation = pair_attribute(node, "dilations", {1, 1});
    w.auto_pad = node.string_attribute("auto_pad", "NOTSET");
    if (w.auto_pad == "NOTSET") {
        const std::vector<std::int64_t> pads = node.ints_attribute("pads");
        if (!pads.empty()) {
            if (pads.size() != 4)
                throw Unsupported("its attribute 'pads' has " + std::to_string(pads.size()) +
                                  " values; a 2-D window has four");
            constexpr int kLargest = 1 << 16;
            const std::string what = "its attribute 'pads'";
            w.pads.top = to_int(pads[0], what, 0, kLargest);
            w.pads.left = to_int(pads[1], what, 0, kLargest);
            w.pads.bottom = to_int(pads[2], what, 0, kLargest);
            w.pads.right = to_int(pads[3], what, 0, kLargest);
        }
    } else if (w.auto_pad == "VALID") {
        // no padding
    } else if (w.auto_pad == "SAME_UPPER" || w.auto_pad == "SAME_LOWER") {
        const bool upper = w.auto_pad == "SAME_UPPER";
        const bool strided = w.stride.h != 1 || w.stride.w != 1;
        if (strided && !ctx.sizes_known())
            throw Unsupported("auto_pad " + w.auto_pad + " with strides [" +
                              std::to_string(w.stride.h) + ", " + std::to_string(w.stride.w) +
                              "] pads by an amount that depends on the input size, which the "
                              "model leaves open");
        const Shape in = ctx.shape(x);
        same_padding(in.height, kernel.h, w.stride.h, w.dilation.h, upper, w.pads.top,
                     w.pads.bottom);
        same_padding(in.width, kernel.w, w.stride.w, w.dilation.w, upper, w.pads.left,
                     w.pads.right);
        w.size_dependent = strided;
    } else {
        throw ModelError("its attribute 'auto_pad' is \"" + w.auto_pad +
                         "\", not NOTSET, VALID, SAME_UPPER or SAME_LOWER");
    }
    return w;
}

bool symmetric(const PadSides& p) {
    return p.top == p.bottom && p.left == p.right;
}

void note_size_dependent(Context& ctx, const Node& node, const Window& w) {
    if (!w.size_dependent)
        return;
    const Shape in = ctx.shape(ctx.map(node.proto().input(0)));
    ctx.warn(node.label() + ": auto_pad " + w.auto_pad + " is resolved for its " +
             std::to_string(in.height) + "×" + std::to_string(in.width) + " input as pads " +
             pads_text(w.pads) + "; on inputs of another size ONNX would pad differently");
}

// ONNX's output size of a pooling window along one axis.
int onnx_pool_output(int in, int kernel, int stride, int dilation, int pad_total, bool ceil_mode) {
    const long long span = static_cast<long long>(in) + pad_total -
                           (static_cast<long long>(kernel - 1) * dilation + 1);
    if (span < 0)
        return 0;
    const long long steps = ceil_mode ? (span + stride - 1) / stride : span / stride;
    return static_cast<int>(steps + 1);
}

// ------------------------------------------------------------------------------------- Conv

void parse_conv(Context& ctx, const Node& node) {
    node.expect_attributes({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    const MapRef x = node.map(0);
    require_maps(node, x);
    const Constant& w = node.floats(1, "weight");
    if (w.dims.size() == 3)
        throw Unsupported("its weight has shape " + dims_text(w.dims) +
                          ": a 1-D convolution; ConvScope runs 2-D convolutions");
    if (w.dims.size() == 5)
        throw Unsupported("its weight has shape " + dims_text(w.dims) +
                          ": a 3-D convolution; ConvScope runs 2-D convolutions");
    if (w.dims.size() != 4)
        throw ModelError("its weight has shape " + dims_text(w.dims) +
                         "; a 2-D convolution's has four dimensions [M, C/group, kH, kW]");
    constexpr int kLargest = 1 << 20;
    const std::string what = "its weight's shape " + dims_text(w.dims);
    const Pair kernel{to_int(w.dims[2], what, 1, kLargest), to_int(w.dims[3], what, 1, kLargest)};
    if (node.attribute("kernel_shape") && pair_attribute(node, "kernel_shape", {}) != kernel)
        throw ModelError("its attribute 'kernel_shape' does not match its weight's shape " +
                         dims_text(w.dims));

    Conv2d conv;
    conv.weights.out_channels = to_int(w.dims[0], what, 1, kLargest);
    conv.weights.in_channels = to_int(w.dims[1], what, 1, kLargest);
    conv.weights.kernel_h = kernel.h;
    conv.weights.kernel_w = kernel.w;
    conv.weights.values = w.floats;
    conv.groups = to_int(node.int_attribute("group", 1), "its attribute 'group'", 1, kLargest);
    if (conv.weights.out_channels % conv.groups != 0)
        throw ModelError("its " + std::to_string(conv.weights.out_channels) +
                         " filters cannot be split into " + std::to_string(conv.groups) +
                         " groups");
    if (node.has_input(2)) {
        const Constant& b = node.floats(2, "bias");
        if (b.elements() != static_cast<std::size_t>(conv.weights.out_channels))
            throw ModelError("its bias '" + node.input_name(2) + "' has " +
                             std::to_string(b.elements()) + " values for " +
                             std::to_string(conv.weights.out_channels) + " filters");
        conv.bias = b.floats;
    }

    const Window win = read_window(ctx, node, x, kernel);
    conv.stride = win.stride;
    conv.dilation = win.dilation;
    MapRef in = x;
    if (win.auto_pad == "SAME_UPPER" && !win.size_dependent) {
        conv.padding = ConvPadding::same(); // PyTorch's "same" gives the odd pixel to the end too
    } else if (symmetric(win.pads)) {
        conv.padding = ConvPadding::explicit_size({win.pads.top, win.pads.left});
    } else {
        in = ctx.add_helper_layer(node, "pad", Pad2d{win.pads, PaddingMode::Zeros, 0.0f}, x);
        conv.padding = ConvPadding::explicit_size({0, 0});
    }
    note_size_dependent(ctx, node, win);
    ctx.add_layer(node, std::move(conv), {in}, 4);
}

// ---------------------------------------------------------------------------------- Pooling

Pair pool_kernel(const Node& node) {
    if (!node.attribute("kernel_shape"))
        throw ModelError("it has no attribute 'kernel_shape'");
    return pair_attribute(node, "kernel_shape", {});
}

// Whether a window of a pool with these pads lies wholly in the padding (the first one, if a
// start pad reaches a whole kernel; the last one, if it starts past the map). Without the input
// size only the first can be checked, and the end pads must then stay below a kernel too.
bool window_only_in_padding(const Context& ctx, MapRef x, const Window& w, bool ceil_mode) {
    if (w.pads.top >= w.kernel.h || w.pads.left >= w.kernel.w)
        return true;
    if (!ctx.sizes_known())
        return w.pads.bottom >= w.kernel.h || w.pads.right >= w.kernel.w;
    const Shape in = ctx.shape(x);
    const auto last_starts_past = [ceil_mode](int size, int kernel, int stride, int before,
                                              int after) {
        const int out = onnx_pool_output(size, kernel, stride, 1, before + after, ceil_mode);
        return out > 0 && static_cast<long long>(out - 1) * stride - before >= size;
    };
    return last_starts_past(in.height, w.kernel.h, w.stride.h, w.pads.top, w.pads.bottom) ||
           last_starts_past(in.width, w.kernel.w, w.stride.w, w.pads.left, w.pads.right);
}

bool fits_pool_padding(const PadSides& p, Pair kernel) {
    return symmetric(p) && p.top <= kernel.h / 2 && p.left <= kernel.w / 2;
}

void parse_max_pool(Context& ctx, const Node& node) {
    node.expect_attributes(
        {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
    node.expect_only_first_output(); // Indices
    const MapRef x = node.map(0);
    require_maps(node, x);
    const Window win = read_window(ctx, node, x, pool_kernel(node));
    if (win.dilation != Pair{1, 1})
        throw Unsupported("dilated max pooling (dilations [" + std::to_string(win.dilation.h) +
                          ", " + std::to_string(win.dilation.w) + "]) has no ConvScope layer");
    Pool2d pool;
    pool.kind = PoolKind::Max;
    pool.kernel_size = win.kernel;
    pool.stride = win.stride;
    pool.ceil_mode = node.int_attribute("ceil_mode", 0) != 0;
    MapRef in = x;
    if (fits_pool_padding(win.pads, win.kernel)) {
        pool.padding = {win.pads.top, win.pads.left};
    } else {
        // Max pooling ignores its padding: replicating the edge changes no maximum, as long as
        // every window still covers a real cell.
        if (window_only_in_padding(ctx, x, win, pool.ceil_mode))
            throw Unsupported("its pads " + pads_text(win.pads) +
                              " make some windows see only padding");
        in = ctx.add_helper_layer(node, "pad", Pad2d{win.pads, PaddingMode::Replicate, 0.0f}, x);
    }
    note_size_dependent(ctx, node, win);
    ctx.add_layer(node, pool, {in}, 4);
}

void parse_average_pool(Context& ctx, const Node& node) {
    node.expect_attributes(
        {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
    const MapRef x = node.map(0);
    require_maps(node, x);
    const Window win = read_window(ctx, node, x, pool_kernel(node));
    Pool2d pool;
    pool.kind = PoolKind::Avg;
    pool.kernel_size = win.kernel;
    pool.stride = win.stride;
    pool.ceil_mode = node.int_attribute("ceil_mode", 0) != 0;
    pool.count_include_pad = node.int_attribute("count_include_pad", 0) != 0;
    MapRef in = x;
    if (fits_pool_padding(win.pads, win.kernel)) {
        pool.padding = {win.pads.top, win.pads.left};
    } else if (pool.count_include_pad) {
        // Padded zeros count: pad explicitly, then average without padding.
        in = ctx.add_helper_layer(node, "pad", Pad2d{win.pads, PaddingMode::Zeros, 0.0f}, x);
    } else {
        // Padding that does not count is the same as windows hanging off the end: more padding
        // at the end than at the start is ceil_mode's overhang, if the output sizes agree.
        const bool ends_larger = win.pads.bottom >= win.pads.top && win.pads.right >= win.pads.left;
        const Pool2d original = pool;
        pool.padding = {win.pads.top, win.pads.left};
        pool.ceil_mode = true;
        bool same_windows = false;
        if (ends_larger && ctx.sizes_known() && win.pads.top <= win.kernel.h / 2 &&
            win.pads.left <= win.kernel.w / 2) {
            const Shape s = ctx.shape(x);
            const int onnx_h = onnx_pool_output(s.height, win.kernel.h, win.stride.h, 1,
                                                win.pads.top + win.pads.bottom, original.ceil_mode);
            const int onnx_w = onnx_pool_output(s.width, win.kernel.w, win.stride.w, 1,
                                                win.pads.left + win.pads.right, original.ceil_mode);
            Layer probe;
            probe.op = pool;
            try {
                const Shape out = infer_shape(probe, s, 0);
                same_windows = out.height == onnx_h && out.width == onnx_w;
            } catch (const PipelineError&) {
                same_windows = false;
            }
        }
        if (!same_windows)
            throw Unsupported("average pooling with count_include_pad=0 and pads " +
                              pads_text(win.pads) +
                              " that differ between the start and the end has no ConvScope "
                              "layer (its padding would have to be excluded from the divisor)");
    }
    note_size_dependent(ctx, node, win);
    ctx.add_layer(node, pool, {in}, 4);
}

void parse_global_pool(Context& ctx, const Node& node, PoolKind kind) {
    node.expect_attributes({});
    const MapRef x = node.map(0);
    require_maps(node, x);
    ctx.add_layer(node, GlobalPool2d{kind}, {x}, 4);
}

void parse_global_average_pool(Context& ctx, const Node& node) {
    parse_global_pool(ctx, node, PoolKind::Avg);
}

void parse_global_max_pool(Context& ctx, const Node& node) {
    parse_global_pool(ctx, node, PoolKind::Max);
}

// ReduceMean / ReduceMax over height and width: global pooling (x.mean([2, 3]) in PyTorch).
void parse_spatial_reduce(Context& ctx, const Node& node, PoolKind kind) {
    node.expect_attributes({"axes", "keepdims"});
    const MapRef x = node.map(0);
    require_maps(node, x);
    std::vector<int> axes;
    for (const std::int64_t a : node.ints_attribute("axes"))
        axes.push_back(normalized_axis(a, 4, "its axis"));
    std::sort(axes.begin(), axes.end());
    if (axes != std::vector<int>{2, 3})
        throw Unsupported(node.op() +
                          " over axes other than height and width [2, 3] has no ConvScope layer");
    const bool keep = node.int_attribute("keepdims", 1) != 0;
    ctx.add_layer(node, GlobalPool2d{kind}, {x}, keep ? 4 : 2);
}

void parse_reduce_mean(Context& ctx, const Node& node) {
    parse_spatial_reduce(ctx, node, PoolKind::Avg);
}

void parse_reduce_max(Context& ctx, const Node& node) {
    parse_spatial_reduce(ctx, node, PoolKind::Max);
}

// -------------------------------------------------------------------------------------- Pad

void parse_pad(Context& ctx, const Node& node) {
    node.expect_attributes({"mode"});
    const MapRef x = node.map(0);
    require_maps(node, x);
    const Constant& pads = node.integers(1, "pads");
    if (pads.elements() != 8)
        throw ModelError("its pads '" + node.input_name(1) + "' have " +
                         std::to_string(pads.elements()) +
                         " values; a tensor of rank 4 takes eight");
    if (node.has_input(3))
        throw Unsupported("its axes input is not one ConvScope maps");
    const auto& p = pads.ints;
    if (p[0] != 0 || p[1] != 0 || p[4] != 0 || p[5] != 0)
        throw Unsupported("it pads the batch or channel axis (pads " + dims_text(p) +
                          "); ConvScope pads height and width");
    constexpr int kLargest = 1 << 16;
    const std::string what = "its pads";
    Pad2d pad;
    pad.sides.top = to_int(p[2], what, -kLargest, kLargest);
    pad.sides.left = to_int(p[3], what, -kLargest, kLargest);
    pad.sides.bottom = to_int(p[6], what, -kLargest, kLargest);
    pad.sides.right = to_int(p[7], what, -kLargest, kLargest);
    const std::string mode = node.string_attribute("mode", "constant");
    if (mode == "constant") {
        pad.mode = PaddingMode::Zeros;
        if (node.has_input(2)) {
            const Constant& value = node.floats(2, "constant_value");
            if (value.elements() != 1)
                throw ModelError("its constant_value has " + std::to_string(value.elements()) +
                                 " values; it needs one");
            pad.value = value.floats[0];
        }
    } else if (mode == "reflect") {
        pad.mode = PaddingMode::Reflect;
    } else if (mode == "edge") {
        pad.mode = PaddingMode::Replicate;
    } else {
        throw Unsupported("its mode \"" + mode +
                          "\" has no ConvScope padding (constant, "
                          "reflect and edge do)");
    }
    ctx.add_layer(node, pad, {x}, 4);
}

// ----------------------------------------------------------------------- BatchNormalization

void parse_batch_normalization(Context& ctx, const Node& node) {
    node.expect_attributes({"epsilon", "momentum", "training_mode", "spatial", "is_test"});
    node.expect_only_first_output(); // running mean and variance (training)
    if (node.int_attribute("training_mode", 0) != 0)
        throw Unsupported("it normalizes with the batch's own statistics (training_mode=1); "
                          "ConvScope runs batch norms at inference, on running statistics");
    if (node.int_attribute("spatial", 1) == 0)
        throw Unsupported("its statistics are per element (spatial=0), not per channel");
    const MapRef x = node.map(0);
    const int channels = ctx.shape(x).channels;
    const char* roles[] = {"scale", "bias", "mean", "variance"};
    std::vector<float> values[4];
    for (int k = 0; k < 4; ++k) {
        const Constant& c = node.floats(k + 1, roles[k]);
        if (c.elements() != static_cast<std::size_t>(channels))
            throw ModelError("its " + std::string(roles[k]) + " '" + node.input_name(k + 1) +
                             "' has " + std::to_string(c.elements()) + " values for " +
                             std::to_string(channels) + " channels");
        values[k] = c.floats;
    }
    BatchNorm2d bn;
    bn.weight = std::move(values[0]);
    bn.bias = std::move(values[1]);
    bn.running_mean = std::move(values[2]);
    bn.running_var = std::move(values[3]);
    bn.eps = node.float_attribute("epsilon", 1e-5f);
    ctx.add_layer(node, std::move(bn), {x}, x.rank);
}

} // namespace

void add_spatial_ops(OpTable& table) {
    table["Conv"] = &parse_conv;
    table["MaxPool"] = &parse_max_pool;
    table["AveragePool"] = &parse_average_pool;
    table["GlobalAveragePool"] = &parse_global_average_pool;
    table["GlobalMaxPool"] = &parse_global_max_pool;
    table["ReduceMean"] = &parse_reduce_mean;
    table["ReduceMax"] = &parse_reduce_max;
    table["Pad"] = &parse_pad;
    table["BatchNormalization"] = &parse_batch_normalization;
}

} // namespace convscope::onnx_import
