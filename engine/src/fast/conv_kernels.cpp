// Direct correlation kernels, vectorised along the row.
//
// correlate_plane keeps a tile of R output rows × X vectors in registers; for each kernel tap one
// weight is broadcast and serves all R·X accumulators, so the loop is bound by FMAs, not loads.
// correlate_channels computes up to 8 output channels at once from many input channels: each
// loaded input vector serves every output channel of the block (oneDNN's output-channel
// blocking, kept in the C×H×W layout by vectorising along x instead of along channels).

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "fast/conv_kernels.cpp"
#include <hwy/foreach_target.h> // IWYU pragma: keep

#include "fast/epilogue-inl.h"
#include "fast/kernels.hpp"

#include <hwy/cache_control.h>
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace convscope::fast::HWY_NAMESPACE {

namespace hn = hwy::HWY_NAMESPACE;
using D = hn::ScalableTag<float>;
using V = hn::Vec<D>;

// Stores a tile of R rows × X vectors of outputs, and their activations when fused.
template <int R, int X>
HWY_INLINE void StoreTile(const V (&acc)[R][X], int r0, int x0, const Plane& out, float* fused_base,
                          const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < X; ++j) {
            if (epilogue.stream_output)
                hn::Stream(acc[r][j], d, out.row(r0 + r) + x0 + j * N);
            else
                hn::StoreU(acc[r][j], d, out.row(r0 + r) + x0 + j * N);
            if (fused_base)
                hn::StoreU(Activate(d, acc[r][j], epilogue), d,
                           fused_base + (r0 + r) * out.stride + x0 + j * N);
        }
}

template <int R, int X>
HWY_INLINE void PlaneTile(const ConstPlane& in, const ConvGeometry& g, int r0, int x0,
                          const float* kernel, float bias, const Plane& out, float* fused_base,
                          const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    V acc[R][X];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < X; ++j)
            acc[r][j] = hn::Set(d, bias);

    for (int ky = 0; ky < g.kernel_h; ++ky) {
        const float* rows[R];
        for (int r = 0; r < R; ++r)
            rows[r] = in.row((r0 + r) * g.row_step + ky * g.dil_h) + x0;
        const float* taps = kernel + ky * g.kernel_w;
        for (int kx = 0; kx < g.kernel_w; ++kx) {
            const V w = hn::Set(d, taps[kx]);
            const int offset = kx * g.dil_w;
            for (int r = 0; r < R; ++r)
                for (int j = 0; j < X; ++j)
                    acc[r][j] = hn::MulAdd(w, hn::LoadU(d, rows[r] + offset + j * N), acc[r][j]);
        }
    }

    StoreTile<R, X>(acc, r0, x0, out, fused_base, epilogue);
}

// Stride 1 and no dilation along y: output rows r0..r0+R−1 share input rows, so each input
// vector is loaded once and feeds every output row whose window covers it (ky = i − r). This
// halves the loads per FMA, which bound the simple tile on 512-bit vectors.
template <int R, int X>
HWY_INLINE void PlaneTileSharedRows(const ConstPlane& in, const ConvGeometry& g, int r0, int x0,
                                    const float* kernel, float bias, const Plane& out,
                                    float* fused_base, const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    V acc[R][X];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < X; ++j)
            acc[r][j] = hn::Set(d, bias);

    const int input_rows = R + g.kernel_h - 1;
    for (int i = 0; i < input_rows; ++i) {
        const float* row = in.row(r0 + i) + x0;
        const int r_first = i - g.kernel_h + 1; // rows r with 0 ≤ i − r < kernel_h
        for (int kx = 0; kx < g.kernel_w; ++kx) {
            V v[X];
            for (int j = 0; j < X; ++j)
                v[j] = hn::LoadU(d, row + kx * g.dil_w + j * N);
            for (int r = 0; r < R; ++r) {
                if (r < r_first || r > i)
                    continue;
                const V w = hn::Set(d, kernel[(i - r) * g.kernel_w + kx]);
                for (int j = 0; j < X; ++j)
                    acc[r][j] = hn::MulAdd(w, v[j], acc[r][j]);
            }
        }
    }

    StoreTile<R, X>(acc, r0, x0, out, fused_base, epilogue);
}

template <int R, int X>
HWY_INLINE void PlaneRowsSharedRows(const ConstPlane& in, const ConvGeometry& g, int r0,
                                    const float* kernel, float bias, const Plane& out,
                                    float* fused_base, const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    const int padded_width = (g.width + N - 1) / N * N;
    int x = 0;
    for (; x + X * N <= padded_width; x += X * N)
        PlaneTileSharedRows<R, X>(in, g, r0, x, kernel, bias, out, fused_base, epilogue);
    for (; x < padded_width; x += N)
        PlaneTileSharedRows<R, 1>(in, g, r0, x, kernel, bias, out, fused_base, epilogue);
}

template <int R>
HWY_INLINE void PlaneRows(const ConstPlane& in, const ConvGeometry& g, int r0, const float* kernel,
                          float bias, const Plane& out, float* fused_base,
                          const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    const int padded_width = (g.width + N - 1) / N * N;
    // One weight broadcast serves R·X accumulators: as many as the registers hold.
    constexpr int X = HWY_MAX_BYTES >= 64 ? 4 : 2;
    int x = 0;
    for (; x + X * N <= padded_width; x += X * N)
        PlaneTile<R, X>(in, g, r0, x, kernel, bias, out, fused_base, epilogue);
    for (; x < padded_width; x += N)
        PlaneTile<R, 1>(in, g, r0, x, kernel, bias, out, fused_base, epilogue);
}

// 3×3 at stride 1: the nine weights stay in registers for the whole strip and the tile loops are
// fully unrolled, so the inner loop is only loads and FMAs (the most common kernel in the app).
template <int R, int X>
HWY_INLINE void Plane3x3Tile(const ConstPlane& in, int r0, int x0, const V (&w)[9], float bias,
                             const Plane& out, float* fused_base, const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    V acc[R][X];
    for (int r = 0; r < R; ++r)
        for (int j = 0; j < X; ++j)
            acc[r][j] = hn::Set(d, bias);
#pragma GCC unroll 8
    for (int i = 0; i < R + 2; ++i) {
        const float* row = in.row(r0 + i) + x0;
#pragma GCC unroll 3
        for (int kx = 0; kx < 3; ++kx) {
            V v[X];
            for (int j = 0; j < X; ++j)
                v[j] = hn::LoadU(d, row + kx + j * N);
            for (int r = 0; r < R; ++r) {
                const int ky = i - r;
                if (ky < 0 || ky > 2)
                    continue;
                for (int j = 0; j < X; ++j)
                    acc[r][j] = hn::MulAdd(w[ky * 3 + kx], v[j], acc[r][j]);
            }
        }
    }
    StoreTile<R, X>(acc, r0, x0, out, fused_base, epilogue);
}

HWY_INLINE bool Plane3x3(ConstPlane in, const ConvGeometry& g, const float* kernel, float bias,
                         Plane out, float* fused_base, const Epilogue& epilogue) {
    if (g.kernel_h != 3 || g.kernel_w != 3 || g.row_step != 1 || g.dil_h != 1 || g.dil_w != 1)
        return false;
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    V w[9];
    for (int i = 0; i < 9; ++i)
        w[i] = hn::Set(d, kernel[i]);
    constexpr int R = 4;
    constexpr int X = HWY_MAX_BYTES >= 64 ? 4 : 2;
    const int padded_width = (g.width + N - 1) / N * N;
    int r = 0;
    for (; r + R <= g.rows; r += R) {
        int x = 0;
        for (; x + X * N <= padded_width; x += X * N)
            Plane3x3Tile<R, X>(in, r, x, w, bias, out, fused_base, epilogue);
        for (; x < padded_width; x += N)
            Plane3x3Tile<R, 1>(in, r, x, w, bias, out, fused_base, epilogue);
    }
    for (; r < g.rows; ++r)
        for (int x = 0; x < padded_width; x += N)
            Plane3x3Tile<1, 1>(in, r, x, w, bias, out, fused_base, epilogue);
    return true;
}

void CorrelatePlane(ConstPlane in, const ConvGeometry& g, const float* kernel, float bias,
                    Plane out, float* fused_base, const Epilogue& epilogue) {
    if (Plane3x3(in, g, kernel, bias, out, fused_base, epilogue))
        return;
    constexpr int kRows = 4;
    int r = 0;
    if (g.row_step == 1 && g.dil_h == 1 && g.kernel_h > 1) {
        // 16 accumulators fit the 32 registers of AVX-512 (and NEON); 8 fit AVX2's 16.
        constexpr int kVectors = HWY_MAX_BYTES >= 64 ? 4 : 2;
        for (; r + kRows <= g.rows; r += kRows)
            PlaneRowsSharedRows<kRows, kVectors>(in, g, r, kernel, bias, out, fused_base, epilogue);
    }
    for (; r + kRows <= g.rows; r += kRows)
        PlaneRows<kRows>(in, g, r, kernel, bias, out, fused_base, epilogue);
    for (; r < g.rows; ++r)
        PlaneRows<1>(in, g, r, kernel, bias, out, fused_base, epilogue);
}

// weights: [in_channels][kh][kw][NOC], so the NOC weights of one tap are adjacent.
template <int NOC, int R>
HWY_INLINE void ChannelsTile(const ConstPlane& in, std::size_t channel_stride, int in_channels,
                             const ConvGeometry& g, int r0, int x0, const float* weights,
                             const float* bias, float* const* out, std::size_t out_stride,
                             float* const* fused, const Epilogue& epilogue) {
    const D d;
    V acc[R][NOC];
    for (int r = 0; r < R; ++r)
        for (int o = 0; o < NOC; ++o)
            acc[r][o] = hn::Set(d, bias[o]);

    const float* w = weights;
    for (int c = 0; c < in_channels; ++c) {
        const float* channel = in.base + c * channel_stride;
        for (int ky = 0; ky < g.kernel_h; ++ky) {
            const float* rows[R];
            for (int r = 0; r < R; ++r)
                rows[r] = channel + ((r0 + r) * g.row_step + ky * g.dil_h) * in.stride + x0;
            for (int kx = 0; kx < g.kernel_w; ++kx, w += NOC) {
                V v[R];
                for (int r = 0; r < R; ++r)
                    v[r] = hn::LoadU(d, rows[r] + kx * g.dil_w);
                for (int o = 0; o < NOC; ++o) {
                    const V wo = hn::Set(d, w[o]);
                    for (int r = 0; r < R; ++r)
                        acc[r][o] = hn::MulAdd(wo, v[r], acc[r][o]);
                }
            }
        }
    }

    for (int r = 0; r < R; ++r)
        for (int o = 0; o < NOC; ++o) {
            const std::size_t offset = (r0 + r) * out_stride + x0;
            if (epilogue.stream_output)
                hn::Stream(acc[r][o], d, out[o] + offset);
            else
                hn::StoreU(acc[r][o], d, out[o] + offset);
            if (fused)
                hn::StoreU(Activate(d, acc[r][o], epilogue), d, fused[o] + offset);
        }
}

template <int NOC>
HWY_INLINE void ChannelsBlock(const ConstPlane& in, std::size_t channel_stride, int in_channels,
                              const ConvGeometry& g, const float* weights, const float* bias,
                              float* const* out, std::size_t out_stride, float* const* fused,
                              const Epilogue& epilogue) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    // Two rows share each weight broadcast where the registers allow it (32 on AVX-512 and
    // NEON); with 16 registers one row keeps the accumulators from spilling.
    constexpr int kRows = (HWY_MAX_BYTES >= 64 || NOC <= 4) ? 2 : 1;
    int r = 0;
    for (; r + kRows <= g.rows; r += kRows)
        for (int x = 0; x < g.width; x += N)
            ChannelsTile<NOC, kRows>(in, channel_stride, in_channels, g, r, x, weights, bias, out,
                                     out_stride, fused, epilogue);
    for (; r < g.rows; ++r)
        for (int x = 0; x < g.width; x += N)
            ChannelsTile<NOC, 1>(in, channel_stride, in_channels, g, r, x, weights, bias, out,
                                 out_stride, fused, epilogue);
}

void CorrelateChannels(ConstPlane in, std::size_t channel_stride, int in_channels,
                       const ConvGeometry& g, const float* weights, const float* bias,
                       int out_count, float* const* out, std::size_t out_stride,
                       float* const* fused, const Epilogue& epilogue) {
    switch (out_count) {
    case 8:
        return ChannelsBlock<8>(in, channel_stride, in_channels, g, weights, bias, out, out_stride,
                                fused, epilogue);
    case 4:
        return ChannelsBlock<4>(in, channel_stride, in_channels, g, weights, bias, out, out_stride,
                                fused, epilogue);
    case 2:
        return ChannelsBlock<2>(in, channel_stride, in_channels, g, weights, bias, out, out_stride,
                                fused, epilogue);
    default:
        return ChannelsBlock<1>(in, channel_stride, in_channels, g, weights, bias, out, out_stride,
                                fused, epilogue);
    }
}

void ColumnWindowSums(ConstPlane in, int rows, int width, int window, Plane out) {
    const D d;
    const int N = static_cast<int>(hn::Lanes(d));
    for (int x = 0; x < width; x += N) {
        V sum = hn::LoadU(d, in.row(0) + x);
        for (int k = 1; k < window; ++k)
            sum = sum + hn::LoadU(d, in.row(k) + x);
        hn::StoreU(sum, d, out.row(0) + x);
        for (int r = 1; r < rows; ++r) {
            // Slide the window down one row. Strips are short, so rounding cannot build up.
            sum = sum + hn::LoadU(d, in.row(r + window - 1) + x) - hn::LoadU(d, in.row(r - 1) + x);
            hn::StoreU(sum, d, out.row(r) + x);
        }
    }
}

} // namespace convscope::fast::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace convscope::fast {

HWY_EXPORT(CorrelatePlane);
HWY_EXPORT(CorrelateChannels);
HWY_EXPORT(ColumnWindowSums);

void column_window_sums(ConstPlane in, int rows, int width, int window, Plane out) {
    HWY_DYNAMIC_DISPATCH(ColumnWindowSums)(in, rows, width, window, out);
}

void correlate_plane(ConstPlane in, const ConvGeometry& g, const float* kernel, float bias,
                     Plane out, float* fused_base, const Epilogue& epilogue) {
    HWY_DYNAMIC_DISPATCH(CorrelatePlane)(in, g, kernel, bias, out, fused_base, epilogue);
    if (epilogue.stream_output)
        hwy::FlushStream(); // streamed lines must be visible before the task completes
}

void correlate_channels(ConstPlane in, std::size_t channel_stride, int in_channels,
                        const ConvGeometry& g, const float* weights, const float* bias,
                        int out_count, float* const* out, std::size_t out_stride,
                        float* const* fused, const Epilogue& epilogue) {
    HWY_DYNAMIC_DISPATCH(CorrelateChannels)
    (in, channel_stride, in_channels, g, weights, bias, out_count, out, out_stride, fused,
     epilogue);
    if (epilogue.stream_output)
        hwy::FlushStream();
}

} // namespace convscope::fast
#endif
