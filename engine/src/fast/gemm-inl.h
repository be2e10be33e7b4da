// The register tile of every matrix product in the fast backend (Winograd's element-wise stage,
// 1×1 convolutions): BLIS's micro-kernel. C (rows × kCols vectors) accumulates
// Σ_k A[k][rows] · B[k][vectors]: each broadcast value of A meets kCols vectors of B, each loaded
// vector of B meets every row, so the loop is bound by the FMAs, not by loads.
// Per-target include guard (Highway's idiom).

#if defined(CONVSCOPE_FAST_GEMM_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef CONVSCOPE_FAST_GEMM_INL_H_
#undef CONVSCOPE_FAST_GEMM_INL_H_
#else
#define CONVSCOPE_FAST_GEMM_INL_H_
#endif

#include <hwy/highway.h>

#include <cstddef>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

// The tile: kGemmRows rows (broadcasts) × up to kGemmCols vectors. On AVX2, 6 × 2 (BLIS's
// Haswell shape: 12 accumulators, two loads and six broadcasts per step, 16 registers) measured
// 80–90 GFLOP/s per core against 60–80 for 4 × 3 and 3 × 4 on the Winograd products of ResNet's
// layers (AMD EPYC, 93 GFLOP/s FMA peak). Targets with 32 registers take twice the accumulators.
#if HWY_TARGET == HWY_SCALAR
inline constexpr int kGemmRows = 4;
inline constexpr int kGemmCols = 2;
#elif HWY_MAX_BYTES >= 64
inline constexpr int kGemmRows = 12;
inline constexpr int kGemmCols = 2;
#elif HWY_ARCH_ARM
inline constexpr int kGemmRows = 8;
inline constexpr int kGemmCols = 3;
#else
inline constexpr int kGemmRows = 6;
inline constexpr int kGemmCols = 2;
#endif

// c[i][j·N ..] (= or +=) Σ_k a[k·ROWS + i] · b[k·ldb + j·N ..], for i < ROWS, j < COLS.
template <int ROWS, int COLS>
HWY_INLINE void GemmTile(int K, const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                         std::size_t ldb, float* HWY_RESTRICT c, std::size_t ldc, bool accumulate) {
    const hn::ScalableTag<float> d;
    using V = hn::Vec<decltype(d)>;
    const std::size_t N = hn::Lanes(d);
    V acc[ROWS][COLS];
    for (int i = 0; i < ROWS; ++i)
        for (int j = 0; j < COLS; ++j)
            acc[i][j] = accumulate ? hn::LoadU(d, c + i * ldc + j * N) : hn::Zero(d);
    for (int k = 0; k < K; ++k, a += ROWS, b += ldb) {
        V bv[COLS];
        for (int j = 0; j < COLS; ++j)
            bv[j] = hn::LoadU(d, b + j * N);
        for (int i = 0; i < ROWS; ++i) {
            const V av = hn::Set(d, a[i]);
            for (int j = 0; j < COLS; ++j)
                acc[i][j] = hn::MulAdd(av, bv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < ROWS; ++i)
        for (int j = 0; j < COLS; ++j)
            hn::StoreU(acc[i][j], d, c + i * ldc + j * N);
}

// The same with B's rows at b + offsets[k] (any addresses: the taps of a direct convolution,
// each a shifted row of the padded input, so no im2col copy is made).
template <int ROWS, int COLS>
HWY_INLINE void GemmTileGathered(int K, const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                                 const std::ptrdiff_t* HWY_RESTRICT offsets, float* HWY_RESTRICT c,
                                 std::size_t ldc) {
    const hn::ScalableTag<float> d;
    using V = hn::Vec<decltype(d)>;
    const std::size_t N = hn::Lanes(d);
    V acc[ROWS][COLS];
    for (int i = 0; i < ROWS; ++i)
        for (int j = 0; j < COLS; ++j)
            acc[i][j] = hn::Zero(d);
    for (int k = 0; k < K; ++k, a += ROWS) {
        const float* row = b + offsets[k];
        V bv[COLS];
        for (int j = 0; j < COLS; ++j)
            bv[j] = hn::LoadU(d, row + j * N);
        for (int i = 0; i < ROWS; ++i) {
            const V av = hn::Set(d, a[i]);
            for (int j = 0; j < COLS; ++j)
                acc[i][j] = hn::MulAdd(av, bv[j], acc[i][j]);
        }
    }
    for (int i = 0; i < ROWS; ++i)
        for (int j = 0; j < COLS; ++j)
            hn::StoreU(acc[i][j], d, c + i * ldc + j * N);
}

// One panel of ROWS rows of A ([K][ROWS]) times columns [begin, end) of B (multiples of the
// vector width): the widest tiles first, then narrower ones for the last columns.
template <int ROWS>
HWY_INLINE void GemmPanel(int K, const float* a, const float* b, std::size_t ldb, int begin,
                          int end, float* c, std::size_t ldc, bool accumulate) {
    const hn::ScalableTag<float> d;
    const int N = static_cast<int>(hn::Lanes(d));
    int x = begin;
    for (; x + kGemmCols * N <= end; x += kGemmCols * N)
        GemmTile<ROWS, kGemmCols>(K, a, b + x, ldb, c + x, ldc, accumulate);
    if constexpr (kGemmCols >= 3) {
        if (x + 2 * N <= end) {
            GemmTile<ROWS, 2>(K, a, b + x, ldb, c + x, ldc, accumulate);
            x += 2 * N;
        }
    }
    for (; x < end; x += N)
        GemmTile<ROWS, 1>(K, a, b + x, ldb, c + x, ldc, accumulate);
}

template <int ROWS>
HWY_INLINE void GemmPanelGathered(int K, const float* a, const float* b,
                                  const std::ptrdiff_t* offsets, int begin, int end, float* c,
                                  std::size_t ldc) {
    const hn::ScalableTag<float> d;
    const int N = static_cast<int>(hn::Lanes(d));
    int x = begin;
    for (; x + kGemmCols * N <= end; x += kGemmCols * N)
        GemmTileGathered<ROWS, kGemmCols>(K, a, b + x, offsets, c + x, ldc);
    if constexpr (kGemmCols >= 3) {
        if (x + 2 * N <= end) {
            GemmTileGathered<ROWS, 2>(K, a, b + x, offsets, c + x, ldc);
            x += 2 * N;
        }
    }
    for (; x < end; x += N)
        GemmTileGathered<ROWS, 1>(K, a, b + x, offsets, c + x, ldc);
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // per-target include guard
