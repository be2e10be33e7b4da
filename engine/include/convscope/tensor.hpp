#pragma once
// Tensor: a C×H×W stack of float32 feature maps.
//
// Every row starts on a 64-byte boundary (one AVX-512 vector) and is padded to a whole number of
// vectors, so SIMD kernels can load full vectors at the start of any row without peeling.

#include "convscope/aligned_allocator.hpp"
#include "convscope/shape.hpp"

#include <cstdint>
#include <span>
#include <vector>

namespace convscope {

class Tensor {
public:
    static constexpr std::size_t kRowAlignmentFloats = 16; // 64 bytes

    Tensor() = default;
    explicit Tensor(Shape shape); // zero-filled
    Tensor(int channels, int height, int width) : Tensor(Shape{channels, height, width}) {}

    // The memory a tensor of this shape takes (rows padded as the tensor pads them), in 64 bits
    // so that an absurd shape gives an absurd figure rather than a wrapped one.
    static std::uint64_t bytes_for(Shape shape);

    // From a dense C×H×W array (NumPy's C order).
    static Tensor from_dense(Shape shape, std::span<const float> values);

    const Shape& shape() const { return shape_; }
    int channels() const { return shape_.channels; }
    int height() const { return shape_.height; }
    int width() const { return shape_.width; }
    bool empty() const { return shape_.empty(); }

    // Floats between the starts of two consecutive rows (≥ width, a multiple of 16).
    std::size_t row_stride() const { return row_stride_; }

    float* row(int channel, int y) { return data_.data() + offset(channel, y); }
    const float* row(int channel, int y) const { return data_.data() + offset(channel, y); }
    float* channel_data(int channel) { return row(channel, 0); }
    const float* channel_data(int channel) const { return row(channel, 0); }

    // Bounds-checked element access; throws std::out_of_range naming the index and the shape.
    float& at(int channel, int y, int x);
    float at(int channel, int y, int x) const;

    void fill(float value);
    // Reshapes, reusing the storage when it is large enough (no allocation in steady state).
    // Values are unspecified afterwards (call fill() if they matter).
    void resize(Shape shape);

    // A dense C×H×W copy without row padding (for NPY files and tests).
    std::vector<float> to_dense() const;

private:
    std::size_t offset(int channel, int y) const {
        return (static_cast<std::size_t>(channel) * static_cast<std::size_t>(shape_.height) +
                static_cast<std::size_t>(y)) *
               row_stride_;
    }
    void check_index(int channel, int y, int x) const;

    Shape shape_;
    std::size_t row_stride_ = 0;
    std::vector<float, AlignedAllocator<float, 64>> data_;
};

} // namespace convscope
