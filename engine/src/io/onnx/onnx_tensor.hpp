#pragma once
// Constant tensors of an ONNX model (initializers, Constant nodes, and what constant nodes
// compute from them), decoded from TensorProto only after their declared size has been checked
// against the bytes they hold.

#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace convscope::onnx_import {

struct Constant {
    enum class Kind { Float, Integer };

    std::vector<std::int64_t> dims;
    Kind kind = Kind::Float;
    // The element type it had in the file (onnx::TensorProto::DataType), for messages: an
    // int8 tensor decodes to Integer but is not an index list.
    int onnx_type = onnx::TensorProto::FLOAT;
    std::vector<float> floats;      // Kind::Float
    std::vector<std::int64_t> ints; // Kind::Integer
    std::string name;               // the tensor's name, for messages

    std::size_t elements() const;
    bool is_float() const { return kind == Kind::Float; }
    // Its values as numbers (either kind), for small constants such as bounds.
    double value(std::size_t i) const;
};

using ConstantPtr = std::shared_ptr<const Constant>;

// The product of `dims`, refused (ModelError naming `what`) when a dimension is negative or the
// product passes kMaxTensorElements.
inline constexpr std::uint64_t kMaxTensorElements = std::uint64_t{1} << 32;
std::uint64_t checked_elements(const google::protobuf::RepeatedField<std::int64_t>& dims,
                               const std::string& what);

// "FLOAT16", "INT8", ...
std::string data_type_name(int onnx_type);
// Bytes per element of a fixed-size type, 0 for STRING and UNDEFINED.
std::size_t data_type_size(int onnx_type);

// Throws ModelError (naming `what`, e.g. "initializer 'w'") unless `tensor` holds exactly the
// data its dims and type declare. Allocates nothing.
void check_tensor_data(const onnx::TensorProto& tensor, const std::string& what);

// Decodes a checked tensor. FLOAT, FLOAT16 and BFLOAT16 become floats exactly; DOUBLE is
// rounded to float32 and `inexact` counts the values that changed; integer types (and BOOL)
// become Integer. Throws ModelError for data kept in an external file and Unsupported for
// STRING and complex types.
Constant decode_tensor(const onnx::TensorProto& tensor, const std::string& what,
                       std::size_t& inexact);

// IEEE half and bfloat16 to float32 (both exact).
float half_to_float(std::uint16_t bits);
float bfloat16_to_float(std::uint16_t bits);

// "[4, 3, 3, 3]"
std::string dims_text(const std::vector<std::int64_t>& dims);

} // namespace convscope::onnx_import
