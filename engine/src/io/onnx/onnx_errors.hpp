#pragma once
// The two ways an ONNX node or file can fail to import, inside the importer. Both carry a
// message without the file name; the import adds it (and the node) when it reports them.

#include <stdexcept>

namespace convscope::onnx_import {

// The model is broken: not ONNX, truncated, a tensor whose data does not match its dims, a
// cycle, a tensor nothing provides, a layer whose weights do not fit its input. Always fatal.
class ModelError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The model is valid ONNX, but this node (an op, an attribute value, a form of input) has no
// ConvScope layer. The import ends before the node, or fails when asked to be strict.
class Unsupported : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

} // namespace convscope::onnx_import
