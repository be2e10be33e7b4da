#pragma once
// Reading an ONNX file under limits: its size, protobuf's total-bytes and nesting limits, and the
// external data files it names (only inside the model's folder, only what they declare).

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace convscope::onnx_import {

// The whole file, refused (ModelError) when it is missing, empty or larger than
// kMaxOnnxModelBytes.
std::vector<std::uint8_t> read_model_file(const std::string& path);

// Parses a ModelProto from `bytes`; ModelError when the bytes are not a whole protobuf message
// or hold no graph. protobuf's own log lines are kept out of stderr.
onnx::ModelProto parse_model(std::span<const std::uint8_t> bytes);

// Reads the data of every initializer stored in an external file into its raw_data. The
// location must be a relative path inside `dir` (no "..", no absolute path), the file must hold
// the bytes the tensor declares at its offset, and all external data together must stay within
// kMaxOnnxModelBytes. An empty `dir` refuses external data. Throws ModelError naming the file.
void load_external_data(onnx::ModelProto& model, const std::string& dir);

} // namespace convscope::onnx_import
