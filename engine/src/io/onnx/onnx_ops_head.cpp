// The classifier head: Flatten (and the Reshape / Squeeze / Unsqueeze forms of it), Gemm and
// MatMul as linear layers. A flat vector [1, K] is K channels of 1 × 1 to ConvScope, so
// squeezing or unsqueezing the 1 × 1 axes changes nothing but the rank ONNX sees.

#include "onnx_constant_folding.hpp"
#include "onnx_errors.hpp"
#include "onnx_ops.hpp"

namespace convscope::onnx_import {

namespace {

std::vector<std::int64_t> onnx_dims(const Context& ctx, MapRef x) {
    const Shape s = ctx.shape(x);
    if (x.rank == 4)
        return {1, s.channels, s.height, s.width};
    return {1, s.channels};
}

MapRef require_vector(const Context& ctx, const Node& node) {
    const MapRef x = node.map(0);
    if (x.rank != 2)
        throw Unsupported("its input is a stack of maps " + dims_text(onnx_dims(ctx, x)) + "; " +
                          node.op() + " takes a flat vector [1, K] (a Flatten first)");
    return x;
}

void parse_flatten(Context& ctx, const Node& node) {
    node.expect_attributes({"axis"});
    std::int64_t axis = node.int_attribute("axis", 1);
    if (node.is_constant(0)) {
        const Constant& data = ctx.constant(node.input_name(0));
        const auto rank = static_cast<std::int64_t>(data.dims.size());
        if (axis < 0)
            axis += rank;
        if (axis < 0 || axis > rank)
            throw ModelError("its axis is outside the tensor's rank");
        std::int64_t outer = 1;
        std::int64_t inner = 1;
        for (std::int64_t i = 0; i < rank; ++i)
            (i < axis ? outer : inner) *= data.dims[static_cast<std::size_t>(i)];
        ctx.set_constant(node.output(0), reshaped(data, {outer, inner}));
        return;
    }
    const MapRef x = node.map(0);
    if (axis < 0)
        axis += x.rank;
    if (axis < 0 || axis > x.rank)
        throw ModelError("its axis " + std::to_string(node.int_attribute("axis", 1)) +
                         " is outside a tensor of rank " + std::to_string(x.rank));
    if (axis > 1)
        throw Unsupported("it flattens from axis " + std::to_string(axis) +
                          ", keeping the maps apart; ConvScope flattens whole stacks (axis 1)");
    if (x.rank == 2) {
        ctx.alias(node, x, 2); // [1, K] stays [1, K]
        return;
    }
    ctx.add_layer(node, Flatten{}, {x}, 2);
}

// Reshape of a map: only to a flat vector (a flatten) or to its own shape.
void parse_reshape(Context& ctx, const Node& node) {
    node.expect_attributes({"allowzero"});
    const bool allowzero = node.int_attribute("allowzero", 0) != 0;
    const Constant& shape = node.integers(1, "shape");
    if (node.is_constant(0)) {
        const Constant& data = ctx.constant(node.input_name(0));
        ctx.set_constant(node.output(0),
                         reshaped(data, reshape_target(data.dims, shape.ints, allowzero)));
        return;
    }
    const MapRef x = node.map(0);
    const std::vector<std::int64_t> from = onnx_dims(ctx, x);
    if (x.rank == 4 && shape.ints.size() == 2 && !ctx.sizes_known()) {
        ctx.add_layer(node, Flatten{}, {x}, 2); // [N, C·H·W] whatever the size
        return;
    }
    const std::vector<std::int64_t> to = reshape_target(from, shape.ints, allowzero);
    std::uint64_t total = 1;
    for (const std::int64_t d : from)
        total *= static_cast<std::uint64_t>(d);
    if (to == from) {
        ctx.alias(node, x, x.rank);
    } else if (to.size() == 2 && to[0] == 1 && static_cast<std::uint64_t>(to[1]) == total) {
        if (x.rank == 4)
            ctx.add_layer(node, Flatten{}, {x}, 2);
        else
            ctx.alias(node, x, 2);
    } else if (x.rank == 2 && to == std::vector<std::int64_t>{1, from[1], 1, 1}) {
        ctx.alias(node, x, 4);
    } else {
        throw Unsupported("it reshapes " + dims_text(from) + " to " + dims_text(to) +
                          "; ConvScope reshapes maps only into a flat vector [1, K]");
    }
}

std::vector<std::int64_t> axes_input(const Node& node, int k) {
    if (!node.has_input(k))
        return {};
    return node.integers(k, "axes").ints;
}

void parse_squeeze(Context& ctx, const Node& node) {
    node.expect_attributes({});
    const std::vector<std::int64_t> axes = axes_input(node, 1);
    if (node.is_constant(0)) {
        const Constant& data = ctx.constant(node.input_name(0));
        ctx.set_constant(node.output(0), reshaped(data, squeezed_dims(data.dims, axes)));
        return;
    }
    const MapRef x = node.map(0);
    const std::vector<std::int64_t> from = onnx_dims(ctx, x);
    const std::vector<std::int64_t> to = squeezed_dims(from, axes);
    if (to == from)
        ctx.alias(node, x, x.rank);
    else if (x.rank == 4 && to.size() == 2 && to[0] == 1)
        ctx.alias(node, x, 2); // [1, C, 1, 1] → [1, C]: the same values
    else
        throw Unsupported("it squeezes " + dims_text(from) + " to " + dims_text(to) +
                          "; ConvScope keeps the batch axis and squeezes only 1 × 1 maps");
}

void parse_unsqueeze(Context& ctx, const Node& node) {
    node.expect_attributes({});
    const std::vector<std::int64_t> axes = axes_input(node, 1);
    if (node.is_constant(0)) {
        const Constant& data = ctx.constant(node.input_name(0));
        ctx.set_constant(node.output(0), reshaped(data, unsqueezed_dims(data.dims, axes)));
        return;
    }
    const MapRef x = node.map(0);
    const std::vector<std::int64_t> from = onnx_dims(ctx, x);
    const std::vector<std::int64_t> to = unsqueezed_dims(from, axes);
    if (x.rank == 2 && to == std::vector<std::int64_t>{1, from[1], 1, 1})
        ctx.alias(node, x, 4);
    else
        throw Unsupported("it unsqueezes " + dims_text(from) + " to " + dims_text(to) +
                          "; ConvScope turns only flat vectors into 1 × 1 maps");
}

// The bias of a linear layer of `out` features from constant `c` (broadcast over [1, out]).
std::vector<float> bias_values(const Node& node, int k, int out) {
    const Constant& c = node.floats(k, "bias");
    std::vector<float> values;
    if (!per_channel_values(c, 2, out, values))
        throw ModelError("its bias '" + node.input_name(k) + "' has shape " + dims_text(c.dims) +
                         "; it needs one value per output feature (" + std::to_string(out) + ")");
    return values;
}

void parse_gemm(Context& ctx, const Node& node) {
    node.expect_attributes({"alpha", "beta", "transA", "transB", "broadcast"});
    if (node.int_attribute("transA", 0) != 0)
        throw Unsupported("it transposes its input (transA=1); ConvScope's linear layer reads a "
                          "flat vector [1, K]");
    const MapRef x = require_vector(ctx, node);
    const Constant& b = node.floats(1, "weight");
    if (b.dims.size() != 2)
        throw ModelError("its weight has shape " + dims_text(b.dims) + "; Gemm needs a matrix");
    const bool trans_b = node.int_attribute("transB", 0) != 0;
    const std::int64_t k = trans_b ? b.dims[1] : b.dims[0];
    const std::int64_t n = trans_b ? b.dims[0] : b.dims[1];
    const int in = ctx.shape(x).channels;
    if (k != in)
        throw ModelError("its weight " + dims_text(b.dims) + (trans_b ? " (transposed)" : "") +
                         " takes " + std::to_string(k) + " inputs, but its input has " +
                         std::to_string(in) + " features");
    Linear linear;
    linear.in_features = in;
    linear.out_features = to_int(n, "its number of outputs", 1, 1 << 24);
    std::vector<float> weight(static_cast<std::size_t>(k * n)); // out × in, as Linear holds it
    const float alpha = node.float_attribute("alpha", 1.0f);
    for (std::int64_t o = 0; o < n; ++o)
        for (std::int64_t i = 0; i < k; ++i) {
            const float w = trans_b ? b.floats[static_cast<std::size_t>(o * k + i)]
                                    : b.floats[static_cast<std::size_t>(i * n + o)];
            weight[static_cast<std::size_t>(o * k + i)] = alpha == 1.0f ? w : alpha * w;
        }
    linear.weight = std::move(weight);
    const float beta = node.float_attribute("beta", 1.0f);
    if (node.has_input(2) && beta != 0.0f) {
        std::vector<float> bias = bias_values(node, 2, linear.out_features);
        if (beta != 1.0f)
            for (float& v : bias)
                v *= beta;
        linear.bias = std::move(bias);
    }
    ctx.add_layer(node, std::move(linear), {x}, 2);
}

void parse_matmul(Context& ctx, const Node& node) {
    node.expect_attributes({});
    const MapRef x = require_vector(ctx, node);
    const Constant& b = node.floats(1, "weight");
    if (b.dims.size() != 2)
        throw Unsupported("its weight has shape " + dims_text(b.dims) +
                          "; ConvScope maps MatMul of a vector [1, K] by a matrix [K, N]");
    const int in = ctx.shape(x).channels;
    if (b.dims[0] != in)
        throw ModelError("its weight " + dims_text(b.dims) + " takes " + std::to_string(b.dims[0]) +
                         " inputs, but its input has " + std::to_string(in) + " features");
    Linear linear;
    linear.in_features = in;
    linear.out_features = to_int(b.dims[1], "its number of outputs", 1, 1 << 24);
    const std::size_t n = static_cast<std::size_t>(linear.out_features);
    std::vector<float> weight(static_cast<std::size_t>(in) * n); // the transpose of B
    for (std::size_t o = 0; o < n; ++o)
        for (std::size_t i = 0; i < static_cast<std::size_t>(in); ++i)
            weight[o * static_cast<std::size_t>(in) + i] = b.floats[i * n + o];
    linear.weight = std::move(weight);
    ctx.add_layer(node, std::move(linear), {x}, 2);
}

} // namespace

void add_head_ops(OpTable& table) {
    table["Flatten"] = &parse_flatten;
    table["Reshape"] = &parse_reshape;
    table["Squeeze"] = &parse_squeeze;
    table["Unsqueeze"] = &parse_unsqueeze;
    table["Gemm"] = &parse_gemm;
    table["MatMul"] = &parse_matmul;
}

} // namespace convscope::onnx_import
