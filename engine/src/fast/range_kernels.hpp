#pragma once
// The range of a feature map: min and max over its finite values, as a SIMD kernel with runtime
// dispatch (range_kernels.cpp). Private to the engine; map_range() in colormap.hpp is its face.

#include <cstddef>

namespace convscope::fast {

struct FiniteRange {
    float min = 0;
    float max = 0;
    bool any_finite = false; // at least one finite value (else min and max mean nothing)
    bool all_finite = true;  // no NaN or infinity
};

// `rows` rows of `width` floats, row r at base + r * stride.
FiniteRange finite_range(const float* base, std::size_t stride, int rows, int width);

} // namespace convscope::fast
