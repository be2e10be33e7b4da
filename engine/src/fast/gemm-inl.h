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

// acc[i][j] += Σ_k a[k·ROWS + i] · b[k·ldb + j·N ..], for i < ROWS, j < COLS.
template <int ROWS, int COLS, class V>
HWY_INLINE void GemmAccumulate(int K, const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                               std::size_t ldb, V (&acc)[ROWS][COLS]) {
    const hn::ScalableTag<float> d;
    const std::size_t N = hn::Lanes(d);
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
}

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
    GemmAccumulate<ROWS, COLS>(K, a, b, ldb, acc);
    for (int i = 0; i < ROWS; ++i)
        for (int j = 0; j < COLS; ++j)
            hn::StoreU(acc[i][j], d, c + i * ldc + j * N);
}

// The same with B's row k at b + offsets[k] (any addresses: the taps of a direct convolution,
// each a shifted row of the padded input, so no im2col copy is made).
template <int ROWS, int COLS, class V>
HWY_INLINE void
GemmAccumulateGathered(int K, const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                       const std::ptrdiff_t* HWY_RESTRICT offsets, V (&acc)[ROWS][COLS]) {
    const hn::ScalableTag<float> d;
    const std::size_t N = hn::Lanes(d);
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
}

// Steps of k per pass over the columns: one tile's slice of B (kGemmBlock steps × kGemmCols
// vectors) stays in L1 while every panel of A streams past it from L2 — BLIS's loop order.
inline constexpr int kGemmBlock = 16384 / (kGemmCols * HWY_MAX_BYTES);

// c[p·ROWS + i][x] = Σ_k a_p[k][i] · B[k][x] for `panels` panels (each [K][ROWS], K·ROWS floats
// apart), columns [0, columns) rounded up to whole vectors. Row k of B is b + row(k).
template <int ROWS, class Row>
HWY_INLINE void GemmPanels(const float* a, int panels, int K, const float* b, const Row& row,
                           int columns, float* c, std::size_t ldc) {
    const hn::ScalableTag<float> d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int k0 = 0; k0 < K; k0 += kGemmBlock) {
        const int kn = K - k0 < kGemmBlock ? K - k0 : kGemmBlock;
        const bool accumulate = k0 > 0;
        for (int x = 0; x < columns;) {
            const int left = (columns - x + N - 1) / N; // vectors still to do
            const int width = left >= kGemmCols ? kGemmCols : left >= 2 ? 2 : 1;
            for (int p = 0; p < panels; ++p) {
                const float* ap = a + (static_cast<std::size_t>(p) * K + k0) * ROWS;
                float* cp = c + static_cast<std::size_t>(p) * ROWS * ldc + x;
                if (width == kGemmCols)
                    row.template Tile<ROWS, kGemmCols>(kn, ap, b + x, k0, cp, ldc, accumulate);
                else if (width == 2)
                    row.template Tile<ROWS, 2>(kn, ap, b + x, k0, cp, ldc, accumulate);
                else
                    row.template Tile<ROWS, 1>(kn, ap, b + x, k0, cp, ldc, accumulate);
            }
            x += width * N;
        }
    }
}

// B's rows ldb floats apart.
struct StridedRows {
    std::size_t ldb;
    template <int ROWS, int COLS>
    HWY_INLINE void Tile(int K, const float* a, const float* b, int k0, float* c, std::size_t ldc,
                         bool accumulate) const {
        GemmTile<ROWS, COLS>(K, a, b + k0 * ldb, ldb, c, ldc, accumulate);
    }
    template <int ROWS, int COLS, class V>
    HWY_INLINE void Accumulate(int K, const float* a, const float* b, int k0,
                               V (&acc)[ROWS][COLS]) const {
        GemmAccumulate<ROWS, COLS>(K, a, b + k0 * ldb, ldb, acc);
    }
};

// B's row k at b + offsets[k].
struct GatheredRows {
    const std::ptrdiff_t* offsets;
    template <int ROWS, int COLS, class V>
    HWY_INLINE void Accumulate(int K, const float* a, const float* b, int k0,
                               V (&acc)[ROWS][COLS]) const {
        GemmAccumulateGathered<ROWS, COLS>(K, a, b, offsets + k0, acc);
    }
};

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif // per-target include guard
