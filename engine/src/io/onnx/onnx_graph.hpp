#pragma once
// The structure of an ONNX graph, checked before any node is mapped: every tensor a node reads
// is provided (by a node, an initializer or a graph input), no tensor is written twice, every
// graph output is computed, and the nodes have an order of computation (no cycle).

#include <onnx/onnx_pb.h>

#include <string>
#include <vector>

namespace convscope::onnx_import {

// "node 'conv1' (Conv)", or "node #3 (Conv, output 'x')" when it has no name: how every message
// names a node.
std::string node_label(const onnx::NodeProto& node, int index);
// The node as a layer name: its name, else its first output's name, else "#index".
std::string node_display_name(const onnx::NodeProto& node, int index);
// "com.example::Swizzle" for an op of another domain, "Conv" for the default one.
std::string op_label(const onnx::NodeProto& node);
bool is_default_domain(const std::string& domain);

// The node indices in an order of computation: the file's order wherever it already is one (as
// ONNX requires), so the layers keep the order people see in Netron. Throws ModelError for a
// dangling input, a tensor written twice, a graph output nothing computes, or a cycle (naming
// the nodes on it).
std::vector<int> checked_node_order(const onnx::GraphProto& graph);

} // namespace convscope::onnx_import
