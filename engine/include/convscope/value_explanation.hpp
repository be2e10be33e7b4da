#pragma once
// The arithmetic behind one value of a feature map, term by term, so that a person can check it:
//   conv:        Σ over input channels and kernel cells of input × weight, + bias
//   max pool:    the largest cell of the window (padding never wins)
//   avg pool:    the sum of the window's cells / PyTorch's divisor
//   activation:  f(before)
//   batch norm:  (x − running_mean) / √(running_var + eps) · weight + bias
//   add:         each input's value, + the constant
//   concat:      which input and channel the value is copied from
//   global pool: the mean of the whole map, or its largest cell
//   pad:         the input cell it copies (mirrored, repeated or wrapped), or the constant
//   flatten:     the cell it copies
//   linear:      Σ input × weight + bias, with its largest contributions
//   softmax:     exp(x − max) / Σ exp(x_k − max) over the channels
// Every number is recomputed from the layer's inputs, in double, in the order the reference
// backend uses; `value` is what that arithmetic gives, to set beside the map's own value.
//
// Each kind has its own struct (for code that wants the fields by name), and every explanation
// also reads as one generic table (explanation_table): a formula with the numbers, and rows of
// labelled numbers, each naming the map cell it was read from. A view can show any layer's
// arithmetic with that table alone.

#include "convscope/backend.hpp"
#include "convscope/layer.hpp"
#include "convscope/tensor.hpp"

#include <span>
#include <string>
#include <variant>
#include <vector>

namespace convscope {

// A cell of a map an explanation reads: which of the layer's inputs (0 for most layers), the
// level of that map in a run (receptive_field's numbering: 0 the pipeline's input as the first
// layer reads it, k + 1 layer k's output; -1 when the layer was explained on its own), and the
// position.
struct MapCell {
    int input = -1; // -1: not read from a map (a weight, a constant, a computed quantity)
    int level = -1;
    int channel = 0;
    int y = 0;
    int x = 0;

    bool is_map() const { return input >= 0; }
    friend bool operator==(const MapCell&, const MapCell&) = default;
};

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
    float negative_slope = 0; // LeakyReLU's slope, or PReLU's slope for this channel
    std::string formula;      // e.g. "max(0, x)"
    float before = 0;
    double value = 0; // f(before)
    MapCell source;   // where `before` was read
};

// A disabled layer: the value is its input's.
struct PassThroughExplanation {
    float before = 0;
    double value = 0;
    MapCell source;
};

struct BatchNormExplanation {
    float x = 0;
    MapCell source;
    float running_mean = 0;
    float running_var = 0;
    float eps = 0;
    float weight = 0;      // γ
    float bias = 0;        // β
    double std_dev = 0;    // √(running_var + eps)
    double normalized = 0; // (x − running_mean) / std_dev
    double value = 0;      // normalized · weight + bias
};

struct AddExplanation {
    struct Operand {
        MapCell source;
        float value = 0;
    };
    std::vector<Operand> operands; // one per input, in order
    bool has_constant = false;
    float constant = 0; // this channel's
    double value = 0;   // Σ operands + constant
};

// A value copied from one cell of one input: concat, flatten, and a pad that reads a cell.
struct CopyExplanation {
    MapCell source; // the cell copied; for concat `source.input` says which input
    float before = 0;
    double value = 0;
    // Concat: how many channels each input brings, in order (empty for flatten).
    std::vector<int> input_channels;
};

struct PadExplanation {
    // The position in the input's coordinates (y − top, x − left): outside the map where the
    // output lies in the padding.
    int padded_y = 0;
    int padded_x = 0;
    PaddingMode mode = PaddingMode::Zeros;
    bool reads_constant = false; // constant padding outside the map
    float constant = 0;
    MapCell source; // the cell read (mirrored, repeated or wrapped), unless reads_constant
    float before = 0;
    double value = 0;
};

struct GlobalPoolExplanation {
    PoolKind kind = PoolKind::Avg;
    int height = 0; // the whole map
    int width = 0;
    double sum = 0; // avg: of every cell
    long long count = 0;
    MapCell winner;   // max: the first largest cell (NaN wins, as in PyTorch)
    double value = 0; // sum / count, or the winner's value
};

struct LinearExplanation {
    struct Contribution {
        int feature = 0; // the input feature (a channel of 1 × 1)
        MapCell source;
        float input = 0;
        float weight = 0;
        double product = 0;
        // When the linear layer reads a flatten in a run: the cell of the flattened map that
        // this feature is (not a map cell otherwise).
        MapCell origin;
    };
    static constexpr int kShown = 8;
    // The kShown products of largest magnitude, largest first (all of them for small layers).
    std::vector<Contribution> largest;
    int features = 0; // in_features
    double sum = 0;   // Σ of every product
    double rest = 0;  // Σ of the products not in `largest`
    bool has_bias = false;
    double bias = 0;
    double value = 0; // sum + bias
};

struct SoftmaxExplanation {
    // One term of the denominator: channel k's input z_k and e^(z_k − largest).
    struct Term {
        int channel = 0;
        MapCell source;
        float z = 0;
        double exp = 0;
    };
    static constexpr int kShown = 8;
    float x = 0; // this channel's input
    MapCell source;
    int channels = 0;
    float largest = 0; // max over the channels at this cell (subtracted for stability)
    int largest_channel = 0;
    double exp = 0; // e^(x − largest)
    double sum = 0; // Σ over channels of e^(x_k − largest)
    // The kShown terms of largest z, largest first (every channel for small layers), and the sum
    // of the terms not listed.
    std::vector<Term> terms;
    double rest = 0;
    double value = 0; // exp / sum
};

// Explanations as one generic table: what a view needs to show any layer's arithmetic.
struct ExplanationRow {
    enum class Kind {
        Input,     // a value read from a map
        Parameter, // a weight, a statistic, a constant
        Term,      // one term of a sum or one cell of a window
        Subtotal,  // a partial result
        Result,    // the value; always the last row
    };
    Kind kind = Kind::Term;
    std::string label;           // what the number is: "x", "running_mean", "input 2", ...
    std::vector<double> numbers; // one per column of the table (NaN: an empty cell)
    std::string note;            // e.g. "padding", "the winner", "the 7 other products"
    MapCell source;              // the cell it was read from, if any
    bool highlighted = false;    // the row to draw the eye to (the winner, the channel itself)
};

struct ExplanationTable {
    std::string title;                // the layer kind's arithmetic in words
    std::string formula;              // the arithmetic with its numbers, in one line
    std::vector<std::string> columns; // the headers of each row's numbers
    std::vector<ExplanationRow> rows; // in the order of the arithmetic; the last is the value
};

struct ValueExplanation {
    int layer = 0; // the value is layer `layer`'s output at (channel, y, x)
    int channel = 0;
    int y = 0;
    int x = 0;
    std::string type;              // the layer's type name ("conv", "add", ...)
    std::vector<int> input_levels; // the level of each map the layer read (-1: unknown)
    std::variant<ConvExplanation, PoolExplanation, ActivationExplanation, PassThroughExplanation,
                 BatchNormExplanation, AddExplanation, CopyExplanation, PadExplanation,
                 GlobalPoolExplanation, LinearExplanation, SoftmaxExplanation>
        terms;

    // The recomputed value (sum + bias, the max, the mean, f(before) or the input).
    double value() const;
};

// The formula an activation computes, for people: "max(0, x)", "1 / (1 + exp(-x))", ...
std::string activation_formula(const Activation& activation);

// Explains value (channel, y, x) of `layer`'s output, computed from that layer's input map (or
// maps: one per input, in the order of Layer::inputs). Throws std::out_of_range when the
// position is not in the layer's output for those inputs, and PipelineError when the layer
// cannot take them. Map cells name no level (-1).
ValueExplanation explain_layer_value(const Layer& layer, const Tensor& layer_input, int channel,
                                     int y, int x);
ValueExplanation explain_layer_value(const Layer& layer, std::span<const Tensor* const> inputs,
                                     int channel, int y, int x);

// The same for layer `layer` of a run: its inputs are the maps it reads in `result` (the
// pipeline's input as the first layer read it, result.input, or `input` when the result holds
// none). Map cells name their levels; a linear layer that reads a flatten also names the cell of
// the flattened map behind each of its largest contributions.
ValueExplanation explain_value(const Pipeline& pipeline, const Tensor& input,
                               const RunResult& result, int layer, int channel, int y, int x);

// Any explanation as a table (see ExplanationTable).
ExplanationTable explanation_table(const ValueExplanation& explanation);

} // namespace convscope
