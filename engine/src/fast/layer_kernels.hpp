#pragma once
// Row kernels for the layers of modern CNNs that are not convolutions: batch norm, residual
// sums, the activations that are not conv epilogues, global pooling, a matrix-vector product
// for linear layers, and softmax over channels. Each dispatches at run time to the CPU's best
// Highway target; the conventions of kernels.hpp hold (rows have slack for whole vectors).

#include <cstddef>

namespace convscope::fast {

// An element-wise activation with its parameters for one channel.
struct PointwiseOp {
    enum class Kind { PReLU, ELU, HardSigmoid, HardSwish, Clip };
    Kind kind = Kind::Clip;
    float a = 0; // PReLU: the slope; ELU: alpha; HardSigmoid: alpha; Clip: min
    float b = 0; // HardSigmoid: beta; Clip: max
};

// out[x] = op(in[x]) for x < n.
void pointwise_row(const float* in, float* out, int n, const PointwiseOp& op);

// out[x] = (in[x] − mean) · scale + shift for x < n (batch norm with scale = γ / √(var + ε)).
void normalize_row(const float* in, float* out, int n, float mean, float scale, float shift);

// out[x] = constant + Σ rows[k][x] for x < n.
void sum_rows(const float* const* rows, int count, int n, float constant, float* out);

// The sum (in double) and the maximum of in[0 … n); NaN wins the maximum, as in PyTorch. Reads
// only the first n values.
double row_sum(const float* in, int n);
float row_max(const float* in, int n);

// Σ a[i] · b[i] for i < n, accumulated in float within short blocks and in double across them.
// Reads only the first n values of each.
double dot(const float* a, const float* b, int n);

// Softmax across `channels` rows at every position x < n: out[c][x] = exp(in[c][x] − m) / Σ,
// with m the largest of in[·][x]. Row c starts c · channel_stride floats after row 0, in `in`
// and in `out` alike.
void softmax_columns(const float* in, float* out, std::size_t channel_stride, int channels, int n);

} // namespace convscope::fast
