#pragma once
// The arithmetic behind one value of a feature map, term by term, so that a person can check it:
//   conv:       Σ over input channels and kernel cells of input × weight, + bias
//   max pool:   the largest cell of the window (padding never wins)
//   avg pool:   the sum of the window's cells / PyTorch's divisor
//   activation: f(before)
// Every number is recomputed from the layer's input, in double, in the order the reference
// backend uses; `value` is what that arithmetic gives, to set beside the map's own value.

#include "convscope/backend.hpp"
#include "convscope/layer.hpp"
#include "convscope/tensor.hpp"

#include <string>
#include <variant>
#include <vector>

namespace convscope {

// One cell of a window, in the padded coordinates of the layer's input map.
struct WindowCell {
    int y = 0; // may lie outside the map (in its padding)
    int x = 0;
    // The map position the cell reads: itself inside the map; for reflect, replicate and
    // circular padding the real cell it mirrors, repeats or wraps to; -1 for a cell that reads
    // nothing (zero padding, pooling padding).
    int source_y = 0;
    int source_x = 0;
    float value = 0; // what the cell contributes: the input there, 0 for zero padding

    bool padded() const { return reads_zero_padding() || source_y != y || source_x != x; }
    bool reads_zero_padding() const { return source_y < 0 || source_x < 0; }
};

// One input channel's share of a conv value: the patch under the kernel, the weights, their
// products (row-major, kernel_h × kernel_w each) and their sum.
struct ConvChannelTerms {
    int input_channel = 0; // index into the layer's input
    int kernel_h = 0;
    int kernel_w = 0;
    std::vector<WindowCell> patch;
    std::vector<float> weights;
    std::vector<double> products;
    double sum = 0;
};

struct ConvExplanation {
    std::vector<ConvChannelTerms> channels; // the output channel's group, in order
    double sum = 0;                         // of every channel's sum
    double bias = 0;                        // 0 when the layer has none
    bool has_bias = false;
    double value = 0; // sum + bias
};

struct PoolExplanation {
    PoolKind kind = PoolKind::Max;
    // The window cells that lie in the padded input (row-major); cells that the ceil_mode
    // overhang pushes beyond the padding are left out, as PyTorch leaves them out.
    int window_h = 0;
    int window_w = 0;
    std::vector<WindowCell> cells;
    // Max: the index in `cells` of the winner (the first largest cell inside the map).
    int winner = -1;
    // Avg: the sum of the cells inside the map, PyTorch's divisor (count_include_pad: every cell
    // of `cells`; otherwise only those inside the map) and their quotient.
    double sum = 0;
    int divisor = 0;
    bool count_include_pad = true;
    double value = 0; // the max, or sum / divisor
};

struct ActivationExplanation {
    ActivationKind kind = ActivationKind::ReLU;
    float negative_slope = 0;
    std::string formula; // e.g. "max(0, x)"
    float before = 0;
    double value = 0; // f(before)
};

// A disabled layer: the value is its input's.
struct PassThroughExplanation {
    float before = 0;
    double value = 0;
};

struct ValueExplanation {
    int layer = 0; // the value is layer `layer`'s output at (channel, y, x)
    int channel = 0;
    int y = 0;
    int x = 0;
    std::variant<ConvExplanation, PoolExplanation, ActivationExplanation, PassThroughExplanation>
        terms;

    // The recomputed value (sum + bias, the max, the mean, f(before) or the input).
    double value() const;
};

// The formula an activation computes, for people: "max(0, x)", "1 / (1 + exp(-x))", ...
std::string activation_formula(const Activation& activation);

// Explains value (channel, y, x) of `layer`'s output, computed from that layer's input map.
// Throws std::out_of_range when the position is not in the layer's output for that input, and
// PipelineError when the layer cannot take that input.
ValueExplanation explain_layer_value(const Layer& layer, const Tensor& layer_input, int channel,
                                     int y, int x);

// The same for layer `layer` of a run: its input is `input` (layer 0) or the previous layer's
// output in `result`.
ValueExplanation explain_value(const Pipeline& pipeline, const Tensor& input,
                               const RunResult& result, int layer, int channel, int y, int x);

} // namespace convscope
