#pragma once
// ONNX import: the convolutional part of a trained network becomes an ordinary pipeline, one
// layer per ONNX node that computes a map, named as the node is (so a user finds it in Netron),
// with its weights, ready to run, edit and save.
//
// The file is read with the ONNX project's own protobuf classes (libonnx) under limits: its size,
// protobuf's total-bytes and nesting limits, and every tensor's declared size checked against
// the bytes it holds before anything is allocated. The graph is checked (a cycle, a tensor that
// nothing provides, a graph output nothing computes), then brought to one opset
// (kOnnxTargetOpset) by libonnx's version converter, so each op is mapped once, for one opset.
//
// Where a node cannot be mapped (an op or an attribute ConvScope has no layer for), the import
// ends before it: the result holds the runnable part before that node and a warning that names
// the node, its op and why (or, with `strict`, the import fails). A model that is broken — not
// ONNX, truncated, weights of the wrong size, a cycle — is an OnnxError naming the file and what
// is wrong.

#include "convscope/pipeline.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace convscope {

// The opsets ConvScope reads: every model is converted to kOnnxTargetOpset first (libonnx's
// version converter adapts upwards from any opset of this range).
inline constexpr int kOnnxMinOpset = 6;
inline constexpr int kOnnxTargetOpset = 17;
// The largest model file read (its weights included); external data files add to it.
inline constexpr std::uint64_t kMaxOnnxModelBytes = std::uint64_t{1} << 30;
// The size the import assumes for an input whose height and width the model leaves open
// (symbolic dimensions), to check the layers' shapes.
inline constexpr int kOnnxNominalInputSize = 224;

// A model that cannot be read or imported; the message names the file and, where one is at
// fault, the node (its name, or its index and outputs when it has none), its op and why.
class OnnxError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct OnnxImportOptions {
    // Stop after this node (its name, or the name of one of its outputs): the pipeline ends with
    // the layer that computes it. Empty: import as far as the graph can be mapped.
    std::string until;
    // true: a node that cannot be mapped is an error (OnnxError) instead of the end of the import.
    bool strict = false;
};

// What the model file says about itself, kept for people (and for labels of class scores).
struct OnnxModelInfo {
    long long ir_version = 0;
    int opset = 0; // the model's own default-domain opset, before conversion
    std::string producer_name;
    std::string producer_version;
    std::string domain;
    long long model_version = 0;
    std::string doc_string;
    std::string graph_name;
    std::string graph_doc_string;
    // metadata_props, in file order (e.g. class labels a converter stored).
    std::vector<std::pair<std::string, std::string>> properties;
    // The image input: its name and declared shape [N, C, H, W] (-1 where a dimension is
    // symbolic or unset).
    std::string input_name;
    std::vector<long long> input_dims;
    std::vector<std::string> output_names; // the graph's outputs, in order
    // SHA-256 of the model's bytes as read (lowercase hex; external data files not included).
    std::string sha256;

    // The value of metadata property `key`, or nullptr.
    const std::string* property(std::string_view key) const;
    // Height and width the model declares (both > 0), else false.
    bool declares_input_size() const;
};

// A layer index (or kPipelineInput) for an ONNX tensor no layer computes.
inline constexpr int kNoLayer = -2;

struct OnnxImport {
    Pipeline pipeline;
    std::vector<std::string> warnings; // one line each; empty for a clean import
    OnnxModelInfo model;
    // Per layer of `pipeline`: the ONNX tensor it computes, and the node it comes from (its
    // name, or "#<index> (<output>)" when unnamed). A layer the import adds to express an
    // ONNX attribute (the explicit padding before a conv with asymmetric pads) has an empty
    // tensor and the node it serves.
    std::vector<std::string> layer_tensors;
    std::vector<std::string> layer_nodes;
    // Every ONNX tensor that is a map, and the layer that holds it (kPipelineInput for the graph
    // input). Pass-through nodes (Identity, Dropout, Squeeze of 1 × 1 maps ...) add their
    // outputs here without a layer.
    std::vector<std::pair<std::string, int>> tensor_layers;
    // Where the import ended early: the first node left out (empty when the whole graph became
    // layers, or when `until` ended it) and why it cannot be mapped.
    std::string stopped_at;
    std::string stop_reason;

    // The layer that holds ONNX tensor `tensor`: a layer index, kPipelineInput, or kNoLayer.
    int layer_of(std::string_view tensor) const;
    bool complete() const { return stopped_at.empty(); }
};

// Imports the model in file `path` (external data files are read from its folder). Throws
// OnnxError naming the file.
OnnxImport import_onnx(const std::string& path, const OnnxImportOptions& options = {});
// The same from a model's bytes in memory; `name` names it in messages. External data is read
// from `external_data_dir`, and refused when it is empty.
OnnxImport import_onnx_bytes(std::span<const std::uint8_t> bytes, const std::string& name,
                             const OnnxImportOptions& options = {},
                             const std::string& external_data_dir = {});

// True for a file name that ends in ".onnx" (any case).
bool is_onnx_model_name(std::string_view path);

} // namespace convscope
