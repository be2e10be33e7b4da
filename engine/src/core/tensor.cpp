#include "convscope/tensor.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace convscope {

namespace {

std::size_t padded_row_stride(int width) {
    const std::size_t w = width > 0 ? static_cast<std::size_t>(width) : 0;
    const std::size_t a = Tensor::kRowAlignmentFloats;
    return (w + a - 1) / a * a;
}

} // namespace

std::uint64_t Tensor::bytes_for(Shape shape) {
    if (shape.channels <= 0 || shape.height <= 0 || shape.width <= 0)
        return 0;
    const std::uint64_t a = kRowAlignmentFloats;
    const std::uint64_t stride = (static_cast<std::uint64_t>(shape.width) + a - 1) / a * a;
    return static_cast<std::uint64_t>(shape.channels) * static_cast<std::uint64_t>(shape.height) *
           stride * sizeof(float);
}

// A new vector value-initialises its elements: the tensor starts zero-filled.
Tensor::Tensor(Shape shape) {
    resize(shape);
}

void Tensor::resize(Shape shape) {
    if (shape.channels < 0 || shape.height < 0 || shape.width < 0)
        throw std::invalid_argument("tensor shape " + shape.str() + " has a negative size");
    shape_ = shape;
    row_stride_ = padded_row_stride(shape.width);
    const std::size_t n = static_cast<std::size_t>(shape.channels) *
                          static_cast<std::size_t>(shape.height) * row_stride_;
    // resize() keeps the capacity and the values: a tensor resized to a shape it has held before
    // neither allocates nor touches its memory (backends overwrite every value).
    data_.resize(n);
}

Tensor Tensor::from_dense(Shape shape, std::span<const float> values) {
    if (values.size() != shape.elements())
        throw std::invalid_argument("dense data of " + std::to_string(values.size()) +
                                    " values does not fill shape " + shape.str());
    Tensor t(shape);
    const float* src = values.data();
    for (int c = 0; c < shape.channels; ++c)
        for (int y = 0; y < shape.height; ++y, src += shape.width)
            std::copy(src, src + shape.width, t.row(c, y));
    return t;
}

std::vector<float> Tensor::to_dense() const {
    std::vector<float> dense;
    dense.reserve(shape_.elements());
    for (int c = 0; c < shape_.channels; ++c)
        for (int y = 0; y < shape_.height; ++y)
            dense.insert(dense.end(), row(c, y), row(c, y) + shape_.width);
    return dense;
}

void Tensor::check_index(int channel, int y, int x) const {
    if (channel < 0 || channel >= shape_.channels || y < 0 || y >= shape_.height || x < 0 ||
        x >= shape_.width)
        throw std::out_of_range("index (" + std::to_string(channel) + ", " + std::to_string(y) +
                                ", " + std::to_string(x) + ") is outside tensor of shape " +
                                shape_.str());
}

float& Tensor::at(int channel, int y, int x) {
    check_index(channel, y, x);
    return row(channel, y)[x];
}

float Tensor::at(int channel, int y, int x) const {
    check_index(channel, y, x);
    return row(channel, y)[x];
}

void Tensor::fill(float value) {
    for (int c = 0; c < shape_.channels; ++c)
        for (int y = 0; y < shape_.height; ++y)
            std::fill(row(c, y), row(c, y) + shape_.width, value);
}

} // namespace convscope
