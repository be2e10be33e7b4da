#pragma once
// NumPy's .npy format (version 1.0, little-endian, C order): float32 arrays in and out.

#include "convscope/tensor.hpp"

#include <cstddef>
#include <string>
#include <vector>

namespace convscope {

struct NpyArray {
    std::vector<std::size_t> shape;
    std::vector<float> values; // C order
};

// Throws IoError naming the file on failure.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
               const std::vector<float>& values);
// A tensor as a float32 array of shape (C, H, W).
void write_npy(const std::string& path, const Tensor& tensor);
// Reads '<f4' or '<f8' arrays (converted to float32); throws IoError naming the file.
NpyArray read_npy(const std::string& path);

} // namespace convscope
