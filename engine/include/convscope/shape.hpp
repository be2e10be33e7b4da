#pragma once
// The shape of a feature-map stack: channels × height × width.

#include <cstddef>
#include <string>

namespace convscope {

struct Shape {
    int channels = 0;
    int height = 0;
    int width = 0;

    std::size_t elements() const {
        return static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) *
               static_cast<std::size_t>(width);
    }
    bool empty() const { return channels <= 0 || height <= 0 || width <= 0; }
    // "[C, H, W]", the way NumPy and PyTorch print a shape.
    std::string str() const;

    friend bool operator==(const Shape&, const Shape&) = default;
};

// A parameter that PyTorch accepts as an int or an (h, w) pair.
struct Pair {
    int h = 0;
    int w = 0;

    static constexpr Pair square(int v) { return {v, v}; }
    friend bool operator==(const Pair&, const Pair&) = default;
};

} // namespace convscope
