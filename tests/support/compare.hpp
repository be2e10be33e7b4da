#pragma once
// How tests compare numbers: one policy everywhere. A value is close enough to the expected one
// when |got − want| ≤ tolerance · max(1, |want|): relative for large values, absolute near zero
// (where a relative error means nothing). NaN is never close to anything.

#include "convscope/tensor.hpp"

#include <algorithm>
#include <cmath>

namespace convscope::test {

// What float32 arithmetic keeps through a layer computed in a different order (the naive loops
// accumulate in double, the fast kernels in float with FMA). Tests that expect more (exact
// known answers) or allow less (approximate algorithms) say so with their own tolerance.
inline constexpr double kTolerance = 1e-5;

inline bool close_enough(double got, double want, double tolerance = kTolerance) {
    return std::abs(got - want) <= tolerance * std::max(1.0, std::abs(want));
}

// The same for whole tensors: the largest difference over every value, relative to the largest
// |want| (at least 1). Infinite when the shapes differ or a difference is not finite.
double relative_difference(const Tensor& got, const Tensor& want);

inline bool close_enough(const Tensor& got, const Tensor& want, double tolerance = kTolerance) {
    return relative_difference(got, want) <= tolerance;
}

} // namespace convscope::test
