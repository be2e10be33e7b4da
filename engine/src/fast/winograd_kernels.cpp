// Winograd F(m×m, 3×3) kernels (Lavin & Gray, 2016), m = 4 (6×6 tiles) or m = 2 (4×4 tiles).
//
// Tiles sit in the vector lanes: lane j of a vector is tile tx + j of a tile row, so the
// transforms are plain vector arithmetic on whole rows of tiles. The input transform reads a
// tile row's columns with de-interleaving loads (columns m·j + k for every k at once); the
// output transform writes the m columns of each tile back with interleaving stores into a row
// buffer that the fused store step (conv_store-inl.h) then writes to every map.
//
// The element-wise stage is one matrix product per ξ over all input channels: multiply_panels
// (gemm_kernels.cpp).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/winograd_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/conv_store-inl.h"
#include "fast/kernels.hpp"

#include <hwy/highway.h>

#include <algorithm>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// ---- The 1-D transforms (x: α = m + 2 values; Bᵀx and Aᵀx) --------------------------------------

// F(4, 3), points 0, ±1, ±2, ∞:
//   Bᵀ = [4 0 −5 0 1 0; 0 −4 −4 1 1 0; 0 4 −4 −1 1 0; 0 −2 −1 2 1 0; 0 2 −1 −2 1 0; 0 4 0 −5 0 1]
//   Aᵀ = [1 1 1 1 1 0; 0 1 −1 2 −2 0; 0 1 1 4 4 0; 0 1 −1 8 −8 1]
HWY_INLINE void InputTransform4(D d, const V (&x)[6], V (&r)[6]) {
    const V four = hn::Set(d, 4.0f), five = hn::Set(d, 5.0f), two = hn::Set(d, 2.0f);
    r[0] = hn::MulAdd(four, x[0], hn::NegMulAdd(five, x[2], x[4]));
    r[5] = hn::MulAdd(four, x[1], hn::NegMulAdd(five, x[3], x[5]));
    const V s34 = x[3] + x[4], s12 = x[1] + x[2];
    const V d43 = x[4] - x[3], d12 = x[1] - x[2];
    r[1] = hn::NegMulAdd(four, s12, s34);
    r[2] = hn::MulAdd(four, d12, d43);
    const V d42 = x[4] - x[2], d31 = x[3] - x[1];
    r[3] = hn::MulAdd(two, d31, d42);
    r[4] = hn::NegMulAdd(two, d31, d42);
}

HWY_INLINE void OutputTransform4(D d, const V (&m)[6], V (&o)[4]) {
    const V s12 = m[1] + m[2], d12 = m[1] - m[2];
    const V s34 = m[3] + m[4], d34 = m[3] - m[4];
    o[0] = m[0] + s12 + s34;
    o[1] = hn::MulAdd(hn::Set(d, 2.0f), d34, d12);
    o[2] = hn::MulAdd(hn::Set(d, 4.0f), s34, s12);
    o[3] = hn::MulAdd(hn::Set(d, 8.0f), d34, d12) + m[5];
}

// F(2, 3), points 0, ±1, ∞: Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1], Aᵀ = [1 1 1 0; 0 1 −1
// −1].
HWY_INLINE void InputTransform2(D, const V (&x)[4], V (&r)[4]) {
    r[0] = x[0] - x[2];
    r[1] = x[1] + x[2];
    r[2] = x[2] - x[1];
    r[3] = x[1] - x[3];
}

HWY_INLINE void OutputTransform2(D, const V (&m)[4], V (&o)[2]) {
    o[0] = m[0] + m[1] + m[2];
    o[1] = m[1] - m[2] - m[3];
}

// Columns m·j + k, k < α, of `row` for the N tiles starting at `row`.
template <int M> HWY_INLINE void LoadTileColumns(D d, const float* row, V (&x)[M + 2]) {
    if constexpr (M == 4) {
        V unused0, unused1;
        hn::LoadInterleaved4(d, row, x[0], x[1], x[2], x[3]);
        hn::LoadInterleaved4(d, row + 4, x[4], x[5], unused0, unused1);
    } else {
        hn::LoadInterleaved2(d, row, x[0], x[1]);
        hn::LoadInterleaved2(d, row + 2, x[2], x[3]);
    }
}

template <int M> HWY_INLINE void InputTransform(D d, const V (&x)[M + 2], V (&r)[M + 2]) {
    if constexpr (M == 4)
        InputTransform4(d, x, r);
    else
        InputTransform2(d, x, r);
}

template <int M> HWY_INLINE void OutputTransform(D d, const V (&x)[M + 2], V (&r)[M]) {
    if constexpr (M == 4)
        OutputTransform4(d, x, r);
    else
        OutputTransform2(d, x, r);
}

// ---- Input transform -------------------------------------------------------------------------

template <int M>
void InputTiles(ConstPlane padded, int tiles_x, int tiles_y, float* v, std::size_t xi_stride) {
    constexpr int A = M + 2;
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int ty = 0; ty < tiles_y; ++ty) {
        for (int tx = 0; tx < tiles_x; tx += N) {
            // t[i][k]: row i of the tile transformed along k (Bᵀ d, one tile row at a time).
            V t[A][A];
            for (int i = 0; i < A; ++i) {
                V x[A];
                LoadTileColumns<M>(d, padded.row(ty * M + i) + tx * M, x);
                InputTransform<M>(d, x, t[i]);
            }
            // Then along the rows (Bᵀ d B), one column k at a time; element ξ = a·α + k.
            float* out = v + static_cast<std::size_t>(ty) * tiles_x + tx;
            for (int k = 0; k < A; ++k) {
                V column[A], r[A];
                for (int i = 0; i < A; ++i)
                    column[i] = t[i][k];
                InputTransform<M>(d, column, r);
                for (int a = 0; a < A; ++a)
                    hn::StoreU(r[a], d, out + (a * A + k) * xi_stride);
            }
        }
    }
}

void WinogradInputTiles(int m, ConstPlane padded, int tiles_x, int tiles_y, float* v,
                        std::size_t xi_stride) {
    if (m == 4)
        InputTiles<4>(padded, tiles_x, tiles_y, v, xi_stride);
    else
        InputTiles<2>(padded, tiles_x, tiles_y, v, xi_stride);
}

// ---- Output transform ------------------------------------------------------------------------

template <int M>
void OutputTiles(const float* products, std::size_t xi_stride, int tiles_x, int tiles_y, int out_w,
                 int out_h, const ChannelStores& stores) {
    constexpr int A = M + 2;
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    HWY_ALIGN float interleaved[4 * HWY_MAX_BYTES / sizeof(float)]; // one output row of N tiles
    for (int ty = 0; ty < tiles_y; ++ty) {
        for (int tx = 0; tx < tiles_x; tx += N) {
            const float* in = products + static_cast<std::size_t>(ty) * tiles_x + tx;
            // Aᵀ along k for every row a of the tile, then along a (Aᵀ M A).
            V t[A][M];
            for (int a = 0; a < A; ++a) {
                V x[A];
                for (int k = 0; k < A; ++k)
                    x[k] = hn::LoadU(d, in + (a * A + k) * xi_stride);
                OutputTransform<M>(d, x, t[a]);
            }
            V out[M][M]; // [row i][column j] of every tile in the lanes
            for (int j = 0; j < M; ++j) {
                V column[A], r[M];
                for (int a = 0; a < A; ++a)
                    column[a] = t[a][j];
                OutputTransform<M>(d, column, r);
                for (int i = 0; i < M; ++i)
                    out[i][j] = r[i];
            }
            // Column j of tile lane l goes to l·M + j of the row.
            const int x0 = tx * M;
            const int n = std::min(M * std::min(N, tiles_x - tx), out_w - x0);
            for (int i = 0; i < M && ty * M + i < out_h; ++i) {
                if constexpr (M == 4)
                    hn::StoreInterleaved4(out[i][0], out[i][1], out[i][2], out[i][3], d,
                                          interleaved);
                else
                    hn::StoreInterleaved2(out[i][0], out[i][1], d, interleaved);
                StoreRow(interleaved, x0, n, ty * M + i, stores);
            }
        }
    }
}

void WinogradOutputTiles(int m, const float* products, std::size_t xi_stride, int tiles_x,
                         int tiles_y, int out_w, int out_h, const ChannelStores& stores) {
    if (m == 4)
        OutputTiles<4>(products, xi_stride, tiles_x, tiles_y, out_w, out_h, stores);
    else
        OutputTiles<2>(products, xi_stride, tiles_x, tiles_y, out_w, out_h, stores);
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(WinogradInputTiles);
HWY_EXPORT(WinogradOutputTiles);

void winograd_input_tiles(int m, ConstPlane padded, int tiles_x, int tiles_y, float* v,
                          std::size_t xi_stride) {
    HWY_DYNAMIC_DISPATCH(WinogradInputTiles)(m, padded, tiles_x, tiles_y, v, xi_stride);
}

void winograd_output_tiles(int m, const float* products, std::size_t xi_stride, int tiles_x,
                           int tiles_y, int out_w, int out_h, const ChannelStores& stores) {
    HWY_DYNAMIC_DISPATCH(WinogradOutputTiles)
    (m, products, xi_stride, tiles_x, tiles_y, out_w, out_h, stores);
}

} // namespace convscope::fast
#endif
