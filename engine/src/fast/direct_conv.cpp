// Direct convolution with packed weights, for multi-channel layers Winograd does not take
// (strided stems and downsampling layers, 5×5 and 7×7 kernels, dilation, few channels, groups).
//
// The input of each task (a strip of output rows) is split into sh × sw phase planes per
// channel: phase (a, b) holds the padded input's rows a, a + sh, ... and columns b, b + sw, ....
// Tap (ky, kx) then reads one phase plane at a fixed offset, and a stride is no longer a stride:
// no output is computed only to be dropped. Each plane is stored flat, its rows Q floats apart,
// so output (y, x) is column y·Q + x of every tap's plane — one matrix product over the whole
// strip, whatever the width of the map (a 7×7 map is 63 columns, not seven rows of one vector):
//   out[o][y·Q + x] = bias[o] + Σ_(c, ky, kx) w[o][c][ky][kx] · plane(c, ky, kx)[offset + y·Q + x]
// The product reads those rows in place through a table of offsets (no im2col copy), with the
// register tile of every product in the engine (gemm-inl.h), and stores each tile straight from
// its accumulators through the fused store step (no product buffer written and read back).
// The Q − out_w columns past each row's end (the kernel's reach) are computed and dropped:
// 2/9 on a 7×7 map, 3% on 56×56.

#include "fast/fast_ops.hpp"
#include "fast/padded_rows.hpp"

#include "convscope/memory_budget.hpp"

#include <algorithm>

namespace convscope::fast {

namespace {

constexpr int kPackedDirectMethod = 3; // PackedWeights::method of direct panels
// A task's phase planes stay in L2 (half of this machine's 512 KB).
constexpr std::size_t kStripBytes = 256 * 1024;

struct Layout {
    int sw, sh, dw, dh, kh, kw;
    int in_channels, out_per_group, groups;
    int out_h, out_w;
    int padded_width;
    int q;                      // floats between rows of a phase plane
    int strip;                  // output rows per task
    int plane_rows;             // rows of each phase plane for a full strip
    std::size_t plane_floats;   // one phase plane, with slack for whole-vector reads
    std::size_t channel_floats; // sh · sw planes

    Layout(const Conv2d& conv, Shape input, Shape output, int threads) {
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
        out_h = output.height;
        out_w = output.width;
        const PadSides pad = conv.pad_sides();
        padded_width = pad.left + input.width + pad.right;
        q = std::max((padded_width + sw - 1) / sw, out_w + (kw - 1) * dw / sw);
        const int lanes = simd_lanes();
        // Strips as tall as L2 holds the planes of every input channel, and at least two per
        // thread when the map has four rows for each: every task splits its strip's input
        // into phase planes itself, so splitting a strip's output channels between tasks
        // repeats that copy (3×3 stride 2, 64→128 on 56×56, two threads: 30% of the time went
        // to the copies with two runs of panels per strip). A small late layer stays one strip,
        // its output channels shared by the threads, not one row per task.
        const std::size_t row_bytes = static_cast<std::size_t>(q) * sw * sizeof(float) *
                                      in_channels; // one padded input row, all channels
        const int min_strips = out_h >= 8 * threads ? 2 * threads : 1;
        strip = strip_height(out_h, sh, (kh - 1) * dh + 1, row_bytes, kStripBytes,
                             std::max(1, min_strips / groups));
        plane_rows = strip + (kh - 1) * dh / sh + 1;
        plane_floats = static_cast<std::size_t>(plane_rows) * q + 2 * lanes;
        channel_floats = plane_floats * sh * sw;
    }
    int taps() const { return in_channels * kh * kw; }
    int columns(int rows) const { return rows * q; }
};

// The tasks (groups × strips × runs of panels: late layers have few rows but many channels) and
// the scratch each takes: the phase planes of every input channel, one padded row.
struct Tasks {
    int panels, strips, panel_runs;
    std::size_t row_floats;
    std::size_t ldp = 0, partial_floats = 0; // sums between blocks of k (none: k is one block)

    Tasks(const Layout& L, int rows, int threads) {
        panels = (L.out_per_group + rows - 1) / rows;
        strips = (L.out_h + L.strip - 1) / L.strip;
        panel_runs = std::min(
            panels, std::max(1, (2 * threads + L.groups * strips - 1) / (L.groups * strips)));
        row_floats = padded_row_stride(std::max(L.padded_width, L.q * L.sw));
        if (L.taps() > gemm_block_steps()) {
            const int lanes = simd_lanes();
            ldp = static_cast<std::size_t>((L.columns(L.strip) + lanes - 1) / lanes * lanes);
            partial_floats =
                static_cast<std::size_t>((panels + panel_runs - 1) / panel_runs) * rows * ldp;
        }
    }
    std::size_t plane_floats(const Layout& L) const { return L.channel_floats * L.in_channels; }
};

// Offsets of tap (c, ky, kx) from the strip's first output, in the phase-plane layout.
void tap_offsets(const Layout& L, std::vector<std::ptrdiff_t>& offsets) {
    offsets.resize(L.taps());
    std::size_t k = 0;
    for (int c = 0; c < L.in_channels; ++c)
        for (int ky = 0; ky < L.kh; ++ky)
            for (int kx = 0; kx < L.kw; ++kx) {
                const int row = ky * L.dh, column = kx * L.dw;
                const int phase = (row % L.sh) * L.sw + column % L.sw;
                offsets[k++] = static_cast<std::ptrdiff_t>(
                    c * L.channel_floats + phase * L.plane_floats +
                    static_cast<std::size_t>(row / L.sh) * L.q + column / L.sw);
            }
}

// The phase planes of channel `channel` for the strip starting at output row y0.
void copy_phase_planes(const Tensor& input, int channel, const Conv2d& conv, const Layout& L,
                       int y0, float* planes, float* row) {
    const PadSides pad = conv.pad_sides();
    const int first = y0 * L.sh; // padded row of plane row 0, phase 0
    if (L.sh == 1 && L.sw == 1) {
        copy_padded_rows(input, channel, pad, conv.padding_mode, first, L.plane_rows, planes, L.q);
    } else {
        const std::size_t row_stride = padded_row_stride(std::max(L.padded_width, L.q * L.sw));
        for (int t = 0; t < L.plane_rows * L.sh; ++t) {
            copy_padded_rows(input, channel, pad, conv.padding_mode, first + t, 1, row, row_stride);
            const int a = t % L.sh, j = t / L.sh;
            float* phase_row = planes + a * L.sw * L.plane_floats + j * L.q;
            if (L.sw == 2) { // the stems and downsampling layers: split with SIMD shuffles
                deinterleave_pairs(row, L.q, phase_row, phase_row + L.plane_floats);
                continue;
            }
            for (int b = 0; b < L.sw; ++b) {
                float* dst = phase_row + b * L.plane_floats;
                for (int i = 0; i < L.q; ++i)
                    dst[i] = row[i * L.sw + b]; // the row's slack reads as zeros
            }
        }
    }
    for (int p = 0; p < L.sh * L.sw; ++p) // whole-vector reads past the last row
        std::fill(planes + p * L.plane_floats + static_cast<std::size_t>(L.plane_rows) * L.q,
                  planes + (p + 1) * L.plane_floats, 0.0f);
}

} // namespace

// Against the channel-blocked kernel of fast_conv.cpp (direct-oc8), one thread, best of 15 (ms):
// 3→16 on 1000×1000 26.1 vs 34.5, 3→8 17.8 vs 18.4, 8→8 5×5 on 300×300 5.8 vs 5.2, 4→4 on
// 300×300 0.64 vs 0.60: the packed path from 12 outputs per group.
bool packed_direct_applies(const Conv2d& conv) {
    return conv.weights.in_channels >= 2 && conv.weights.out_channels / conv.groups >= 12;
}

std::uint64_t packed_direct_scratch_bytes(const Conv2d& conv, Shape input, Shape output,
                                          int threads) {
    const int rows = gemm_panel_rows();
    const Layout L(conv, input, output, threads);
    const Tasks t(L, rows, threads);
    const std::uint64_t per_thread =
        saturating_add(saturating_add(t.plane_floats(L), t.row_floats), t.partial_floats);
    // The workspace's tap offsets and every output channel's stores.
    const std::uint64_t kept =
        static_cast<std::uint64_t>(L.taps()) * sizeof(std::ptrdiff_t) +
        static_cast<std::uint64_t>(conv.weights.out_channels) * sizeof(ChannelStores);
    return saturating_add(
        saturating_mul(saturating_mul(per_thread, static_cast<std::uint64_t>(threads)),
                       sizeof(float)),
        kept);
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
    const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
    const Layout L(conv, input.shape(), output.shape(), threads);
    std::vector<std::ptrdiff_t>& offsets = workspace.tap_offsets;
    tap_offsets(L, offsets);
    const std::size_t group_floats = weight_panel_floats(conv, rows);
    const Tasks t(L, rows, threads);
    const int panels = t.panels, strips = t.strips, panel_runs = t.panel_runs;
    const std::size_t row_floats = t.row_floats;
    scratch.reserve(0, t.plane_floats(L));
    scratch.reserve(1, row_floats);
    scratch.reserve(2, t.partial_floats);
    // Every output channel's stores, worked out once (the vector keeps its capacity).
    std::vector<ChannelStores>& stores = workspace.channel_stores;
    stores.resize(w.out_channels);
    for (int o = 0; o < w.out_channels; ++o)
        stores[o] = chain.channel(output, o, conv.bias.empty() ? 0.0f : conv.bias[o]);

    const double work = static_cast<double>(output.shape().elements()) * L.taps();
    parallel_tasks(L.groups * strips * panel_runs, work, scratch, cancel,
                   [&](int task, ThreadScratch& s) {
                       const int g = task / (strips * panel_runs);
                       const int y0 = (task / panel_runs) % strips * L.strip;
                       const int run = task % panel_runs;
                       const int strip_rows = std::min(L.strip, L.out_h - y0);
                       float* planes = s.get(0, t.plane_floats(L));
                       float* row = s.get(1, row_floats);
                       for (int c = 0; c < L.in_channels; ++c)
                           copy_phase_planes(input, g * L.in_channels + c, conv, L, y0,
                                             planes + c * L.channel_floats, row);

                       const Split runs{panels, panel_runs};
                       const int p0 = runs.start(run), np = runs.start(run + 1) - p0;
                       const int first = g * L.out_per_group + p0 * rows;
                       multiply_panels_gathered_to_rows(
                           packed.values.data() + g * group_floats +
                               static_cast<std::size_t>(p0) * rows * L.taps(),
                           np, L.taps(), planes, offsets.data(), L.columns(strip_rows),
                           {L.q, L.out_w, y0, y0 + strip_rows}, stores.data() + first,
                           L.out_per_group - p0 * rows, s.get(2, t.partial_floats), t.ldp);
                   });
    name_kernel(kernel, "direct-packed");
}

} // namespace convscope::fast
