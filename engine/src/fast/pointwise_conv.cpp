// 1×1 convolutions as a matrix product, blocked as BLIS blocks one:
//   out[o][p] = bias[o] + Σ_c w[o][c] · in[c][p]   over output positions p (row by row).
// The output rows are cut into blocks whose input slice (every channel × the block's rows,
// packed densely: strides left out, each row rounded up to whole vectors) stays in L2; each
// task packs one block, then every panel of the packed weights passes over it with the
// register tile of gemm-inl.h, and each tile goes out through the fused store step straight
// from its accumulators: no product is written to memory and read back. Rows rounded up to
// whole vectors keep every vector inside one output row (a row's last one ends in its
// padding), so no tile is split at a row's end. Tasks are blocks × runs of panels, so late
// layers with small maps still keep every thread busy.

#include "fast/fast_ops.hpp"

#include "convscope/memory_budget.hpp"

#include <algorithm>
#include <cstring>

namespace convscope::fast {

namespace {

constexpr int kPointwiseMethod = 2; // PackedWeights::method of 1×1 panels
// A task's packed input block stays in L2: a quarter of this machine's 512 KB.
constexpr std::size_t kBlockBytes = 128 * 1024;

// How the output rows are cut into blocks and the panels into runs (tasks: blocks × runs), and
// the scratch each task takes.
struct Blocking {
    int row_columns = 0;            // packed columns per output row: its width in whole vectors
    int block = 0, blocks = 0;      // output rows per block, blocks
    int panel_runs = 0;             // runs of panels per block
    std::size_t ldb = 0;            // floats between channels of a packed block
    std::size_t input_floats = 0;   // the packed input block
    std::size_t ldp = 0;            // floats between rows of the partial sums
    std::size_t partial_floats = 0; // sums between blocks of k (none when k is one block)

    Blocking(int out_h, int out_w, int cin, int panels, int rows, int threads, int lanes) {
        row_columns = (out_w + lanes - 1) / lanes * lanes;
        const std::size_t row_bytes = static_cast<std::size_t>(row_columns) * cin * sizeof(float);
        // At least two blocks per thread when the map has the rows, a multiple of the threads.
        blocks =
            std::max<int>(1, static_cast<int>((row_bytes * out_h + kBlockBytes - 1) / kBlockBytes));
        blocks = std::max(blocks, std::min(2 * threads, out_h));
        blocks = (blocks + threads - 1) / threads * threads;
        block = (out_h + blocks - 1) / blocks;
        blocks = (out_h + block - 1) / block;
        panel_runs = std::min(panels, std::max(1, (2 * threads + blocks - 1) / blocks));
        ldb = static_cast<std::size_t>(block) * row_columns + lanes;
        input_floats = static_cast<std::size_t>(cin) * ldb;
        ldp = static_cast<std::size_t>(block) * row_columns;
        if (cin > gemm_block_steps())
            partial_floats =
                static_cast<std::size_t>((panels + panel_runs - 1) / panel_runs) * rows * ldp;
    }
};

// Output rows [y0, y0 + rows): every input channel's values under them, each row rounded up to
// row_columns with zeros.
void pack_block(const Conv2d& conv, const Tensor& input, int y0, int rows, int out_w,
                const Blocking& b, float* packed) {
    const int sw = conv.stride.w;
    for (int c = 0; c < conv.weights.in_channels; ++c)
        for (int r = 0; r < rows; ++r) {
            float* dst = packed + c * b.ldb + static_cast<std::size_t>(r) * b.row_columns;
            const float* src = input.row(c, (y0 + r) * conv.stride.h);
            if (sw == 1)
                std::memcpy(dst, src, out_w * sizeof(float));
            else
                for (int x = 0; x < out_w; ++x)
                    dst[x] = src[x * sw];
            std::fill(dst + out_w, dst + b.row_columns, 0.0f);
        }
}

} // namespace

std::uint64_t pointwise_scratch_bytes(const Conv2d& conv, Shape output, int threads) {
    const int rows = gemm_panel_rows();
    const int panels = (conv.weights.out_channels + rows - 1) / rows;
    const Blocking b(output.height, output.width, conv.weights.in_channels, panels, rows, threads,
                     simd_lanes());
    // Each thread's packed block, and the stores of every output channel (the workspace's).
    const std::uint64_t stores =
        static_cast<std::uint64_t>(conv.weights.out_channels) * sizeof(ChannelStores);
    return saturating_add(saturating_mul(saturating_mul(b.input_floats + b.partial_floats,
                                                        static_cast<std::uint64_t>(threads)),
                                         sizeof(float)),
                          stores);
}

// Storing from the registers, against the product buffer it replaced (every product written,
// 447 KB a task, more than L2 beside the packed block, then read back for the store step):
// 64→256 on 56×56, AMD EPYC (AVX2), one thread, CPU time, best of 150, three alternations:
// 1.50 / 1.53 / 1.48 ms against 2.62 / 1.87 / 1.87 (70 GFLOP/s of a 90 peak).
//
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
                    PackedWeights& packed, Workspace& workspace, ScratchPool& scratch,
                    const CancelToken* cancel, std::string& kernel) {
    const ConvWeights& w = conv.weights;
    const int rows = gemm_panel_rows(), lanes = simd_lanes();
    if (!packed.holds(kPointwiseMethod, rows, w)) {
        pack_weight_panels(conv, rows, packed.values);
        packed.remember(kPointwiseMethod, rows, w);
    }
    const int cin = w.in_channels, cout = w.out_channels;
    const int panels = (cout + rows - 1) / rows;
    const int out_w = output.width(), out_h = output.height();

    const int threads = std::max(1, tbb::this_task_arena::max_concurrency());
    const Blocking blocking(out_h, out_w, cin, panels, rows, threads, lanes);
    scratch.reserve(0, blocking.input_floats);
    scratch.reserve(1, blocking.partial_floats);
    // Every output channel's stores, worked out once (the vector keeps its capacity).
    std::vector<ChannelStores>& stores = workspace.channel_stores;
    stores.resize(cout);
    for (int o = 0; o < cout; ++o)
        stores[o] = chain.channel(output, o, conv.bias.empty() ? 0.0f : conv.bias[o]);

    const double work = static_cast<double>(out_h) * out_w * cin * cout;
    const int panel_runs = blocking.panel_runs;
    parallel_tasks(blocking.blocks * panel_runs, work, scratch, cancel,
                   [&](int task, ThreadScratch& s) {
                       const int y0 = task / panel_runs * blocking.block;
                       const int run = task % panel_runs;
                       const int block_rows = std::min(blocking.block, out_h - y0);
                       float* packed_in = s.get(0, blocking.input_floats);
                       pack_block(conv, input, y0, block_rows, out_w, blocking, packed_in);
                       const Split runs{panels, panel_runs};
                       const int first = runs.start(run), np = runs.start(run + 1) - first;
                       multiply_panels_to_rows(
                           packed.values.data() + static_cast<std::size_t>(first) * rows * cin, np,
                           cin, packed_in, blocking.ldb, block_rows * blocking.row_columns,
                           {blocking.row_columns, blocking.row_columns, y0, y0 + block_rows},
                           stores.data() + first * rows, cout - first * rows,
                           s.get(1, blocking.partial_floats), blocking.ldp);
                   });
    name_kernel(kernel, "gemm1x1");
}

} // namespace convscope::fast
