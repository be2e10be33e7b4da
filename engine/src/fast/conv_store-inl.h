// The store step of a conv's output row, with the layers fused after it (ChannelStores): bias,
// folded batch norm, residual add and activation, each stage written to its own map while the
// values are in registers. Per-target include guard (Highway's idiom).

#if defined(CONVSCOPE_FAST_CONV_STORE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef CONVSCOPE_FAST_CONV_STORE_INL_H_
#undef CONVSCOPE_FAST_CONV_STORE_INL_H_
#else
#define CONVSCOPE_FAST_CONV_STORE_INL_H_
#endif

#include "fast/epilogue-inl.h"
#include "fast/kernels.hpp"

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// Stores one vector of conv sums (without bias) at offset `at` of every map in `s`.
template <class D>
HWY_INLINE void StoreChain(D d, hn::Vec<D> v, std::size_t at, const ChannelStores& s) {
    v = v + hn::Set(d, s.bias);
    if (s.conv) // null: the conv map is the source (applying fused layers afterwards)
        hn::StoreU(v, d, s.conv + at);
    if (s.normalized) {
        v = hn::MulAdd(v, hn::Set(d, s.scale), hn::Set(d, s.shift));
        hn::StoreU(v, d, s.normalized + at);
    }
    if (s.sum) {
        v = v + hn::LoadU(d, s.residual + at);
        hn::StoreU(v, d, s.sum + at);
    }
    if (s.activated)
        hn::StoreU(Activate(d, v, s.activation), d, s.activated + at);
}

// The scalar twin, for the last columns of a row where a whole vector would leave the row.
inline void StoreChainScalar(float v, std::size_t at, const ChannelStores& s) {
    const hn::CappedTag<float, 1> d1;
    StoreChain(d1, hn::Set(d1, v), at, s);
}

// Columns [x0, x0 + n) of row y from values[0, n). Only a segment that ends the row writes a
// whole last vector (into the row's padding); others end with single values, so segments
// stored by different tasks never overlap.
HWY_INLINE void StoreRow(const float* values, int x0, int n, int y, const ChannelStores& s) {
    const hn::ScalableTag<float> d;
    const int N = static_cast<int>(hn::Lanes(d));
    const std::size_t row = static_cast<std::size_t>(y) * s.stride;
    int x = 0;
    for (; x + N <= n; x += N)
        StoreChain(d, hn::LoadU(d, values + x), row + x0 + x, s);
    if (x < n && x0 + n >= s.width && static_cast<std::size_t>(x0 + x + N) <= s.stride) {
        StoreChain(d, hn::LoadU(d, values + x), row + x0 + x, s);
        return;
    }
    for (; x < n; ++x)
        StoreChainScalar(values[x], row + x0 + x, s);
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // per-target include guard
