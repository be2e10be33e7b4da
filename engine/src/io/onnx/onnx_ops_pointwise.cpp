// Activations, Softmax, the joins of maps (Add, Sum, Concat), the arithmetic that maps a constant
// onto a map (Add/Sub of a constant per channel), and the pass-through nodes.

#include "onnx_constant_folding.hpp"
#include "onnx_errors.hpp"
#include "onnx_ops.hpp"

#include <limits>

namespace convscope::onnx_import {

namespace {

void add_activation(Context& ctx, const Node& node, Activation act) {
    const MapRef x = node.map(0);
    ctx.add_layer(node, std::move(act), {x}, x.rank);
}

Activation kind(ActivationKind k) {
    Activation a;
    a.kind = k;
    return a;
}

void parse_relu(Context& ctx, const Node& node) {
    node.expect_attributes({});
    add_activation(ctx, node, kind(ActivationKind::ReLU));
}

void parse_sigmoid(Context& ctx, const Node& node) {
    node.expect_attributes({});
    add_activation(ctx, node, kind(ActivationKind::Sigmoid));
}

void parse_tanh(Context& ctx, const Node& node) {
    node.expect_attributes({});
    add_activation(ctx, node, kind(ActivationKind::Tanh));
}

void parse_leaky_relu(Context& ctx, const Node& node) {
    node.expect_attributes({"alpha"});
    Activation a = kind(ActivationKind::LeakyReLU);
    a.negative_slope = node.float_attribute("alpha", 0.01f);
    add_activation(ctx, node, a);
}

void parse_elu(Context& ctx, const Node& node) {
    node.expect_attributes({"alpha"});
    Activation a = kind(ActivationKind::ELU);
    a.alpha = node.float_attribute("alpha", 1.0f);
    add_activation(ctx, node, a);
}

void parse_hard_sigmoid(Context& ctx, const Node& node) {
    node.expect_attributes({"alpha", "beta"});
    Activation a = kind(ActivationKind::HardSigmoid);
    a.hard_alpha = node.float_attribute("alpha", 0.2f); // ONNX's default, not PyTorch's 1/6
    a.hard_beta = node.float_attribute("beta", 0.5f);
    add_activation(ctx, node, a);
}

void parse_hard_swish(Context& ctx, const Node& node) {
    node.expect_attributes({});
    add_activation(ctx, node, kind(ActivationKind::HardSwish));
}

void parse_prelu(Context& ctx, const Node& node) {
    node.expect_attributes({});
    const MapRef x = node.map(0);
    const Constant& slope = node.floats(1, "slope");
    Activation a = kind(ActivationKind::PReLU);
    const int channels = ctx.shape(x).channels;
    std::vector<float> slopes;
    if (slope.elements() == 1)
        slopes = slope.floats;
    else if (!per_channel_values(slope, x.rank, channels, slopes))
        throw Unsupported("its slope '" + node.input_name(1) + "' has shape " +
                          dims_text(slope.dims) +
                          "; ConvScope's PReLU takes one slope or one per channel ([C, 1, 1])");
    a.slopes = std::move(slopes);
    add_activation(ctx, node, a);
}

float scalar_bound(const Node& node, int k, const char* role, float fallback) {
    if (!node.has_input(k))
        return fallback;
    const Constant& c = node.floats(k, role);
    if (c.elements() != 1)
        throw ModelError("its " + std::string(role) + " '" + node.input_name(k) + "' has " +
                         std::to_string(c.elements()) + " values; Clip takes one");
    return c.floats[0];
}

void parse_clip(Context& ctx, const Node& node) {
    node.expect_attributes({});
    Activation a = kind(ActivationKind::Clip);
    // A missing bound is no bound: the widest floats keep every finite value as it is.
    a.clip_min = scalar_bound(node, 1, "min", std::numeric_limits<float>::lowest());
    a.clip_max = scalar_bound(node, 2, "max", std::numeric_limits<float>::max());
    add_activation(ctx, node, a);
}

void parse_softmax(Context& ctx, const Node& node) {
    node.expect_attributes({"axis"});
    const MapRef x = node.map(0);
    const int axis = normalized_axis(node.int_attribute("axis", -1), x.rank, "its axis");
    if (axis != 1)
        throw Unsupported("a softmax along axis " + std::to_string(axis) + " of a tensor of rank " +
                          std::to_string(x.rank) +
                          " has no ConvScope layer (ConvScope's softmax runs over channels)");
    ctx.add_layer(node, Softmax{}, {x}, x.rank);
}

// --------------------------------------------------------------------------- Joining maps

// Two maps of one shape, as add and concat need them (broadcasting one map over another has no
// layer).
void require_same_rank(const std::vector<MapRef>& maps) {
    for (const MapRef& m : maps)
        if (m.rank != maps[0].rank)
            throw Unsupported("its inputs mix maps [1, C, H, W] and flat vectors [1, K]");
}

// Add, Sub: map + map, or map ± a constant per channel.
void parse_add_or_sub(Context& ctx, const Node& node, bool subtract) {
    node.expect_attributes({});
    if (all_inputs_constant(node)) {
        ctx.set_constant(node.output(0), fold_elementwise(node, subtract ? '-' : '+'));
        return;
    }
    if (node.is_map(0) && node.is_map(1)) {
        if (subtract)
            throw Unsupported("it subtracts one map from another; ConvScope has no such layer");
        const std::vector<MapRef> maps{node.map(0), node.map(1)};
        require_same_rank(maps);
        if (ctx.shape(maps[0]) != ctx.shape(maps[1]))
            throw Unsupported("it adds maps of shapes " + ctx.shape(maps[0]).str() + " and " +
                              ctx.shape(maps[1]).str() +
                              " (broadcast); ConvScope adds maps of one shape");
        ctx.add_layer(node, Add{}, maps, maps[0].rank);
        return;
    }
    const int map_input = node.is_map(0) ? 0 : 1;
    if (subtract && map_input == 1)
        throw Unsupported("it subtracts a map from a constant; ConvScope has no such layer");
    const MapRef x = node.map(map_input);
    const Constant& c = node.floats(1 - map_input, "addend");
    const int channels = ctx.shape(x).channels;
    std::vector<float> values;
    if (!per_channel_values(c, x.rank, channels, values))
        throw Unsupported("it adds a constant of shape " + dims_text(c.dims) +
                          ", which varies along more than the channels; ConvScope adds one "
                          "constant per channel");
    if (subtract)
        for (float& v : values)
            v = -v; // x - c and x + (-c) are the same float
    // MatMul then Add is a linear layer with a bias: fold it in when the MatMul's output is read
    // only here.
    Pipeline& p = ctx.pipeline();
    if (x.layer >= 0 && x.layer == static_cast<int>(p.layers.size()) - 1) {
        Layer& last = p.layers.back();
        auto* linear = std::get_if<Linear>(&last.op);
        if (linear && linear->bias.empty() && ctx.readers(node.input_name(map_input)) == 1) {
            Linear fused = *linear;
            fused.bias = std::move(values);
            ctx.fuse_into_last(node, std::move(fused), false);
            return;
        }
    }
    Add add;
    add.constant = std::move(values);
    ctx.add_layer(node, std::move(add), {x}, x.rank);
}

void parse_add(Context& ctx, const Node& node) {
    parse_add_or_sub(ctx, node, false);
}

void parse_sub(Context& ctx, const Node& node) {
    parse_add_or_sub(ctx, node, true);
}

void parse_sum(Context& ctx, const Node& node) {
    node.expect_attributes({});
    if (all_inputs_constant(node))
        throw Unsupported("Sum of constants is not folded");
    std::vector<MapRef> maps;
    for (int k = 0; k < node.input_count(); ++k)
        maps.push_back(node.map(k));
    require_same_rank(maps);
    for (const MapRef& m : maps)
        if (ctx.shape(m) != ctx.shape(maps[0]))
            throw Unsupported("it sums maps of different shapes; ConvScope adds maps of one shape");
    if (maps.size() == 1) {
        ctx.alias(node, maps[0], maps[0].rank);
        return;
    }
    ctx.add_layer(node, Add{}, maps, maps[0].rank);
}

// Mul: a constant product, or x · HardSigmoid(x) with PyTorch's 1/6 and 1/2 (how opsets before
// 14 write HardSwish).
void parse_mul(Context& ctx, const Node& node) {
    node.expect_attributes({});
    if (all_inputs_constant(node)) {
        ctx.set_constant(node.output(0), fold_elementwise(node, '*'));
        return;
    }
    if (node.is_map(0) && node.is_map(1)) {
        const Pipeline& p = ctx.pipeline();
        for (int gate = 0; gate < 2; ++gate) {
            const MapRef g = node.map(gate);
            const MapRef x = node.map(1 - gate);
            if (g.layer < 0)
                continue;
            const Layer& layer = p.layers[static_cast<std::size_t>(g.layer)];
            const auto* act = std::get_if<Activation>(&layer.op);
            const bool hard_sigmoid = act && act->kind == ActivationKind::HardSigmoid &&
                                      std::abs(act->hard_alpha - 1.0f / 6.0f) < 1e-7f &&
                                      act->hard_beta == 0.5f;
            if (!hard_sigmoid || input_index(layer, g.layer, 0) != x.layer)
                continue;
            Activation swish = kind(ActivationKind::HardSwish);
            if (g.layer == static_cast<int>(p.layers.size()) - 1 &&
                ctx.readers(node.input_name(gate)) == 1) {
                ctx.fuse_into_last(node, swish, true); // the gate is read only here
            } else {
                ctx.add_layer(node, swish, {x}, x.rank);
            }
            return;
        }
        throw Unsupported("it multiplies two maps; ConvScope has no such layer (only x · "
                          "HardSigmoid(x), which is HardSwish)");
    }
    throw Unsupported("it multiplies a map by a constant; ConvScope has no scaling layer");
}

void parse_div(Context& ctx, const Node& node) {
    node.expect_attributes({});
    if (all_inputs_constant(node)) {
        ctx.set_constant(node.output(0), fold_elementwise(node, '/'));
        return;
    }
    throw Unsupported("it divides a map; ConvScope has no such layer");
}

void parse_concat(Context& ctx, const Node& node) {
    node.expect_attributes({"axis"});
    if (all_inputs_constant(node)) {
        ctx.set_constant(node.output(0), fold_concat(node));
        return;
    }
    std::vector<MapRef> maps;
    for (int k = 0; k < node.input_count(); ++k)
        maps.push_back(node.map(k));
    require_same_rank(maps);
    if (!node.attribute("axis"))
        throw ModelError("it has no attribute 'axis'");
    const int axis = normalized_axis(node.int_attribute("axis", 1), maps[0].rank, "its axis");
    if (axis != 1)
        throw Unsupported("it concatenates along axis " + std::to_string(axis) +
                          "; ConvScope concatenates along channels (axis 1)");
    if (maps.size() == 1) {
        ctx.alias(node, maps[0], maps[0].rank);
        return;
    }
    ctx.add_layer(node, Concat{}, maps, maps[0].rank);
}

// ------------------------------------------------------------------------- Pass-through

void parse_identity(Context& ctx, const Node& node) {
    node.expect_attributes({});
    if (node.is_constant(0)) {
        ctx.alias_constant(node.input_name(0), node.output(0));
        return;
    }
    const MapRef x = node.map(0);
    ctx.alias(node, x, x.rank);
}

// At inference Dropout passes its input through (its mask output has no layer).
void parse_dropout(Context& ctx, const Node& node) {
    node.expect_attributes({"seed", "ratio"});
    node.expect_only_first_output();
    if (node.has_input(2)) {
        const Constant& training = node.constant(2, "training_mode");
        if (training.elements() == 1 && training.value(0) != 0)
            throw Unsupported("it drops values at random (training_mode=true)");
    }
    parse_identity(ctx, node);
}

} // namespace

void add_pointwise_ops(OpTable& table) {
    table["Relu"] = &parse_relu;
    table["LeakyRelu"] = &parse_leaky_relu;
    table["PRelu"] = &parse_prelu;
    table["Elu"] = &parse_elu;
    table["Sigmoid"] = &parse_sigmoid;
    table["Tanh"] = &parse_tanh;
    table["HardSigmoid"] = &parse_hard_sigmoid;
    table["HardSwish"] = &parse_hard_swish;
    table["Clip"] = &parse_clip;
    table["Softmax"] = &parse_softmax;
    table["Add"] = &parse_add;
    table["Sub"] = &parse_sub;
    table["Sum"] = &parse_sum;
    table["Mul"] = &parse_mul;
    table["Div"] = &parse_div;
    table["Concat"] = &parse_concat;
    table["Identity"] = &parse_identity;
    table["Dropout"] = &parse_dropout;
}

} // namespace convscope::onnx_import
