#include "onnx_ops.hpp"
#include "onnx_errors.hpp"

namespace convscope::onnx_import {

const OpTable& op_table() {
    static const OpTable table = [] {
        OpTable t;
        add_spatial_ops(t);
        add_pointwise_ops(t);
        add_head_ops(t);
        add_constant_ops(t);
        return t;
    }();
    return table;
}

std::string unsupported_op_reason(std::string_view op) {
    static const std::unordered_map<std::string_view, std::string_view> reasons = {
        {"QuantizeLinear", "it quantizes maps to 8-bit integers, and ConvScope's layers compute "
                           "in float32"},
        {"QLinearConv", "a quantized convolution computes on 8-bit integers, and ConvScope's "
                        "layers compute in float32"},
        {"LRN", "ConvScope has no local response normalization layer"},
        {"ConvTranspose", "ConvScope has no transposed convolution layer"},
        {"Resize", "ConvScope has no resize (upsampling) layer"},
        {"Upsample", "ConvScope has no upsampling layer"},
        {"InstanceNormalization", "ConvScope has no instance normalization layer"},
        {"LayerNormalization", "ConvScope has no layer normalization layer"},
        {"If", "a graph that branches at run time cannot be a pipeline"},
        {"Loop", "a graph that loops at run time cannot be a pipeline"},
        {"LSTM", "recurrent layers have no ConvScope layer"},
        {"GRU", "recurrent layers have no ConvScope layer"},
    };
    const auto it = reasons.find(op);
    return it == reasons.end() ? std::string() : std::string(it->second);
}

int to_int(std::int64_t value, const std::string& what, int lowest, int highest) {
    if (value < lowest || value > highest)
        throw ModelError(what + " is " + std::to_string(value) + ", outside [" +
                         std::to_string(lowest) + ", " + std::to_string(highest) + "]");
    return static_cast<int>(value);
}

Pair pair_attribute(const Node& node, std::string_view name, Pair fallback) {
    if (!node.attribute(name))
        return fallback;
    const std::vector<std::int64_t> v = node.ints_attribute(name);
    const std::string what = "its attribute '" + std::string(name) + "'";
    if (v.size() != 2)
        throw Unsupported(what + " has " + std::to_string(v.size()) +
                          " values; ConvScope's layers are 2-D (two values: height, width)");
    constexpr int kLargest = 1 << 16;
    return {to_int(v[0], what, 1, kLargest), to_int(v[1], what, 1, kLargest)};
}

int normalized_axis(std::int64_t axis, int rank, const std::string& what) {
    if (axis < -rank || axis >= rank)
        throw ModelError(what + " " + std::to_string(axis) + " is outside a tensor of rank " +
                         std::to_string(rank));
    return static_cast<int>(axis < 0 ? axis + rank : axis);
}

bool per_channel_values(const Constant& constant, int rank, int channels,
                        std::vector<float>& values) {
    if (!constant.is_float())
        return false;
    const std::size_t n = constant.elements();
    if (n == 1) {
        values.assign(static_cast<std::size_t>(channels), constant.floats[0]);
        return true;
    }
    const auto& dims = constant.dims;
    if (static_cast<int>(dims.size()) > rank)
        return false;
    // Align the constant's dims with the map's [1, C, ...] from the right.
    const int offset = rank - static_cast<int>(dims.size());
    for (int j = 0; j < static_cast<int>(dims.size()); ++j) {
        const int axis = j + offset;
        const std::int64_t d = dims[static_cast<std::size_t>(j)];
        if (axis == 1) {
            if (d != channels && d != 1)
                return false;
        } else if (d != 1) {
            return false;
        }
    }
    if (static_cast<int>(n) != channels)
        return false;
    values = constant.floats;
    return true;
}

bool all_inputs_constant(const Node& node) {
    bool any = false;
    for (int k = 0; k < node.input_count(); ++k) {
        if (!node.has_input(k))
            continue;
        if (!node.is_constant(k))
            return false;
        any = true;
    }
    return any;
}

} // namespace convscope::onnx_import
