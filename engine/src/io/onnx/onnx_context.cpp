#include "onnx_context.hpp"
#include "onnx_errors.hpp"
#include "onnx_graph.hpp"

#include <algorithm>

namespace convscope::onnx_import {

namespace {

// A PipelineError's message without its "layer 3 (conv "x"): " prefix: the import names the node.
std::string without_layer_prefix(const std::string& message) {
    if (message.rfind("layer ", 0) == 0) {
        const auto colon = message.find("): ");
        if (colon != std::string::npos)
            return message.substr(colon + 3);
    }
    return message;
}

} // namespace

Context::Context(OnnxImport& result, Shape input_shape, bool sizes_known)
    : result_(result), input_shape_(input_shape), sizes_known_(sizes_known) {}

Shape Context::shape(MapRef map) const {
    return map.layer == kPipelineInput ? input_shape_
                                       : shapes_[static_cast<std::size_t>(map.layer)];
}

void Context::add_initializer(const onnx::TensorProto* tensor) {
    Value v;
    v.proto = tensor;
    values_[tensor->name()] = std::move(v);
}

void Context::set_map(const std::string& name, MapRef map) {
    Value v;
    v.is_map = true;
    v.map = map;
    values_[name] = std::move(v);
    result_.tensor_layers.emplace_back(name, map.layer);
}

void Context::set_constant(const std::string& name, Constant constant) {
    Value v;
    constant.name = name;
    v.constant = std::make_shared<const Constant>(std::move(constant));
    values_[name] = std::move(v);
}

void Context::alias_constant(const std::string& from, const std::string& to) {
    constant(from); // decoded once, shared by both names
    Value v;
    v.constant = values_.at(from).constant;
    values_[to] = std::move(v);
}

bool Context::is_map(const std::string& name) const {
    const auto it = values_.find(name);
    return it != values_.end() && it->second.is_map;
}

bool Context::is_constant(const std::string& name) const {
    const auto it = values_.find(name);
    return it != values_.end() && !it->second.is_map;
}

MapRef Context::map(const std::string& name) const {
    return values_.at(name).map;
}

const Constant& Context::constant(const std::string& name) const {
    const Value& v = values_.at(name);
    if (!v.constant) {
        const std::size_t before = inexact_doubles_;
        v.constant = std::make_shared<const Constant>(
            decode_tensor(*v.proto, "initializer '" + name + "'", inexact_doubles_));
        if (inexact_doubles_ != before)
            inexact_tensors_.push_back(name);
    }
    return *v.constant;
}

int Context::readers(const std::string& tensor) const {
    const auto it = readers_.find(tensor);
    return it == readers_.end() ? 0 : it->second;
}

void Context::count_readers(const onnx::GraphProto& graph, const std::vector<int>& order) {
    readers_.clear();
    for (const int i : order)
        for (const auto& input : graph.node(i).input())
            if (!input.empty())
                ++readers_[input];
    for (const auto& output : graph.output())
        ++readers_[output.name()];
}

int Context::push_layer(const Node& node, std::string name, LayerOp op,
                        const std::vector<MapRef>& inputs, const std::string& tensor) {
    const int index = static_cast<int>(result_.pipeline.layers.size());
    Layer layer;
    layer.name = std::move(name);
    layer.op = std::move(op);
    const bool straight = inputs.size() == 1 && inputs[0].layer == index - 1;
    if (!straight)
        for (const MapRef& in : inputs)
            layer.inputs.push_back(in.layer);
    std::vector<Shape> in_shapes;
    for (const MapRef& in : inputs)
        in_shapes.push_back(shape(in));
    Shape out;
    try {
        out = infer_shape(layer, in_shapes, index);
    } catch (const PipelineError& e) {
        std::string message = without_layer_prefix(e.what());
        if (!sizes_known_)
            message += " (the model leaves its input size open; ConvScope checked it at " +
                       std::to_string(input_shape_.height) + "×" +
                       std::to_string(input_shape_.width) + ")";
        throw ModelError(message);
    }
    result_.pipeline.layers.push_back(std::move(layer));
    shapes_.push_back(out);
    result_.layer_tensors.push_back(tensor);
    result_.layer_nodes.push_back(node.display_name());
    return index;
}

MapRef Context::add_layer(const Node& node, LayerOp op, const std::vector<MapRef>& inputs,
                          int rank) {
    const int index = push_layer(node, node.display_name(), std::move(op), inputs, node.output(0));
    const MapRef map{index, rank};
    set_map(node.output(0), map);
    return map;
}

MapRef Context::add_helper_layer(const Node& node, const std::string& role, LayerOp op,
                                 MapRef input) {
    const int index =
        push_layer(node, node.display_name() + "/" + role, std::move(op), {input}, "");
    return {index, input.rank};
}

void Context::alias(const Node& node, MapRef map, int rank, int k) {
    set_map(node.output(k), {map.layer, rank});
}

void Context::fuse_into_last(const Node& node, LayerOp op, bool rename) {
    const std::size_t last = result_.pipeline.layers.size() - 1;
    Layer& layer = result_.pipeline.layers[last];
    layer.op = std::move(op);
    if (rename) {
        layer.name = node.display_name();
        result_.layer_nodes[last] = node.display_name();
    }
    const int rank = map(result_.layer_tensors[last]).rank;
    result_.layer_tensors[last] = node.output(0);
    const int index = static_cast<int>(last);
    std::vector<Shape> in_shapes;
    for (int k = 0; k < input_count(layer); ++k) {
        const int from = input_index(layer, index, k);
        in_shapes.push_back(from == kPipelineInput ? input_shape_
                                                   : shapes_[static_cast<std::size_t>(from)]);
    }
    try {
        shapes_[last] = infer_shape(layer, in_shapes, index);
    } catch (const PipelineError& e) {
        throw ModelError(without_layer_prefix(e.what()));
    }
    set_map(node.output(0), {index, rank});
}

// ---------------------------------------------------------------------------------------------

Node::Node(Context& context, const onnx::NodeProto& proto, int index)
    : context_(context), proto_(proto), index_(index) {}

std::string Node::label() const {
    return node_label(proto_, index_);
}

std::string Node::display_name() const {
    return node_display_name(proto_, index_);
}

bool Node::has_input(int k) const {
    return k >= 0 && k < proto_.input_size() && !proto_.input(k).empty();
}

bool Node::is_map(int k) const {
    return has_input(k) && context_.is_map(proto_.input(k));
}

bool Node::is_constant(int k) const {
    return has_input(k) && context_.is_constant(proto_.input(k));
}

MapRef Node::map(int k) const {
    if (!has_input(k))
        throw ModelError("input " + std::to_string(k) + " is missing");
    if (!is_map(k))
        throw Unsupported("its input '" + proto_.input(k) +
                          "' is a constant, not a map the layers before compute (ConvScope runs "
                          "layers on the image's maps only)");
    return context_.map(proto_.input(k));
}

const Constant& Node::constant(int k, std::string_view role) const {
    if (!has_input(k))
        throw ModelError("its " + std::string(role) + " (input " + std::to_string(k) +
                         ") is missing");
    if (!is_constant(k))
        throw Unsupported("its " + std::string(role) + " '" + proto_.input(k) +
                          "' is computed from the image; ConvScope needs it to be a constant "
                          "(an initializer or a Constant node)");
    return context_.constant(proto_.input(k));
}

const Constant& Node::floats(int k, std::string_view role) const {
    const Constant& c = constant(k, role);
    if (!c.is_float())
        throw ModelError("its " + std::string(role) + " '" + proto_.input(k) + "' holds " +
                         data_type_name(c.onnx_type) +
                         " values; it needs floats (quantized weights come through "
                         "DequantizeLinear or Cast)");
    return c;
}

const Constant& Node::integers(int k, std::string_view role) const {
    const Constant& c = constant(k, role);
    if (c.is_float())
        throw ModelError("its " + std::string(role) + " '" + proto_.input(k) +
                         "' holds floats; it needs integers");
    return c;
}

void Node::expect_attributes(std::initializer_list<std::string_view> known) const {
    for (const auto& a : proto_.attribute())
        if (std::find(known.begin(), known.end(), a.name()) == known.end())
            throw Unsupported("its attribute '" + a.name() + "' is not one ConvScope maps for " +
                              proto_.op_type());
}

const onnx::AttributeProto* Node::attribute(std::string_view name) const {
    for (const auto& a : proto_.attribute())
        if (a.name() == name)
            return &a;
    return nullptr;
}

std::int64_t Node::int_attribute(std::string_view name, std::int64_t fallback) const {
    const auto* a = attribute(name);
    if (!a)
        return fallback;
    if (a->type() != onnx::AttributeProto::INT && !(a->type() == 0 && a->has_i()))
        throw ModelError("its attribute '" + std::string(name) + "' is not an integer");
    return a->i();
}

float Node::float_attribute(std::string_view name, float fallback) const {
    const auto* a = attribute(name);
    if (!a)
        return fallback;
    if (a->type() == onnx::AttributeProto::INT) // some writers store whole numbers as ints
        return static_cast<float>(a->i());
    if (a->type() != onnx::AttributeProto::FLOAT && !(a->type() == 0 && a->has_f()))
        throw ModelError("its attribute '" + std::string(name) + "' is not a number");
    return a->f();
}

std::string Node::string_attribute(std::string_view name, const std::string& fallback) const {
    const auto* a = attribute(name);
    if (!a)
        return fallback;
    if (a->type() != onnx::AttributeProto::STRING && !(a->type() == 0 && a->has_s()))
        throw ModelError("its attribute '" + std::string(name) + "' is not a string");
    return a->s();
}

std::vector<std::int64_t> Node::ints_attribute(std::string_view name) const {
    const auto* a = attribute(name);
    if (!a)
        return {};
    if (a->type() != onnx::AttributeProto::INTS && a->type() != 0)
        throw ModelError("its attribute '" + std::string(name) + "' is not a list of integers");
    return {a->ints().begin(), a->ints().end()};
}

void Node::expect_only_first_output() const {
    for (int k = 1; k < proto_.output_size(); ++k)
        if (!proto_.output(k).empty() && context_.readers(proto_.output(k)) > 0)
            throw Unsupported("its output " + std::to_string(k) + " ('" + proto_.output(k) +
                              "') is used, and ConvScope computes only the first output of " +
                              proto_.op_type());
}

} // namespace convscope::onnx_import
