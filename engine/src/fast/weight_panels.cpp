// Conv weights packed into the panels the matrix-product kernels read: gemm_panel_rows() output
// channels side by side for every (input channel, tap), so one broadcast per step serves a row
// of the register tile. Rows past a group's last output channel are zero.

#include "fast/fast_ops.hpp"

namespace convscope::fast {

std::size_t weight_panel_floats(const Conv2d& conv, int panel_rows) {
    const ConvWeights& w = conv.weights;
    const int out_per_group = w.out_channels / conv.groups;
    const int panels = (out_per_group + panel_rows - 1) / panel_rows;
    return static_cast<std::size_t>(panels) * panel_rows * w.in_channels * w.kernel_h * w.kernel_w;
}

void pack_weight_panels(const Conv2d& conv, int panel_rows, FloatBuffer& packed) {
    const ConvWeights& w = conv.weights;
    const int out_per_group = w.out_channels / conv.groups;
    const std::size_t k = static_cast<std::size_t>(w.in_channels) * w.kernel_h * w.kernel_w;
    const std::size_t group_floats = weight_panel_floats(conv, panel_rows);
    packed.assign(group_floats * conv.groups, 0.0f);
    for (int g = 0; g < conv.groups; ++g)
        for (int o = 0; o < out_per_group; ++o) {
            const float* row = w.values.data() + (g * out_per_group + o) * k;
            float* panel = packed.data() + g * group_floats +
                           static_cast<std::size_t>(o / panel_rows) * k * panel_rows;
            for (std::size_t i = 0; i < k; ++i)
                panel[i * panel_rows + o % panel_rows] = row[i];
        }
}

} // namespace convscope::fast
