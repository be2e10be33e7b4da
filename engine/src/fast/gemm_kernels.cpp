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

// One register tile of A·B, stored from the accumulators through the fused store step: row i
// (of the first `rows`) goes to stores[i], vector j at offset at[j] of every map.
template <int ROWS, int COLS>
HWY_INLINE void TileToRows(int K, const float* HWY_RESTRICT a, const float* HWY_RESTRICT b,
                           std::size_t ldb, const std::size_t* at, const ChannelStores* stores,
                           int rows) {
    const hn::ScalableTag<float> d;
    using V = hn::Vec<decltype(d)>;
    V acc[ROWS][COLS];
    for (int i = 0; i < ROWS; ++i)
        for (int j = 0; j < COLS; ++j)
            acc[i][j] = hn::Zero(d);
    // The output lines a few tiles on, asked for now (for writing): a store that misses every
    // cache otherwise waits for its line while the FMAs stall behind it.
    for (int i = 0; i < ROWS && i < rows; ++i)
        __builtin_prefetch(stores[i].conv + at[0] + kPrefetchFloats, 1);
    GemmAccumulate<ROWS, COLS>(K, a, b, ldb, acc);
    for (int i = 0; i < ROWS && i < rows; ++i)
        for (int j = 0; j < COLS; ++j)
            StoreChain(d, acc[i][j], at[j], stores[i]);
}

// Panel by panel, each passing over every column: the panel's [K][R] slice stays in L1 and the
// packed columns in L2, and each of the panel's R output rows is written front to back. (The
// other order, each tile of B meeting every panel, scatters its stores over every output
// channel at once: 64→256 on 56×56, one thread, 3.9 ms against 2.2 ms for the store through a
// product buffer.)
void MultiplyPanelsToRows(const float* a, int panels, int k, const float* b, std::size_t ldb,
                          int columns, int row_columns, int y0, const ChannelStores* stores,
                          int rows) {
    const hn::ScalableTag<float> d;
    const int N = static_cast<int>(hn::Lanes(d));
    const std::size_t stride = stores[0].stride;
    const std::size_t panel_floats = static_cast<std::size_t>(k) * kGemmRows;
    for (int p = 0; p < panels; ++p) {
        const float* ap = a + p * panel_floats;
        const ChannelStores* sp = stores + p * kGemmRows;
        const int rows_left = rows - p * kGemmRows;
        // Column x of b is output row y, column xr: stepped along, never divided.
        int y = y0, xr = 0;
        for (int x = 0; x < columns;) {
            const int left = (columns - x) / N; // vectors still to do
            const int width = left >= kGemmCols ? kGemmCols : left >= 2 ? 2 : 1;
            std::size_t at[kGemmCols];
            for (int j = 0; j < width; ++j) {
                at[j] = static_cast<std::size_t>(y) * stride + xr;
                xr += N;
                if (xr == row_columns) {
                    xr = 0;
                    ++y;
                }
            }
            if (width == kGemmCols)
                TileToRows<kGemmRows, kGemmCols>(k, ap, b + x, ldb, at, sp, rows_left);
            else if (width == 2)
                TileToRows<kGemmRows, 2>(k, ap, b + x, ldb, at, sp, rows_left);
            else
                TileToRows<kGemmRows, 1>(k, ap, b + x, ldb, at, sp, rows_left);
            x += width * N;
        }
    }
}

void MultiplyPanelsGathered(const float* a, int panels, int k, const float* b,
                            const std::ptrdiff_t* offsets, int columns, float* c, std::size_t ldc) {
    GemmPanels<kGemmRows>(a, panels, k, b, GatheredRows{offsets}, columns, c, ldc);
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
HWY_EXPORT(MultiplyPanelsGathered);
HWY_EXPORT(MultiplyPanelsToRows);
HWY_EXPORT(GemmPanelRows);
HWY_EXPORT(SimdLanes);
HWY_EXPORT(StoreConvRow);

void multiply_panels(const float* a, int panels, int k, const float* b, std::size_t ldb, int begin,
                     int end, float* c, std::size_t ldc) {
    HWY_DYNAMIC_DISPATCH(MultiplyPanels)(a, panels, k, b, ldb, begin, end, c, ldc);
}

void multiply_panels_gathered(const float* a, int panels, int k, const float* b,
                              const std::ptrdiff_t* offsets, int columns, float* c,
                              std::size_t ldc) {
    HWY_DYNAMIC_DISPATCH(MultiplyPanelsGathered)(a, panels, k, b, offsets, columns, c, ldc);
}

void multiply_panels_to_rows(const float* a, int panels, int k, const float* b, std::size_t ldb,
                             int columns, int row_columns, int y0, const ChannelStores* stores,
                             int rows) {
    HWY_DYNAMIC_DISPATCH(MultiplyPanelsToRows)
    (a, panels, k, b, ldb, columns, row_columns, y0, stores, rows);
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
