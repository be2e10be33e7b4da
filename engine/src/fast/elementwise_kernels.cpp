// Row kernels for activations and pooling: element-wise maps and small reductions.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/elementwise_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/epilogue-inl.h"
#include "fast/kernels.hpp"

#include <hwy/highway.h>
#include <hwy/targets.h>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

HWY_INLINE V Combine(V a, V b, bool is_max) {
    return is_max ? hn::Max(a, b) : a + b;
}

void ActivateRow(const float* in, float* out, int n, const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int x = 0; x < n; x += N)
        hn::StoreU(Activate(d, hn::LoadU(d, in + x), epilogue), d, out + x);
}

void ReduceRows(const float* const* rows, int count, int n, bool is_max, float* out) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int x = 0; x < n; x += N) {
        V acc = hn::LoadU(d, rows[0] + x);
        for (int i = 1; i < count; ++i)
            acc = Combine(acc, hn::LoadU(d, rows[i] + x), is_max);
        hn::StoreU(acc, d, out + x);
    }
}

void ReduceWindow(const float* in, int n, int window, bool is_max, float* out) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int x = 0; x < n; x += N) {
        V acc = hn::LoadU(d, in + x);
        for (int k = 1; k < window; ++k)
            acc = Combine(acc, hn::LoadU(d, in + x + k), is_max);
        hn::StoreU(acc, d, out + x);
    }
}

void ReducePairs(const float* in, int n, bool is_max, float* out) {
#if HWY_TARGET == HWY_SCALAR
    for (int x = 0; x < n; ++x)
        out[x] = is_max ? std::max(in[2 * x], in[2 * x + 1]) : in[2 * x] + in[2 * x + 1];
#else
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int x = 0; x < n; x += N) {
        const V lo = hn::LoadU(d, in + 2 * x);
        const V hi = hn::LoadU(d, in + 2 * x + N);
        hn::StoreU(Combine(hn::ConcatEven(d, hi, lo), hn::ConcatOdd(d, hi, lo), is_max), d,
                   out + x);
    }
#endif
}

void ScaleRow(float* row, const float* scale, float factor, int n) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    const V f = hn::Set(d, factor);
    for (int x = 0; x < n; x += N)
        hn::StoreU(hn::LoadU(d, row + x) * hn::LoadU(d, scale + x) * f, d, row + x);
}

void DeinterleavePairs(const float* in, int n, float* even, float* odd) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    int i = 0;
    for (; i + N <= n; i += N) {
        V a, b;
        hn::LoadInterleaved2(d, in + 2 * i, a, b);
        hn::StoreU(a, d, even + i);
        hn::StoreU(b, d, odd + i);
    }
    for (; i < n; ++i) {
        even[i] = in[2 * i];
        odd[i] = in[2 * i + 1];
    }
}

const char* TargetName() {
    return hwy::TargetName(HWY_TARGET);
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(ActivateRow);
HWY_EXPORT(ReduceRows);
HWY_EXPORT(ReduceWindow);
HWY_EXPORT(ReducePairs);
HWY_EXPORT(ScaleRow);
HWY_EXPORT(DeinterleavePairs);
HWY_EXPORT(TargetName);

void activate_row(const float* in, float* out, int n, const Epilogue& epilogue) {
    HWY_DYNAMIC_DISPATCH(ActivateRow)(in, out, n, epilogue);
}
void reduce_rows(const float* const* rows, int count, int n, bool is_max, float* out) {
    HWY_DYNAMIC_DISPATCH(ReduceRows)(rows, count, n, is_max, out);
}
void reduce_window(const float* in, int n, int window, bool is_max, float* out) {
    HWY_DYNAMIC_DISPATCH(ReduceWindow)(in, n, window, is_max, out);
}
void reduce_pairs(const float* in, int n, bool is_max, float* out) {
    HWY_DYNAMIC_DISPATCH(ReducePairs)(in, n, is_max, out);
}
void scale_row(float* row, const float* scale, float factor, int n) {
    HWY_DYNAMIC_DISPATCH(ScaleRow)(row, scale, factor, n);
}
void deinterleave_pairs(const float* in, int n, float* even, float* odd) {
    HWY_DYNAMIC_DISPATCH(DeinterleavePairs)(in, n, even, odd);
}

const char* dispatched_target_name() {
    return HWY_DYNAMIC_DISPATCH(TargetName)();
}

} // namespace convscope::fast
#endif
