#pragma once
// Computing constants from constants: the small subgraphs exporters write for pads, shapes and
// bounds (PyTorch's pads at opset 11 and later come through ConstantOfShape, Concat, Reshape,
// Slice, Transpose and Cast), folded at import so the layers see plain values.

#include "onnx_context.hpp"
#include "onnx_tensor.hpp"

#include <cstdint>
#include <vector>

namespace convscope::onnx_import {

// The most elements a folded constant may have (ConstantOfShape and broadcasting could
// otherwise be asked for any size).
inline constexpr std::uint64_t kMaxFoldedElements = std::uint64_t{1} << 26;
// The most a fold may create beyond the data it reads (ConstantOfShape, broadcasting).
inline constexpr std::uint64_t kMaxGeneratedElements = std::uint64_t{1} << 20;

// Node's inputs 0 and 1 combined element-wise ('+', '-', '*', '/') with NumPy broadcasting.
Constant fold_elementwise(const Node& node, char op);
// Node's inputs concatenated along its attribute 'axis'.
Constant fold_concat(const Node& node);
// `data` with new dims of the same element count.
Constant reshaped(const Constant& data, std::vector<std::int64_t> dims);
// Reshape's target: 0 copies a dimension (unless allowzero), -1 takes what is left.
std::vector<std::int64_t> reshape_target(const std::vector<std::int64_t>& from,
                                         const std::vector<std::int64_t>& shape, bool allowzero);
// Unsqueeze's output dims: `axes` (of the output) inserted as 1s.
std::vector<std::int64_t> unsqueezed_dims(const std::vector<std::int64_t>& dims,
                                          const std::vector<std::int64_t>& axes);
// Squeeze's output dims (`axes` empty: every dimension of 1 goes).
std::vector<std::int64_t> squeezed_dims(const std::vector<std::int64_t>& dims,
                                        const std::vector<std::int64_t>& axes);

} // namespace convscope::onnx_import
