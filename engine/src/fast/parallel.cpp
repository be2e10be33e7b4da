#include "fast/parallel.hpp"

#include <algorithm>

namespace convscope::fast {

int strip_height(int out_rows, int row_step, int halo_rows, std::size_t row_bytes,
                 std::size_t budget_bytes, int min_tasks) {
    const std::size_t fit_rows = budget_bytes / std::max<std::size_t>(row_bytes, 1);
    int rows = static_cast<int>(
        (fit_rows > static_cast<std::size_t>(halo_rows) ? fit_rows - halo_rows : 1) /
        std::max(row_step, 1));
    rows = std::clamp(rows, 1, 64);
    const int for_tasks = std::max(1, (out_rows + min_tasks - 1) / std::max(min_tasks, 1));
    rows = std::min(rows, for_tasks);
    // Kernels work in tiles of 4 rows; a strip of 4k rows never falls back to single rows.
    return rows >= 8 ? rows / 4 * 4 : rows;
}

} // namespace convscope::fast
