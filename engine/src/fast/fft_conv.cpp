// Convolution through the FFT, for large kernels on one input channel per group.
//
// Overlap-save on T×T tiles: a tile's correlation with the kernel is IFFT(FFT(tile) ·
// conj(FFT(kernel))), exact except where the window wraps around the tile, so each tile yields
// (T − kh + 1) × (T − kw + 1) valid outputs. The kernel is real, so two tiles ride in one complex
// transform (one as the real part, one as the imaginary part) and come back apart. The cost per
// output no longer grows with the kernel's area, which wins once kernels are large; the float
// transforms trade a little accuracy (within 1e-4 relative) for it.

#include "fast/fast_ops.hpp"
#include "fast/padded_rows.hpp"

#include "convscope/memory_budget.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace convscope::fast {

namespace {

struct Extent {
    int h, w; // the kernel's reach, dilation included
};

Extent kernel_extent(const Conv2d& conv) {
    return {conv.dilation.h * (conv.weights.kernel_h - 1) + 1,
            conv.dilation.w * (conv.weights.kernel_w - 1) + 1};
}

// Tiles of 64 stay in L1/L2 and win for kernels reaching up to 24 cells; larger kernels need
// larger tiles to keep enough valid outputs per tile (measured on 1920×1080, AVX-512: a 27×27
// kernel takes 4.0 ms with 64-tiles and 3.3 ms with 128-tiles).
int tile_size(Extent k) {
    const int reach = std::max(k.h, k.w);
    if (reach <= 24)
        return 64;
    if (reach <= 64)
        return 128;
    int t = 256;
    while (t < 2 * reach)
        t *= 2;
    return t;
}

void build_tables(int t, Workspace& ws) {
    ws.fft_cos.resize(t / 2);
    ws.fft_sin.resize(t / 2);
    for (int k = 0; k < t / 2; ++k) {
        const double angle = 2.0 * std::numbers::pi * k / t;
        ws.fft_cos[k] = static_cast<float>(std::cos(angle));
        ws.fft_sin[k] = static_cast<float>(std::sin(angle));
    }
    ws.fft_bit_reverse.resize(t);
    const int bits = static_cast<int>(std::lround(std::log2(t)));
    for (int i = 0; i < t; ++i) {
        int r = 0;
        for (int b = 0; b < bits; ++b)
            r |= ((i >> b) & 1) << (bits - 1 - b);
        ws.fft_bit_reverse[i] = r;
    }
}

void forward_2d(float* re, float* im, int t, const Workspace& ws) {
    fft_columns(re, im, t, ws.fft_cos.data(), ws.fft_sin.data(), ws.fft_bit_reverse.data(), false);
    transpose_square(re, t);
    transpose_square(im, t);
    fft_columns(re, im, t, ws.fft_cos.data(), ws.fft_sin.data(), ws.fft_bit_reverse.data(), false);
}

void inverse_2d(float* re, float* im, int t, const Workspace& ws) {
    fft_columns(re, im, t, ws.fft_cos.data(), ws.fft_sin.data(), ws.fft_bit_reverse.data(), true);
    transpose_square(re, t);
    transpose_square(im, t);
    fft_columns(re, im, t, ws.fft_cos.data(), ws.fft_sin.data(), ws.fft_bit_reverse.data(), true);
}

// The spectra of every output channel's kernel (dilation spelled out as zeros), laid out as the
// tiles' spectra are: [re t×t][im t×t] per channel.
void kernel_spectra(const Conv2d& conv, int t, Workspace& ws) {
    const ConvWeights& w = conv.weights;
    const std::size_t plane = static_cast<std::size_t>(t) * t;
    ws.fft_spectra.assign(2 * plane * w.out_channels, 0.0f);
    for (int o = 0; o < w.out_channels; ++o) {
        float* re = ws.fft_spectra.data() + 2 * plane * o;
        float* im = re + plane;
        for (int ky = 0; ky < w.kernel_h; ++ky)
            for (int kx = 0; kx < w.kernel_w; ++kx)
                re[(ky * conv.dilation.h) * t + kx * conv.dilation.w] = w.at(o, 0, ky, kx);
        forward_2d(re, im, t, ws);
    }
}

} // namespace

bool prefer_fft(const Conv2d& conv) {
    // Direct correlation costs one FMA per tap; the FFT's cost hardly depends on the kernel.
    return conv.weights.in_channels == 1 && conv.stride.h == 1 && conv.stride.w == 1 &&
           conv.weights.kernel_h * conv.weights.kernel_w >= kFftMinTaps;
}

std::uint64_t fft_scratch_bytes(const Conv2d& conv, Shape input, Shape, int threads) {
    const std::uint64_t t = static_cast<std::uint64_t>(tile_size(kernel_extent(conv)));
    const PadSides pad = conv.pad_sides();
    const std::uint64_t padded_width =
        static_cast<std::uint64_t>(pad.left) + input.width + pad.right;
    const std::uint64_t stride = (padded_width + t + 15) / 16 * 16;
    const std::uint64_t plane = saturating_mul(t, t);
    // Kept: every output channel's spectrum (re and im planes) and the transform's tables;
    // per thread: a tile's padded rows and one spectrum.
    const std::uint64_t kept = saturating_add(
        saturating_mul(2 * plane, static_cast<std::uint64_t>(conv.weights.out_channels)), 3 * t);
    const std::uint64_t per_thread = saturating_add(saturating_mul(stride, t), 2 * plane);
    return saturating_mul(
        saturating_add(kept, saturating_mul(per_thread, static_cast<std::uint64_t>(threads))),
        sizeof(float));
}

void conv_fft(const Conv2d& conv, const Tensor& input, Tensor& output, Tensor* fused,
              const Epilogue& epilogue, Workspace& ws, ScratchPool& scratch,
              const CancelToken* cancel, std::string& kernel) {
    const ConvWeights& w = conv.weights;
    const Extent k = kernel_extent(conv);
    const int t = tile_size(k);
    const int valid_h = t - k.h + 1, valid_w = t - k.w + 1;
    build_tables(t, ws);
    kernel_spectra(conv, t, ws);

    const PadSides pad = conv.pad_sides();
    const int padded_width = pad.left + input.width() + pad.right;
    // Room for a whole tile past the last output column: those cells read zeros.
    const std::size_t stride = (static_cast<std::size_t>(padded_width) + t + 15) / 16 * 16;
    const int out_h = output.height(), out_w = output.width();
    const int out_per_group = w.out_channels / conv.groups;
    const int strips = (out_h + valid_h - 1) / valid_h;
    const int tiles_x = (out_w + valid_w - 1) / valid_w;
    const std::size_t plane = static_cast<std::size_t>(t) * t;
    const float scale = 1.0f / static_cast<float>(plane);
    const double work = static_cast<double>(output.shape().elements()) * w.kernel_h * w.kernel_w;
    scratch.reserve(0, stride * t);
    scratch.reserve(1, 2 * plane);

    parallel_tasks(conv.groups * strips, work, scratch, cancel, [&](int task, ThreadScratch& s) {
        const int g = task / strips;
        const int y0 = (task % strips) * valid_h;
        const int rows = std::min(valid_h, out_h - y0);
        float* padded = s.get(0, stride * t);
        copy_padded_rows(input, g, pad, conv.padding_mode, y0, t, padded, stride);
        float* re = s.get(1, 2 * plane);
        float* im = re + plane;

        for (int oi = 0; oi < out_per_group; ++oi) {
            const int o = g * out_per_group + oi;
            const float bias = conv.bias.empty() ? 0.0f : conv.bias[o];
            const float* kre = ws.fft_spectra.data() + 2 * plane * o;
            const float* kim = kre + plane;
            for (int tx = 0; tx < tiles_x; tx += 2) {
                // Tile tx in the real part, tile tx + 1 (if any) in the imaginary part.
                const int xa = tx * valid_w, xb = (tx + 1) * valid_w;
                const bool has_b = tx + 1 < tiles_x;
                for (int y = 0; y < t; ++y) {
                    const float* src = padded + y * stride;
                    std::copy(src + xa, src + xa + t, re + y * t);
                    if (has_b)
                        std::copy(src + xb, src + xb + t, im + y * t);
                    else
                        std::fill(im + y * t, im + (y + 1) * t, 0.0f);
                }
                forward_2d(re, im, t, ws);
                multiply_conjugate(re, im, kre, kim, static_cast<int>(plane));
                inverse_2d(re, im, t, ws);
                for (int y = 0; y < rows; ++y) {
                    float* out = output.row(o, y0 + y);
                    const int wa = std::min(valid_w, out_w - xa);
                    for (int x = 0; x < wa; ++x)
                        out[xa + x] = re[y * t + x] * scale + bias;
                    if (has_b) {
                        const int wb = std::min(valid_w, out_w - xb);
                        for (int x = 0; x < wb; ++x)
                            out[xb + x] = im[y * t + x] * scale + bias;
                    }
                }
            }
            if (fused)
                for (int y = 0; y < rows; ++y)
                    activate_row(output.row(o, y0 + y), fused->row(o, y0 + y), out_w, epilogue);
        }
    });
    name_kernel(kernel, "fft");
}

} // namespace convscope::fast
