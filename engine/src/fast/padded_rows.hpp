#pragma once
// Padded input rows, built on the fly for one strip of output rows at a time: every padding mode
// becomes a plain "valid" correlation for the kernels, and the strip stays in L1/L2.

#include "convscope/padding.hpp"
#include "convscope/tensor.hpp"

#include <cstddef>

namespace convscope::fast {

// Floats between padded rows: the padded width plus one AVX-512 vector of slack, so kernels can
// read whole vectors past the end.
std::size_t padded_row_stride(int padded_width);

// Writes padded rows [first, first + count) of one channel of `in` (padded row p shows input
// row p − pad.top) to dst, row i at dst + i·dst_stride. Cells outside the input read as
// `padding_mode` says; the slack after each row is zeroed.
void copy_padded_rows(const Tensor& in, int channel, const PadSides& pad, PaddingMode mode,
                      int first, int count, float* dst, std::size_t dst_stride);

} // namespace convscope::fast
