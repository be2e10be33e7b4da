#pragma once
// NumPy's .npy format (versions 1.0 to 3.0, little-endian, C order): float32 arrays in and out.
//
// Reading treats the file as hostile, as NumPy's own `_read_array_header` does: the header is at
// most kMaxNpyHeaderLength bytes and is read by a small parser (no regular expressions, nothing
// that grows with its length), every dimension is a non-negative integer, and the size the
// header declares must be exactly what the file holds and fit the memory budget before
// anything is allocated.

#include "convscope/tensor.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace convscope {

// NumPy refuses longer headers by default (max_header_size = 10000).
inline constexpr std::size_t kMaxNpyHeaderLength = 10000;

struct NpyHeader {
    std::vector<std::size_t> shape;
    std::size_t item_size = 4; // 4: float32, 8: float64
    std::size_t data_offset = 0;
    std::size_t elements() const; // the product of the shape (the header checks it fits)
};

struct NpyArray {
    std::vector<std::size_t> shape;
    std::vector<float> values; // C order
};

// Throws IoError naming the file on failure.
void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
               const std::vector<float>& values);
// A tensor as a float32 array of shape (C, H, W), written row by row (no dense copy).
void write_npy(const std::string& path, const Tensor& tensor);

// The header of `bytes` (a whole .npy file), checked against the size of `bytes`. Throws IoError
// "<name>: ..." naming what is wrong.
NpyHeader parse_npy_header(std::span<const std::uint8_t> bytes, const std::string& name);
// The array in `bytes` (a whole .npy file): '<f4' or '<f8' (converted to float32). Throws
// IoError naming `name`, or MemoryError when the array does not fit the memory budget.
NpyArray parse_npy(std::span<const std::uint8_t> bytes, const std::string& name);

// The same for a file.
NpyHeader read_npy_header(const std::string& path);
NpyArray read_npy(const std::string& path);

} // namespace convscope
