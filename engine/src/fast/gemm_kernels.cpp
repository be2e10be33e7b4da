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

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;

void MultiplyPanels(const float* a, int panels, int k, const float* b, std::size_t ldb, int begin,
                    int end, float* c, std::size_t ldc) {
    GemmPanels<kGemmRows>(a, panels, k, b + begin, StridedRows{ldb}, end - begin, c + begin, ldc);
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
