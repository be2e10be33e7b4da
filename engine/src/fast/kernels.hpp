#pragma once
// The SIMD kernels of the fast backend, as plain functions. Each dispatches at run time to the
// best Highway target of the CPU (AVX-512, AVX2, SSE4, NEON, scalar); the per-target code lives
// in the .cpp files beside this header.
//
// Conventions shared by every kernel:
// - A plane's row r starts at base + r * stride (floats); rows are 64-byte aligned.
// - Kernels read and write whole vectors: a row must have room (slack) for the width rounded up
//   to a multiple of 16 floats, plus the kernel's reach. Values written past `width` land in
//   that slack and mean nothing.

#include <cstddef>
#include <cstdint>

namespace convscope::fast {

// An activation applied in a kernel's store step, written to a second output (fusion).
struct Epilogue {
    enum class Kind { None, ReLU, LeakyReLU, Sigmoid, Tanh };
    Kind kind = Kind::None;
    float negative_slope = 0.01f;
    // Write the plain output with streaming stores, past the caches: for a large conv output
    // that nothing in the pipeline reads again (its activation is the fused output). It saves
    // the read-for-ownership of every line, half the memory traffic of that output. The
    // output rows must be 64-byte aligned.
    bool stream_output = false;
};

// Where one output channel of a conv goes at store time, and the layers fused after it: each
// stage is optional (null: not fused) and writes its own map, since the app shows every layer.
//   conv       = Σ w·in + bias
//   normalized = scale · conv + shift          (a batch norm folded into a scale and a shift)
//   sum        = (normalized or conv) + residual[y][x]
//   activated  = act(the last of those)
// Every map has the output's shape, so one row stride serves all of them.
struct ChannelStores {
    std::size_t stride = 0; // floats between rows
    int width = 0;          // values per row (the rest of the stride is padding)
    float bias = 0;
    float* conv = nullptr;
    float scale = 1, shift = 0;
    float* normalized = nullptr;
    const float* residual = nullptr;
    float* sum = nullptr;
    Epilogue activation;
    float* activated = nullptr;
};

struct ConstPlane {
    const float* base;
    std::size_t stride;
    const float* row(int r) const { return base + static_cast<std::ptrdiff_t>(r) * stride; }
};

struct Plane {
    float* base;
    std::size_t stride;
    float* row(int r) const { return base + static_cast<std::ptrdiff_t>(r) * stride; }
};

// Geometry of a correlation on padded input: output row r, column x reads input row
// r * row_step + ky * dil_h, column x + kx * dil_w (columns at stride 1).
struct ConvGeometry {
    int rows;     // output rows to compute
    int width;    // outputs per row
    int row_step; // stride along y
    int kernel_h;
    int kernel_w;
    int dil_h;
    int dil_w;
};

// One input plane, one kernel: out = bias + Σ w·in; `fused` (optional) gets act(out).
void correlate_plane(ConstPlane in, const ConvGeometry& g, const float* kernel, float bias,
                     Plane out, float* fused_base, const Epilogue& epilogue);

// Several output channels at once from `in_channels` input planes (channel c's row r at
// in.base + c * channel_stride + r * in.stride). weights: [out_count][in_channels][kh][kw].
// Output channel o goes to out[o] (and fused[o] if fused is not null). out_count ≤ 8.
void correlate_channels(ConstPlane in, std::size_t channel_stride, int in_channels,
                        const ConvGeometry& g, const float* weights, const float* bias,
                        int out_count, float* const* out, std::size_t out_stride,
                        float* const* fused, const Epilogue& epilogue);

// out row r = Σ in rows r .. r + window − 1, for rows × width values: a running sum down each
// column (one add and one subtract per value, whatever the window).
void column_window_sums(ConstPlane in, int rows, int width, int window, Plane out);

// out[x] = act(in[x]) for x < n.
void activate_row(const float* in, float* out, int n, const Epilogue& epilogue);

// Element-wise max (is_max) or sum of `count` rows into out, for x < n.
void reduce_rows(const float* const* rows, int count, int n, bool is_max, float* out);

// out[x] = max or sum of in[x + k], k < window, for x < n (stride 1).
void reduce_window(const float* in, int n, int window, bool is_max, float* out);

// out[x] = max or sum of in[2x], in[2x + 1], for x < n (window 2, stride 2).
void reduce_pairs(const float* in, int n, bool is_max, float* out);

// even[i] = in[2i], odd[i] = in[2i + 1], for i < n (reads in[0, 2n) only).
void deinterleave_pairs(const float* in, int n, float* even, float* odd);

// out[x] *= scale[x] * factor, for x < n.
void scale_row(float* row, const float* scale, float factor, int n);

// FFT along the first index of an n×n complex array (re, im; row-major, n a power of two ≥ 16,
// 64-byte aligned): every column transformed at once, columns in the vector lanes. Forward is
// exp(−2πi·jk/n); inverse is unscaled. cos/sin tables hold cos and sin(2πk/n) for k < n/2.
void fft_columns(float* re, float* im, int n, const float* cos_table, const float* sin_table,
                 const int* bit_reverse, bool inverse);

// An n×n array transposed in place.
void transpose_square(float* a, int n);

// (re + i·im) *= conj(kre + i·kim), element-wise over `count` values (a multiple of 16).
void multiply_conjugate(float* re, float* im, const float* kre, const float* kim, int count);

// ---- Matrix products on packed panels (gemm_kernels.cpp) ------------------------------------
// A is packed in panels of gemm_panel_rows() rows: panel p holds rows p·R .. p·R + R − 1 as
// [k][R] (the R values of one step adjacent; rows past the matrix zero).

// c[r][col] = Σ_k a[r][k] · b[k][col] for every row of `panels` panels and columns
// [begin, end) (multiples of simd_lanes()); b rows ldb floats apart, c rows ldc.
void multiply_panels(const float* a, int panels, int k, const float* b, std::size_t ldb, int begin,
                     int end, float* c, std::size_t ldc);
// Where the columns of a product land in the output map: column c is output row
// y0 + c / q, column c % q; columns at or past `width` in a row (a direct convolution's reach
// past the row's end) and rows at or past y_end are dropped. With width = q (a multiple of
// simd_lanes()) whole vectors are stored, the last of a row into its padding.
struct OutputColumns {
    int q;
    int width;
    int y0, y_end;
};
// The product stored straight from the register tiles, with no product buffer: columns
// [0, columns) (rounded up to whole vectors) as `map` places them; row r of the product goes
// out through stores[r] (bias and the fused layers), for r < rows. All stores share one row
// stride. When k is more than gemm_block_steps(), the sums of the blocks of k before the last
// wait in `partial` (64-byte aligned, ldp a multiple of simd_lanes(), room for every row of
// the panels × the columns rounded up); otherwise partial may be null.
void multiply_panels_to_rows(const float* a, int panels, int k, const float* b, std::size_t ldb,
                             int columns, const OutputColumns& map, const ChannelStores* stores,
                             int rows, float* partial, std::size_t ldp);
// The same with row k of b at b + offsets[k].
void multiply_panels_gathered_to_rows(const float* a, int panels, int k, const float* b,
                                      const std::ptrdiff_t* offsets, int columns,
                                      const OutputColumns& map, const ChannelStores* stores,
                                      int rows, float* partial, std::size_t ldp);
// Steps of k the products take per pass over the columns.
int gemm_block_steps();
int gemm_panel_rows();
// Floats per vector of the target the kernels dispatch to.
int simd_lanes();

// Columns [x0, x0 + n) of output row y from values[0, n) through every store of `stores`.
void store_conv_row(const float* values, int x0, int n, int y, const ChannelStores& stores);

// ---- Winograd F(m×m, 3×3), m = 2 or 4 (winograd_kernels.cpp) ----------------------------------
// Tiles are numbered row by row (t = ty·tiles_x + tx); a transformed plane holds one value per
// tile, tiles in a row of floats; the (m+2)² planes of element ξ lie xi_stride floats apart.

// Input transform of one channel: tiles of (m+2)×(m+2) padded inputs starting every m rows and
// columns of `padded` (which must hold m·tiles + 2 rows and columns plus a vector of slack) into
// v[ξ·xi_stride + t]. Writes whole vectors: v needs a vector of slack after the last tile.
void winograd_input_tiles(int m, ConstPlane padded, int tiles_x, int tiles_y, float* v,
                          std::size_t xi_stride);

// Output transform of one output channel: the products m[ξ·xi_stride + t] back to m×m outputs
// per tile, stored through `stores` (rows < out_h, columns < out_w).
void winograd_output_tiles(int m, const float* products, std::size_t xi_stride, int tiles_x,
                           int tiles_y, int out_w, int out_h, const ChannelStores& stores);

// The Highway target the kernels dispatch to now ("AVX3", "AVX2", ...).
const char* dispatched_target_name();

} // namespace convscope::fast
