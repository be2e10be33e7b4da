#pragma once
// The ONNX ops ConvScope maps, one small parse function each (OpenCV's dnn importer is the
// model: dispatch["Conv"] = &parse_conv). Each sees one node at opset kOnnxTargetOpset (the
// version converter has brought the model there), reads its attributes and inputs through Node,
// and adds layers, pass-through maps or constants to the Context; it throws Unsupported for a
// form it cannot map and ModelError for a broken one.

#include "onnx_context.hpp"

#include <string>
#include <string_view>
#include <unordered_map>

namespace convscope::onnx_import {

using ParseFunction = void (*)(Context&, const Node&);
using OpTable = std::unordered_map<std::string, ParseFunction>;

// Every op of the default domain the importer maps.
const OpTable& op_table();
// Why an op ConvScope does not map has no layer, for the ops people ask about (empty: no
// particular reason beyond "no layer").
std::string unsupported_op_reason(std::string_view op);

// The parts of the table, by family (one file each).
void add_spatial_ops(OpTable& table);   // Conv, pools, Pad, BatchNormalization, global reductions
void add_pointwise_ops(OpTable& table); // activations, Softmax, Add/Sub/Mul/Sum, Concat, Identity
void add_head_ops(OpTable& table);      // Flatten, Gemm, MatMul, Reshape, Squeeze, Unsqueeze
void add_constant_ops(OpTable& table);  // Constant and the ops of constant subgraphs

// Shared by the families.

// An int64 attribute or input value as an int, refused (ModelError naming `what`) outside
// [lowest, highest].
int to_int(std::int64_t value, const std::string& what, int lowest, int highest);
// A list of exactly two positive ints (strides, dilations, kernel_shape) or {1, 1} when absent.
Pair pair_attribute(const Node& node, std::string_view name, Pair fallback);
// `axis` of a tensor of rank `rank`, negative counting from the end; ModelError if outside.
int normalized_axis(std::int64_t axis, int rank, const std::string& what);
// The constant as one value per channel of a map of `channels` channels seen with rank `rank`
// (it broadcasts along every other axis: shape [C, 1, 1], [1, C, 1, 1], [C] on a flat vector,
// or a single value); false when it varies along another axis.
bool per_channel_values(const Constant& constant, int rank, int channels,
                        std::vector<float>& values);
// Constant folding: true when every input the node has is a constant (then the op computes a
// constant, not a layer).
bool all_inputs_constant(const Node& node);

} // namespace convscope::onnx_import
