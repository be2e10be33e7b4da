// SIMD pieces of the FFT convolution: radix-2 butterflies applied to whole rows at once (one
// transform per column, all columns in the vector lanes), a blocked transpose, and the spectral
// product.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/fft_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/kernels.hpp"

#include <hwy/highway.h>

#include <utility>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

void FftColumns(float* re, float* im, int n, const float* cos_table, const float* sin_table,
                const int* bit_reverse, bool inverse) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    // Decimation in time: rows in bit-reversed order first.
    for (int i = 0; i < n; ++i) {
        const int j = bit_reverse[i];
        if (j > i)
            for (int x = 0; x < n; x += N) {
                const V a = hn::Load(d, re + i * n + x), b = hn::Load(d, re + j * n + x);
                hn::Store(b, d, re + i * n + x);
                hn::Store(a, d, re + j * n + x);
                const V c = hn::Load(d, im + i * n + x), e = hn::Load(d, im + j * n + x);
                hn::Store(e, d, im + i * n + x);
                hn::Store(c, d, im + j * n + x);
            }
    }
    const float sign = inverse ? 1.0f : -1.0f;
    for (int len = 2; len <= n; len *= 2) {
        const int half = len / 2;
        const int step = n / len; // twiddle k·step of exp(∓2πi k/n)
        for (int start = 0; start < n; start += len)
            for (int k = 0; k < half; ++k) {
                const V wr = hn::Set(d, cos_table[k * step]);
                const V wi = hn::Set(d, sign * sin_table[k * step]);
                float* pr = re + (start + k) * n;
                float* pi = im + (start + k) * n;
                float* qr = re + (start + k + half) * n;
                float* qi = im + (start + k + half) * n;
                for (int x = 0; x < n; x += N) {
                    const V br = hn::Load(d, qr + x), bi = hn::Load(d, qi + x);
                    const V tr = hn::MulSub(wr, br, wi * bi); // w·b, real part
                    const V ti = hn::MulAdd(wr, bi, wi * br); // w·b, imaginary part
                    const V ar = hn::Load(d, pr + x), ai = hn::Load(d, pi + x);
                    hn::Store(ar - tr, d, qr + x);
                    hn::Store(ai - ti, d, qi + x);
                    hn::Store(ar + tr, d, pr + x);
                    hn::Store(ai + ti, d, pi + x);
                }
            }
    }
}

void MultiplyConjugate(float* re, float* im, const float* kre, const float* kim, int count) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int i = 0; i < count; i += N) {
        const V a = hn::Load(d, re + i), b = hn::Load(d, im + i);
        const V c = hn::Load(d, kre + i), e = hn::Load(d, kim + i);
        // (a + ib)(c − ie) = (ac + be) + i(bc − ae)
        hn::Store(hn::MulAdd(a, c, b * e), d, re + i);
        hn::Store(hn::MulSub(b, c, a * e), d, im + i);
    }
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(FftColumns);
HWY_EXPORT(MultiplyConjugate);

void fft_columns(float* re, float* im, int n, const float* cos_table, const float* sin_table,
                 const int* bit_reverse, bool inverse) {
    HWY_DYNAMIC_DISPATCH(FftColumns)(re, im, n, cos_table, sin_table, bit_reverse, inverse);
}

void multiply_conjugate(float* re, float* im, const float* kre, const float* kim, int count) {
    HWY_DYNAMIC_DISPATCH(MultiplyConjugate)(re, im, kre, kim, count);
}

void transpose_square(float* a, int n) {
    // Blocked, so both the rows read and the rows written stay in L1.
    constexpr int B = 16;
    for (int bi = 0; bi < n; bi += B)
        for (int bj = bi; bj < n; bj += B)
            for (int i = bi; i < bi + B; ++i)
                for (int j = (bi == bj ? i + 1 : bj); j < bj + B; ++j)
                    std::swap(a[i * n + j], a[j * n + i]);
}

} // namespace convscope::fast
#endif
