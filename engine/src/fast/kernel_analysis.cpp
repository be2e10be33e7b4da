#include "fast/kernel_analysis.hpp"

#include <cmath>

namespace convscope::fast {

bool split_rank_one(const float* kernel, int kh, int kw, SeparableKernel& out) {
    // Pivot on the largest magnitude: the best-conditioned row and column to divide by.
    int pivot = 0;
    for (int i = 1; i < kh * kw; ++i)
        if (std::abs(kernel[i]) > std::abs(kernel[pivot]))
            pivot = i;
    const double peak = std::abs(kernel[pivot]);
    if (peak == 0)
        return false; // an all-zero kernel: the direct path is as cheap and exact
    const int pr = pivot / kw;
    const int pc = pivot % kw;

    out.column.resize(kh);
    out.row.resize(kw);
    for (int y = 0; y < kh; ++y)
        out.column[y] = kernel[y * kw + pc];
    for (int x = 0; x < kw; ++x)
        out.row[x] = static_cast<float>(static_cast<double>(kernel[pr * kw + x]) / kernel[pivot]);

    const double tolerance = 1e-6 * peak;
    for (int y = 0; y < kh; ++y)
        for (int x = 0; x < kw; ++x) {
            const double product = static_cast<double>(out.column[y]) * out.row[x];
            if (std::abs(kernel[y * kw + x] - product) > tolerance)
                return false;
        }
    return true;
}

} // namespace convscope::fast
