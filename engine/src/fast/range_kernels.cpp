// Min and max over the finite values of a plane: one pass at memory speed. Four independent
// accumulators per bound hide the latency of min/max; non-finite lanes are replaced by the
// neutral value of each bound (so NaN and infinities never win), and remembered.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/range_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/range_kernels.hpp"

#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

FiniteRange FiniteRangeOf(const float* base, std::size_t stride, int rows, int width) {
    const hn::ScalableTag<float> d;
    using V = hn::Vec<decltype(d)>;
    using M = hn::Mask<decltype(d)>;
    const int N = static_cast<int>(hn::Lanes(d));
    constexpr float kInf = std::numeric_limits<float>::infinity();
    const V up = hn::Set(d, kInf);
    const V down = hn::Set(d, -kInf);
    V lo0 = up, lo1 = up, lo2 = up, lo3 = up;
    V hi0 = down, hi1 = down, hi2 = down, hi3 = down;
    V bad = hn::Zero(d); // all bits set in a lane that saw a non-finite value
    float lo = kInf, hi = -kInf;
    bool scalar_bad = false;

    auto take = [&](V v, V& l, V& h) {
        const M finite = hn::IsFinite(v);
        l = hn::Min(l, hn::IfThenElse(finite, v, up));
        h = hn::Max(h, hn::IfThenElse(finite, v, down));
        bad = hn::Or(bad, hn::VecFromMask(d, hn::Not(finite)));
    };
    for (int r = 0; r < rows; ++r) {
        const float* row = base + static_cast<std::ptrdiff_t>(r) * stride;
        int x = 0;
        for (; x + 4 * N <= width; x += 4 * N) {
            take(hn::LoadU(d, row + x), lo0, hi0);
            take(hn::LoadU(d, row + x + N), lo1, hi1);
            take(hn::LoadU(d, row + x + 2 * N), lo2, hi2);
            take(hn::LoadU(d, row + x + 3 * N), lo3, hi3);
        }
        for (; x + N <= width; x += N)
            take(hn::LoadU(d, row + x), lo0, hi0);
        for (; x < width; ++x) {
            const float v = row[x];
            if (std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            } else {
                scalar_bad = true;
            }
        }
    }
    const V l = hn::Min(hn::Min(lo0, lo1), hn::Min(lo2, lo3));
    const V h = hn::Max(hn::Max(hi0, hi1), hn::Max(hi2, hi3));
    lo = std::min(lo, hn::GetLane(hn::MinOfLanes(d, l)));
    hi = std::max(hi, hn::GetLane(hn::MaxOfLanes(d, h)));

    FiniteRange range;
    range.all_finite = !scalar_bad && hn::AllFalse(d, hn::MaskFromVec(bad));
    range.any_finite = lo <= hi;
    range.min = range.any_finite ? lo : 0.0f;
    range.max = range.any_finite ? hi : 0.0f;
    return range;
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(FiniteRangeOf);

FiniteRange finite_range(const float* base, std::size_t stride, int rows, int width) {
    if (rows <= 0 || width <= 0)
        return {};
    return HWY_DYNAMIC_DISPATCH(FiniteRangeOf)(base, stride, rows, width);
}

} // namespace convscope::fast
#endif
