// Direct convolution with packed weights, for multi-channel layers Winograd does not take
// (strided stems, 5×5 and 7×7 kernels, dilation, few channels, groups).
//
// For one output row, out[o][x] = bias[o] + Σ_(c,ky,kx) w[o][c][ky][kx] · in[c][y·sh + ky·dh]
// [x·sw + kx·dw] is a matrix product whose k-th row of B is a shifted row of the padded input.
// The kernel (multiply_panels_gathered) reads those rows in place through a table of offsets —
// no im2col copy — with the same register tile as every product in the engine: six output
// channels of packed weights (one broadcast each) against two vectors of the row.
//
// A stride along x would make those rows strided. Each task's padded input rows are therefore
// stored split into sw phases (phase p holds columns p, p + sw, p + 2·sw, ...): tap kx reads
// phase (kx·dw) mod sw at offset (kx·dw) div sw, a plain contiguous row, and no output is
// computed only to be dropped. Strides along y skip input rows directly.

#include "fast/fast_ops.hpp"
#include "fast/padded_rows.hpp"

#include <algorithm>

namespace convscope::fast {

namespace {

constexpr int kPackedDirectMethod = 3; // PackedWeights::method of direct panels
// A task's padded, phase-split input rows stay in L2 (half of this machine's 512 KB).
constexpr std::size_t kStripBytes = 256 * 1024;

struct Layout {
    int sw, sh, dw, dh, kh, kw;
    int in_channels, out_per_group, groups;
    int padded_width;
    int phase_width;          // floats per phase, whole vectors plus slack for the last tap
    std::size_t phase_stride; // = phase_width
    std::size_t row_floats;   // one padded input row: sw phases
    int strip;                // output rows per task
    int strip_input_rows;     // input rows a full strip reads
    std::size_t channel_floats;

    Layout(const Conv2d& conv, const Tensor& input, const Tensor& output) {
        const ConvWeights& w = conv.weights;
        sw = conv.stride.w;
        sh = conv.stride.h;
        dw = conv.dilation.w;
        dh = conv.dilation.h;
        kh = w.kernel_h;
        kw = w.kernel_w;
        in_channels = w.in_channels;
        groups = conv.groups;
        out_per_group = w.out_channels / groups;
        const PadSides pad = conv.pad_sides();
        padded_width = pad.left + input.width() + pad.right;
        const int lanes = simd_lanes();
        // Tap kx reads phase columns [off, off + out_w rounded up to vectors).
        const int reach = (kw - 1) * dw / sw + (output.width() + lanes - 1) / lanes * lanes;
        phase_width = std::max((padded_width + sw - 1) / sw, reach) + lanes;
        phase_width = (phase_width + 15) / 16 * 16;
        phase_stride = phase_width;
        row_floats = phase_stride * sw;
        const int halo = (kh - 1) * dh + 1;
        const std::size_t row_bytes = row_floats * sizeof(float) * in_channels;
        // Enough strips to balance the threads (the last strip is often short).
        const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
        strip = strip_height(output.height(), sh, halo, row_bytes, kStripBytes, 4 * threads);
        strip_input_rows = (strip - 1) * sh + halo;
        channel_floats = row_floats * strip_input_rows;
    }
    int taps() const { return in_channels * kh * kw; }
};

// Offsets of tap (c, ky, kx) from the strip's first row, in the phase-split layout.
void tap_offsets(const Layout& L, std::vector<std::ptrdiff_t>& offsets) {
    offsets.resize(L.taps());
    std::size_t k = 0;
    for (int c = 0; c < L.in_channels; ++c)
        for (int ky = 0; ky < L.kh; ++ky)
            for (int kx = 0; kx < L.kw; ++kx) {
                const int column = kx * L.dw;
                offsets[k++] =
                    static_cast<std::ptrdiff_t>(c * L.channel_floats + ky * L.dh * L.row_floats +
                                                (column % L.sw) * L.phase_stride + column / L.sw);
            }
}

// Padded input rows [first, first + count) of channel `channel`, split into phases.
void copy_phase_rows(const Tensor& input, int channel, const Conv2d& conv, const Layout& L,
                     int first, int count, float* dst, float* row) {
    const PadSides pad = conv.pad_sides();
    const std::size_t row_stride = padded_row_stride(L.padded_width);
    for (int i = 0; i < count; ++i) {
        float* out = dst + i * L.row_floats;
        if (L.sw == 1) {
            copy_padded_rows(input, channel, pad, conv.padding_mode, first + i, 1, out,
                             L.phase_stride);
            continue;
        }
        copy_padded_rows(input, channel, pad, conv.padding_mode, first + i, 1, row, row_stride);
        for (int p = 0; p < L.sw; ++p) {
            float* phase = out + p * L.phase_stride;
            int j = 0;
            for (int x = p; x < L.padded_width; x += L.sw)
                phase[j++] = row[x];
            std::fill(phase + j, phase + L.phase_width, 0.0f);
        }
    }
}

} // namespace

bool packed_direct_applies(const Conv2d& conv) {
    return conv.weights.in_channels >= 2 && conv.weights.out_channels / conv.groups >= 4;
}

void conv_packed_direct(const Conv2d& conv, const Tensor& input, Tensor& output,
                        const ConvChain& chain, PackedWeights& packed, Workspace& workspace,
                        ScratchPool& scratch, const CancelToken* cancel, std::string& kernel) {
    const ConvWeights& w = conv.weights;
    const int rows = gemm_panel_rows();
    if (!packed.holds(kPackedDirectMethod, rows, w)) {
        pack_weight_panels(conv, rows, packed.values);
        packed.remember(kPackedDirectMethod, rows, w);
    }
    const Layout L(conv, input, output);
    std::vector<std::ptrdiff_t>& offsets = workspace.tap_offsets;
    tap_offsets(L, offsets);
    const int panels = (L.out_per_group + rows - 1) / rows;
    const std::size_t group_floats = weight_panel_floats(conv, rows);
    const int out_h = output.height(), out_w = output.width();
    const int lanes = simd_lanes();
    const std::size_t ldc = (out_w + lanes - 1) / lanes * lanes + lanes;

    // Tasks: groups × strips × runs of panels (late layers have few rows but many channels).
    const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
    const int strips = (out_h + L.strip - 1) / L.strip;
    const int panel_runs =
        std::min(panels, std::max(1, (4 * threads + L.groups * strips - 1) / (L.groups * strips)));
    scratch.reserve(0, L.channel_floats * L.in_channels);
    scratch.reserve(1, padded_row_stride(L.padded_width));
    scratch.reserve(2, ((panels + panel_runs - 1) / panel_runs + 1) * rows * ldc);

    const double work = static_cast<double>(output.shape().elements()) * L.taps();
    parallel_tasks(
        L.groups * strips * panel_runs, work, scratch, cancel, [&](int task, ThreadScratch& s) {
            const int g = task / (strips * panel_runs);
            const int y0 = (task / panel_runs) % strips * L.strip;
            const int run = task % panel_runs;
            const int strip_rows = std::min(L.strip, out_h - y0);
            const int in_rows = (strip_rows - 1) * L.sh + (L.kh - 1) * L.dh + 1;
            float* in = s.get(0, L.channel_floats * L.in_channels);
            float* row = s.get(1, padded_row_stride(L.padded_width));
            for (int c = 0; c < L.in_channels; ++c)
                copy_phase_rows(input, g * L.in_channels + c, conv, L, y0 * L.sh, in_rows,
                                in + c * L.channel_floats, row);

            const Split runs{panels, panel_runs};
            const int p0 = runs.start(run), np = runs.start(run + 1) - p0;
            float* products = s.get(2, np * rows * ldc);
            for (int y = y0; y < y0 + strip_rows; ++y) {
                const float* base = in + static_cast<std::size_t>(y - y0) * L.sh * L.row_floats;
                multiply_panels_gathered(packed.values.data() + g * group_floats +
                                             static_cast<std::size_t>(p0) * rows * L.taps(),
                                         np, L.taps(), base, offsets.data(), out_w, products, ldc);
                for (int r = 0; r < np * rows && p0 * rows + r < L.out_per_group; ++r) {
                    const int o = g * L.out_per_group + p0 * rows + r;
                    store_conv_row(
                        products + r * ldc, 0, out_w, y,
                        chain.channel(output, o, conv.bias.empty() ? 0.0f : conv.bias[o]));
                }
            }
        });
    name_kernel(kernel, "direct-packed");
}

} // namespace convscope::fast
