// Matrix products on panels of packed weights (BLIS's loops around the register tile of
// gemm-inl.h), for Winograd's element-wise stage, 1×1 convolutions and direct convolutions with
// packed weights, and the fused store step they all end with.

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/gemm_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/conv_store-inl.h"
#include "fast/gemm-inl.h"
#include "fast/kernels.hpp"

#include <hwy/highway.h>

#include <algorithm>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

void MultiplyPanels(const float* a, int panels, int k, const float* b, std::size_t ldb, int begin,
                    int end, float* c, std::size_t ldc) {
    GemmPanels<kGemmRows>(a, panels, k, b + begin, StridedRows{ldb}, end - begin, c + begin, ldc);
}

constexpr std::size_t kPrefetchFloats = 128; // eight cache lines ahead

// Where one vector of a tile's row goes: whole at offset `at` of every map, or (at == kSpill:
// it crosses a row's end or the last row) value by value from output row y, column x.
constexpr std::size_t kSpill = ~std::size_t{0};
struct VectorTarget {
    std::size_t at;
    int y, x;
};

// The values of a vector that crosses a row's end: those that land on the map, one by one.
HWY_NOINLINE void StoreSpilled(const float* values, int n, int y, int x, const OutputColumns& map,
                               const ChannelStores& s) {
    for (int l = 0; l < n; ++l) {
        if (x < map.width && y < map.y_end)
            StoreChainScalar(values[l], static_cast<std::size_t>(y) * s.stride + x, s);
        if (++x == map.q) {
            x = 0;
            ++y;
        }
    }
}

// Where a tile's partial sums wait between blocks of k (row i, vector j at
// c + i·ldc + j·N); c is null when the whole of k is one block.
struct Partial {
    float* c;
    std::size_t ldc;
};

// One register tile of A·B over steps [k0, k0 + kn) of k, added to the partial sums of the
// steps before (k0 > 0). The last block (last) stores the sum through the fused store step,
// straight from the accumulators: row i (of the first `rows`) goes to stores[i], vector j to
// t[j]; an earlier block leaves it in `partial`.
template <int ROWS, int COLS, class Rows>
HWY_INLINE void TileToRows(int k0, int kn, bool last, const float* HWY_RESTRICT a,
                           const float* HWY_RESTRICT b, const Rows& source, Partial partial,
                           const VectorTarget* t, const OutputColumns& map,
                           const ChannelStores* stores, int rows) {
    const hn::ScalableTag<float> d;
    using V = hn::Vec<decltype(d)>;
    const std::size_t N = hn::Lanes(d);
    V acc[ROWS][COLS];
    for (int i = 0; i < ROWS; ++i)
        for (int j = 0; j < COLS; ++j)
            acc[i][j] = k0 > 0 ? hn::Load(d, partial.c + i * partial.ldc + j * N) : hn::Zero(d);
    // The output lines a few tiles on, asked for now (for writing): a store that misses every
    // cache otherwise waits for its line while the FMAs stall behind it.
    if (last && t[0].at != kSpill)
        for (int i = 0; i < ROWS && i < rows; ++i)
            __builtin_prefetch(stores[i].conv + t[0].at + kPrefetchFloats, 1);
    source.template Accumulate<ROWS, COLS>(kn, a + static_cast<std::size_t>(k0) * ROWS, b, k0, acc);
    if (!last) {
        for (int i = 0; i < ROWS; ++i)
            for (int j = 0; j < COLS; ++j)
                hn::Store(acc[i][j], d, partial.c + i * partial.ldc + j * N);
        return;
    }
    for (int i = 0; i < ROWS && i < rows; ++i)
        for (int j = 0; j < COLS; ++j) {
            if (t[j].at != kSpill) {
                StoreChain(d, acc[i][j], t[j].at, stores[i]);
            } else {
                HWY_ALIGN float values[hn::MaxLanes(d)];
                hn::Store(acc[i][j], d, values);
                StoreSpilled(values, static_cast<int>(N), t[j].y, t[j].x, map, stores[i]);
            }
        }
}

// Panels in groups of kPanelGroup when k is one block: each tile's slice of B stays in L1
// while the group's panels meet it, and the group's output rows are written front to back, a
// few streams at a time. When k takes several blocks, every panel meets each slice of B (the
// stores of the blocks before the last go to the small partial buffer anyway). One thread,
// CPU time, best of 40–60 (ms), AMD EPYC (AVX2), against the product buffer these replace:
//   1×1 64→256 on 56×56 (one block): groups of 4 1.51–1.61, 2 1.54, 1 1.65, all 2.16; buffer
//     1.63–2.47;
//   7×7 stride 2 3→64 on 224×224 (one block): 4 3.75–3.88, 1 4.26, all 4.10–4.79; buffer
//     3.71–3.81;
//   3×3 stride 2 64→128 on 56×56 (three blocks): all 2.09–2.18, 12 2.82, 4 2.28–2.62; buffer
//     2.15–2.71.
constexpr int kPanelGroup = 4;

template <class Rows>
HWY_INLINE void PanelsToRows(const float* a, int panels, int k, const float* b, const Rows& source,
                             int columns, const OutputColumns& map, const ChannelStores* stores,
                             int rows, float* partial, std::size_t ldp) {
    const hn::ScalableTag<float> d;
    const int N = static_cast<int>(hn::Lanes(d));
    const std::size_t stride = stores[0].stride;
    const std::size_t panel_floats = static_cast<std::size_t>(k) * kGemmRows;
    for (int k0 = 0; k0 < k; k0 += kGemmBlock) {
        const int kn = std::min(kGemmBlock, k - k0);
        const bool last = k0 + kn == k;
        const int group = k > kGemmBlock ? panels : kPanelGroup;
        for (int p0 = 0; p0 < panels; p0 += group) {
            const int p1 = std::min(panels, p0 + group);
            // Column x of b is output row y, column xr: stepped along, never divided.
            int y = map.y0, xr = 0;
            for (int x = 0; x < columns;) {
                const int left = (columns - x + N - 1) / N; // vectors still to do
                const int width = left >= kGemmCols ? kGemmCols : left >= 2 ? 2 : 1;
                VectorTarget t[kGemmCols];
                for (int j = 0; j < width; ++j) {
                    const bool whole = xr + N <= map.width && y < map.y_end;
                    t[j] = {whole ? static_cast<std::size_t>(y) * stride + xr : kSpill, y, xr};
                    xr += N;
                    while (xr >= map.q) {
                        xr -= map.q;
                        ++y;
                    }
                }
                for (int p = p0; p < p1; ++p) {
                    const float* ap = a + p * panel_floats;
                    const ChannelStores* sp = stores + p * kGemmRows;
                    const int rows_left = rows - p * kGemmRows;
                    const Partial part{partial ? partial + p * kGemmRows * ldp + x : nullptr, ldp};
                    if (width == kGemmCols)
                        TileToRows<kGemmRows, kGemmCols>(k0, kn, last, ap, b + x, source, part, t,
                                                         map, sp, rows_left);
                    else if (width == 2)
                        TileToRows<kGemmRows, 2>(k0, kn, last, ap, b + x, source, part, t, map, sp,
                                                 rows_left);
                    else
                        TileToRows<kGemmRows, 1>(k0, kn, last, ap, b + x, source, part, t, map, sp,
                                                 rows_left);
                }
                x += width * N;
            }
        }
    }
}

void MultiplyPanelsToRows(const float* a, int panels, int k, const float* b, std::size_t ldb,
                          int columns, const OutputColumns& map, const ChannelStores* stores,
                          int rows, float* partial, std::size_t ldp) {
    PanelsToRows(a, panels, k, b, StridedRows{ldb}, columns, map, stores, rows, partial, ldp);
}

void MultiplyPanelsGatheredToRows(const float* a, int panels, int k, const float* b,
                                  const std::ptrdiff_t* offsets, int columns,
                                  const OutputColumns& map, const ChannelStores* stores, int rows,
                                  float* partial, std::size_t ldp) {
    PanelsToRows(a, panels, k, b, GatheredRows{offsets}, columns, map, stores, rows, partial, ldp);
}

int GemmBlockSteps() {
    return kGemmBlock;
}

int GemmPanelRows() {
    return kGemmRows;
}

int SimdLanes() {
    return static_cast<int>(hn::Lanes(hn::ScalableTag<float>()));
}

void StoreConvRow(const float* values, int x0, int n, int y, const ChannelStores& stores) {
    StoreRow(values, x0, n, y, stores);
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(MultiplyPanels);
HWY_EXPORT(MultiplyPanelsToRows);
HWY_EXPORT(MultiplyPanelsGatheredToRows);
HWY_EXPORT(GemmPanelRows);
HWY_EXPORT(GemmBlockSteps);
HWY_EXPORT(SimdLanes);
HWY_EXPORT(StoreConvRow);

void multiply_panels(const float* a, int panels, int k, const float* b, std::size_t ldb, int begin,
                     int end, float* c, std::size_t ldc) {
    HWY_DYNAMIC_DISPATCH(MultiplyPanels)(a, panels, k, b, ldb, begin, end, c, ldc);
}

void multiply_panels_to_rows(const float* a, int panels, int k, const float* b, std::size_t ldb,
                             int columns, const OutputColumns& map, const ChannelStores* stores,
                             int rows, float* partial, std::size_t ldp) {
    HWY_DYNAMIC_DISPATCH(MultiplyPanelsToRows)
    (a, panels, k, b, ldb, columns, map, stores, rows, partial, ldp);
}

void multiply_panels_gathered_to_rows(const float* a, int panels, int k, const float* b,
                                      const std::ptrdiff_t* offsets, int columns,
                                      const OutputColumns& map, const ChannelStores* stores,
                                      int rows, float* partial, std::size_t ldp) {
    HWY_DYNAMIC_DISPATCH(MultiplyPanelsGatheredToRows)
    (a, panels, k, b, offsets, columns, map, stores, rows, partial, ldp);
}

int gemm_block_steps() {
    return HWY_DYNAMIC_DISPATCH(GemmBlockSteps)();
}

int gemm_panel_rows() {
    return HWY_DYNAMIC_DISPATCH(GemmPanelRows)();
}

int simd_lanes() {
    return HWY_DYNAMIC_DISPATCH(SimdLanes)();
}

void store_conv_row(const float* values, int x0, int n, int y, const ChannelStores& stores) {
    HWY_DYNAMIC_DISPATCH(StoreConvRow)(values, x0, n, y, stores);
}

} // namespace convscope::fast
#endif
