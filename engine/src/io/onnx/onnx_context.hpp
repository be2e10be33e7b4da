#pragma once
// What the parse functions of the ONNX ops share: the tensors of the graph so far (maps that
// layers compute, constants) and the pipeline being built, and one node's view of them.

#include "onnx_tensor.hpp"

#include "convscope/onnx_import.hpp"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace convscope::onnx_import {

// A map: the output of a layer (or the pipeline's input). ONNX sees it as [1, C, H, W] (rank 4)
// or, after a flatten, as [1, K] (rank 2), which ConvScope holds as K channels of 1 × 1.
struct MapRef {
    int layer = kPipelineInput;
    int rank = 4;
};

class Node;

class Context {
public:
    Context(OnnxImport& result, Shape input_shape, bool sizes_known);

    OnnxImport& result() { return result_; }
    Pipeline& pipeline() { return result_.pipeline; }
    // The shape of a map (K × 1 × 1 for rank 2). For a model whose input size is left open,
    // shapes are those at kOnnxNominalInputSize and only channels are certain.
    Shape shape(MapRef map) const;
    bool sizes_known() const { return sizes_known_; }

    // The tensors the graph has so far.
    void add_initializer(const onnx::TensorProto* tensor);
    void set_map(const std::string& name, MapRef map);
    void set_constant(const std::string& name, Constant constant);
    // Tensor `to` is constant `from` (an Identity of an initializer: shared weights).
    void alias_constant(const std::string& from, const std::string& to);
    bool is_map(const std::string& name) const;
    bool is_constant(const std::string& name) const;
    MapRef map(const std::string& name) const;               // requires is_map
    const Constant& constant(const std::string& name) const; // requires is_constant; decodes

    // How many node inputs and graph outputs read `tensor` (within the part being imported).
    int readers(const std::string& tensor) const;
    void count_readers(const onnx::GraphProto& graph, const std::vector<int>& order);

    // Appends a layer that reads `inputs` and computes node's output 0 (as a map of `rank`);
    // its shape is inferred (and checked) now. Returns the new map.
    MapRef add_layer(const Node& node, LayerOp op, const std::vector<MapRef>& inputs, int rank);
    // A layer the import adds to express one of node's attributes (padding before a pool or
    // conv): named "<node>/<role>", computing no ONNX tensor.
    MapRef add_helper_layer(const Node& node, const std::string& role, LayerOp op, MapRef input);
    // Node's output `k` is `map` (a pass-through node), seen with rank `rank`.
    void alias(const Node& node, MapRef map, int rank, int k = 0);

    // Replaces the op of the last layer (a fusion: MatMul then Add becomes one linear layer);
    // the layer then computes node's output 0.
    void fuse_into_last(const Node& node, LayerOp op, bool rename);

    void warn(const std::string& message) { result_.warnings.push_back(message); }
    // Float64 values that float32 cannot hold exactly, over every tensor decoded so far.
    std::size_t inexact_doubles() const { return inexact_doubles_; }
    const std::vector<std::string>& inexact_tensors() const { return inexact_tensors_; }

private:
    struct Value {
        bool is_map = false;
        MapRef map;
        const onnx::TensorProto* proto = nullptr; // an initializer not decoded yet
        mutable ConstantPtr constant;
    };

    int push_layer(const Node& node, std::string name, LayerOp op,
                   const std::vector<MapRef>& inputs, const std::string& tensor);

    OnnxImport& result_;
    Shape input_shape_;
    bool sizes_known_;
    std::vector<Shape> shapes_; // per layer
    std::unordered_map<std::string, Value> values_;
    std::unordered_map<std::string, int> readers_;
    mutable std::size_t inexact_doubles_ = 0;
    mutable std::vector<std::string> inexact_tensors_;
};

// One node, as its parse function sees it: attributes, inputs (maps or constants) and outputs.
class Node {
public:
    Node(Context& context, const onnx::NodeProto& proto, int index);

    const onnx::NodeProto& proto() const { return proto_; }
    int index() const { return index_; }
    const std::string& op() const { return proto_.op_type(); }
    std::string label() const;        // as messages name it
    std::string display_name() const; // as the layer is named
    const std::string& output(int k = 0) const { return proto_.output(k); }
    int output_count() const { return proto_.output_size(); }

    // Inputs: `k` may be past the end or the empty name (an optional input left out).
    bool has_input(int k) const;
    const std::string& input_name(int k) const { return proto_.input(k); }
    int input_count() const { return proto_.input_size(); }
    bool is_map(int k) const;
    bool is_constant(int k) const;
    // Input k as a map; Unsupported when it is a constant (or missing).
    MapRef map(int k) const;
    // Input k as a constant; Unsupported when it is a map that layers compute.
    const Constant& constant(int k, std::string_view role) const;
    // Input k as float values (weights); int8 or other integers straight into a float input are
    // an error (ONNX needs DequantizeLinear or Cast first).
    const Constant& floats(int k, std::string_view role) const;
    // Input k as integer values (pads, shapes); Unsupported when it holds floats.
    const Constant& integers(int k, std::string_view role) const;

    // Attributes. A node whose attributes are not all among `known` is Unsupported (an
    // attribute this importer does not map would change what the node computes).
    void expect_attributes(std::initializer_list<std::string_view> known) const;
    const onnx::AttributeProto* attribute(std::string_view name) const;
    std::int64_t int_attribute(std::string_view name, std::int64_t fallback) const;
    float float_attribute(std::string_view name, float fallback) const;
    std::string string_attribute(std::string_view name, const std::string& fallback) const;
    std::vector<std::int64_t> ints_attribute(std::string_view name) const; // empty if absent
    // Only output 0 may be read (MaxPool's Indices, Dropout's mask, BatchNormalization's
    // running statistics have no layer).
    void expect_only_first_output() const;

    Context& context() const { return context_; }

private:
    Context& context_;
    const onnx::NodeProto& proto_;
    int index_;
};

} // namespace convscope::onnx_import
