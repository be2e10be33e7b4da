// The roofline probe's kernels: the fastest multiply-adds and copies the CPU's best SIMD target
// can do, so the probe measures the machine, not the compiler.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bench/roofline_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "bench/roofline_probe.hpp"

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace convscope::bench::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// Enough independent chains to cover the FMA latency on every pipe (4 cycles × 2 pipes needs 8;
// AVX-512's 32 registers allow more), and few enough to stay in registers.
constexpr int kChains = HWY_MAX_BYTES >= 64 ? 24 : 12;

float FmaProbe(long iterations) {
    const D d;
    V acc[kChains];
    for (int i = 0; i < kChains; ++i)
        acc[i] = hn::Set(d, 0.001f * static_cast<float>(i));
    // Multiplier and addend near 1 and 0 keep the values finite for any number of iterations.
    const V m = hn::Set(d, 0.999999f);
    const V a = hn::Set(d, 1e-7f);
    for (long k = 0; k < iterations; ++k)
        for (int i = 0; i < kChains; ++i)
            acc[i] = hn::MulAdd(acc[i], m, a);
    V sum = acc[0];
    for (int i = 1; i < kChains; ++i)
        sum = sum + acc[i];
    return hn::GetLane(hn::SumOfLanes(d, sum));
}

double FmaProbeFlops(long iterations) {
    const D d;
    return 2.0 * static_cast<double>(hn::Lanes(d)) * kChains * static_cast<double>(iterations);
}

void CopyProbe(const float* src, float* dst, std::size_t count) {
    const D d;
    const std::size_t N = hn::Lanes(d);
    for (std::size_t i = 0; i < count; i += 4 * N) {
        const V v0 = hn::LoadU(d, src + i);
        const V v1 = hn::LoadU(d, src + i + N);
        const V v2 = hn::LoadU(d, src + i + 2 * N);
        const V v3 = hn::LoadU(d, src + i + 3 * N);
        hn::StoreU(v0, d, dst + i);
        hn::StoreU(v1, d, dst + i + N);
        hn::StoreU(v2, d, dst + i + 2 * N);
        hn::StoreU(v3, d, dst + i + 3 * N);
    }
}

} // namespace convscope::bench::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::bench {

HWY_EXPORT(FmaProbe);
HWY_EXPORT(FmaProbeFlops);
HWY_EXPORT(CopyProbe);

float fma_probe(long iterations) {
    return HWY_DYNAMIC_DISPATCH(FmaProbe)(iterations);
}
double fma_probe_flops(long iterations) {
    return HWY_DYNAMIC_DISPATCH(FmaProbeFlops)(iterations);
}
void copy_probe(const float* src, float* dst, std::size_t count) {
    HWY_DYNAMIC_DISPATCH(CopyProbe)(src, dst, count);
}

} // namespace convscope::bench
#endif
