// The arithmetic behind one value, recomputed term by term from the layer's inputs with the same
// geometry and order as the reference loops (naive_*.cpp), so the terms add up to the map's
// value; and the same arithmetic as a generic table for views.

#include "convscope/value_explanation.hpp"
#include "convscope/pad2d.hpp"
#include "convscope/padding.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>

namespace convscope {

namespace {

template <class... Ts> struct Overloaded : Ts... { using Ts::operator()...; };
template <class... Ts> Overloaded(Ts...) -> Overloaded<Ts...>;

// The cell at padded position (y, x) of `channel`, read through `mode`.
WindowCell read_cell(const Tensor& input, int channel, int y, int x, PaddingMode mode) {
    WindowCell cell;
    cell.y = y;
    cell.x = x;
    cell.source_y = source_index(y, input.height(), mode);
    cell.source_x = source_index(x, input.width(), mode);
    if (cell.reads_zero_padding()) {
        cell.source_y = cell.source_x = -1;
        cell.value = 0.0f;
    } else {
        cell.value = input.at(channel, cell.source_y, cell.source_x);
    }
    return cell;
}

ConvExplanation explain_conv(const Conv2d& conv, const Tensor& input, int o, int oy, int ox) {
    const ConvWeights& w = conv.weights;
    const PadSides pad = conv.pad_sides();
    const int out_per_group = w.out_channels / conv.groups;
    const int first_in = (o / out_per_group) * w.in_channels;
    const int top = oy * conv.stride.h - pad.top;
    const int left = ox * conv.stride.w - pad.left;

    ConvExplanation e;
    for (int i = 0; i < w.in_channels; ++i) {
        ConvChannelTerms terms;
        terms.input_channel = first_in + i;
        terms.kernel_h = w.kernel_h;
        terms.kernel_w = w.kernel_w;
        for (int ky = 0; ky < w.kernel_h; ++ky)
            for (int kx = 0; kx < w.kernel_w; ++kx) {
                const WindowCell cell = read_cell(input, first_in + i, top + ky * conv.dilation.h,
                                                  left + kx * conv.dilation.w, conv.padding_mode);
                const float weight = w.at(o, i, ky, kx);
                const double product = static_cast<double>(weight) * cell.value;
                terms.patch.push_back(cell);
                terms.weights.push_back(weight);
                terms.products.push_back(product);
                terms.sum += product;
            }
        e.sum += terms.sum;
        e.channels.push_back(std::move(terms));
    }
    e.has_bias = !conv.bias.empty();
    e.bias = e.has_bias ? conv.bias[static_cast<std::size_t>(o)] : 0.0;
    e.value = e.sum + e.bias;
    return e;
}

// PyTorch's window: it starts at o·stride − padding and is cut where the padded input ends
// (the ceil_mode overhang).
PoolExplanation explain_pool(const Pool2d& pool, const Tensor& input, int c, int oy, int ox) {
    const int y0 = oy * pool.stride.h - pool.padding.h;
    const int x0 = ox * pool.stride.w - pool.padding.w;
    const int y1 = std::min(y0 + pool.kernel_size.h, input.height() + pool.padding.h);
    const int x1 = std::min(x0 + pool.kernel_size.w, input.width() + pool.padding.w);

    PoolExplanation e;
    e.kind = pool.kind;
    e.count_include_pad = pool.count_include_pad;
    e.window_h = std::max(0, y1 - y0);
    e.window_w = std::max(0, x1 - x0);
    int inside = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            // Pool padding reads nothing: -inf for max, 0 for the average.
            const WindowCell cell = read_cell(input, c, y, x, PaddingMode::Zeros);
            e.cells.push_back(cell);
            if (cell.padded())
                continue;
            ++inside;
            e.sum += cell.value;
            const int index = static_cast<int>(e.cells.size()) - 1;
            // The first largest wins; NaN propagates as in PyTorch.
            if (e.winner < 0 || cell.value > e.cells[static_cast<std::size_t>(e.winner)].value ||
                cell.value != cell.value)
                e.winner = index;
        }
    if (pool.kind == PoolKind::Max) {
        e.value = e.winner >= 0 ? e.cells[static_cast<std::size_t>(e.winner)].value : 0.0;
    } else {
        e.divisor = pool.count_include_pad ? static_cast<int>(e.cells.size()) : inside;
        e.value = e.divisor > 0 ? e.sum / e.divisor : 0.0;
    }
    return e;
}

// The maps a layer reads, with their levels in a run (-1 when explained on its own).
struct Inputs {
    std::span<const Tensor* const> maps;
    std::span<const int> levels;

    const Tensor& map(int k) const { return *maps[static_cast<std::size_t>(k)]; }
    MapCell cell(int k, int channel, int y, int x) const {
        return {k, levels[static_cast<std::size_t>(k)], channel, y, x};
    }
};

ActivationExplanation explain_activation(const Activation& act, const Inputs& in, int c, int y,
                                         int x) {
    ActivationExplanation e;
    e.kind = act.kind;
    e.negative_slope = act.kind == ActivationKind::PReLU ? act.slope(c) : act.negative_slope;
    Activation for_channel = act;
    if (act.kind == ActivationKind::PReLU)
        for_channel.slopes = {act.slope(c)};
    e.formula = activation_formula(for_channel);
    e.before = in.map(0).at(c, y, x);
    e.source = in.cell(0, c, y, x);
    e.value = act.apply(e.before, c);
    return e;
}

BatchNormExplanation explain_batch_norm(const BatchNorm2d& bn, const Inputs& in, int c, int y,
                                        int x) {
    const auto i = static_cast<std::size_t>(c);
    BatchNormExplanation e;
    e.x = in.map(0).at(c, y, x);
    e.source = in.cell(0, c, y, x);
    e.running_mean = bn.running_mean[i];
    e.running_var = bn.running_var[i];
    e.eps = bn.eps;
    e.weight = bn.weight[i];
    e.bias = bn.bias[i];
    // As naive_batch_norm: (x − mean) · (1 / √(var + eps)) · γ + β, in double.
    e.std_dev = std::sqrt(double(e.running_var) + double(e.eps));
    const double inv_std = 1.0 / e.std_dev;
    e.normalized = (e.x - double(e.running_mean)) * inv_std;
    e.value = e.normalized * double(e.weight) + double(e.bias);
    return e;
}

AddExplanation explain_add(const Add& add, const Inputs& in, int c, int y, int x) {
    AddExplanation e;
    e.has_constant = !add.constant.empty();
    e.constant = add.constant_for(c);
    double sum = e.constant;
    for (int k = 0; k < static_cast<int>(in.maps.size()); ++k) {
        const float v = in.map(k).at(c, y, x);
        e.operands.push_back({in.cell(k, c, y, x), v});
        sum += v;
    }
    e.value = sum;
    return e;
}

CopyExplanation copy_of(const Inputs& in, int k, int c, int y, int x) {
    CopyExplanation e;
    e.source = in.cell(k, c, y, x);
    e.before = in.map(k).at(c, y, x);
    e.value = e.before;
    return e;
}

CopyExplanation explain_concat(const Inputs& in, int c, int y, int x) {
    int k = 0;
    while (c >= in.map(k).channels())
        c -= in.map(k++).channels();
    CopyExplanation e = copy_of(in, k, c, y, x);
    for (int j = 0; j < static_cast<int>(in.maps.size()); ++j)
        e.input_channels.push_back(in.map(j).channels());
    return e;
}

CopyExplanation explain_flatten(const Inputs& in, int feature) {
    const Tensor& map = in.map(0);
    const int plane = map.height() * map.width();
    return copy_of(in, 0, feature / plane, feature % plane / map.width(), feature % map.width());
}

PadExplanation explain_pad(const Pad2d& pad, const Inputs& in, int c, int y, int x) {
    const Tensor& map = in.map(0);
    const PadSides& s = pad.sides;
    PadExplanation e;
    e.mode = pad.mode;
    e.padded_y = y - s.top;
    e.padded_x = x - s.left;
    const int sy = pad_source_index(y, s.top, s.bottom, map.height(), pad.mode);
    const int sx = pad_source_index(x, s.left, s.right, map.width(), pad.mode);
    e.constant = pad.value;
    e.reads_constant = sy < 0 || sx < 0;
    if (e.reads_constant) {
        e.value = pad.value;
    } else {
        e.source = in.cell(0, c, sy, sx);
        e.before = map.at(c, sy, sx);
        e.value = e.before;
    }
    return e;
}

GlobalPoolExplanation explain_global_pool(const GlobalPool2d& pool, const Inputs& in, int c) {
    const Tensor& map = in.map(0);
    GlobalPoolExplanation e;
    e.kind = pool.kind;
    e.height = map.height();
    e.width = map.width();
    e.count = static_cast<long long>(map.height()) * map.width();
    float best = -std::numeric_limits<float>::infinity();
    bool found = false;
    for (int y = 0; y < map.height(); ++y)
        for (int x = 0; x < map.width(); ++x) {
            const float v = map.at(c, y, x);
            e.sum += v;
            // The first largest wins; NaN propagates as in PyTorch.
            if (!found || v > best || (v != v && best == best)) {
                best = v;
                e.winner = in.cell(0, c, y, x);
                found = true;
            }
        }
    e.value = pool.kind == PoolKind::Max ? double(best) : e.sum / double(e.count);
    return e;
}

LinearExplanation explain_linear(const Linear& fc, const Inputs& in, int o) {
    const Tensor& map = in.map(0);
    LinearExplanation e;
    e.features = fc.in_features;
    std::vector<LinearExplanation::Contribution> all;
    all.reserve(static_cast<std::size_t>(fc.in_features));
    double sum = fc.bias.empty() ? 0.0 : fc.bias[static_cast<std::size_t>(o)];
    for (int i = 0; i < fc.in_features; ++i) {
        LinearExplanation::Contribution t;
        t.feature = i;
        t.source = in.cell(0, i, 0, 0);
        t.input = map.at(i, 0, 0);
        t.weight = fc.at(o, i);
        t.product = double(t.weight) * t.input;
        sum += t.product; // in the reference loop's order
        e.sum += t.product;
        all.push_back(t);
    }
    std::vector<std::size_t> order(all.size());
    for (std::size_t i = 0; i < order.size(); ++i)
        order[i] = i;
    const std::size_t shown = std::min<std::size_t>(order.size(), LinearExplanation::kShown);
    std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(shown),
                      order.end(), [&](std::size_t a, std::size_t b) {
                          const double pa = std::abs(all[a].product);
                          const double pb = std::abs(all[b].product);
                          return pa > pb || (pa == pb && a < b);
                      });
    std::vector<char> listed(all.size(), 0);
    for (std::size_t k = 0; k < shown; ++k) {
        e.largest.push_back(all[order[k]]);
        listed[order[k]] = 1;
    }
    for (std::size_t i = 0; i < all.size(); ++i)
        if (!listed[i])
            e.rest += all[i].product;
    e.has_bias = !fc.bias.empty();
    e.bias = e.has_bias ? fc.bias[static_cast<std::size_t>(o)] : 0.0;
    e.value = sum;
    return e;
}

SoftmaxExplanation explain_softmax(const Inputs& in, int c, int y, int x) {
    const Tensor& map = in.map(0);
    SoftmaxExplanation e;
    e.channels = map.channels();
    e.x = map.at(c, y, x);
    e.source = in.cell(0, c, y, x);
    e.largest = -std::numeric_limits<float>::infinity();
    for (int k = 0; k < map.channels(); ++k)
        if (map.at(k, y, x) > e.largest) {
            e.largest = map.at(k, y, x);
            e.largest_channel = k;
        }
    std::vector<SoftmaxExplanation::Term> all;
    all.reserve(static_cast<std::size_t>(map.channels()));
    for (int k = 0; k < map.channels(); ++k) {
        const float z = map.at(k, y, x);
        const double term = std::exp(double(z) - e.largest);
        e.sum += term; // in the reference loop's order
        all.push_back({k, in.cell(0, k, y, x), z, term});
    }
    // The largest inputs are the largest terms: list those, first channel first among equals.
    const std::size_t shown = std::min<std::size_t>(all.size(), SoftmaxExplanation::kShown);
    std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(shown), all.end(),
                      [](const SoftmaxExplanation::Term& a, const SoftmaxExplanation::Term& b) {
                          return a.z > b.z || (a.z == b.z && a.channel < b.channel);
                      });
    e.terms.assign(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(shown));
    std::sort(all.begin() + static_cast<std::ptrdiff_t>(shown), all.end(),
              [](const SoftmaxExplanation::Term& a, const SoftmaxExplanation::Term& b) {
                  return a.channel < b.channel;
              });
    for (std::size_t k = shown; k < all.size(); ++k)
        e.rest += all[k].exp;
    e.exp = std::exp(double(e.x) - e.largest);
    e.value = e.exp / e.sum;
    return e;
}

// `index` only names the layer in messages; `levels` holds one level per input map.
ValueExplanation explain_at(const Layer& layer, int index, std::span<const Tensor* const> maps,
                            std::span<const int> levels, int channel, int y, int x) {
    std::vector<Shape> shapes;
    for (const Tensor* map : maps)
        shapes.push_back(map->shape());
    const Shape out = infer_shape(layer, shapes, index);
    if (channel < 0 || channel >= out.channels || y < 0 || y >= out.height || x < 0 ||
        x >= out.width)
        throw std::out_of_range("explain value: map " + std::to_string(channel + 1) + " at (y " +
                                std::to_string(y) + ", x " + std::to_string(x) +
                                ") is outside layer " + std::to_string(index + 1) + "'s output " +
                                out.str());
    const Inputs in{maps, levels};
    ValueExplanation e;
    e.layer = index;
    e.channel = channel;
    e.y = y;
    e.x = x;
    e.type = std::string(type_name(layer));
    e.input_levels.assign(levels.begin(), levels.end());
    if (!layer.enabled) {
        const float before = in.map(0).at(channel, y, x);
        e.terms = PassThroughExplanation{before, before, in.cell(0, channel, y, x)};
        return e;
    }
    std::visit(
        Overloaded{
            [&](const Conv2d& conv) { e.terms = explain_conv(conv, in.map(0), channel, y, x); },
            [&](const Pool2d& pool) { e.terms = explain_pool(pool, in.map(0), channel, y, x); },
            [&](const Activation& act) { e.terms = explain_activation(act, in, channel, y, x); },
            [&](const BatchNorm2d& bn) { e.terms = explain_batch_norm(bn, in, channel, y, x); },
            [&](const Add& add) { e.terms = explain_add(add, in, channel, y, x); },
            [&](const Concat&) { e.terms = explain_concat(in, channel, y, x); },
            [&](const GlobalPool2d& pool) { e.terms = explain_global_pool(pool, in, channel); },
            [&](const Pad2d& pad) { e.terms = explain_pad(pad, in, channel, y, x); },
            [&](const Flatten&) { e.terms = explain_flatten(in, channel); },
            [&](const Linear& fc) { e.terms = explain_linear(fc, in, channel); },
            [&](const Softmax&) { e.terms = explain_softmax(in, channel, y, x); },
        },
        layer.op);
    return e;
}

// ---------------------------------------------------------------------------------------------
// The generic table.

constexpr double kBlank = std::numeric_limits<double>::quiet_NaN();

// A number for people: up to 6 significant digits, as the app shows them.
std::string num(double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.6g", v);
    return buffer;
}

// "(y 3, x -1)": a position with its axes named, since rows and columns are easy to mix up.
std::string position(int y, int x) {
    return "(y " + std::to_string(y) + ", x " + std::to_string(x) + ")";
}

// " + v", or " − |v|" for a negative v: a term added to a sum, as a person writes it.
std::string plus(double v) {
    return v < 0 ? " − " + num(-v) : " + " + num(v);
}

// " − v", or " + |v|" for a negative v.
std::string minus(double v) {
    return v < 0 ? " + " + num(-v) : " − " + num(v);
}

// "layer 3", "the input" or "input 2": where a map cell comes from, for labels.
std::string where(const MapCell& cell) {
    if (cell.level == 0)
        return "the input";
    if (cell.level > 0)
        return "layer " + std::to_string(cell.level);
    return "input " + std::to_string(cell.input + 1);
}

std::string cell_label(const MapCell& cell) {
    return where(cell) + ", ch " + std::to_string(cell.channel + 1) + " " +
           position(cell.y, cell.x);
}

struct TableBuilder {
    ExplanationTable table;

    ExplanationRow& row(ExplanationRow::Kind kind, std::string label, std::vector<double> numbers,
                        std::string note = {}, MapCell source = {}) {
        ExplanationRow r;
        r.kind = kind;
        r.label = std::move(label);
        r.numbers = std::move(numbers);
        r.note = std::move(note);
        r.source = source;
        table.rows.push_back(std::move(r));
        return table.rows.back();
    }
};

MapCell window_source(const ValueExplanation& e, const WindowCell& cell, int channel) {
    if (cell.reads_zero_padding())
        return {};
    const int level = e.input_levels.empty() ? -1 : e.input_levels[0];
    return {0, level, channel, cell.source_y, cell.source_x};
}

using Kind = ExplanationRow::Kind;

void conv_table(const ValueExplanation& v, const ConvExplanation& e, TableBuilder& b) {
    b.table.title = "Convolution: Σ input × weight over the window, + bias";
    b.table.columns = {"input", "weight", "product"};
    int padded = 0;
    for (const ConvChannelTerms& ch : e.channels) {
        for (std::size_t i = 0; i < ch.patch.size(); ++i) {
            const WindowCell& cell = ch.patch[i];
            std::string note;
            if (cell.reads_zero_padding())
                note = "zero padding";
            else if (cell.padded())
                note = "padding: reads " + position(cell.source_y, cell.source_x);
            padded += cell.padded();
            b.row(Kind::Term,
                  "ch " + std::to_string(ch.input_channel + 1) + " " + position(cell.y, cell.x),
                  {cell.value, ch.weights[i], ch.products[i]}, note,
                  window_source(v, cell, ch.input_channel));
        }
        b.row(Kind::Subtotal, "Σ channel " + std::to_string(ch.input_channel + 1),
              {kBlank, kBlank, ch.sum});
    }
    b.row(Kind::Subtotal, "Σ all channels", {kBlank, kBlank, e.sum});
    if (e.has_bias)
        b.row(Kind::Parameter, "+ bias", {kBlank, kBlank, e.bias});
    b.row(Kind::Result, "= value", {kBlank, kBlank, e.value});
    b.table.formula = "Σ over " + std::to_string(e.channels.size()) +
                      " channel(s) = " + num(e.sum) + (e.has_bias ? " + bias " + num(e.bias) : "") +
                      " = " + num(e.value) +
                      (padded ? " (" + std::to_string(padded) + " padded cell(s))" : "");
}

void pool_table(const ValueExplanation& v, const PoolExplanation& e, TableBuilder& b) {
    const bool max = e.kind == PoolKind::Max;
    b.table.title = max ? "Max pooling: the largest cell of the window"
                        : "Average pooling: the window's sum ÷ PyTorch's divisor";
    b.table.columns = {"input"};
    for (std::size_t i = 0; i < e.cells.size(); ++i) {
        const WindowCell& cell = e.cells[i];
        const bool winner = max && static_cast<int>(i) == e.winner;
        std::string note =
            cell.padded()
                ? (max ? "padding (never wins)"
                       : (e.count_include_pad ? "padding (counts as 0)" : "padding (left out)"))
                : (winner ? "the largest" : "");
        b.row(Kind::Term, "cell " + position(cell.y, cell.x),
              {cell.padded() ? kBlank : double(cell.value)}, note,
              window_source(v, cell, v.channel))
            .highlighted = winner;
    }
    if (max) {
        b.row(Kind::Result, "= max", {e.value});
        b.table.formula = "max of the " + std::to_string(e.window_h) + "×" +
                          std::to_string(e.window_w) + " window = " + num(e.value);
    } else {
        b.row(Kind::Subtotal, "Σ", {e.sum});
        b.row(Kind::Parameter, "÷ divisor", {double(e.divisor)});
        b.row(Kind::Result, "= mean", {e.value});
        b.table.formula = num(e.sum) + " ÷ " + std::to_string(e.divisor) + " = " + num(e.value);
    }
}

void value_table(const ActivationExplanation& e, TableBuilder& b) {
    b.table.title = "Activation: f(x) = " + e.formula;
    b.table.columns = {"value"};
    b.row(Kind::Input, "x", {e.before}, "", e.source);
    b.row(Kind::Result, "f(x)", {e.value});
    b.table.formula = "f(" + num(e.before) + ") = " + num(e.value);
}

void value_table(const PassThroughExplanation& e, TableBuilder& b) {
    b.table.title = "The layer is disabled: it passes its input through";
    b.table.columns = {"value"};
    b.row(Kind::Input, "input", {e.before}, "", e.source);
    b.row(Kind::Result, "= value", {e.value});
    b.table.formula = num(e.value);
}

void value_table(const BatchNormExplanation& e, TableBuilder& b) {
    b.table.title = "Batch norm: (x − running_mean) / √(running_var + eps) · weight + bias";
    b.table.columns = {"value"};
    b.row(Kind::Input, "x", {e.x}, "", e.source);
    b.row(Kind::Parameter, "running_mean", {e.running_mean});
    b.row(Kind::Parameter, "running_var", {e.running_var});
    b.row(Kind::Parameter, "eps", {e.eps});
    b.row(Kind::Subtotal, "√(running_var + eps)", {e.std_dev});
    b.row(Kind::Subtotal, "(x − running_mean) / √(running_var + eps)", {e.normalized});
    b.row(Kind::Parameter, "× weight (γ)", {e.weight});
    b.row(Kind::Parameter, "+ bias (β)", {e.bias});
    b.row(Kind::Result, "= value", {e.value});
    b.table.formula = "(" + num(e.x) + minus(e.running_mean) + ") / √(" + num(e.running_var) +
                      " + " + num(e.eps) + ") · " + num(e.weight) + plus(e.bias) + " = " +
                      num(e.value);
}

void value_table(const AddExplanation& e, TableBuilder& b) {
    b.table.title = "Add: the sum of its inputs at this cell";
    b.table.columns = {"value"};
    std::string sum;
    for (const AddExplanation::Operand& op : e.operands) {
        b.row(Kind::Input, cell_label(op.source), {op.value}, "", op.source);
        sum += sum.empty() ? num(op.value) : plus(op.value);
    }
    if (e.has_constant) {
        b.row(Kind::Parameter, "+ constant", {e.constant});
        sum += plus(e.constant);
    }
    b.row(Kind::Result, "= sum", {e.value});
    b.table.formula = sum + " = " + num(e.value);
}

// "input 2 (layer 5)": a layer's input by its place in the layer's list, and the map it is.
std::string input_name(const ValueExplanation& v, int input) {
    const int level = input < static_cast<int>(v.input_levels.size())
                          ? v.input_levels[static_cast<std::size_t>(input)]
                          : -1;
    const std::string name = "input " + std::to_string(input + 1);
    if (level < 0)
        return name;
    return name + " (" + where(MapCell{input, level}) + ")";
}

void value_table(const ValueExplanation& v, const CopyExplanation& e, TableBuilder& b) {
    b.table.columns = {"value"};
    if (v.type == "concat") {
        b.table.title = "Concat: channel " + std::to_string(v.channel + 1) + " is channel " +
                        std::to_string(e.source.channel + 1) + " of " +
                        input_name(v, e.source.input);
        // Where every input's channels land in the output, the one read marked.
        int first = 0;
        for (int k = 0; k < static_cast<int>(e.input_channels.size()); ++k) {
            const int count = e.input_channels[static_cast<std::size_t>(k)];
            const bool read = k == e.source.input;
            b.row(Kind::Parameter, input_name(v, k), {double(count)},
                  "channels " + std::to_string(first + 1) + "–" + std::to_string(first + count) +
                      " of the output" +
                      (read ? "; channel " + std::to_string(v.channel + 1) + " is its " +
                                  std::to_string(e.source.channel + 1)
                            : ""))
                .highlighted = read;
            first += count;
        }
    } else {
        b.table.title = "Flatten: feature " + std::to_string(v.channel + 1) + " is channel " +
                        std::to_string(e.source.channel + 1) + " at " +
                        position(e.source.y, e.source.x);
    }
    b.row(Kind::Input, cell_label(e.source), {e.before}, "", e.source);
    b.row(Kind::Result, "= value", {e.value});
    b.table.formula = "copied from " + cell_label(e.source) + ": " + num(e.value);
}

void value_table(const PadExplanation& e, TableBuilder& b) {
    b.table.title = "Pad: inside the map it copies the input; in the padding it reads " +
                    std::string(e.mode == PaddingMode::Reflect     ? "the mirrored cell"
                                : e.mode == PaddingMode::Replicate ? "the nearest edge cell"
                                : e.mode == PaddingMode::Circular  ? "the wrapped-around cell"
                                                                   : "the constant");
    b.table.columns = {"value"};
    const std::string at = position(e.padded_y, e.padded_x);
    const std::string mode(to_string(e.mode));
    if (e.reads_constant) {
        b.row(Kind::Parameter, "constant", {e.constant}, at + " lies in the padding");
        b.table.formula = at + " lies in the padding: the constant " + num(e.constant);
    } else {
        const bool inside = e.source.y == e.padded_y && e.source.x == e.padded_x;
        const char* how = e.mode == PaddingMode::Reflect     ? "mirrored"
                          : e.mode == PaddingMode::Replicate ? "the edge repeated"
                          : e.mode == PaddingMode::Circular  ? "wrapped around"
                                                             : "";
        const std::string source = position(e.source.y, e.source.x);
        const std::string note =
            inside ? "inside the map" : at + " lies in the " + mode + " padding: " + how;
        b.row(Kind::Input, cell_label(e.source), {e.before}, note, e.source);
        b.table.formula =
            inside ? at + " lies inside the map: copied from " + source + ": " + num(e.value)
                   : at + " lies in the " + mode + " padding and reads " + source + " (" + how +
                         "): " + num(e.value);
    }
    b.row(Kind::Result, "= value", {e.value});
}

void value_table(const GlobalPoolExplanation& e, TableBuilder& b) {
    b.table.columns = {"value"};
    const std::string size = std::to_string(e.height) + "×" + std::to_string(e.width);
    const std::string cells = std::to_string(e.count) + " cells";
    if (e.kind == PoolKind::Max) {
        b.table.title = "Global max pooling: the largest cell of the whole map";
        b.row(Kind::Parameter, "cells in the " + size + " map", {double(e.count)});
        b.row(Kind::Input, "the largest, " + cell_label(e.winner), {e.value}, "", e.winner)
            .highlighted = true;
        b.row(Kind::Result, "= max", {e.value});
        b.table.formula = "max of the whole " + size + " map (" + cells + ") = " + num(e.value) +
                          " at " + position(e.winner.y, e.winner.x);
    } else {
        b.table.title = "Global average pooling: the mean of the whole map";
        b.row(Kind::Subtotal, "Σ of the " + size + " map", {e.sum});
        b.row(Kind::Parameter, "÷ cells", {double(e.count)});
        b.row(Kind::Result, "= mean", {e.value});
        b.table.formula = "Σ of the whole " + size + " map ÷ " + cells + " = " + num(e.sum) +
                          " ÷ " + std::to_string(e.count) + " = " + num(e.value);
    }
}

void value_table(const LinearExplanation& e, TableBuilder& b) {
    b.table.title =
        "Linear: Σ input × weight over " + std::to_string(e.features) + " features, + bias";
    b.table.columns = {"input", "weight", "product"};
    for (const LinearExplanation::Contribution& t : e.largest)
        b.row(Kind::Term, "feature " + std::to_string(t.feature + 1),
              {t.input, t.weight, t.product},
              t.origin.is_map() ? "flattened from " + cell_label(t.origin) : "", t.source);
    const int others = e.features - static_cast<int>(e.largest.size());
    if (others > 0)
        b.row(Kind::Subtotal, "the " + std::to_string(others) + " other products",
              {kBlank, kBlank, e.rest});
    b.row(Kind::Subtotal, "Σ all products", {kBlank, kBlank, e.sum});
    if (e.has_bias)
        b.row(Kind::Parameter, "+ bias", {kBlank, kBlank, e.bias});
    b.row(Kind::Result, "= value", {kBlank, kBlank, e.value});
    b.table.formula =
        "Σ of " + std::to_string(e.features) + " products = " + num(e.sum) +
        (e.has_bias ? " + bias " + num(e.bias) : "") + " = " + num(e.value) +
        (others > 0 ? " (the " + std::to_string(e.largest.size()) + " largest shown)" : "");
}

void value_table(const SoftmaxExplanation& e, TableBuilder& b) {
    b.table.title = "Softmax over " + std::to_string(e.channels) +
                    " channels: exp(z) / Σ exp(z_k), computed as exp(z − max) / Σ exp(z_k − max)";
    b.table.columns = {"z", "exp(z − max)"};
    b.row(Kind::Input, "z, this channel", {e.x, e.exp}, "", e.source);
    b.row(Kind::Parameter,
          "max over the channels (channel " + std::to_string(e.largest_channel + 1) + ")",
          {e.largest, kBlank}, "subtracted so that exp cannot overflow");
    for (const SoftmaxExplanation::Term& t : e.terms)
        b.row(Kind::Term, "channel " + std::to_string(t.channel + 1), {t.z, t.exp}, "", t.source)
            .highlighted = t.channel == e.source.channel;
    const int others = e.channels - static_cast<int>(e.terms.size());
    if (others > 0)
        b.row(Kind::Subtotal, "the " + std::to_string(others) + " other channels",
              {kBlank, e.rest});
    b.row(Kind::Subtotal, "Σ exp(z_k − max)", {kBlank, e.sum});
    b.row(Kind::Result, "= probability", {kBlank, e.value});
    b.table.formula = "exp(" + num(e.x) + ") / Σ exp(z_k) = exp(" + num(e.x) + minus(e.largest) +
                      ") / " + num(e.sum) + " = " + num(e.exp) + " / " + num(e.sum) + " = " +
                      num(e.value);
}

// A linear layer reading an enabled flatten: each listed feature's cell in the map the flatten
// read (feature f is channel f / (h·w), row (f / w) mod h, column f mod w).
void name_flattened_cells(const Pipeline& pipeline, const Tensor& first_read,
                          const RunResult& result, int layer, LinearExplanation& fc) {
    const int flatten = input_index(pipeline.layers[static_cast<std::size_t>(layer)], layer, 0);
    if (flatten == kPipelineInput)
        return;
    const Layer& flat = pipeline.layers[static_cast<std::size_t>(flatten)];
    if (!flat.enabled || !std::holds_alternative<Flatten>(flat.op))
        return;
    const int source = input_index(flat, flatten, 0);
    const Tensor& map = source == kPipelineInput
                            ? first_read
                            : *result.layers[static_cast<std::size_t>(source)].output;
    const int plane = map.height() * map.width();
    for (LinearExplanation::Contribution& t : fc.largest)
        t.origin = {0, source + 1, t.feature / plane, t.feature % plane / map.width(),
                    t.feature % map.width()};
}

} // namespace

double ValueExplanation::value() const {
    return std::visit([](const auto& terms) { return terms.value; }, terms);
}

std::string activation_formula(const Activation& activation) {
    const auto number = [](float v) {
        std::string text = std::to_string(v);
        while (text.size() > 1 && text.back() == '0')
            text.pop_back();
        if (!text.empty() && text.back() == '.')
            text.pop_back();
        return text;
    };
    switch (activation.kind) {
    case ActivationKind::ReLU:
        return "max(0, x)";
    case ActivationKind::LeakyReLU:
        return "x if x >= 0, else " + number(activation.negative_slope) + " * x";
    case ActivationKind::Sigmoid:
        return "1 / (1 + exp(-x))";
    case ActivationKind::Tanh:
        return "tanh(x)";
    case ActivationKind::PReLU:
        return activation.slopes.size() == 1
                   ? "x if x >= 0, else " + number(activation.slopes[0]) + " * x"
                   : "x if x >= 0, else slope[channel] * x";
    case ActivationKind::ELU:
        return "x if x > 0, else " + number(activation.alpha) + " * (exp(x) - 1)";
    case ActivationKind::HardSigmoid:
        return "min(max(" + number(activation.hard_alpha) + " * x + " +
               number(activation.hard_beta) + ", 0), 1)";
    case ActivationKind::HardSwish:
        return "x * min(max(x + 3, 0), 6) / 6";
    case ActivationKind::Clip: {
        const bool low = std::isfinite(activation.clip_min);
        const bool high = std::isfinite(activation.clip_max);
        if (low && high)
            return "min(max(x, " + number(activation.clip_min) + "), " +
                   number(activation.clip_max) + ")";
        if (low)
            return "max(x, " + number(activation.clip_min) + ")";
        if (high)
            return "min(x, " + number(activation.clip_max) + ")";
        return "x";
    }
    }
    return "x";
}

ValueExplanation explain_layer_value(const Layer& layer, const Tensor& layer_input, int channel,
                                     int y, int x) {
    const Tensor* maps[] = {&layer_input};
    return explain_layer_value(layer, maps, channel, y, x);
}

ValueExplanation explain_layer_value(const Layer& layer, std::span<const Tensor* const> inputs,
                                     int channel, int y, int x) {
    const std::vector<int> levels(inputs.size(), -1);
    return explain_at(layer, 0, inputs, levels, channel, y, x);
}

ValueExplanation explain_value(const Pipeline& pipeline, const Tensor& input,
                               const RunResult& result, int layer, int channel, int y, int x) {
    if (layer < 0 || layer >= static_cast<int>(pipeline.layers.size()) ||
        layer >= static_cast<int>(result.layers.size()))
        throw std::out_of_range("explain value: layer " + std::to_string(layer + 1) +
                                " is not in the run (" + std::to_string(result.layers.size()) +
                                " layers)");
    const Layer& explained = pipeline.layers[static_cast<std::size_t>(layer)];
    const Tensor& first_read = result.input ? *result.input : input;
    std::vector<const Tensor*> maps;
    std::vector<int> levels;
    for (int k = 0; k < input_count(explained); ++k) {
        const int source = input_index(explained, layer, k);
        maps.push_back(source == kPipelineInput
                           ? &first_read
                           : result.layers[static_cast<std::size_t>(source)].output.get());
        levels.push_back(source + 1);
    }
    ValueExplanation e = explain_at(explained, layer, maps, levels, channel, y, x);
    if (auto* fc = std::get_if<LinearExplanation>(&e.terms))
        name_flattened_cells(pipeline, first_read, result, layer, *fc);
    return e;
}

ExplanationTable explanation_table(const ValueExplanation& explanation) {
    TableBuilder b;
    std::visit(Overloaded{
                   [&](const ConvExplanation& e) { conv_table(explanation, e, b); },
                   [&](const PoolExplanation& e) { pool_table(explanation, e, b); },
                   [&](const CopyExplanation& e) { value_table(explanation, e, b); },
                   [&](const auto& e) { value_table(e, b); },
               },
               explanation.terms);
    return b.table;
}

} // namespace convscope
