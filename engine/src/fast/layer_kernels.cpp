// Row kernels for batch norm, sums, activations, global pooling, linear layers and softmax
// (layer_kernels.hpp), compiled once per Highway target and dispatched at run time.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/layer_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/layer_kernels.hpp"

#include <hwy/contrib/math/math-inl.h>
#include <hwy/highway.h>

#include <algorithm>
#include <cmath>
#include <limits>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

template <class Op> HWY_INLINE void map_row(const float* in, float* out, int n, const Op& op) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int x = 0; x < n; x += N)
        hn::StoreU(op(hn::LoadU(d, in + x)), d, out + x);
}

void PointwiseRow(const float* in, float* out, int n, const PointwiseOp& op) {
    const D d;
    const V a = hn::Set(d, op.a);
    const V b = hn::Set(d, op.b);
    const V zero = hn::Zero(d);
    switch (op.kind) {
    case PointwiseOp::Kind::PReLU:
        map_row(in, out, n, [&](V v) { return hn::IfThenElse(hn::Lt(v, zero), hn::Mul(v, a), v); });
        return;
    case PointwiseOp::Kind::ELU: {
        // Below −88, expm1 is −1 in float; the clamp keeps the polynomial in range.
        const V low = hn::Set(d, -88.0f);
        map_row(in, out, n, [&](V v) {
            const V negative = hn::Mul(a, hn::Expm1(d, hn::Max(v, low)));
            return hn::IfThenElse(hn::Gt(v, zero), v, negative);
        });
        return;
    }
    case PointwiseOp::Kind::HardSigmoid: {
        const V one = hn::Set(d, 1.0f);
        map_row(in, out, n, [&](V v) { return hn::Min(hn::Max(hn::MulAdd(a, v, b), zero), one); });
        return;
    }
    case PointwiseOp::Kind::HardSwish: {
        const V three = hn::Set(d, 3.0f);
        const V six = hn::Set(d, 6.0f);
        map_row(in, out, n, [&](V v) {
            const V gate = hn::Min(hn::Max(hn::Add(v, three), zero), six);
            return hn::Div(hn::Mul(v, gate), six);
        });
        return;
    }
    case PointwiseOp::Kind::Clip:
        map_row(in, out, n, [&](V v) { return hn::Min(hn::Max(v, a), b); });
        return;
    }
}

void NormalizeRow(const float* in, float* out, int n, float mean, float scale, float shift) {
    const D d;
    const V m = hn::Set(d, mean);
    const V s = hn::Set(d, scale);
    const V t = hn::Set(d, shift);
    // The difference first: exact when x is near the mean, where a folded x·scale + (shift −
    // mean·scale) would cancel.
    map_row(in, out, n, [&](V v) { return hn::MulAdd(hn::Sub(v, m), s, t); });
}

void SumRows(const float* const* rows, int count, int n, float constant, float* out) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    const V c = hn::Set(d, constant);
    for (int x = 0; x < n; x += N) {
        V acc = hn::LoadU(d, rows[0] + x);
        for (int k = 1; k < count; ++k)
            acc = hn::Add(acc, hn::LoadU(d, rows[k] + x));
        hn::StoreU(hn::Add(acc, c), d, out + x);
    }
}

double RowSum(const float* in, int n) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    V acc0 = hn::Zero(d), acc1 = hn::Zero(d);
    int x = 0;
    for (; x + 2 * N <= n; x += 2 * N) {
        acc0 = hn::Add(acc0, hn::LoadU(d, in + x));
        acc1 = hn::Add(acc1, hn::LoadU(d, in + x + N));
    }
    double sum = hn::GetLane(hn::SumOfLanes(d, hn::Add(acc0, acc1)));
    for (; x < n; ++x)
        sum += in[x];
    return sum;
}

float RowMax(const float* in, int n) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    V best = hn::Set(d, -std::numeric_limits<float>::infinity());
    auto nan = hn::FirstN(d, 0);
    int x = 0;
    for (; x + N <= n; x += N) {
        const V v = hn::LoadU(d, in + x);
        nan = hn::Or(nan, hn::IsNaN(v));
        best = hn::Max(best, v);
    }
    if (!hn::AllFalse(d, nan))
        return std::numeric_limits<float>::quiet_NaN();
    float result = hn::GetLane(hn::MaxOfLanes(d, best));
    for (; x < n; ++x) {
        if (std::isnan(in[x]))
            return in[x];
        result = std::max(result, in[x]);
    }
    return result;
}

double Dot(const float* a, const float* b, int n) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    constexpr int kBlock = 512; // float accumulation within a block, double across blocks
    double total = 0;
    int x = 0;
    while (x + 4 * N <= n) {
        V acc0 = hn::Zero(d), acc1 = hn::Zero(d), acc2 = hn::Zero(d), acc3 = hn::Zero(d);
        const int end = std::min(n, x + kBlock);
        for (; x + 4 * N <= end; x += 4 * N) {
            acc0 = hn::MulAdd(hn::LoadU(d, a + x), hn::LoadU(d, b + x), acc0);
            acc1 = hn::MulAdd(hn::LoadU(d, a + x + N), hn::LoadU(d, b + x + N), acc1);
            acc2 = hn::MulAdd(hn::LoadU(d, a + x + 2 * N), hn::LoadU(d, b + x + 2 * N), acc2);
            acc3 = hn::MulAdd(hn::LoadU(d, a + x + 3 * N), hn::LoadU(d, b + x + 3 * N), acc3);
        }
        total += hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(acc0, acc1), hn::Add(acc2, acc3))));
    }
    for (; x < n; ++x)
        total += static_cast<double>(a[x]) * b[x];
    return total;
}

void SoftmaxColumns(const float* in, float* out, std::size_t stride, int channels, int n) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    const auto row = [stride](auto* base, int c) {
        return base + static_cast<std::size_t>(c) * stride;
    };
    for (int x = 0; x < n; x += N) {
        V largest = hn::LoadU(d, in + x);
        for (int c = 1; c < channels; ++c)
            largest = hn::Max(largest, hn::LoadU(d, row(in, c) + x));
        V sum = hn::Zero(d);
        for (int c = 0; c < channels; ++c) {
            const V e = hn::Exp(d, hn::Sub(hn::LoadU(d, row(in, c) + x), largest));
            hn::StoreU(e, d, row(out, c) + x);
            sum = hn::Add(sum, e);
        }
        for (int c = 0; c < channels; ++c)
            hn::StoreU(hn::Div(hn::LoadU(d, row(out, c) + x), sum), d, row(out, c) + x);
    }
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(PointwiseRow);
HWY_EXPORT(NormalizeRow);
HWY_EXPORT(SumRows);
HWY_EXPORT(RowSum);
HWY_EXPORT(RowMax);
HWY_EXPORT(Dot);
HWY_EXPORT(SoftmaxColumns);

void pointwise_row(const float* in, float* out, int n, const PointwiseOp& op) {
    HWY_DYNAMIC_DISPATCH(PointwiseRow)(in, out, n, op);
}
void normalize_row(const float* in, float* out, int n, float mean, float scale, float shift) {
    HWY_DYNAMIC_DISPATCH(NormalizeRow)(in, out, n, mean, scale, shift);
}
void sum_rows(const float* const* rows, int count, int n, float constant, float* out) {
    HWY_DYNAMIC_DISPATCH(SumRows)(rows, count, n, constant, out);
}
double row_sum(const float* in, int n) {
    return HWY_DYNAMIC_DISPATCH(RowSum)(in, n);
}
float row_max(const float* in, int n) {
    return HWY_DYNAMIC_DISPATCH(RowMax)(in, n);
}
double dot(const float* a, const float* b, int n) {
    return HWY_DYNAMIC_DISPATCH(Dot)(a, b, n);
}
void softmax_columns(const float* in, float* out, std::size_t channel_stride, int channels, int n) {
    HWY_DYNAMIC_DISPATCH(SoftmaxColumns)(in, out, channel_stride, channels, n);
}

} // namespace convscope::fast
#endif
