#pragma once
// What a kernel's shape allows: a rank-1 kernel (Gaussian, box, Sobel, Prewitt…) is the outer
// product of a column and a row, so two 1-D passes (kh + kw taps) replace kh·kw taps.

#include <vector>

namespace convscope::fast {

struct SeparableKernel {
    std::vector<float> column; // kh taps, applied along y
    std::vector<float> row;    // kw taps, applied along x
};

// Splits a kh×kw kernel into column ⊗ row when it is rank-1 to within float rounding
// (|k − column·row| ≤ 1e-6·max|k| everywhere). Returns false otherwise.
bool split_rank_one(const float* kernel, int kh, int kw, SeparableKernel& out);

} // namespace convscope::fast
