// Winograd F(m×m, 3×3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for the 3×3 layers of deep networks.
//
// Each m×m block of outputs (a tile) comes from an (m+2)×(m+2) block of inputs: with
// V = Bᵀ d B (input), U = G g Gᵀ (weights) and M = Σ_c U ⊙ V, the outputs are Aᵀ M A. The sum
// over input channels is, for each of the (m+2)² elements ξ, a matrix product
// M_ξ[out][tile] = U_ξ[out][in] · V_ξ[in][tile] — where the FLOPs go, (m+2)²/(9m²) of the direct
// convolution's (1/4 for m = 4, 4/9 for m = 2). Three parallel passes:
//   1. input transform, split over input channels (each builds its padded rows, any padding mode);
//   2. the products, split over ξ × panels of output channels: every thread busy even on a 7×7
//      map with 4 tiles, where splitting rows would leave one thread idle;
//   3. output transform and the fused store step, split over output channels.
// U is computed once per edit in double precision and cached in the layer's PackedWeights.
//
// Accuracy: the transforms mix values of different magnitudes (F(4,3)'s points ±2 scale inputs
// by up to 4 · 5 and outputs by up to 8 · 8), so float rounding grows: the result stays within
// 1e-4 of the reference relative to the largest output (about 1e-6 measured on random layers of
// 64–512 channels), like the FFT path, and the kernel name says "winograd".

#include "fast/fast_ops.hpp"
#include "fast/padded_rows.hpp"

#include "convscope/memory_budget.hpp"

#include <algorithm>
#include <array>

namespace convscope::fast {

namespace {

constexpr int kWinogradMethod = 1; // PackedWeights::method of transformed weights

// G for F(m, 3): the weight transform, (m + 2) × 3.
const double kG4[6][3] = {{1.0 / 4, 0, 0},
                          {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                          {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                          {1.0 / 24, 1.0 / 12, 1.0 / 6},
                          {1.0 / 24, -1.0 / 12, 1.0 / 6},
                          {0, 0, 1}};
const double kG2[4][3] = {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}};

double g_at(int m, int row, int col) {
    return m == 4 ? kG4[row][col] : kG2[row][col];
}

struct Geometry {
    int m, alpha, elements; // tile, tile + 2, (tile + 2)²
    int tiles_x, tiles_y, tiles;
    int lanes;
    std::size_t tile_stride; // floats per transformed plane: tiles rounded up, plus a vector
    int panel_rows, panels;  // output channels per panel of U, panels
    int in_channels, out_channels;

    Geometry(const Conv2d& conv, int tile, Shape output) {
        m = tile;
        alpha = m + 2;
        elements = alpha * alpha;
        tiles_x = (output.width + m - 1) / m;
        tiles_y = (output.height + m - 1) / m;
        tiles = tiles_x * tiles_y;
        lanes = simd_lanes();
        tile_stride = static_cast<std::size_t>((tiles + lanes - 1) / lanes + 1) * lanes;
        panel_rows = gemm_panel_rows();
        in_channels = conv.weights.in_channels;
        out_channels = conv.weights.out_channels;
        panels = (out_channels + panel_rows - 1) / panel_rows;
    }
    int tiles_rounded() const { return (tiles + lanes - 1) / lanes * lanes; }
    std::size_t panel_floats() const {
        return static_cast<std::size_t>(panels) * panel_rows * in_channels;
    }
    // The transformed inputs V and the products M of one ξ.
    std::size_t v_floats() const { return static_cast<std::size_t>(in_channels) * tile_stride; }
    std::size_t m_floats() const {
        return static_cast<std::size_t>(panels) * panel_rows * tile_stride;
    }
    // The padded rows of one input channel, which pass 1 builds per thread.
    int padded_rows() const { return tiles_y * m + 2; }
    int padded_cols() const { return (tiles_x + lanes) * m + 8; } // loads read past the tiles
    std::size_t padded_stride() const { return padded_row_stride(padded_cols()); }
};

// U_ξ for every (out, in) pair, packed as the products read it: [ξ][panel][in][panel row],
// rows past the last output channel zero.
void transform_weights(const Conv2d& conv, const Geometry& g, FloatBuffer& packed) {
    const ConvWeights& w = conv.weights;
    packed.assign(g.elements * g.panel_floats(), 0.0f);
    for (int o = 0; o < w.out_channels; ++o)
        for (int c = 0; c < w.in_channels; ++c) {
            // G g Gᵀ in double: the rounding happens once, at the end.
            double gg[6][3] = {};
            for (int a = 0; a < g.alpha; ++a)
                for (int x = 0; x < 3; ++x)
                    for (int y = 0; y < 3; ++y)
                        gg[a][x] += g_at(g.m, a, y) * w.at(o, c, y, x);
            const int p = o / g.panel_rows, r = o % g.panel_rows;
            for (int a = 0; a < g.alpha; ++a)
                for (int b = 0; b < g.alpha; ++b) {
                    double u = 0;
                    for (int x = 0; x < 3; ++x)
                        u += gg[a][x] * g_at(g.m, b, x);
                    const std::size_t xi = a * g.alpha + b;
                    packed[xi * g.panel_floats() +
                           (static_cast<std::size_t>(p) * w.in_channels + c) * g.panel_rows + r] =
                        static_cast<float>(u);
                }
        }
}

// Tasks per pass: enough to balance the threads, few enough that each has real work.
int chunks(int items, int target) {
    return std::max(1, std::min(items, target));
}

} // namespace

ChannelStores ConvChain::channel(Tensor& out, int o, float bias) const {
    ChannelStores s;
    s.stride = out.row_stride();
    s.width = out.width();
    s.bias = bias;
    s.conv = out.channel_data(o);
    if (normalized) {
        s.scale = scale[o];
        s.shift = shift[o];
        s.normalized = normalized->channel_data(o);
    }
    if (sum) {
        s.residual = residual->channel_data(o);
        s.sum = sum->channel_data(o);
    }
    if (activated) {
        s.activation = activation;
        s.activated = activated->channel_data(o);
    }
    return s;
}

// The crossovers, measured on AMD EPYC (Zen 3, AVX2), one thread, best of 40 runs (ms):
//   vs the packed direct path: 16→16 on 56×56: F(4,3) 0.246, F(2,3) 0.265, direct 0.302;
//     8→8 on 56×56: F(4,3) 0.084, direct 0.084 — so at least 16 channels each way;
//   F(4,3) vs F(2,3): 64→64 on 56×56 1.46 vs 1.76, 128→128 on 28×28 1.37 vs 1.70,
//     256→256 on 14×14 1.92 vs 2.06, 128→128 on 14×14 0.52 vs 0.57, 16→16 on 224×224 4.6 vs 5.9;
//     but 32→32 on 28×28 0.258 vs 0.222, 64→64 on 14×14 0.254 vs 0.236, 64→64 on 7×7 0.125 vs
//     0.078: F(4,3) needs enough tiles for its 36 products (64, or 16 with ≥ 64 channels), and
//   512→512 on 7×7: F(2,3) 5.0, F(4,3) 8.6, direct 9.6 — F(4,3)'s transformed weights (4× the
//     weights, 36 MB there) no longer fit the last-level cache and are read from memory.
int winograd_tile(const Conv2d& conv, const Shape& input) {
    const ConvWeights& w = conv.weights;
    if (w.kernel_h != 3 || w.kernel_w != 3 || conv.stride != Pair{1, 1} ||
        conv.dilation != Pair{1, 1} || conv.groups != 1)
        return 0;
    if (w.in_channels < 16 || w.out_channels < 16)
        return 0;
    const PadSides pad = conv.pad_sides();
    const int out_h = input.height + pad.top + pad.bottom - 2;
    const int out_w = input.width + pad.left + pad.right - 2;
    const int tiles4 = ((out_h + 3) / 4) * ((out_w + 3) / 4);
    const double f4_bytes = 36.0 * 4 * w.in_channels * w.out_channels;
    const bool enough_tiles =
        tiles4 >= 64 || (tiles4 >= 16 && std::min(w.in_channels, w.out_channels) >= 64);
    return f4_bytes <= 16.0 * 1024 * 1024 && enough_tiles ? 4 : 2;
}

std::uint64_t winograd_scratch_bytes(const Conv2d& conv, int m, Shape output, int threads) {
    const Geometry g(conv, m, output);
    // V and M for every ξ (the workspace keeps them: 36/16 of the input and output maps for
    // F(4×4, 3×3)), and each thread's padded rows.
    const std::uint64_t kept = saturating_mul(static_cast<std::uint64_t>(g.elements),
                                              saturating_add(g.v_floats(), g.m_floats()));
    const std::uint64_t per_thread =
        saturating_mul(static_cast<std::uint64_t>(g.padded_rows()), g.padded_stride());
    return saturating_mul(
        saturating_add(kept, saturating_mul(per_thread, static_cast<std::uint64_t>(threads))),
        sizeof(float));
}

std::uint64_t winograd_weight_bytes(const Conv2d& conv, int m, Shape output) {
    const Geometry g(conv, m, output);
    return saturating_mul(static_cast<std::uint64_t>(g.elements) * g.panel_floats(), sizeof(float));
}

void conv_winograd(const Conv2d& conv, int m, const Tensor& input, Tensor& output,
                   const ConvChain& chain, PackedWeights& packed, Workspace& workspace,
                   ScratchPool& scratch, const CancelToken* cancel, std::string& kernel) {
    const Geometry g(conv, m, output.shape());
    const int detail = m * 1000 + g.panel_rows; // the layout depends on both
    if (!packed.holds(kWinogradMethod, detail, conv.weights)) {
        transform_weights(conv, g, packed.values);
        packed.remember(kWinogradMethod, detail, conv.weights);
    }

    const std::size_t v_xi = g.v_floats();
    const std::size_t m_xi = g.m_floats();
    float* v = grow(workspace.transformed_inputs, g.elements * v_xi);
    float* products = grow(workspace.products, g.elements * m_xi);

    // 1. Input transform. Padded rows cover every tile (rows and columns past the padded input
    // read as its padding mode says; the outputs they feed are never stored).
    const PadSides pad = conv.pad_sides();
    const int rows = g.padded_rows();
    const std::size_t stride = g.padded_stride();
    PadSides wide = pad;
    wide.right = g.padded_cols() - pad.left - input.width();
    const double work = static_cast<double>(output.shape().elements()) * g.in_channels * 9;
    scratch.reserve(0, rows * stride);
    const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
    const int in_tasks = chunks(g.in_channels, 8 * threads);
    parallel_tasks(in_tasks, work, scratch, cancel, [&](int task, ThreadScratch& s) {
        float* plane = s.get(0, rows * stride);
        for (int c = task * g.in_channels / in_tasks; c < (task + 1) * g.in_channels / in_tasks;
             ++c) {
            copy_padded_rows(input, c, wide, conv.padding_mode, 0, rows, plane, stride);
            winograd_input_tiles(m, {plane, stride}, g.tiles_x, g.tiles_y, v + c * g.tile_stride,
                                 v_xi);
        }
    });
    if (is_cancelled(cancel))
        return;

    // 2. The products, one per ξ and run of panels.
    const int panel_runs = chunks(g.panels, (4 * threads + g.elements - 1) / g.elements);
    parallel_tasks(g.elements * panel_runs, work, scratch, cancel, [&](int task, ThreadScratch&) {
        const int xi = task / panel_runs, run = task % panel_runs;
        const int p0 = run * g.panels / panel_runs, p1 = (run + 1) * g.panels / panel_runs;
        multiply_panels(packed.values.data() + xi * g.panel_floats() +
                            static_cast<std::size_t>(p0) * g.panel_rows * g.in_channels,
                        p1 - p0, g.in_channels, v + xi * v_xi, g.tile_stride, 0, g.tiles_rounded(),
                        products + xi * m_xi +
                            static_cast<std::size_t>(p0) * g.panel_rows * g.tile_stride,
                        g.tile_stride);
    });
    if (is_cancelled(cancel))
        return;

    // 3. Output transform, bias and the fused layers.
    const int out_tasks = chunks(g.out_channels, 8 * threads);
    parallel_tasks(out_tasks, work, scratch, cancel, [&](int task, ThreadScratch&) {
        for (int o = task * g.out_channels / out_tasks; o < (task + 1) * g.out_channels / out_tasks;
             ++o) {
            const float bias = conv.bias.empty() ? 0.0f : conv.bias[o];
            winograd_output_tiles(m, products + o * g.tile_stride, m_xi, g.tiles_x, g.tiles_y,
                                  output.width(), output.height(), chain.channel(output, o, bias));
        }
    });
    name_kernel(kernel, m == 4 ? "winograd4x4" : "winograd2x2");
}

} // namespace convscope::fast
