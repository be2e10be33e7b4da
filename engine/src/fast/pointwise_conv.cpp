// 1×1 convolutions as a matrix product, blocked as BLIS blocks one:
//   out[o][p] = bias[o] + Σ_c w[o][c] · in[c][p]   over output positions p (row by row).
// The positions are cut into blocks whose input slice (every channel × the block's positions,
// packed densely: row padding and strides left out) stays in L2; each task packs one block,
// then every panel of the packed weights (L1) passes over it with the register tile of
// gemm-inl.h, and the panel's rows go out through the fused store step. Tasks are blocks ×
// runs of panels, so late layers with small maps still keep every thread busy.

#include "fast/fast_ops.hpp"

#include "convscope/memory_budget.hpp"

#include <algorithm>
#include <cstring>

namespace convscope::fast {

namespace {

constexpr int kPointwiseMethod = 2; // PackedWeights::method of 1×1 panels
// A task's packed input block and its products (every output channel of its run × the block)
// stay in L2: each at most a quarter of this machine's 512 KB.
constexpr std::size_t kBlockBytes = 128 * 1024;

// How the positions are cut into blocks and the panels into runs (tasks: blocks × runs), and
// the scratch each task takes.
struct Blocking {
    int block = 0, blocks = 0, panel_runs = 0;
    std::size_t ldb = 0;          // floats between channels of a packed block
    std::size_t input_floats = 0; // the packed input block
    std::size_t product_floats = 0;

    Blocking(int positions, int cin, int panels, int rows, int threads, int lanes) {
        // Blocks of positions (whole vectors), at least two per thread when the map allows.
        const int quantum = 4 * lanes;
        blocks = std::max<int>(
            1, static_cast<int>(
                   (static_cast<std::size_t>(positions) * cin * sizeof(float) + kBlockBytes - 1) /
                   kBlockBytes));
        blocks = std::max(blocks, std::min(2 * threads, (positions + quantum - 1) / quantum));
        blocks = (blocks + threads - 1) / threads * threads;
        block = (((positions + blocks - 1) / blocks) + quantum - 1) / quantum * quantum;
        blocks = (positions + block - 1) / block;
        panel_runs = std::min(panels, std::max(1, (2 * threads + blocks - 1) / blocks));
        ldb = block + lanes;
        input_floats = static_cast<std::size_t>(cin) * ldb;
        product_floats =
            static_cast<std::size_t>((panels + panel_runs - 1) / panel_runs + 1) * rows * ldb;
    }
};

} // namespace

std::uint64_t pointwise_scratch_bytes(const Conv2d& conv, Shape output, int threads) {
    const int rows = gemm_panel_rows();
    const int panels = (conv.weights.out_channels + rows - 1) / rows;
    const Blocking b(output.height * output.width, conv.weights.in_channels, panels, rows, threads,
                     simd_lanes());
    return saturating_mul(
        saturating_mul(b.input_floats + b.product_floats, static_cast<std::uint64_t>(threads)),
        sizeof(float));
}

// 64→256 on 56×56, one thread: 2.74 ms against 3.15 for the packed direct path and 6.2 for
// direct-oc8; 256→64: 1.90, 2.80, 4.24. At 4–16 channels all three are within 10% (bound by
// memory): the product from 4 channels each way.
bool pointwise_applies(const Conv2d& conv) {
    const ConvWeights& w = conv.weights;
    const PadSides pad = conv.pad_sides();
    return w.kernel_h == 1 && w.kernel_w == 1 && conv.groups == 1 && w.in_channels >= 4 &&
           w.out_channels >= 4 && pad == PadSides{};
}

void conv_pointwise(const Conv2d& conv, const Tensor& input, Tensor& output, const ConvChain& chain,
                    PackedWeights& packed, ScratchPool& scratch, const CancelToken* cancel,
                    std::string& kernel) {
    const ConvWeights& w = conv.weights;
    const int rows = gemm_panel_rows(), lanes = simd_lanes();
    if (!packed.holds(kPointwiseMethod, rows, w)) {
        pack_weight_panels(conv, rows, packed.values);
        packed.remember(kPointwiseMethod, rows, w);
    }
    const int cin = w.in_channels, cout = w.out_channels;
    const int panels = (cout + rows - 1) / rows;
    const int out_w = output.width(), positions = output.height() * out_w;

    const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
    const Blocking blocking(positions, cin, panels, rows, threads, lanes);
    const int block = blocking.block, blocks = blocking.blocks;
    const int panel_runs = blocking.panel_runs;
    const std::size_t ldb = blocking.ldb;
    scratch.reserve(0, blocking.input_floats);
    scratch.reserve(1, blocking.product_floats);

    const double work = static_cast<double>(positions) * cin * cout;
    parallel_tasks(blocks * panel_runs, work, scratch, cancel, [&](int task, ThreadScratch& s) {
        const int b = task / panel_runs, run = task % panel_runs;
        const int p0 = b * block, count = std::min(block, positions - p0);
        const int columns = (count + lanes - 1) / lanes * lanes;
        // Pack the block: channel c's positions [p0, p0 + count) side by side.
        float* packed_in = s.get(0, cin * ldb);
        for (int c = 0; c < cin; ++c) {
            float* dst = packed_in + c * ldb;
            for (int p = p0; p < p0 + count;) {
                const int y = p / out_w, x = p % out_w, n = std::min(out_w - x, p0 + count - p);
                const float* src = input.row(c, y * conv.stride.h) + x * conv.stride.w;
                if (conv.stride.w == 1)
                    std::memcpy(dst, src, n * sizeof(float));
                else
                    for (int i = 0; i < n; ++i)
                        dst[i] = src[i * conv.stride.w];
                dst += n;
                p += n;
            }
            std::fill(dst, packed_in + c * ldb + columns, 0.0f);
        }
        // Every panel of the run over the block, then its rows out through the stores.
        const Split runs{panels, panel_runs};
        const int first = runs.start(run), np = runs.start(run + 1) - first;
        float* products = s.get(1, np * rows * ldb);
        multiply_panels(packed.values.data() + static_cast<std::size_t>(first) * rows * cin, np,
                        cin, packed_in, ldb, 0, columns, products, ldb);
        for (int r = 0; r < np * rows && first * rows + r < cout; ++r) {
            const int o = first * rows + r;
            const ChannelStores stores =
                chain.channel(output, o, conv.bias.empty() ? 0.0f : conv.bias[o]);
            const float* values = products + r * ldb;
            for (int p = p0; p < p0 + count;) {
                const int y = p / out_w, x = p % out_w;
                const int n = std::min(out_w - x, p0 + count - p);
                store_conv_row(values + (p - p0), x, n, y, stores);
                p += n;
            }
        }
    });
    name_kernel(kernel, "gemm1x1");
}

} // namespace convscope::fast
